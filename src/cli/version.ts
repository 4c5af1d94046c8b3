import { readFileSync } from 'node:fs';

// This module runs from src/cli/ under tsx and vitest, and from dist/src/cli/ once built: the
// package.json sits two or three folders up.
const packageJson = new URL(import.meta.url.endsWith('.ts') ? '../../package.json' : '../../../package.json', import.meta.url);

/** The tool's name and version as reports record them, read from package.json. */
export const toolName = `ckptsim ${(JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version}`;
