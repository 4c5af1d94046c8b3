// Builds the package into dist/: ESM JavaScript and .d.ts from src/ and scenarios/ (tsc with
// tsconfig.build.json), plus the files tsc does not emit that the compiled code loads at run
// time (the worker-thread entry and the HTML report's stylesheet and script).
// Run by `npm run build`, by `prepare` (so `npm install` of a clone or a git dependency builds),
// and once by vitest's global setup (the CLI tests spawn the built binary).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
// A stale file from a renamed module would otherwise be packed and importable.
rmSync(dist, { recursive: true, force: true });
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
const assets = ['src/explore/worker-boot.mjs', 'src/report/html/report.css', 'src/report/html/report.js'];
for (const asset of assets) {
  mkdirSync(dirname(join(dist, asset)), { recursive: true });
  cpSync(join(root, asset), join(dist, asset));
}
