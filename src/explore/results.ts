import { StrategyTally, type StrategySummary } from './strategies/strategy-tally.js';
import type { StrategySettings } from './strategies/strategy.js';
import type { OperationLevel } from './operation-arbitraries.js';
import type { FaultProfile } from './arbitraries.js';
import type { MutantResult, MutantSummary } from './mutants.js';
import type { SweepCaseResult } from './sweep-case.js';
import { parseShardLabels, shardLabel } from './shards.js';
import { CoverageTally, type CoverageSummary } from './coverage-tally.js';

/** The version tag of results.json; bump it on any incompatible change. */
export const resultsSchema = 'ckptsim.results/1';

/** Per-scenario totals of a sweep. */
export interface ScenarioSummary {
  readonly scenario: string;
  readonly cases: number;
  readonly passed: number;
  readonly failed: number;
  readonly expectedGaps: number;
  readonly nondeterministic: number;
  /** Cases the oracle could not decide (neither passed nor failed); absent when none. */
  readonly undecided?: number;
  /** Property name -> cases that violated it. */
  readonly violations: Readonly<Record<string, number>>;
  /** Fault kind -> cases whose plan used it. */
  readonly faultKinds: Readonly<Record<string, number>>;
  /** Fault kind -> cases in which a fault of that kind fired and took effect. */
  readonly firedFaultKinds: Readonly<Record<string, number>>;
  readonly events: number;
  readonly virtualTimeUs: number;
  /** How deep the cases ran: cases per bucket of checkpoints completed and of highest checkpoint id, and per retained-checkpoints setting. */
  readonly depth?: DepthDistribution;
}

/** Cases per bucket of a depth measure; bucket names are {@link depthBuckets}. */
export interface DepthDistribution {
  readonly checkpointsCompleted: Readonly<Record<string, number>>;
  readonly highestCheckpointId: Readonly<Record<string, number>>;
  /** Retained-checkpoints setting -> cases. */
  readonly retainedCheckpoints: Readonly<Record<string, number>>;
}

/** The buckets depth is counted in, lowest first: [name, lowest value in it]. */
export const depthBuckets: ReadonlyArray<readonly [string, number]> = [
  ['0', 0],
  ['1-4', 1],
  ['5-9', 5],
  ['10-19', 10],
  ['20-40', 20],
  ['41+', 41],
];

/** The bucket of `value`. */
export function depthBucket(value: number): string {
  let name = depthBuckets[0]![0];
  for (const [bucket, lowest] of depthBuckets) if (value >= lowest) name = bucket;
  return name;
}

/** Which cases keep their checkpoint timeline in results.json (`sweep --timelines`). */
export const timelineChoices = ['all', 'not-passing', 'none'] as const;
export type TimelineChoice = (typeof timelineChoices)[number];

/** What a sweep was asked to do; equal across the shards of one sweep (`timelines` aside). */
export interface SweepParameters {
  readonly scenarios: readonly string[];
  readonly runsPerScenario: number;
  readonly seed: number;
  readonly profile: FaultProfile;
  /** Whether scenario parameters and runtime config were drawn per case too. */
  readonly vary: boolean;
  /** How many operations each case drew beside its faults (`--operations`); absent in results written before it was recorded. */
  readonly operations?: OperationLevel;
  /**
   * Which cases kept their checkpoint timeline. Absent in results written before it was
   * recorded, and in a merge of shards that chose differently.
   */
  readonly timelines?: TimelineChoice;
  /** The exploration strategy (`--strategy`) and its settings; absent for random, the default. */
  readonly strategy?: StrategySettings;
}

/**
 * results.json: everything a sweep found, deterministic except `environment` and `timing`. The
 * keys are written in this order: what is known when the sweep starts, then the cases as they
 * finish (one per line, in canonical order), then what is known only at the end.
 */
