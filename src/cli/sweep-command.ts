import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, platform } from 'node:os';
import { join } from 'node:path';
import { faultProfiles, type FaultProfile } from '../explore/arbitraries.js';
import { operationLevels, type OperationLevel } from '../explore/operation-arbitraries.js';
import {
  mergeCaseStreams,
  mergedHead,
  mergedTail,
  MergeError,
  ResultsCollector,
  resultsSchema,
  timelineChoices,
  type PlantedBugMatrix,
  type ResultsHead,
  type ResultsTail,
  type SweepReport,
  type SweepResults,
  type TimelineChoice,
} from '../explore/results.js';
import { openResultsFile, ResultsFileError, ResultsFileWriter } from '../report/results-file.js';
import { UsageError } from '../explore/scenario.js';
import { CanonicalOrder, runSweep, SweepPlan, type CaseList, type Shard } from '../explore/sweep.js';
import { scenarios as builtIn } from '../../scenarios/index.js';
import { declaredProperties, loadedUserScenarios, lookupScenario, requireScenario } from '../explore/scenario-registry.js';
import { scenarioForSpec } from '../explore/scenario-modules.js';
import { integerOption, parseCommand } from './arguments.js';
import { renderJunit } from '../report/junit.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderSweepHtml, replayForReport } from '../report/html.js';
import { decodeReplayToken, type CaseSpec } from '../explore/replay-token.js';
import { runCase } from '../explore/run-case.js';
import { knownPassingCases, summariseMutants, type MutantSweep } from '../explore/mutants.js';
import { SweptCases } from '../explore/swept-cases.js';
import { runMutantPool } from '../explore/mutant-pool.js';
import type { SweepCaseResult } from '../explore/sweep-case.js';
import { plantedBugNames } from '../cluster/planted-bugs.js';
import { paint, terminalTables } from './terminal.js';
import { sweepVerdict, verdictLine } from '../report/verdict.js';
import { githubAnnotations } from '../report/github-annotations.js';
import { coverageLine } from '../report/coverage-markdown.js';
import { toolName } from './version.js';
import { maxShardCount, shardLabel } from '../explore/shards.js';
import { checkShardCoverage } from './merge-checks.js';
import { makeOutputDirectory } from './output-directory.js';
import { StrategyPlan } from '../explore/strategies/strategy-plan.js';
import { InterestingCases } from '../explore/strategies/saved-corpus.js';
import { openCorpusDirectory } from './corpus-directory.js';
import { planCorpusSave, rerunSavedCases, writeCorpusSave } from './corpus-run.js';
import { strategyOption } from './strategy-option.js';
import { strategyLine } from '../explore/strategies/strategy-tally.js';

/** `--shard i/n`, counting from 1 like vitest and playwright (`1/4` .. `4/4`); a {@link Shard} counts from 0. */
function parseShard(raw: string | boolean | undefined): Shard {
  if (raw === undefined) return { index: 0, count: 1 };
  const match = typeof raw === 'string' ? /^(\d+)\/(\d+)$/.exec(raw) : null;
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || count > maxShardCount) throw new UsageError(`--shard must be i/n with 1 <= i <= n <= ${maxShardCount}, got '${String(raw)}'`);
  if (index === 0) throw new UsageError(`--shard counts from 1 (1/${count} .. ${count}/${count}), got '${raw}'`);
  if (index > count) throw new UsageError(`--shard ${raw} names shard ${index} of only ${count}`);
  return { index: index - 1, count };
}

function environment(workers: number): SweepResults['environment'] {
  return { tool: toolName, node: process.version, platform: platform(), cpus: availableParallelism(), workers };
}

