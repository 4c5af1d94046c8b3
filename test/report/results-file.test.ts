import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsSchema, summarise, type SweepResults } from '../../src/explore/results.js';
import type { SweepCaseResult } from '../../src/explore/sweep-case.js';
import { openResultsFile, ResultsFileError, ResultsFileWriter, writeResultsFile } from '../../src/report/results-file.js';
import { passingCase } from './fixtures.js';

const directory = mkdtempSync(join(tmpdir(), 'ckptsim-results-file-'));

/** Results of `count` cases; `extra` sets the tail's interrupted flag and kill matrix. */
function results(count: number, extra: Pick<Partial<SweepResults>, 'interrupted' | 'plantedBugs'> = {}): SweepResults {
  const cases: SweepCaseResult[] = Array.from({ length: count }, (_, index) => ({ ...passingCase, index, traceHash: `h${index}`, failure: index === 2 ? { property: 'exactly-once', message: 'a "quoted"\nline', shrunkFaults: [], shrunkSeed: 1, shrinkSteps: 2, replay: 'ckpt1.x' } : undefined }));
  return {
    schema: resultsSchema,
    parameters: { scenarios: ['wordcount'], runsPerScenario: count, seed: 1, profile: 'swarm', vary: false },
    shards: ['0/1'],
    properties: { wordcount: ['exactly-once'] },
    cases: JSON.parse(JSON.stringify(cases)) as SweepCaseResult[],
    interrupted: extra.interrupted ?? false,
    ...(extra.plantedBugs === undefined ? {} : { plantedBugs: extra.plantedBugs }),
    summary: summarise(cases, ['wordcount']),
    environment: { tool: 't', node: 'v20', platform: 'linux', cpus: 2, workers: 1 },
    timing: { wallMs: 5, casesPerSecond: 2 },
  };
}

function readAll(path: string, partial = false): SweepResults {
  const reader = openResultsFile(path, { partial });
  const cases: SweepCaseResult[] = [];
  for (let next = reader.cases.next(); next.done !== true; next = reader.cases.next()) cases.push(next.value);
  return { ...reader.head, cases, ...reader.tail() } as SweepResults;
}