export interface SweepResults {
  readonly schema: typeof resultsSchema;
  readonly parameters: SweepParameters;
  /** The shards these results cover, as `i/n` strings counting from 1 (`1/1` for a sweep not split); see shards.ts. */
  readonly shards: readonly string[];
  /** Shards of 1..n a merge went without (`report merge --allow-partial`); absent when none was missing. */
  readonly missingShards?: readonly string[];
  /** The properties each scenario declares (and is judged on), by scenario name. */
  readonly properties: Readonly<Record<string, readonly string[]>>;
  readonly cases: readonly SweepCaseResult[];
  readonly interrupted: boolean;
  /** The planted-bug kill matrix, when the sweep ran it (`--mutants`). */
  readonly plantedBugs?: PlantedBugMatrix;
  readonly summary: readonly ScenarioSummary[];
  /** What the cases covered (step × fault pairs, abstract states, the saturation curve); absent in results written before it was recorded. */
  readonly coverage?: CoverageSummary;
  /** What the strategy did (mutated cases; PCT's n, k and probability bound); absent for random. */
  readonly strategy?: StrategySummary;
  /** What `--corpus DIR` did: saved cases re-run first, re-judged, failing now, newly saved; absent without it and in merged results. */
  readonly corpus?: CorpusSummary;
  readonly environment: { readonly tool: string; readonly node: string; readonly platform: string; readonly cpus: number; readonly workers: number };
  readonly timing: { readonly wallMs: number; readonly casesPerSecond: number };
}

/**
 * A sweep's corpus run (`--corpus DIR`): the saved cases re-run before the sweep (the same trace
 * as saved, or re-judged because the code changed), the ones that fail now (each fails the
 * sweep), and the sweep's interesting cases saved into the directory.
 */
export interface CorpusSummary {
  readonly directory: string;
  readonly rerun: number;
  readonly replayedSame: number;
  readonly rejudged: number;
  readonly failingNow: readonly { readonly file: string; readonly property: string; readonly replay: string }[];
  readonly saved: number;
  /** Of {@link saved}, the failures (kept even when the corpus is full). */
  readonly savedFailing: number;
  /** New-coverage cases not saved because the corpus was full. */
  readonly leftOut: number;
}

/** The part of results.json known before the first case finishes. */
export type ResultsHead = Pick<SweepResults, 'schema' | 'parameters' | 'shards' | 'missingShards' | 'properties'>;

/** The part of results.json known only when the sweep has ended. */
export type ResultsTail = Pick<SweepResults, 'interrupted' | 'plantedBugs' | 'summary' | 'coverage' | 'strategy' | 'corpus' | 'environment' | 'timing'>;

/** The kill matrix: each planted bug switched on alone on the sweep's own cases until caught, its shrunk case re-run without it. */
export interface PlantedBugMatrix {
  /** Cases tried per bug before it counts as surviving. */
  readonly budget: number;
  readonly seed: number;
  readonly killed: number;
  readonly mutants: readonly MutantResult[];
  /** Cases and seconds to detection and shrunk plan sizes, median and worst over the killed bugs. */
  readonly summary?: MutantSummary;
}

/** A case's place in canonical order: its scenario's position in the sweep, then its index. */
export function canonicalCompare(position: ReadonlyMap<string, number>, left: Pick<SweepCaseResult, 'scenario' | 'index'>, right: Pick<SweepCaseResult, 'scenario' | 'index'>): number {
  return (position.get(left.scenario) ?? 0) - (position.get(right.scenario) ?? 0) || left.index - right.index;
}

/** Scenario name -> its position in the sweep's scenario list. */
export function scenarioPositions(scenarios: readonly string[]): Map<string, number> {
  return new Map(scenarios.map((name, index) => [name, index]));
}

/** Sorts cases into their canonical order: scenario order of the sweep, then case index. */
export function sortCases(cases: readonly SweepCaseResult[], scenarios: readonly string[]): SweepCaseResult[] {
  const position = scenarioPositions(scenarios);
  return [...cases].sort((left, right) => canonicalCompare(position, left, right));
}

/** The running totals of one scenario, case by case. */
class ScenarioTally {
  cases = 0;
  passed = 0;
  failed = 0;
  expectedGaps = 0;
  nondeterministic = 0;
  undecided = 0;
  events = 0;
  virtualTimeUs = 0;
  private readonly violations = new Map<string, number>();
  private readonly faultKinds = new Map<string, number>();
  private readonly firedFaultKinds = new Map<string, number>();
  private readonly completedDepth = new Map<string, number>();
  private readonly idDepth = new Map<string, number>();
  private readonly retained = new Map<string, number>();

  constructor(readonly scenario: string) {}