/** `ckptsim sweep [scenario...] --runs N [--seed S] [--profile P] [--operations O] [--vary] [--mutants] [--timelines T] [--workers K] [--shard i/n] [--out DIR]` */
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
    timelines: { type: 'string' },
    operations: { type: 'string' },
    strategy: { type: 'string' },
    'pct-depth': { type: 'string' },
    'pct-window-us': { type: 'string' },
    'pct-steps': { type: 'string' },
    corpus: { type: 'string' },
  });
  for (const name of positionals) requireScenario(name);
  // Without names, a sweep covers the project's own scenarios when it has some, else the built-ins.
  const userScenarios = loadedUserScenarios();
  const scenarioNames = positionals.length > 0 ? positionals : (userScenarios.length > 0 ? userScenarios : builtIn).map((scenario) => scenario.name);
  const runsPerScenario = integerOption('runs', values['runs'], 100, 10_000_000, 1);
  const seed = integerOption('seed', values['seed'], 1);
  const profile = (values['profile'] ?? 'swarm') as string;
  if (!(profile in faultProfiles)) throw new UsageError(`--profile must be one of ${Object.keys(faultProfiles).join(', ')}, got '${profile}'`);
  const workers = integerOption('workers', values['workers'], availableParallelism(), 256, 1);
  const shard = parseShard(values['shard']);
  const outDirectory = (values['out'] as string | undefined) ?? join('reports', 'latest');
  const vary = values['vary'] === true;
  const timelines = (values['timelines'] ?? 'all') as string;
  if (!(timelineChoices as readonly string[]).includes(timelines)) throw new UsageError(`--timelines must be one of ${timelineChoices.join(', ')}, got '${timelines}'`);
  const keepTimeline = timelineKeeper(timelines as TimelineChoice);
  const operations = (values['operations'] ?? 'some') as string;
  if (!(operationLevels as readonly string[]).includes(operations)) throw new UsageError(`--operations must be one of ${operationLevels.join(', ')}, got '${operations}'`);
  const strategy = strategyOption(values);
  const basePlan = new SweepPlan(scenarioNames, runsPerScenario, seed, profile as FaultProfile, shard, vary, operations as OperationLevel);
  // The random strategy runs the plan's own cases, exactly as before strategies existed.
  const plan = strategy.name === 'random' ? basePlan : new StrategyPlan(basePlan, strategy);
  if (plan.length === 0) throw new UsageError(`--shard ${shardLabel(shard)} holds no case: the sweep has ${scenarioNames.length * runsPerScenario} case(s), so split it into at most that many shards`);
  const head: ResultsHead = {
    schema: resultsSchema,
    parameters: { scenarios: scenarioNames, runsPerScenario, seed, profile: profile as FaultProfile, vary, operations: operations as OperationLevel, timelines: timelines as TimelineChoice, ...(strategy.name === 'random' ? {} : { strategy }) },
    shards: [shardLabel(shard)],
    properties: Object.fromEntries(scenarioNames.map((name) => [name, [...(lookupScenario(name)?.properties ?? [])]])),
  };
  // results.json is written while the sweep runs (to results.json.partial until it is complete),
  // and the reports are made from a bounded summary: memory does not grow with the cases.
  // Saved cases (--corpus) are re-run first; they seed the coverage strategy's corpus.
  const corpusDirectory = values['corpus'] === undefined ? undefined : openCorpusDirectory(values['corpus'] as string);
  const interesting = new InterestingCases();
  const reruns = corpusDirectory === undefined ? [] : await rerunSavedCases(corpusDirectory, scenarioNames, profile as FaultProfile, workers);
  for (const rerun of reruns) {
    interesting.know(rerun.result);
    if (plan instanceof StrategyPlan) plan.corpus?.seed(decodeReplayToken(rerun.saved.token), rerun.result.coverage, `saved ${rerun.file}`);
  }
  // The kill matrix after the sweep (random strategy) learns from the sweep's cases it reaches which bugs each reached.
  const swept = new SweptCases(values['mutants'] === true && strategy.name === 'random' ? Math.ceil(sweepMutantBudget / scenarioNames.length) : 0);
  const casesToRun: CaseList & Pick<SweepPlan, 'positionOf'> = swept.marking(corpusDirectory === undefined ? plan : keepingReplay(plan));
  const writer = openResultsWriter(outDirectory, head);
  const collector = new ResultsCollector(scenarioNames, undefined, strategy);
  let writeError: unknown;
  const order = new CanonicalOrder(plan, (received) => {
    const full = swept.take(received);
    if (plan instanceof StrategyPlan) plan.record(full);
    if (corpusDirectory !== undefined) interesting.add(full);
    const result = keepTimeline(forResults(full));
    collector.add(result);
    if (writeError !== undefined) return;
    try {
      writer.add(result);
    } catch (error) {
      writeError = error;
    }
  });
  const startedMs = Date.now();
  const reporter = progressReporter(plan.length);
  const running = runSweep(casesToRun, workers, {
    onResult: (result, done, total) => {
      order.push(result);
      if (writeError !== undefined) running.stop();
      reporter(done, total);
    },
  });
  let signalled = false;
  const onSignal = (): void => {
    signalled = true;
    process.stderr.write('\nckptsim: interrupted; writing the cases that finished\n');
    running.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let interrupted: boolean;
  // A worker that fails (a harness bug: a case's own exceptions are reported as its outcome)
  // ends the sweep; the cases that finished are still written, as for an interrupted sweep.
  let workerError: unknown;
  try {
    interrupted = (await running.finished).interrupted;
  } catch (error) {
    workerError = error;
    interrupted = true;
  }
  order.drain();
  const wallMs = Date.now() - startedMs;
  if (writeError !== undefined) {
    writer.abandon();
    throw new UsageError(`cannot write '${writer.path}': ${(writeError as Error).message}`);
  }
  let plantedBugs: PlantedBugMatrix | undefined;
  if (values['mutants'] === true && !interrupted) {
    const matrix = await runPlantedBugs({ scenarios: scenarioNames, runsPerScenario, seed, profile: profile as FaultProfile, vary, operations: operations as OperationLevel, ...(strategy.name === 'random' ? {} : { strategy }) }, workers, () => signalled, swept);
    interrupted ||= matrix.interrupted;
    plantedBugs = matrix.matrix;
  }
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  // A worker that failed leaves the corpus as it was: its cases did not all run.
  const corpusSave = corpusDirectory === undefined || workerError !== undefined ? undefined : planCorpusSave(corpusDirectory, reruns, interesting.picked);
  const tail: ResultsTail = {
    interrupted,
    ...(plantedBugs === undefined ? {} : { plantedBugs }),
    summary: collector.summary(),
    coverage: collector.coverage(),
    ...strategyTail(collector),
    ...(corpusSave === undefined ? {} : { corpus: corpusSave.summary }),
    environment: environment(workers),
    timing: { wallMs, casesPerSecond: wallMs === 0 ? 0 : (collector.caseCount * 1000) / wallMs },
  };
  const report = finishResults(outDirectory, writer, collector, head, tail);
  printSummary(report, outDirectory);
  if (workerError !== undefined) {
    // A harness failure, not a verdict on the protocol: exit 3, with what a bug report needs.
    const detail = workerError instanceof Error ? (workerError.stack ?? workerError.message) : String(workerError);
    process.stderr.write(`ckptsim: the sweep stopped early because a sweep worker failed (a fault of ckptsim, not of the protocol under test); the ${collector.caseCount} cases that finished are written to ${outDirectory}, marked interrupted\n${detail}\n`);
    printVerdict(report);
    return harnessFailureExitCode;
  }
  if (corpusSave !== undefined) writeCorpusSave(corpusSave);
  // The verdict counts a saved case that fails now (report.corpus) as it counts a violation.
  const passed = printVerdict(report);
  if (interrupted) return 130;
  // The exit code follows the verdict line: a violation, a harness error, nondeterminism or a planted bug not caught is 1.
  return passed ? 0 : 1;
}

