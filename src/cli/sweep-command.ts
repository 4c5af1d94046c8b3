import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, platform } from 'node:os';
import { join } from 'node:path';
import { faultProfiles, type FaultProfile } from '../explore/arbitraries.js';
import { hasFailures, mergeResults, MergeError, resultsJsonPieces, resultsSchema, sortCases, summarise, type SweepResults } from '../explore/results.js';
import { UsageError } from '../explore/scenario.js';
import { runSweep, sweepCases, type Shard } from '../explore/sweep.js';
import { scenarios as builtIn, findScenario } from '../../scenarios/index.js';
import { integerOption, parseCommand } from './arguments.js';
import { renderJunit } from '../report/junit.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderSweepHtml, replayForReport } from '../report/html.js';
import { decodeReplayToken, type CaseSpec } from '../explore/replay-token.js';
import { runCase } from '../explore/run-case.js';
import { runMutant } from '../explore/mutants.js';
import { plantedBugNames } from '../cluster/planted-bugs.js';
import type { PlantedBugMatrix } from '../explore/results.js';
import { paint, terminalTables } from './terminal.js';
import { toolName } from './version.js';

function parseShard(raw: string | boolean | undefined): Shard {
  if (raw === undefined) return { index: 0, count: 1 };
  const match = typeof raw === 'string' ? /^(\d+)\/(\d+)$/.exec(raw) : null;
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index >= count) throw new UsageError(`--shard must be i/n with 0 <= i < n, got '${String(raw)}'`);
  return { index, count };
}

function environment(workers: number): SweepResults['environment'] {
  return { tool: toolName, node: process.version, platform: platform(), cpus: availableParallelism(), workers };
}