  add(entry: SweepCaseResult): void {
    this.cases++;
    if (entry.verdict === 'pass') this.passed++;
    else if (entry.verdict === 'fail') this.failed++;
    else if (entry.verdict === 'expected-gap') this.expectedGaps++;
    else if (entry.verdict === 'nondeterministic') this.nondeterministic++;
    else if (entry.verdict === 'undecided') this.undecided++;
    this.events += entry.events;
    this.virtualTimeUs += entry.virtualTimeUs;
    for (const property of new Set(entry.violated)) this.violations.set(property, (this.violations.get(property) ?? 0) + 1);
    for (const kind of entry.faultKinds) this.faultKinds.set(kind, (this.faultKinds.get(kind) ?? 0) + 1);
    for (const kind of entry.firedFaultKinds ?? []) this.firedFaultKinds.set(kind, (this.firedFaultKinds.get(kind) ?? 0) + 1);
    bump(this.completedDepth, depthBucket(entry.checkpointsCompleted));
    if (entry.highestCheckpointId !== undefined) bump(this.idDepth, depthBucket(entry.highestCheckpointId));
    if (entry.retainedCheckpoints !== undefined) bump(this.retained, String(entry.retainedCheckpoints));
  }

  summary(): ScenarioSummary {
    const { scenario, cases, passed, failed, expectedGaps, nondeterministic, events, virtualTimeUs } = this;
    const depth = { checkpointsCompleted: bucketRecord(this.completedDepth), highestCheckpointId: bucketRecord(this.idDepth), retainedCheckpoints: sortedRecord(this.retained) };
    return { scenario, cases, passed, failed, expectedGaps, nondeterministic, ...(this.undecided > 0 ? { undecided: this.undecided } : {}), violations: sortedRecord(this.violations), faultKinds: sortedRecord(this.faultKinds), firedFaultKinds: sortedRecord(this.firedFaultKinds), events, virtualTimeUs, depth };
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Counts by bucket, every bucket present, lowest first. */
function bucketRecord(counts: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries(depthBuckets.map(([name]) => [name, counts.get(name) ?? 0]));
}

/** Totals per scenario, in the sweep's scenario order. */
export function summarise(cases: Iterable<SweepCaseResult>, scenarios: readonly string[]): ScenarioSummary[] {
  const tallies = new Map(scenarios.map((scenario) => [scenario, new ScenarioTally(scenario)]));
  for (const entry of cases) tallies.get(entry.scenario)?.add(entry);
  return [...tallies.values()].map((tally) => tally.summary());
}

function sortedRecord(counts: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0)));
}

/** True when any case failed or showed nondeterminism. */
export function hasFailures(results: Pick<SweepResults, 'summary'>): boolean {
  return results.summary.some((entry) => entry.failed > 0 || entry.nondeterministic > 0);
}

// ---- what reports are made from ---------------------------------------------------------------

/** Counts of one scenario x fault-kind cell: cases, and per property how many violated it or met a gap. */
export interface VerdictCell {
  cases: number;
  violated: Record<string, number>;
  gaps: Record<string, number>;
}

/** Scenario -> fault kind ('*' for every case) -> counts. */
export type VerdictCube = Record<string, Record<string, VerdictCell>>;

/** Counts one case into a verdict cube. */
export function addToCube(cube: VerdictCube, entry: SweepCaseResult): void {
  const byKind = (cube[entry.scenario] ??= {});
  for (const kind of ['*', ...entry.faultKinds]) {
    const cell = (byKind[kind] ??= { cases: 0, violated: {}, gaps: {} });
    cell.cases++;
    for (const property of new Set(entry.violated)) cell.violated[property] = (cell.violated[property] ?? 0) + 1;
    for (const property of new Set(entry.gapProperties ?? [])) cell.gaps[property] = (cell.gaps[property] ?? 0) + 1;
  }
}

/** How many cases a collector holds in memory for the reports. */
export interface HeldCaseLimits {
  /** Cases that did not pass, the first ones in canonical order (plus the first of each violated property and gap). */
  readonly notPassing: number;
  /** Passing cases, the first ones in canonical order. */
  readonly passing: number;
}

/** The default of both {@link HeldCaseLimits}: as many as report.html lists. */
export const defaultHeldCases = 10_000;

/**
 * What the reports (terminal, report.md, report.html, junit.xml) are made from: the sweep's
 * totals, its verdict cube, and the cases held in memory. A sweep of millions of cases holds a
 * bounded number of them; results.json has them all.
 */
export interface SweepReport extends Omit<SweepResults, 'schema' | 'cases'> {
  readonly caseCount: number;
  /** Cases with a (shrunk) failure, all of them; `notPassing` may hold fewer. */
  readonly failureCount: number;
  readonly cube: VerdictCube;
  /**
   * In canonical order each: the first cases that did not pass (up to a limit), plus, past it,
   * the first case violating each property of each scenario and the first meeting each gap.
   */
  readonly notPassing: readonly SweepCaseResult[];
  /** The first passing cases, in canonical order, up to a limit. */
  readonly passing: readonly SweepCaseResult[];
}

