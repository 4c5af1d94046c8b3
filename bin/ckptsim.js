#!/usr/bin/env node
// The ckptsim command: the compiled CLI in dist/ (`npm run build`; `npm install` of a clone builds
// it). No tsx at run time: TypeScript scenario modules register tsx's loader when they are loaded.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('ckptsim: dist/ is not built; run npm run build (npm install does it)\n');
  process.exit(3);
}
await import(cli.href);
