import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * User scenarios end to end, from a fresh project as a user has it: ckptsim installed (here a
 * link to this package, so its exports map and built dist/ are what the user's modules import),
 * a JavaScript and a TypeScript scenario module, and a ckptsim.config listing one of them.
 * Cases are few: this is about the plumbing (workers, shards, merge, tokens, reports), not the protocol.
 */
const bin = resolve('bin/ckptsim.js');
let project: string;

const lastLine = (text: string): string => text.trim().split('\n').at(-1) ?? '';

function ckptsim(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Two scenarios in one module (the `scenarios` export): a correct count, and one that declares
// exactly-once over a non-transactional sink, so that crashes make cases that do not pass.
const javascriptModule = `import { JobBuilder } from 'ckptsim';

function count(name, sink, parameters, input) {
  const lines = [];
  for (let index = 0; index < parameters.lines; index++) lines.push({ key: undefined, value: 'w' + input.int(5) });
  const job = new JobBuilder(name);
  job.source('source', [lines], { parallelism: 1, recordCostUs: 500 }).keyBy((word) => String(word)).count('count', { parallelism: 2 }).sink('sink', sink, { parallelism: 1 });
  return { job: job.build(), cluster: { checkpoint: { intervalUs: 3000 } } };
}

export const scenarios = [
  { name: 'user-count', description: 'a small keyed count into a two-phase-commit sink', properties: ['job-finishes', 'exactly-once'], defaults: { lines: 30 }, build: (parameters, input) => count('user-count', 'two-phase-commit', parameters, input) },
  { name: 'leaky-count', description: 'exactly-once declared over an at-least-once sink', properties: ['job-finishes', 'exactly-once'], defaults: { lines: 30 }, build: (parameters, input) => count('leaky-count', 'at-least-once', parameters, input) },
];
`;

// One scenario as the default export, typed against the package's declarations.
const typescriptModule = `import { JobBuilder, type Scenario } from 'ckptsim';

const typed: Scenario = {
  name: 'typed-count',
  description: 'the small count, written in TypeScript',
  properties: ['job-finishes', 'exactly-once'],
  defaults: { lines: 30 },
  build(parameters, input) {
    const lines = [];
    for (let index = 0; index < (parameters['lines'] ?? 0); index++) lines.push({ key: undefined, value: 'w' + input.int(5) });
    const job = new JobBuilder('typed-count');
    job.source('source', [lines], { parallelism: 1 }).keyBy((word: unknown) => String(word)).count('count', { parallelism: 2 }).sink('sink', 'two-phase-commit', { parallelism: 1 });
    return { job: job.build(), cluster: {} };
  },
};
export default typed;
`;

// A count whose map throws on one word: its job never finishes, so every case fails (for the corpus).
const brokenModule = `import { JobBuilder } from 'ckptsim';

export default {
  name: 'throwing-count',
  description: 'a count whose map throws on one word',
  properties: ['job-finishes', 'exactly-once'],
  defaults: { lines: 30 },
  build(parameters, input) {
    const lines = [];
    for (let index = 0; index < parameters.lines; index++) lines.push({ key: undefined, value: 'w' + input.int(5) });
    const job = new JobBuilder('throwing-count');
    job.source('source', [lines], { parallelism: 1 }).map('check', (word) => { if (word === 'w3') throw new Error('w3 is not a word'); return word; }).keyBy((word) => String(word)).count('count', { parallelism: 1 }).sink('sink', 'two-phase-commit', { parallelism: 1 });
    return { job: job.build(), cluster: {} };
  },
};
`;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'ckptsim-user-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(resolve('.'), join(project, 'node_modules', 'ckptsim'), 'dir');
  mkdirSync(join(project, 'checks'));
  writeFileSync(join(project, 'checks', 'counts.mjs'), javascriptModule);
  writeFileSync(join(project, 'checks', 'typed.ts'), typescriptModule);
  writeFileSync(join(project, 'checks', 'broken.mjs'), brokenModule);
  writeFileSync(join(project, 'checks', 'clash.mjs'), javascriptModule.replace("name: 'user-count'", "name: 'wordcount'"));
  // The config lists the JavaScript module and sweep defaults; the TypeScript one comes from --scenarios.
  writeFileSync(join(project, 'ckptsim.config.mjs'), `export default { scenarios: ['checks/counts.mjs'], runs: 2, profile: 'crashes' };\n`);
});

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

