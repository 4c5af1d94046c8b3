import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { defaultMutantSweep, runMutant } from '../../src/explore/mutants.js';
import { encodeReplayToken } from '../../src/explore/replay-token.js';
import { descendants, parseXml } from '../report/strict-xml.js';

function ckptsim(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['bin/ckptsim.js', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: undefined } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const schema = JSON.parse(readFileSync('docs/results.schema.json', 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

describe('the reports of a sweep', () => {
  const out = mkdtempSync(join(tmpdir(), 'ckptsim-reports-'));
  const sweep = ckptsim('sweep', 'wordcount', 'savepoint-stop', '--runs', '12', '--workers', '1', '--out', out);

  it('are written as results.json, report.md, report.html and junit.xml, and their paths printed', () => {
    expect(sweep.status, sweep.stderr).toBe(0);
    for (const name of ['results.json', 'report.md', 'report.html', 'junit.xml']) {
      expect(existsSync(join(out, name)), name).toBe(true);
      expect(sweep.stdout).toContain(join(out, name));
    }
    // Not a terminal: no colour codes.
    expect(sweep.stdout).not.toMatch(/\u001b\[/);
    expect(sweep.stdout).toContain('verdicts: property x scenario');
  }, 120_000);

  it('results.json follows the documented schema, and the schema is not vacuous', () => {
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { cases: Array<Record<string, unknown>> };
    expect(validate(results), JSON.stringify(validate.errors)).toBe(true);
    expect(results.cases[0]?.['timeline']).toBeDefined();
    const broken = { ...results, cases: [{ ...results.cases[0], verdict: 'maybe' }] };
    expect(validate(broken)).toBe(false);
    const missing = { ...results, cases: [{ ...results.cases[0], traceHash: undefined }] };
    expect(validate(JSON.parse(JSON.stringify(missing)))).toBe(false);
  });

  it('count for each fault kind the cases that drew it and the cases in which it fired', () => {
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      cases: Array<{ faultKinds: string[]; firedFaultKinds: string[] }>;
      summary: Array<{ faultKinds: Record<string, number>; firedFaultKinds: Record<string, number> }>;
    };
    for (const entry of results.cases) expect(entry.firedFaultKinds.every((kind) => entry.faultKinds.includes(kind))).toBe(true);
    const drawn = results.cases.reduce((total, entry) => total + entry.faultKinds.length, 0);
    const fired = results.cases.reduce((total, entry) => total + entry.firedFaultKinds.length, 0);
    expect(fired).toBeGreaterThan(0);
    expect(fired).toBeLessThanOrEqual(drawn);
    const summed = results.summary.reduce((total, entry) => total + Object.values(entry.firedFaultKinds).reduce((sum, count) => sum + count, 0), 0);
    expect(summed).toBe(fired);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/## Fault kinds and operations exercised \(cases per kind: drawn \/ fired\)[\s\S]*\| \d+ \/ \d+ \|/);
  });

  it('the planted-bug kill matrix of sweep --mutants follows the schema too', () => {
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as object;
    const mutants = [runMutant('coordinator-completes-without-all-acks', defaultMutantSweep(20, 1))];
    const withMatrix = JSON.parse(JSON.stringify({ ...results, plantedBugs: { budget: 20, seed: 1, killed: mutants.filter((mutant) => mutant.killed).length, mutants } }));
    expect(validate(withMatrix), JSON.stringify(validate.errors)).toBe(true);
    expect(withMatrix.plantedBugs.killed).toBe(1);
  }, 60_000);

  it('report.html is one self-contained file: no external URL, data escaped inside its script', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    const data = html.slice(html.indexOf('id="ckptsim-data">'), html.indexOf('</script>', html.indexOf('id="ckptsim-data">')));
    expect(data).not.toContain('<');
    expect(html).toContain("default-src 'none'");
  });

  it('report merge writes the same four files', () => {
    const merged = mkdtempSync(join(tmpdir(), 'ckptsim-merged-'));
    const result = ckptsim('report', 'merge', join(out, 'results.json'), '--out', merged);
    expect(result.status, result.stderr).toBe(0);
    for (const name of ['results.json', 'report.md', 'report.html', 'junit.xml']) expect(existsSync(join(merged, name)), name).toBe(true);
  }, 60_000);

  it('report merge of two shards gives the cases and totals of the unsharded sweep, and refuses a shard twice', () => {
    const shards = [1, 2].map((index) => {
      const directory = mkdtempSync(join(tmpdir(), `ckptsim-shard-${index}-`));
      const result = ckptsim('sweep', 'wordcount', 'savepoint-stop', '--runs', '12', '--workers', '1', '--shard', `${index}/2`, '--out', directory);
      expect(result.status, result.stderr).toBe(0);
      return join(directory, 'results.json');
    });
    const merged = mkdtempSync(join(tmpdir(), 'ckptsim-merged-'));
    const result = ckptsim('report', 'merge', ...shards, '--out', merged);
    expect(result.status, result.stderr).toBe(0);
    const whole = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { cases: unknown[]; summary: unknown };
    const joined = JSON.parse(readFileSync(join(merged, 'results.json'), 'utf8')) as { cases: unknown[]; summary: unknown; shards: string[] };
    expect(joined.cases).toEqual(whole.cases);
    expect(joined.summary).toEqual(whole.summary);
    expect(joined.shards).toEqual(['1/2', '2/2']);
    expect(result.stdout.trim().split('\n').at(-1)).toMatch(/^PASS: 24 cases, 0 violations, \d+ expected gaps?$/);
    const twice = ckptsim('report', 'merge', shards[0]!, shards[0]!, shards[1]!, '--out', merged);
    expect(twice.status).toBe(2);
    expect(twice.stderr.trim()).toBe('ckptsim: shard 1/2 appears in more than one of the merged results; give each shard once');
    // The refused merge left the earlier merged results as they were.
    expect(JSON.parse(readFileSync(join(merged, 'results.json'), 'utf8'))).toEqual(joined);
  }, 120_000);

  it('an interrupted sweep writes every case that finished, in order, and exits 130', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'ckptsim-interrupted-'));
    const child = spawn(process.execPath, ['bin/ckptsim.js', 'sweep', 'wordcount', '--runs', '100000', '--workers', '2', '--out', directory], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const status = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // The first progress line: cases have finished.
        if (/\d+\/100000 cases/.test(stderr) && child.signalCode === null && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (code) => resolve(code));
    });
    expect(status, stderr).toBe(130);
    expect(stderr).toContain('interrupted; writing the cases that finished');
    const results = JSON.parse(readFileSync(join(directory, 'results.json'), 'utf8')) as { interrupted: boolean; cases: Array<{ index: number }>; summary: Array<{ cases: number }> };
    expect(results.interrupted).toBe(true);
    expect(results.cases.length).toBeGreaterThan(0);
    expect(results.summary[0]?.cases).toBe(results.cases.length);
    const indexes = results.cases.map((entry) => entry.index);
    expect(indexes).toEqual([...indexes].sort((left, right) => left - right));
    expect(existsSync(join(directory, 'results.json.partial'))).toBe(false);
    for (const name of ['report.md', 'report.html', 'junit.xml']) expect(existsSync(join(directory, name)), name).toBe(true);
    // Not green by mistake: junit.xml has an error saying what did not run, and report.md leads with FAIL.
    const junit = parseXml(readFileSync(join(directory, 'junit.xml'), 'utf8'));
    const interrupted = descendants(junit, 'testcase').find((testCase) => testCase.attributes['name'] === 'interrupted');
    expect(interrupted?.children[0]?.name).toBe('error');
    expect(interrupted?.children[0]?.attributes['message']).toBe(`the sweep was interrupted: ${(100_000 - results.cases.length).toLocaleString('en-US')} of 100,000 planned cases did not run`);
    expect(Number(junit.attributes['errors'])).toBeGreaterThanOrEqual(1);
    expect(readFileSync(join(directory, 'report.md'), 'utf8')).toMatch(/^# ckptsim sweep: FAIL: /);
  }, 120_000);
  it('sweep --timelines not-passing and none leave out the timelines of passing cases, or of all, and nothing else', () => {
    const casesWith = (timelines: string): Array<{ verdict: string; timeline?: unknown }> => {
      const directory = mkdtempSync(join(tmpdir(), `ckptsim-timelines-${timelines}-`));
      const result = ckptsim('sweep', 'unaligned', '--runs', '5', '--vary', '--seed', '21', '--workers', '1', '--timelines', timelines, '--out', directory);
      expect(result.status, result.stderr).toBe(0);
      const results = JSON.parse(readFileSync(join(directory, 'results.json'), 'utf8')) as { parameters: { timelines?: string }; cases: Array<{ verdict: string; timeline?: unknown }> };
      expect(validate(results), JSON.stringify(validate.errors)).toBe(true);
      expect(results.parameters.timelines).toBe(timelines);
      const lead = readFileSync(join(directory, 'report.md'), 'utf8').split('\n')[2];
      expect(lead).toContain(({ all: 'varied parameters and config), shards', 'not-passing': ', timelines kept for cases that did not pass)', none: ', no timelines kept)' } as Record<string, string>)[timelines]);
      return results.cases;
    };
    const all = casesWith('all');
    // The sweep has cases of both kinds: some pass, some meet an expected gap (seed 21: seed 19's
    // five cases all pass once the trigger chain's steps take time).
    const verdicts = all.map((entry) => entry.verdict);
    expect(verdicts).toContain('pass');
    expect(verdicts).toContain('expected-gap');
    expect(all.every((entry) => entry.timeline !== undefined)).toBe(true);
    const withoutTimeline = (entry: { timeline?: unknown }): object => ({ ...entry, timeline: undefined });
    const notPassing = casesWith('not-passing');
    expect(notPassing.map((entry) => entry.timeline !== undefined)).toEqual(verdicts.map((verdict) => verdict !== 'pass'));
    const gap = verdicts.indexOf('expected-gap');
    expect(notPassing[gap]).toEqual(all[gap]);
    expect(notPassing.map(withoutTimeline)).toEqual(all.map(withoutTimeline));
    const none = casesWith('none');
    expect(none.some((entry) => entry.timeline !== undefined)).toBe(false);
    expect(none.map(withoutTimeline)).toEqual(all.map(withoutTimeline));
  }, 120_000);

  it('a sweep killed outright leaves results.json.partial, which report merge --partial turns into interrupted results', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'ckptsim-killed-'));
    const partialPath = join(directory, 'results.json.partial');
    const child = spawn(process.execPath, ['bin/ckptsim.js', 'sweep', 'wordcount', '--runs', '100000', '--workers', '2', '--out', directory], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Kill it (no chance to write anything more) once some cases have reached the disk.
    const linesOnDisk = (): number => (existsSync(partialPath) ? readFileSync(partialPath, 'utf8').split('\n').length : 0);
    while (linesOnDisk() < 4) await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const text = readFileSync(partialPath, 'utf8');
    expect(existsSync(join(directory, 'results.json'))).toBe(false);

    const refused = ckptsim('report', 'merge', partialPath, '--out', mkdtempSync(join(tmpdir(), 'ckptsim-salvaged-')));
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim()).toMatch(/ends before its cases do .*cut short\? --partial reads the cases it holds$/);
    const ownOutput = ckptsim('report', 'merge', partialPath, '--partial', '--out', directory);
    expect(ownOutput.status).toBe(2);
    expect(ownOutput.stderr.trim()).toBe(`ckptsim: '${partialPath}' would be overwritten by the merge's own output; choose another --out`);
    expect(readFileSync(partialPath, 'utf8')).toBe(text);

    const salvaged = mkdtempSync(join(tmpdir(), 'ckptsim-salvaged-'));
    const result = ckptsim('report', 'merge', partialPath, '--partial', '--out', salvaged);
    // Salvaged results are not a pass: the cases that never ran were not judged.
    expect(result.status, result.stderr).toBe(1);
    expect(result.stdout.trim().split('\n').at(-1)).toMatch(/^FAIL: [\d,]+ cases, 0 violations, [\d,]+ expected gaps?, interrupted: [\d,]+ of 100,000 planned cases did not run$/);
    expect(result.stderr).toContain('was cut short; its complete cases are merged and the results marked interrupted');
    const results = JSON.parse(readFileSync(join(salvaged, 'results.json'), 'utf8')) as { interrupted: boolean; cases: Array<{ index: number }>; summary: Array<{ cases: number }> };
    expect(validate(results), JSON.stringify(validate.errors)).toBe(true);
    expect(results.interrupted).toBe(true);
    // Every complete case line of the partial file, in plan order from the first case.
    const written = text
      .split('\n')
      .slice(1)
      .filter((line) => {
        try {
          return typeof JSON.parse(line.replace(/,$/, '')) === 'object';
        } catch {
          return false;
        }
      });
    expect(written.length).toBeGreaterThan(0);
    expect(results.cases.map((entry) => entry.index)).toEqual(written.map((_, index) => index));
    expect(results.summary[0]?.cases).toBe(results.cases.length);
    for (const name of ['report.md', 'report.html', 'junit.xml']) expect(existsSync(join(salvaged, name)), name).toBe(true);

    // A new sweep in the same directory keeps the killed sweep's partial file instead of overwriting it.
    const again = ckptsim('sweep', 'wordcount', '--runs', '2', '--workers', '1', '--out', directory);
    expect(again.status, again.stderr).toBe(0);
    const kept = `${partialPath}.1`;
    expect(again.stderr).toContain(`ckptsim: '${partialPath}' was left by a sweep that did not finish; kept as '${kept}'`);
    expect(readFileSync(kept, 'utf8')).toBe(text);
    expect(existsSync(partialPath)).toBe(false);
    expect((JSON.parse(readFileSync(join(directory, 'results.json'), 'utf8')) as { cases: unknown[] }).cases).toHaveLength(2);
  }, 120_000);
});

