#!/usr/bin/env node
// The ckptsim command: the compiled CLI in dist/ (`npm run build`; `npm install` builds it).
// TypeScript scenario modules or config need tsx's loader, registered only when one is asked for
// and tsx is installed: everything else runs without it.
import { existsSync } from 'node:fs';

const args = process.argv.slice(2);
const typescript = args.some((arg) => /\.[cm]?ts$/.test(arg)) || ['ckptsim.config.ts', 'ckptsim.config.mts'].some((name) => existsSync(name));
if (typescript) {
  try {
    (await import('tsx/esm/api')).register();
  } catch {
    // Not installed: the module load reports it, naming the file.
  }
}
const cli = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('ckptsim: dist/ is not built; run npm run build (npm install does it)\n');
  process.exit(3);
}
await import(cli.href);