/** The sweep's cases with their replay tokens kept (passing ones too), for `--corpus` to save the interesting ones. */
function keepingReplay(plan: CaseList & Pick<SweepPlan, 'positionOf'>): CaseList & Pick<SweepPlan, 'positionOf'> {
  return {
    length: plan.length,
    at: (position) => {
      const sweepCase = plan.at(position);
      return sweepCase === undefined ? undefined : { ...sweepCase, keepReplay: true };
    },
    ready: (position) => plan.ready?.(position) ?? true,
    positionOf: (scenario, index) => plan.positionOf(scenario, index),
  };
}

/**
 * What results.json keeps of a case: a fresh case of the coverage strategy carried its replay
 * token for the corpus only; a passing one drops it, as every random case does (a mutated case
 * keeps it: it is the only way to replay it).
 */
function forResults(result: SweepCaseResult): SweepCaseResult {
  if (result.verdict !== 'pass' || result.mutation !== undefined || result.replay === undefined) return result;
  const { replay: _replay, ...rest } = result;
  return rest;
}

/** The strategy summary of the tail, when the sweep has a strategy other than random. */
function strategyTail(collector: ResultsCollector): Pick<ResultsTail, 'strategy'> {
  const summary = collector.strategy();
  return summary === undefined ? {} : { strategy: summary };
}

