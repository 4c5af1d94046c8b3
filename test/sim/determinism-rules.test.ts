import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The determinism rule, checked on the source: simulated code takes time only from the
 * simulation clock and randomness only from seeded streams. Wall clocks, real timers and
 * unseeded randomness may appear only in the CLI, report and bench layers, or on a line whose
 * comment just above says `Safe for determinism` and why.
 */
const forbidden = /Math\.random|Date\.now|new Date\(|performance\.now|process\.hrtime|setTimeout|setInterval|setImmediate|crypto\.random|randomUUID|randomBytes/;
const exemptLayers = ['cli', 'report', 'bench'];

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true })
    .sort((left, right) => (left.name < right.name ? -1 : 1))
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(directory, entry.name)) : entry.name.endsWith('.ts') ? [join(directory, entry.name)] : []));
}

/** Lines breaking the rule in `text`: `file:line: code`. */
function violations(file: string, text: string): string[] {
  const lines = text.split('\n');
  const found: string[] = [];
  lines.forEach((line, index) => {
    if (!forbidden.test(line.replace(/\/\/.*$/, ''))) return;
    // A justification: a comment block directly above that starts "Safe for determinism".
    let above = index - 1;
    while (above >= 0 && /^\s*\/\//.test(lines[above]!) && !/Safe for determinism/.test(lines[above]!)) above--;
    if (above >= 0 && /^\s*\/\/.*Safe for determinism/.test(lines[above]!)) return;
    found.push(`${file}:${index + 1}: ${line.trim()}`);
  });
  return found;
}

describe('the determinism rule', () => {
  it('holds in simulated code: no wall clock, real timer or unseeded randomness outside src/cli, src/report and src/bench', () => {
    const files = ['src', 'scenarios'].flatMap(sourceFiles).filter((file) => !exemptLayers.some((layer) => file.startsWith(join('src', layer))));
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap((file) => violations(file, readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('the check finds what it looks for, and accepts only a justified line', () => {
    expect(violations('a.ts', 'const t = Date.now();')).toEqual(['a.ts:1: const t = Date.now();']);
    expect(violations('a.ts', 'x();\nconst r = Math.random() * 2;')).toHaveLength(1);
    expect(violations('a.ts', 'setTimeout(step, 10);')).toHaveLength(1);
    expect(violations('a.ts', '// Date.now is not used here\nconst t = clock.nowUs;')).toEqual([]);
    expect(violations('a.ts', '// Safe for determinism: between whole cases.\n// (more reasons)\nawait new Promise((resolve) => setImmediate(resolve));')).toEqual([]);
    expect(violations('a.ts', '// some other comment\nawait new Promise((resolve) => setImmediate(resolve));')).toHaveLength(1);
  });
});
