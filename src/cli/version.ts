import { readFileSync } from 'node:fs';

/** The tool's name and version as reports record them, read from package.json. */
export const toolName = `ckptsim ${(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version}`;