/** The exit code when the harness itself failed: neither a verdict (0, 1) nor bad input (2). */
export const harnessFailureExitCode = 3;

/** Drops the checkpoint timeline (most of a case's bytes on disk) from the cases `choice` leaves out. */
function timelineKeeper(choice: TimelineChoice): (result: SweepCaseResult) => SweepCaseResult {
  if (choice === 'all') return (result) => result;
  return (result) => {
    if (choice === 'not-passing' && result.verdict !== 'pass') return result;
    const { timeline: _timeline, ...rest } = result;
    return rest;
  };
}

/** Cases each planted bug is tried on after a sweep (`--mutants`, `npm start`): the sweep's first cases, scenario by scenario in turn. */
export const sweepMutantBudget = 350;

/**
 * The planted-bug kill matrix on the sweep's own cases (same scenarios, profile, seed), bugs
 * spread over the workers (progress on stderr); stops early when interrupted.
 */
async function runPlantedBugs(cases: Omit<MutantSweep, 'budget'>, workers: number, stopped: () => boolean, swept: SweptCases): Promise<{ matrix: PlantedBugMatrix; interrupted: boolean }> {
  const sweep: MutantSweep = { ...cases, budget: Math.min(sweepMutantBudget, cases.scenarios.length * cases.runsPerScenario) };
  const { rows, interrupted } = await runMutantPool(
    plantedBugNames,
    sweep,
    Math.max(1, workers),
    (result, done) => {
      process.stderr.write(`planted bug ${done}/${plantedBugNames.length} ${result.bug}: ${result.killed ? `caught by ${result.detectedBy} after ${result.casesToDetection} case(s), ${result.secondsToDetection ?? 0} s` : result.knownSurvivor === undefined ? 'NOT CAUGHT' : 'not caught (a known survivor)'}\n`);
    },
    { stopped, knownPassing: (bug) => [...knownPassingCases(sweep, bug, (scenario, index) => swept.lookup(scenario, index))] },
  );
  return { matrix: { budget: sweep.budget, seed: sweep.seed, killed: rows.filter((mutant) => mutant.killed).length, mutants: rows, summary: summariseMutants(rows) }, interrupted };
}

/**
 * `ckptsim report merge <results.json...> [--partial] --out DIR`: reads the shards case by case,
 * in a k-way merge of their canonical orders, so that merging holds no more in memory than one
 * sweep does. With --partial a file cut short (the results.json.partial of a sweep that was
 * killed) is read up to its last complete case, and the merged results are marked interrupted.
 */
export async function commandReportMerge(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('report merge', argv, { out: { type: 'string' }, partial: { type: 'boolean' }, 'allow-partial': { type: 'boolean' } });
  if (positionals.length === 0) throw new UsageError('ckptsim report merge needs one or more results.json files');
  const partial = values['partial'] === true;
  const outGiven = values['out'] !== undefined;
  const outDirectory = (values['out'] as string | undefined) ?? join('reports', 'merged');
  // The output is written to results.json.partial in --out: never one of the inputs.
  const written = sameFileAs(join(outDirectory, 'results.json.partial'));
  for (const path of positionals) {
    if (written(path)) throw new UsageError(`'${path}' would be overwritten by the merge's own output; choose another --out`);
  }
  const readers = positionals.map((path) => asUsageError(() => openResultsFile(path, { partial })));
  // Shards of different sweeps are refused as such first; then each shard of 1..n must be there once.
  const merged = asUsageError(() => mergedHead(readers.map((reader) => reader.head)));
  const missingShards = checkShardCoverage(positionals, readers.map((reader) => reader.head.shards), values['allow-partial'] === true);
  const head: ResultsHead = missingShards.length === 0 ? merged : { ...merged, missingShards };
  const writer = openResultsWriter(outDirectory, head);
  const collector = new ResultsCollector(head.parameters.scenarios, undefined, head.parameters.strategy);
  let tail: ResultsTail;
  try {
    tail = asUsageError(() => {
      for (const entry of mergeCaseStreams(head.parameters.scenarios, readers.map((reader) => reader.cases))) {
        collector.add(entry);
        writer.add(entry);
      }
      return {
        ...mergedTail(
          readers.map((reader) => reader.tail()),
          collector.summary(),
          collector.caseCount,
          environment(0),
        ),
        coverage: collector.coverage(),
        ...strategyTail(collector),
      };
    });
  } catch (error) {
    writer.abandon();
    throw error;
  }
  readers.forEach((reader, index) => {
    if (reader.cutShort) process.stderr.write(`ckptsim: '${positionals[index]}' was cut short; its complete cases are merged and the results marked interrupted\n`);
  });
  // The HTML report re-runs held cases: a user scenario's module is loaded from its token.
  try {
    await loadScenariosOfHeldCases(collector, head, tail);
  } catch (error) {
    writer.abandon();
    throw error;
  }
  const report = finishResults(outDirectory, writer, collector, head, tail);
  printSummary(report, outDirectory);
  if (!outGiven) process.stderr.write(`ckptsim: no --out given; the merged reports are in ${outDirectory}\n`);
  // Not a pass (a violation, a harness error, an interrupted shard, a planted bug not caught): 1.
  return printVerdict(report) ? 0 : 1;
}

