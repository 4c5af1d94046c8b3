#!/usr/bin/env node
// The ckptsim command in a clone of the repository (`npm start`, the CLI tests): the compiled CLI
// in dist/ (`npm run build`; `npm install` builds it). The package's own bin is that CLI itself,
// dist/src/cli/main.js. No tsx at run time: TypeScript scenario modules register it when loaded.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('ckptsim: dist/ is not built; run npm run build (npm install does it)\n');
  process.exit(3);
}
await import(cli.href);
