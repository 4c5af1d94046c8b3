/**
 * Writes docs/fault-plans.md from the plan definitions (`npm run docs:fault-plans`), or with
 * `--check` exits 1 when the committed file differs from what they give.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderFaultPlanReference } from '../src/faults/plan-reference.js';

const path = fileURLToPath(new URL('../docs/fault-plans.md', import.meta.url));
const text = renderFaultPlanReference();
if (process.argv.includes('--check')) {
  const committed = readFileSync(path, 'utf8');
  if (committed !== text) {
    process.stderr.write('docs/fault-plans.md is out of date: run npm run docs:fault-plans\n');
    process.exit(1);
  }
} else {
  writeFileSync(path, text);
  process.stdout.write(`wrote ${path}\n`);
}