describe('results.json on disk', () => {
  it('is the JSON of the results, keys in order, one case per line', () => {
    const plantedBugs = { budget: 3, seed: 1, killed: 0, mutants: [] };
    for (const value of [results(5), results(0), results(3, { plantedBugs, interrupted: true })]) {
      const path = join(directory, 'results.json');
      writeResultsFile(path, value);
      const text = readFileSync(path, 'utf8');
      expect(JSON.stringify(JSON.parse(text))).toBe(JSON.stringify(value));
      const lines = text.split('\n');
      // Head line, one line per case, tail line, and the final newline.
      expect(lines).toHaveLength(value.cases.length + 3);
      value.cases.forEach((entry, index) => expect(JSON.parse(lines[index + 1]!.replace(/,$/, ''))).toEqual(entry));
      expect(readAll(path)).toEqual(JSON.parse(text));
    }
  });

  it('is written to a partial file and renamed only when complete; an abandoned write leaves the old file', () => {
    const target = join(directory, 'x.json');
    writeResultsFile(target, results(1));
    const old = readFileSync(target, 'utf8');
    const writer = new ResultsFileWriter(target, results(0), 10);
    for (const entry of results(20).cases) writer.add(entry);
    // Small pieces are already on disk in the partial file, the old file untouched.
    expect(readFileSync(`${target}.partial`, 'utf8').length).toBeGreaterThan(1_000);
    expect(readFileSync(target, 'utf8')).toBe(old);
    writer.abandon();
    expect(existsSync(`${target}.partial`)).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe(old);
    const again = new ResultsFileWriter(target, results(0));
    again.add(results(1).cases[0]!);
    again.finish(results(1));
    expect(readFileSync(target, 'utf8')).not.toBe(old);
    expect(existsSync(`${target}.partial`)).toBe(false);
  });

  it('reads JSON in another layout whole, and names what is wrong with a broken file', () => {
    const value = results(4);
    const compact = join(directory, 'compact.json');
    writeFileSync(compact, JSON.stringify(value, null, 2));
    expect(readAll(compact)).toEqual(value);
    const path = join(directory, 'cut.json');
    writeResultsFile(path, value);
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    writeFileSync(join(directory, 'cut-short.json'), lines.slice(0, 3).join('\n'));
    expect(() => readAll(join(directory, 'cut-short.json'))).toThrow(/ends before its cases do.*cut short/);
    writeFileSync(join(directory, 'bad-line.json'), [lines[0], '{"index":', ...lines.slice(2)].join('\n'));
    expect(() => readAll(join(directory, 'bad-line.json'))).toThrow("results file '" + join(directory, 'bad-line.json') + "' is not valid JSON (line 2)");
    writeFileSync(join(directory, 'garbage.json'), 'not json');
    expect(() => readAll(join(directory, 'garbage.json'))).toThrow(ResultsFileError);
    expect(() => openResultsFile(join(directory, 'missing.json'))).toThrow(`cannot read results file '${join(directory, 'missing.json')}'`);
  });

  it('a file cut short is read with partial: its complete cases, a case cut mid-line dropped, marked interrupted', () => {
    const value = results(6);
    const path = join(directory, 'killed.json');
    // A sweep killed after its fourth case: the writer never finished, every case was flushed.
    const writer = new ResultsFileWriter(path, value, 1 << 20, 0);
    for (const entry of value.cases.slice(0, 4)) writer.add(entry);
    const partialPath = `${path}.partial`;
    const text = readFileSync(partialPath, 'utf8');
    expect(() => readAll(partialPath)).toThrow(/ends before its cases do.*--partial reads the cases it holds/);
    const read = readAll(partialPath, true);
    expect(read.cases).toEqual(value.cases.slice(0, 4));
    expect(read.interrupted).toBe(true);
    expect(read.timing.wallMs).toBeGreaterThanOrEqual(0);
    // Cut in the middle of the fourth case's line (as a kill during a write may leave it).
    writeFileSync(join(directory, 'mid-line.json'), text.slice(0, text.length - 30));
    const reader = openResultsFile(join(directory, 'mid-line.json'), { partial: true });
    const cases: SweepCaseResult[] = [];
    for (let next = reader.cases.next(); next.done !== true; next = reader.cases.next()) cases.push(next.value);
    expect(cases).toEqual(value.cases.slice(0, 3));
    expect(reader.cutShort).toBe(true);
    // A broken line with more after it is damage, not a cut: refused even with partial.
    const lines = text.split('\n');
    writeFileSync(join(directory, 'damaged.json'), [lines[0], lines[1], '{"index":', ...lines.slice(3)].join('\n'));
    expect(() => readAll(join(directory, 'damaged.json'), true)).toThrow("results file '" + join(directory, 'damaged.json') + "' is not valid JSON (line 3)");
    // A complete file reads the same with partial, and is not cut short.
    writeResultsFile(path, value);
    expect(readAll(path, true)).toEqual(value);
    writeFileSync(join(directory, 'empty.json'), '');
    expect(() => readAll(join(directory, 'empty.json'), true)).toThrow(`results file '${join(directory, 'empty.json')}' is empty`);
  });

  it('writes the head at once and pending cases once a flush interval has passed, however few', () => {
    const path = join(directory, 'timed.json');
    const value = results(3);
    const writer = new ResultsFileWriter(path, value, 1 << 20, 0);
    expect(readFileSync(`${path}.partial`, 'utf8')).toMatch(/"cases":\[$/);
    writer.add(value.cases[0]!);
    expect(readFileSync(`${path}.partial`, 'utf8').split('\n')).toHaveLength(2);
    const slow = new ResultsFileWriter(join(directory, 'untimed.json'), value, 1 << 20, 60_000);
    slow.add(value.cases[0]!);
    expect(readFileSync(join(directory, 'untimed.json.partial'), 'utf8').split('\n')).toHaveLength(1);
    slow.abandon();
    writer.abandon();
  });
});