describe('user scenarios', () => {
  it('are listed beside the built-ins with the module they came from', () => {
    const listed = ckptsim(project, 'list', '--json', '--scenarios', 'checks/typed.ts');
    expect(listed.status, listed.stderr).toBe(0);
    const user = (JSON.parse(listed.stdout) as Array<{ name: string; module?: string }>).filter((entry) => entry.module !== undefined);
    expect(user).toEqual([
      expect.objectContaining({ name: 'user-count', module: 'checks/counts.mjs' }),
      expect.objectContaining({ name: 'leaky-count', module: 'checks/counts.mjs' }),
      expect.objectContaining({ name: 'typed-count', module: 'checks/typed.ts' }),
    ]);
  }, 60_000);

  it('sweep in shards on two workers, merge, replay from a token in another directory, and show in report.html', () => {
    for (const shard of ['1/2', '2/2']) {
      const swept = ckptsim(project, 'sweep', '--scenarios', 'checks/typed.ts', '--workers', '2', '--shard', shard, '--out', `out/shard-${shard[0]}`);
      expect(swept.status, swept.stderr).toBe(0);
    }
    const merged = ckptsim(project, 'report', 'merge', 'out/shard-1/results.json', 'out/shard-2/results.json', '--out', 'out/merged');
    expect(merged.status, merged.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(project, 'out', 'merged', 'results.json'), 'utf8')) as { parameters: { scenarios: string[] }; cases: Array<{ scenario: string; verdict: string; traceHash: string; replay?: string }> };
    // Without scenario names the sweep covers the project's own scenarios, config modules first.
    expect(results.parameters.scenarios).toEqual(['user-count', 'leaky-count', 'typed-count']);
    expect(results.cases.map((entry) => entry.scenario)).toEqual(['user-count', 'user-count', 'leaky-count', 'leaky-count', 'typed-count', 'typed-count']);
    // The same cases, whole on one worker: the same trace hashes (worker count and shards change nothing).
    const whole = ckptsim(project, 'sweep', '--scenarios', 'checks/typed.ts', '--workers', '1', '--out', 'out/whole');
    expect(whole.status, whole.stderr).toBe(0);
    const wholeCases = (JSON.parse(readFileSync(join(project, 'out', 'whole', 'results.json'), 'utf8')) as typeof results).cases;
    expect(wholeCases.map((entry) => entry.traceHash)).toEqual(results.cases.map((entry) => entry.traceHash));
    const html = readFileSync(join(project, 'out', 'merged', 'report.html'), 'utf8');
    for (const name of ['user-count', 'leaky-count', 'typed-count']) expect(html).toContain(name);

    const notPassing = results.cases.find((entry) => entry.scenario === 'leaky-count' && entry.replay !== undefined);
    expect(notPassing, 'a leaky-count case under crashes keeps its replay token').toBeDefined();
    // From a subdirectory, with the module neither given nor listed in the config: the token
    // names it, relative to the project root, and replay loads it.
    writeFileSync(join(project, 'ckptsim.config.mjs'), `export default { runs: 2, profile: 'crashes' };\n`);
    const replayed = ckptsim(join(project, 'checks'), 'replay', notPassing!.replay!, '--json');
    expect(replayed.stderr).toBe('');
    expect(JSON.parse(replayed.stdout).traceHash).toBe(notPassing!.traceHash);
  }, 120_000);

  it('keep a corpus across runs: failures and new coverage saved, re-run first, re-judged when the code changed, and a saved case that fails now fails the sweep', () => {
    const corpus = join(project, 'corpus');
    const first = ckptsim(project, 'sweep', 'user-count', 'throwing-count', '--scenarios', 'checks/counts.mjs', '--scenarios', 'checks/broken.mjs', '--runs', '1', '--workers', '1', '--corpus', 'corpus', '--out', 'out/corpus-1');
    const firstResults = JSON.parse(readFileSync(join(project, 'out', 'corpus-1', 'results.json'), 'utf8')) as { cases: Array<{ verdict: string }>; corpus: { rerun: number; saved: number; savedFailing: number; failingNow: unknown[] } };
    const failed = firstResults.cases.filter((entry) => entry.verdict === 'fail').length;
    expect(failed, 'the throwing-count case fails').toBe(1);
    expect(first.status).toBe(1);
    expect(firstResults.corpus).toMatchObject({ rerun: 0, failingNow: [] });
    expect(firstResults.corpus.savedFailing).toBe(failed);
    const files = readdirSync(corpus);
    expect(files.length).toBe(firstResults.corpus.saved);
    // A saved passing case whose trace hash no longer matches (as after a code change) is re-judged, not an error.
    const passing = files.map((file) => ({ file, saved: JSON.parse(readFileSync(join(corpus, file), 'utf8')) as { traceHash: string; verdict: string } })).find((entry) => entry.saved.verdict === 'pass');
    expect(passing, 'some saved case reached new coverage and passed').toBeDefined();
    writeFileSync(join(corpus, passing!.file), JSON.stringify({ ...passing!.saved, traceHash: '00000000' }));
    const second = ckptsim(project, 'sweep', 'user-count', 'throwing-count', '--scenarios', 'checks/counts.mjs', '--scenarios', 'checks/broken.mjs', '--runs', '1', '--workers', '1', '--corpus', 'corpus', '--out', 'out/corpus-2');
    expect(second.status, second.stderr).toBe(1);
    expect(second.stderr).toContain(`${files.length} saved case(s) re-run first, ${files.length - 1} replayed the same, 1 replay differently now`);
    const secondResults = JSON.parse(readFileSync(join(project, 'out', 'corpus-2', 'results.json'), 'utf8')) as typeof firstResults & { corpus: { rejudged: number; replayedSame: number } };
    expect(secondResults.corpus).toMatchObject({ rerun: files.length, replayedSame: files.length - 1, rejudged: 1, saved: 0 });
    expect(secondResults.corpus.failingNow.length).toBe(failed);
    expect(JSON.parse(readFileSync(join(corpus, passing!.file), 'utf8')).traceHash).toBe(passing!.saved.traceHash);
    // Every report says the saved failures fail the sweep.
    expect(lastLine(second.stdout)).toMatch(new RegExp(`^FAIL: .*${failed} saved corpus cases? failing`));
    expect(readFileSync(join(project, 'out', 'corpus-2', 'report.md'), 'utf8')).toContain('## Saved corpus');
    expect(readFileSync(join(project, 'out', 'corpus-2', 'junit.xml'), 'utf8')).toMatch(/<testsuite name="ckptsim.corpus" tests="\d+" failures="[1-9]/);
    expect(readFileSync(join(project, 'out', 'corpus-2', 'report.html'), 'utf8')).toContain('saved case(s) re-run first');
  }, 300_000);

  it('run the kill matrix on their cases, in worker threads that load the same modules', () => {
    const matrix = ckptsim(project, 'mutants', 'sink-commits-on-snapshot', '--budget', '2', '--workers', '1', '--json', '--scenarios', 'checks/typed.ts');
    expect([0, 1], matrix.stderr).toContain(matrix.status);
    const parsed = JSON.parse(matrix.stdout) as { sweep: { scenarios: string[] }; mutants: Array<{ bug: string; casesToDetection: number }> };
    // The project's scenarios (the config lists no module since the test above), not the built-ins.
    expect(parsed.sweep.scenarios).toEqual(['typed-count']);
    expect(parsed.mutants.map((row) => row.bug)).toEqual(['sink-commits-on-snapshot']);
  }, 60_000);

  it('refuse a bad config file or a missing --scenarios module with exit 2 and one sentence', () => {
    const other = mkdtempSync(join(tmpdir(), 'ckptsim-config-'));
    try {
      writeFileSync(join(other, 'package.json'), '{}');
      mkdirSync(join(other, 'sub'));
      const refused = (config: string, ...args: string[]): string => {
        writeFileSync(join(other, 'ckptsim.config.mjs'), config);
        const result = ckptsim(join(other, 'sub'), 'list', ...args);
        expect(result.status, result.stdout).toBe(2);
        return result.stderr;
      };
      expect(refused('export default { run: 5 };\n')).toBe("ckptsim: config file 'ckptsim.config.mjs' has unknown key 'run'; known: scenarios, runs, seed, workers, profile, out, timelines, vary, operations, strategy, corpus\n");
      expect(refused("export default { runs: 'many' };\n")).toBe('ckptsim: config file \'ckptsim.config.mjs\': runs must be a non-negative integer, got "many"\n');
      expect(refused("export default { scenarios: ['nowhere.mjs'] };\n")).toBe(`ckptsim: config file 'ckptsim.config.mjs' lists scenario module 'nowhere.mjs', which does not exist under the project root ${other}\n`);
      expect(refused('export default {};\n', '--scenarios', 'absent.ts')).toBe("ckptsim: scenario module 'absent.ts' does not exist\n");
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuse a token whose module is missing, and a user scenario named like a built-in, with exit 2 and one sentence', () => {
    const run = ckptsim(project, 'run', 'leaky-count', '--seed', '3', '--json', '--scenarios', 'checks/counts.mjs');
    expect(run.status, run.stderr).toBe(0);
    const token = JSON.parse(run.stdout).replay as string;
    renameSync(join(project, 'checks', 'counts.mjs'), join(project, 'checks', 'moved.mjs'));
    try {
      const missing = ckptsim(project, 'replay', token);
      expect(missing.status).toBe(2);
      expect(missing.stderr).toBe(`ckptsim: the replay token's scenario 'leaky-count' comes from module 'checks/counts.mjs', which does not exist under the project root ${project}\n`);
    } finally {
      renameSync(join(project, 'checks', 'moved.mjs'), join(project, 'checks', 'counts.mjs'));
    }
    const clash = ckptsim(project, 'list', '--scenarios', 'checks/clash.mjs');
    expect(clash.status).toBe(2);
    expect(clash.stderr).toBe("ckptsim: scenario 'wordcount' in module 'checks/clash.mjs' has the name of a built-in scenario; give it another name\n");
  }, 60_000);
});
