import { execFileSync } from 'node:child_process';

/**
 * Vitest global setup: builds dist/ once per test run. Tests import src/ directly, but the CLI
 * tests spawn the real binary (bin/ckptsim.js runs the compiled CLI) and the package tests pack
 * dist/, so both must see the source as it is now, not the last build.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