/** Loads the module of each user scenario whose held cases a report will re-run (from their tokens). */
async function loadScenariosOfHeldCases(collector: ResultsCollector, head: ResultsHead, tail: ResultsTail): Promise<void> {
  const { schema: _schema, ...headRest } = head;
  const { summary: _summary, ...tailRest } = tail;
  const report = collector.report({ ...headRest, ...tailRest });
  const loading = new Set<string>();
  for (const entry of [...report.notPassing, ...report.passing]) {
    const token = entry.failure?.replay ?? entry.replay;
    if (token === undefined || loading.has(entry.scenario) || lookupScenario(entry.scenario) !== undefined) continue;
    loading.add(entry.scenario);
    await scenarioForSpec(decodeReplayToken(token));
  }
}

/** A test for whether a path names the same file as `target` (false when either does not exist). */
function sameFileAs(target: string): (path: string) => boolean {
  const identity = (path: string): string | undefined => {
    try {
      const stats = statSync(path);
      return `${stats.dev}:${stats.ino}`;
    } catch {
      return undefined;
    }
  };
  const targetIdentity = identity(target);
  return (path) => targetIdentity !== undefined && identity(path) === targetIdentity;
}

/** Runs `read`, turning a bad results file or an unmergeable set into a usage error (exit 2). */
function asUsageError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof MergeError || error instanceof ResultsFileError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * Creates the output directory and starts results.json.partial in it. A results.json.partial
 * already there was left by a sweep that was killed outright; it is kept, renamed to the first
 * free results.json.partial.N, for `report merge --partial` to salvage.
 */
function openResultsWriter(directory: string, head: ResultsHead): ResultsFileWriter {
  makeOutputDirectory(directory);
  keepLeftoverPartial(join(directory, 'results.json.partial'));
  try {
    return new ResultsFileWriter(join(directory, 'results.json'), head);
  } catch {
    throw new UsageError(`cannot write the results to directory '${directory}'`);
  }
}

function keepLeftoverPartial(partialPath: string): void {
  if (!existsSync(partialPath)) return;
  let number = 1;
  while (existsSync(`${partialPath}.${number}`)) number++;
  const kept = `${partialPath}.${number}`;
  try {
    renameSync(partialPath, kept);
  } catch {
    throw new UsageError(`cannot move aside '${partialPath}', left by a sweep that did not finish; move or salvage it first`);
  }
  process.stderr.write(`ckptsim: '${partialPath}' was left by a sweep that did not finish; kept as '${kept}' (salvage it with: ckptsim report merge --partial '${kept}' --out DIR)\n`);
}

/** Re-runs a case with trace capture for the HTML report's diagrams. */
function replayCaptured(spec: CaseSpec) {
  const scenario = lookupScenario(spec.scenario);
  if (scenario === undefined) throw new UsageError(`unknown scenario '${spec.scenario}' in a replay token (load its module with --scenarios)`);
  return replayForReport((caseSpec, observers) => runCase(scenario, caseSpec, { captureTrace: true, observers }), spec);
}

/**
 * Renders report.md, report.html and junit.xml, then completes results.json (renaming it over
 * the old one) and writes the three: what was already there is replaced only once all are
 * rendered.
 */
