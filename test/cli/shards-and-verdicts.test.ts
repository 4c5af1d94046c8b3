import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { parseXml } from '../report/strict-xml.js';

const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync('docs/results.schema.json', 'utf8')) as object);

function ckptsim(args: string[], cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(process.cwd(), 'bin/ckptsim.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' }, ...(cwd === undefined ? {} : { cwd }) });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const lastLine = (text: string): string => text.trim().split('\n').at(-1) ?? '';

describe('sweeps split into shards, and their merge', () => {
  // Two scenarios, 2 cases each, in three shards: 2, 1 and 1 cases.
  const sweep = ['wordcount', 'savepoint-stop', '--runs', '2', '--workers', '1'];
  const shards = [1, 2, 3].map((index) => {
    const directory = mkdtempSync(join(tmpdir(), `ckptsim-shard-${index}-of-3-`));
    return { directory, result: ckptsim(['sweep', ...sweep, '--shard', `${index}/3`, '--out', directory]) };
  });

  it('record their shard counting from 1 and end with the verdict line', () => {
    shards.forEach(({ directory, result }, position) => {
      expect(result.status, result.stderr).toBe(0);
      const results = JSON.parse(readFileSync(join(directory, 'results.json'), 'utf8')) as { shards: string[]; cases: unknown[] };
      expect(results.shards).toEqual([`${position + 1}/3`]);
      const count = [2, 1, 1][position];
      expect(results.cases).toHaveLength(count!);
      expect(lastLine(result.stdout)).toBe(`PASS: ${count} ${count === 1 ? 'case' : 'cases'}, 0 violations, 0 expected gaps`);
      // A shard's own reports are not partial: they hold what the shard planned.
      expect(readFileSync(join(directory, 'report.md'), 'utf8')).toMatch(new RegExp(`\n${count} cases \\(2 per scenario, seed 1, profile \`swarm\`[^)]*\\), shards ${position + 1}/3\\.\n`));
    });
  });

  it('refuse --shard 0/n, i beyond n, and a shard with no case', () => {
    const zero = ckptsim(['sweep', ...sweep, '--shard', '0/4', '--out', mkdtempSync(join(tmpdir(), 'ckptsim-'))]);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toBe("ckptsim: --shard counts from 1 (1/4 .. 4/4), got '0/4'\n");
    const beyond = ckptsim(['sweep', ...sweep, '--shard', '5/4']);
    expect(beyond.status).toBe(2);
    expect(beyond.stderr).toBe('ckptsim: --shard 5/4 names shard 5 of only 4\n');
    const empty = ckptsim(['sweep', ...sweep, '--shard', '5/5']);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toBe('ckptsim: --shard 5/5 holds no case: the sweep has 4 case(s), so split it into at most that many shards\n');
  });

  it('merge refuses a missing shard, naming it, unless --allow-partial, which every report then shows', () => {
    const out = mkdtempSync(join(tmpdir(), 'ckptsim-merged-'));
    const paths = shards.map(({ directory }) => join(directory, 'results.json'));
    const missing = ckptsim(['report', 'merge', paths[0]!, paths[2]!, '--out', out]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('ckptsim: shard 2/3 of 3 is missing from the merge; add its results.json, or pass --allow-partial to merge without it (the reports then say so)\n');
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    const partial = ckptsim(['report', 'merge', paths[0]!, paths[2]!, '--allow-partial', '--out', out]);
    expect(partial.status, partial.stderr).toBe(0);
    expect(lastLine(partial.stdout)).toBe('PASS: 3 cases, 0 violations, 0 expected gaps, partial: shard 2/3 missing');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('**Partial:** merged without shard(s) 2/3');
    const partialResults = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { missingShards?: string[]; shards: string[] };
    expect(partialResults.missingShards).toEqual(['2/3']);
    expect(partialResults.shards).toEqual(['1/3', '3/3']);
    expect(validate(partialResults), JSON.stringify(validate.errors)).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('"missingShards":["2/3"]');
    const junit = parseXml(readFileSync(join(out, 'junit.xml'), 'utf8'));
    expect(junit.attributes['skipped']).toBe('1');
    const whole = ckptsim(['report', 'merge', ...paths, '--out', out]);
    expect(whole.status, whole.stderr).toBe(0);
    expect(lastLine(whole.stdout)).toBe('PASS: 4 cases, 0 violations, 0 expected gaps');
    expect((JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { shards: string[] }).shards).toEqual(['1/3', '2/3', '3/3']);
    // The terminal, report.md and junit.xml count the same.
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    for (const scenario of ['wordcount', 'savepoint-stop']) {
      const markdownRow = new RegExp(`^\\| ${scenario} \\| (.*) \\|$`, 'm').exec(markdown)?.[1]?.split(' | ');
      const terminalRow = new RegExp(`^║ ${scenario} +│ (.*) +║$`, 'm').exec(whole.stdout)?.[1]?.split('│').map((cell) => cell.trim());
      expect(terminalRow, scenario).toEqual(markdownRow);
    }
    const merged = parseXml(readFileSync(join(out, 'junit.xml'), 'utf8'));
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { properties: Record<string, string[]>; summary: Array<{ failed: number }> };
    expect(Number(merged.attributes['tests'])).toBe(Object.values(results.properties).flat().length);
    expect(Number(merged.attributes['failures']) + Number(merged.attributes['errors'])).toBe(results.summary.reduce((total, entry) => total + entry.failed, 0));
  });

  it('merge refuses shards of different splits, and says where it wrote when --out is not given', () => {
    const other = mkdtempSync(join(tmpdir(), 'ckptsim-shard-1-of-2-'));
    expect(ckptsim(['sweep', ...sweep, '--shard', '1/2', '--out', other]).status).toBe(0);
    const mixed = ckptsim(['report', 'merge', join(shards[0]!.directory, 'results.json'), join(other, 'results.json')]);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toMatch(/^ckptsim: cannot merge shards of different splits \(into 2 and 3\): '.*' holds 1\/3; '.*' holds 1\/2\n$/);
    const cwd = mkdtempSync(join(tmpdir(), 'ckptsim-cwd-'));
    const defaulted = ckptsim(['report', 'merge', ...shards.map(({ directory }) => join(directory, 'results.json'))], cwd);
    expect(defaulted.status, defaulted.stderr).toBe(0);
    expect(defaulted.stderr).toContain(`ckptsim: no --out given; the merged reports are in ${join('reports', 'merged')}`);
    expect(existsSync(join(cwd, 'reports', 'merged', 'junit.xml'))).toBe(true);
  });

  it('a sweep of 0 runs is refused', () => {
    const result = ckptsim(['sweep', 'wordcount', '--runs', '0']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("ckptsim: --runs must be at least 1, got 0\n");
  });
});
