import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the build reads: a change to any of these (a file's or a folder's time) calls for a build. */
const inputs = ['src', 'scenarios', 'scripts/build.mjs', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
// Outside dist/ (which is packed whole), in the ignored scratch folder.
const stamp = join('.scratch', 'dist-built');

function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  // A folder's time changes when a file in it is added, removed or renamed.
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

/**
 * Vitest global setup: builds dist/ when the source changed since the last build. Tests import
 * src/ directly, but the CLI tests spawn the real binary (bin/ckptsim.js runs the compiled CLI)
 * and the package tests pack dist/, so both must see the source as it is now.
 */
export default function setup(): void {
  const newest = Math.max(...inputs.map(newestChange));
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest && existsSync(join('dist', 'src', 'cli', 'main.js'))) return;
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  mkdirSync('.scratch', { recursive: true });
  writeFileSync(stamp, '');
}