function finishResults(directory: string, writer: ResultsFileWriter, collector: ResultsCollector, head: ResultsHead, tail: ResultsTail): SweepReport {
  const { schema: _schema, ...headRest } = head;
  const { summary: _summary, ...tailRest } = tail;
  const report = collector.report({ ...headRest, ...tailRest });
  const declared = declaredOf(head);
  let files: Array<[string, string]>;
  try {
    files = [
      ['report.md', renderMarkdown(report, declared)],
      ['report.html', renderSweepHtml(report, declared, { replay: replayCaptured, decode: decodeReplayToken })],
      ['junit.xml', renderJunit(report, declared)],
    ];
  } catch (error) {
    writer.abandon();
    throw error;
  }
  writer.finish(tail);
  for (const [name, text] of files) writeFileSync(join(directory, name), text);
  return report;
}

/** Each scenario's declared properties: those of the loaded scenarios, then those a results head records (a merge may not load every module). */
function declaredOf(head: Pick<ResultsHead, 'properties'>): Map<string, string[]> {
  const declared: Map<string, string[]> = declaredProperties();
  for (const [name, properties] of Object.entries(head.properties)) if (!declared.has(name)) declared.set(name, [...properties]);
  return declared;
}

function printSummary(results: SweepReport, directory: string): void {
  const declared = declaredOf(results);
  const colour = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  process.stdout.write(terminalTables(results, declared, colour));
  const depth = depthLine(results);
  if (depth !== undefined) process.stdout.write(`${depth}\n`);
  const coverage = coverageLine(results.coverage);
  if (coverage !== undefined) process.stdout.write(`${coverage}\n`);
  const strategy = strategyLine(results.strategy, results.caseCount);
  if (strategy !== undefined) process.stdout.write(`${strategy}\n`);
  const { wallMs, casesPerSecond } = results.timing;
  const files = ['results.json', 'report.md', 'report.html', 'junit.xml'].map((name) => join(directory, name));
  process.stdout.write(
    `${results.caseCount} cases in ${(wallMs / 1000).toFixed(1)} s (${casesPerSecond.toFixed(1)} cases/s)${results.interrupted ? paint(colour, 'yellow', ', interrupted') : ''}\nreports written:\n${files.map((file) => `  ${file}`).join('\n')}\n`,
  );
}

/** The last line of a sweep's or merge's output: PASS or FAIL, with the counts behind it. */
function printVerdict(results: SweepReport): boolean {
  const declared = declaredOf(results);
  const verdict = sweepVerdict(results, declared);
  // In GitHub Actions, each failure also becomes an annotation carrying its replay command.
  if (process.env['GITHUB_ACTIONS'] === 'true') for (const line of githubAnnotations(results, declared)) process.stdout.write(`${line}\n`);
  const colour = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  process.stdout.write(`${paint(colour, verdict.passed ? 'green' : 'red', verdictLine(verdict))}\n`);
  return verdict.passed;
}

/** One line on how deep the sweep's cases ran: shares of checkpoints completed per case, and of ids past 10. */
function depthLine(results: SweepReport): string | undefined {
  const withDepth = results.summary.filter((entry) => entry.depth !== undefined);
  const cases = withDepth.reduce((total, entry) => total + entry.cases, 0);
  if (cases === 0) return undefined;
  const sum = (pick: (entry: (typeof withDepth)[number]) => number) => withDepth.reduce((total, entry) => total + pick(entry), 0);
  const completed = (bucket: string) => sum((entry) => entry.depth!.checkpointsCompleted[bucket] ?? 0);
  const percent = (count: number) => `${Math.round((100 * count) / cases)}%`;
  const deepIds = sum((entry) => ['10-19', '20-40', '41+'].reduce((total, bucket) => total + (entry.depth!.highestCheckpointId[bucket] ?? 0), 0));
  const retained = sum((entry) => (entry.depth!.retainedCheckpoints['2'] ?? 0) + (entry.depth!.retainedCheckpoints['3'] ?? 0));
  return `depth: checkpoints completed per case 0-9 ${percent(completed('0') + completed('1-4') + completed('5-9'))}, 10-40 ${percent(completed('10-19') + completed('20-40'))}, over 40 ${percent(completed('41+'))}; highest id 10 or more in ${percent(deepIds)}; 2-3 checkpoints retained in ${percent(retained)}`;
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