/**
 * Takes a sweep's cases one at a time, in canonical order, and keeps what the reports need: the
 * per-scenario totals, the verdict cube, and a bounded set of cases (see {@link SweepReport}).
 * Its memory does not grow with the number of cases.
 */
export class ResultsCollector {
  private readonly tallies: Map<string, ScenarioTally>;
  private readonly cube: VerdictCube = {};
  private readonly notPassing: SweepCaseResult[] = [];
  private readonly passing: SweepCaseResult[] = [];
  /** `v scenario property` and `g gap` keys already held. */
  private readonly firsts = new Set<string>();
  private readonly coverageTally = new CoverageTally();
  private readonly strategyTally: StrategyTally;
  private count = 0;
  private failures = 0;

  constructor(
    scenarios: readonly string[],
    private readonly limits: HeldCaseLimits = { notPassing: defaultHeldCases, passing: defaultHeldCases },
    strategy?: StrategySettings,
  ) {
    this.strategyTally = new StrategyTally(strategy);
    this.tallies = new Map(scenarios.map((scenario) => [scenario, new ScenarioTally(scenario)]));
  }

  /** Cases added so far. */
  get caseCount(): number {
    return this.count;
  }

  /** Counts a case; call in canonical order, so that which cases are held does not depend on workers. */
  add(entry: SweepCaseResult): void {
    const tally = this.tallies.get(entry.scenario);
    if (tally === undefined) throw new Error(`results: case of scenario ${entry.scenario}, which the sweep does not name`);
    this.count++;
    tally.add(entry);
    addToCube(this.cube, entry);
    this.coverageTally.add(entry);
    this.strategyTally.add(entry);
    if (entry.failure !== undefined) this.failures++;
    if (entry.verdict === 'pass') {
      if (this.passing.length < this.limits.passing) this.passing.push(entry);
      return;
    }
    let first = false;
    for (const property of entry.violated) first = this.markFirst(`v ${entry.scenario} ${property}`) || first;
    for (const gap of entry.gaps) first = this.markFirst(`g ${gap}`) || first;
    if (first || this.notPassing.length < this.limits.notPassing) this.notPassing.push(entry);
  }

  private markFirst(key: string): boolean {
    if (this.firsts.has(key)) return false;
    this.firsts.add(key);
    return true;
  }

  /** Totals per scenario so far, in the sweep's scenario order. */
  summary(): ScenarioSummary[] {
    return [...this.tallies.values()].map((tally) => tally.summary());
  }

  /** What the cases so far covered. */
  coverage(): CoverageSummary {
    return this.coverageTally.summary();
  }

  /** What the strategy did in the cases so far; undefined for random. */
  strategy(): StrategySummary | undefined {
    return this.strategyTally.summary();
  }

  /** The report of the cases so far, with the rest of the results. */
  report(rest: Omit<SweepReport, 'caseCount' | 'failureCount' | 'cube' | 'notPassing' | 'passing' | 'summary'>): SweepReport {
    return { ...rest, summary: this.summary(), coverage: this.coverage(), caseCount: this.count, failureCount: this.failures, cube: this.cube, notPassing: this.notPassing, passing: this.passing };
  }
}

/** The report of results held whole in memory (tests, library use). */
export function reportOf(results: SweepResults, limits?: HeldCaseLimits): SweepReport {
  const collector = new ResultsCollector(results.parameters.scenarios, limits);
  for (const entry of results.cases) collector.add(entry);
  const { schema: _schema, cases: _cases, summary: _summary, ...rest } = results;
  return collector.report(rest);
}

// ---- merging shards ----------------------------------------------------------------------------

/**
 * Checks that shard heads belong to one sweep; returns the parameters they share. Shards may
 * have kept timelines for different cases: the merge then records no `timelines` choice.
 */
export function checkMergeable(heads: readonly ResultsHead[]): SweepParameters {
  const first = heads[0];
  if (first === undefined) throw new MergeError('nothing to merge');
  const sweepOf = ({ timelines: _timelines, ...sweep }: SweepParameters): string => JSON.stringify(sweep);
  const key = sweepOf(first.parameters);
  for (const head of heads) {
    if (head.schema !== resultsSchema) throw new MergeError(`cannot merge results of schema ${String(head.schema)}; expected ${resultsSchema}`);
    if (sweepOf(head.parameters) !== key) throw new MergeError(`cannot merge results of different sweeps: ${sweepOf(head.parameters)} vs ${key}`);
  }
  const { timelines, ...shared } = first.parameters;
  return timelines !== undefined && heads.every((head) => head.parameters.timelines === timelines) ? { ...shared, timelines } : shared;
}