/** `ckptsim sweep [scenario...] --runs N [--seed S] [--profile P] [--workers K] [--shard i/n] [--out DIR]` */
export async function commandSweep(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('sweep', argv, {
    runs: { type: 'string' },
    seed: { type: 'string' },
    profile: { type: 'string' },
    workers: { type: 'string' },
    shard: { type: 'string' },
    out: { type: 'string' },
    vary: { type: 'boolean' },
    mutants: { type: 'boolean' },
  });
  for (const name of positionals) if (findScenario(name) === undefined) throw new UsageError(`unknown scenario '${name}'; known: ${builtIn.map((scenario) => scenario.name).join(', ')}`);
  const scenarioNames = positionals.length > 0 ? positionals : builtIn.map((scenario) => scenario.name);
  const runsPerScenario = integerOption('runs', values['runs'], 100, 10_000_000);
  const seed = integerOption('seed', values['seed'], 1);
  const profile = (values['profile'] ?? 'swarm') as string;
  if (!(profile in faultProfiles)) throw new UsageError(`--profile must be one of ${Object.keys(faultProfiles).join(', ')}, got '${profile}'`);
  const workers = integerOption('workers', values['workers'], availableParallelism(), 256);
  const shard = parseShard(values['shard']);
  const outDirectory = (values['out'] as string | undefined) ?? join('reports', 'latest');
  const vary = values['vary'] === true;
  const cases = sweepCases(scenarioNames, runsPerScenario, seed, profile as FaultProfile, shard, vary);
  const startedMs = Date.now();
  const reporter = progressReporter(cases.length);
  const running = runSweep(cases, workers, { onResult: (_result, done, total) => reporter(done, total) });
  let signalled = false;
  const onSignal = (): void => {
    signalled = true;
    process.stderr.write('\nckptsim: interrupted; writing the cases that finished\n');
    running.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const { results, interrupted: sweepInterrupted } = await running.finished;
  const wallMs = Date.now() - startedMs;
  let interrupted = sweepInterrupted;
  let plantedBugs: PlantedBugMatrix | undefined;
  if (values['mutants'] === true && !interrupted) {
    const matrix = await runPlantedBugs(seed, () => signalled);
    interrupted ||= matrix.interrupted;
    plantedBugs = matrix.matrix;
  }
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  const sorted = sortCases(results, scenarioNames);
  const output: SweepResults = {
    schema: resultsSchema,
    parameters: { scenarios: scenarioNames, runsPerScenario, seed, profile: profile as FaultProfile, vary },
    shards: [`${shard.index}/${shard.count}`],
    interrupted,
    properties: Object.fromEntries(scenarioNames.map((name) => [name, [...(findScenario(name)?.properties ?? [])]])),
    ...(plantedBugs === undefined ? {} : { plantedBugs }),
    cases: sorted,
    summary: summarise(sorted, scenarioNames),
    environment: environment(workers),
    timing: { wallMs, casesPerSecond: wallMs === 0 ? 0 : (sorted.length * 1000) / wallMs },
  };
  writeResults(outDirectory, output);
  printSummary(output, outDirectory);
  if (interrupted) return 130;
  return hasFailures(output) || (plantedBugs !== undefined && !canaryHeld(plantedBugs)) ? 1 : 0;
}

/** Every planted bug caught, and every shrunk case passing without its bug. */
function canaryHeld(matrix: PlantedBugMatrix): boolean {
  return matrix.mutants.every((mutant) => mutant.killed && mutant.control !== 'fail');
}

/** The planted-bug kill matrix, bug by bug (progress on stderr); stops early when interrupted. */
async function runPlantedBugs(seed: number, stopped: () => boolean): Promise<{ matrix: PlantedBugMatrix; interrupted: boolean }> {
  const budget = 300;
  const mutants = [];
  for (const bug of plantedBugNames) {
    // Let a pending Ctrl-C be handled between bugs.
    await new Promise((resolve) => setImmediate(resolve));
    if (stopped()) return { matrix: { budget, seed, killed: mutants.filter((mutant) => mutant.killed).length, mutants }, interrupted: true };
    const result = runMutant(bug, budget, seed);
    mutants.push(result);
    process.stderr.write(`planted bug ${mutants.length}/${plantedBugNames.length} ${bug}: ${result.killed ? `caught by ${result.detectedBy} after ${result.casesToDetection} case(s)` : 'NOT CAUGHT'}\n`);
  }
  return { matrix: { budget, seed, killed: mutants.filter((mutant) => mutant.killed).length, mutants }, interrupted: false };
}

/** `ckptsim report merge <results.json...> --out DIR` */
export function commandReportMerge(argv: readonly string[]): number {
  const { values, positionals } = parseCommand('report merge', argv, { out: { type: 'string' } });
  if (positionals.length === 0) throw new UsageError('ckptsim report merge needs one or more results.json files');
  const parts = positionals.map((path) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      // One JavaScript string holds at most about 2^29 characters: a results file of a few hundred thousand cases.
      if ((error as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG') throw new UsageError(`results file '${path}' is too large to read as one string (over 512 MiB); merge sweeps split into more, smaller shards`);
      throw new UsageError(`cannot read results file '${path}'`);
    }
    try {
      return JSON.parse(text) as SweepResults;
    } catch {
      throw new UsageError(`results file '${path}' is not valid JSON`);
    }
  });
  let merged: SweepResults;
  try {
    merged = mergeResults(parts, environment(0));
  } catch (error) {
    if (error instanceof MergeError) throw new UsageError(error.message);
    throw error;
  }
  const outDirectory = (values['out'] as string | undefined) ?? join('reports', 'merged');
  writeResults(outDirectory, merged);
  printSummary(merged, outDirectory);
  return hasFailures(merged) ? 1 : 0;
}

/** Re-runs a case with trace capture for the HTML report's diagrams. */
function replayCaptured(spec: CaseSpec) {
  const scenario = findScenario(spec.scenario);
  if (scenario === undefined) throw new UsageError(`unknown scenario '${spec.scenario}' in a replay token`);
  return replayForReport((caseSpec, observers) => runCase(scenario, caseSpec, { captureTrace: true, observers }), spec);
}

/**
 * Writes results.json, report.md, report.html and junit.xml; what was already there is replaced
 * only once all are rendered. results.json is written piece by piece to a temporary file first
 * (a large sweep's JSON is longer than one string may be), then renamed over the old one.
 */
function writeResults(directory: string, results: SweepResults): void {
  const declared = new Map(builtIn.map((scenario) => [scenario.name, [...scenario.properties]]));
  const files: Array<[string, string]> = [
    ['report.md', renderMarkdown(results, declared)],
    ['report.html', renderSweepHtml(results, declared, { replay: replayCaptured, decode: decodeReplayToken })],
    ['junit.xml', renderJunit(results, declared)],
  ];
  mkdirSync(directory, { recursive: true });
  const resultsPath = join(directory, 'results.json');
  const partialPath = `${resultsPath}.partial`;
  const descriptor = openSync(partialPath, 'w');
  try {
    for (const piece of resultsJsonPieces(results)) writeSync(descriptor, piece);
    writeSync(descriptor, '\n');
  } finally {
    closeSync(descriptor);
  }
  renameSync(partialPath, resultsPath);
  for (const [name, text] of files) writeFileSync(join(directory, name), text);
}

function printSummary(results: SweepResults, directory: string): void {
  const declared = new Map(builtIn.map((scenario) => [scenario.name, [...scenario.properties]]));
  const colour = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  process.stdout.write(terminalTables(results, declared, colour));
  const { wallMs, casesPerSecond } = results.timing;
  const files = ['results.json', 'report.md', 'report.html', 'junit.xml'].map((name) => join(directory, name));
  process.stdout.write(
    `${results.cases.length} cases in ${(wallMs / 1000).toFixed(1)} s (${casesPerSecond.toFixed(1)} cases/s)${results.interrupted ? paint(colour, 'yellow', ', interrupted') : ''}\nreports written:\n${files.map((file) => `  ${file}`).join('\n')}\n`,
  );
}

/** Progress on stderr: a rewritten line on a terminal, a plain line every few seconds otherwise. */
function progressReporter(total: number): (done: number, total: number) => void {
  const tty = process.stderr.isTTY === true;
  const startedMs = Date.now();
  let lastMs = 0;
  return (done) => {
    const now = Date.now();
    const finished = done === total;
    if (!finished && now - lastMs < (tty ? 200 : 5_000)) return;
    lastMs = now;
    const rate = (done * 1000) / Math.max(1, now - startedMs);
    const line = `${done}/${total} cases, ${rate.toFixed(1)} cases/s`;
    if (tty) process.stderr.write(`\r${line}${finished ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  };
}