describe('ckptsim replay --html', () => {
  it('writes the single-case report of a replay token', () => {
    const out = mkdtempSync(join(tmpdir(), 'ckptsim-case-'));
    const token = encodeReplayToken({ scenario: 'wordcount', seed: 5, faults: [{ kind: 'fail-task', task: 'count#1', when: { atUs: 150_000 } }] });
    const result = ckptsim('replay', token, '--html', join(out, 'case.html'), '--trace', join(out, 'trace.json'));
    expect(result.status, result.stderr).toBe(0);
    const html = readFileSync(join(out, 'case.html'), 'utf8');
    expect(html).toContain('"kind":"case"');
    expect(html).toContain('"diagram"');
    expect(JSON.parse(readFileSync(join(out, 'trace.json'), 'utf8'))).toHaveProperty('traceEvents');
    expect(result.stderr).toContain('report written to');
  }, 60_000);

  it('rejects bad run bounds in a token with one sentence and exit code 2', () => {
    const token = encodeReplayToken({ scenario: 'wordcount', seed: 5, limits: { maxEvents: -3 } });
    const result = ckptsim('replay', token);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('ckptsim: replay token limits.maxEvents must be a positive integer, got -3');
  }, 30_000);

  it('keeps what is already written when the output cannot be written', () => {
    const out = mkdtempSync(join(tmpdir(), 'ckptsim-keep-'));
    writeFileSync(join(out, 'kept.txt'), 'kept');
    const token = encodeReplayToken({ scenario: 'wordcount', seed: 5 });
    const result = ckptsim('replay', token, '--html', join(out, 'no-such-dir', 'case.html'));
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toMatch(/^ckptsim: cannot write the report to '.*case\.html'$/);
    expect(readFileSync(join(out, 'kept.txt'), 'utf8')).toBe('kept');
  }, 30_000);
});