/**
 * The cases of several shards, each in canonical order, as one canonical stream (a k-way merge).
 * Throws a {@link MergeError} on a case that appears twice or a shard out of order.
 */
export function* mergeCaseStreams(scenarios: readonly string[], streams: ReadonlyArray<Iterator<SweepCaseResult>>): Generator<SweepCaseResult> {
  const position = scenarioPositions(scenarios);
  const heads = streams.map((stream) => stream.next());
  let last: SweepCaseResult | undefined;
  for (;;) {
    let best = -1;
    for (let index = 0; index < heads.length; index++) {
      const head = heads[index] as IteratorResult<SweepCaseResult>;
      if (head.done === true) continue;
      const current = heads[best];
      if (best < 0 || canonicalCompare(position, head.value, (current as IteratorYieldResult<SweepCaseResult>).value) < 0) best = index;
    }
    if (best < 0) return;
    const entry = (heads[best] as IteratorYieldResult<SweepCaseResult>).value;
    if (!position.has(entry.scenario)) throw new MergeError(`case ${entry.scenario}#${entry.index} is of a scenario the sweep does not name`);
    if (last !== undefined) {
      const order = canonicalCompare(position, last, entry);
      if (order === 0) throw new MergeError(`case ${entry.scenario}#${entry.index} appears in more than one of the merged results`);
      if (order > 0) throw new MergeError(`case ${entry.scenario}#${entry.index} is out of canonical order in its results file`);
    }
    last = entry;
    heads[best] = (streams[best] as Iterator<SweepCaseResult>).next();
    yield entry;
  }
}

/** The tail of merged results: interrupted if any shard was, the first kill matrix, wall times summed. */
export function mergedTail(tails: readonly Omit<ResultsTail, 'summary' | 'environment'>[], summary: readonly ScenarioSummary[], caseCount: number, environment: SweepResults['environment']): ResultsTail {
  const wallMs = tails.reduce((total, tail) => total + tail.timing.wallMs, 0);
  const plantedBugs = tails.find((tail) => tail.plantedBugs !== undefined)?.plantedBugs;
  return {
    interrupted: tails.some((tail) => tail.interrupted),
    ...(plantedBugs === undefined ? {} : { plantedBugs }),
    summary,
    environment,
    timing: { wallMs, casesPerSecond: wallMs === 0 ? 0 : (caseCount * 1000) / wallMs },
  };
}

/** The head of merged results: shared parameters, every shard, every scenario's properties. */
export function mergedHead(heads: readonly ResultsHead[]): ResultsHead {
  const parameters = checkMergeable(heads);
  return {
    schema: resultsSchema,
    parameters,
    shards: heads
      .flatMap((head) => {
        const shards = parseShardLabels(head.shards);
        if (shards === undefined) throw new MergeError(`cannot merge results whose shards are not i/n: ${JSON.stringify(head.shards)}`);
        return shards;
      })
      .sort((left, right) => left.count - right.count || left.index - right.index)
      .map(shardLabel),
    properties: Object.assign({}, ...heads.map((head) => head.properties ?? {})) as Record<string, readonly string[]>,
  };
}

/**
 * Joins the results of shards of one sweep, held in memory. They must share parameters; each
 * case may appear once. The joined results equal those of the same sweep run unsharded
 * (environment and timing aside).
 */
export function mergeResults(parts: readonly SweepResults[], environment: SweepResults['environment']): SweepResults {
  const head = mergedHead(parts);
  const sorted = parts.map((part) => sortCases(part.cases, head.parameters.scenarios));
  const cases = [...mergeCaseStreams(head.parameters.scenarios, sorted.map((list) => list[Symbol.iterator]()))];
  const coverage = new CoverageTally();
  const strategy = new StrategyTally(head.parameters.strategy);
  for (const entry of cases) {
    coverage.add(entry);
    strategy.add(entry);
  }
  const strategySummary = strategy.summary();
  return { ...head, cases, ...mergedTail(parts, summarise(cases, head.parameters.scenarios), cases.length, environment), coverage: coverage.summary(), ...(strategySummary === undefined ? {} : { strategy: strategySummary }) };
}

/** Results that cannot be merged. */
export class MergeError extends Error {
  override readonly name = 'MergeError';
}
