import fc from 'fast-check';
import type { OperationRecord } from '../faults/operations.js';
import type { PlanEntry, PlanEntryKind } from '../faults/plan.js';
import { hashString } from '../sim/index.js';
import { configArbitrary, parametersArbitrary, profilePlanArbitrary, topologyOf, type FaultProfile, type Topology } from './arbitraries.js';
import { operationsArbitrary, type OperationLevel } from './operation-arbitraries.js';
import { depthDrawArbitrary, scenarioCheckpointConfig, withRpcDetours, withStateBackend, withinFlinkLimits } from './config-arbitraries.js';
import { encodeReplayToken, type CaseSpec } from './replay-token.js';
import { CaseTimelineCollector, type CaseTimeline } from './case-timeline.js';
import { mergeClusterConfig, runCase, type CaseResult, type RunCaseOptions } from './run-case.js';
import type { Observation } from '../cluster/observations.js';
import { deriveStream } from '../sim/index.js';
import { resolveParameters, type Scenario } from './scenario.js';
import { CoverageCollector, type CaseCoverage } from '../oracle/protocol-coverage/index.js';
import type { PctOptions, PctStatistics } from '../sim/index.js';
import { givenCaseArbitrary } from './strategies/given-case.js';
import { ShrinkMemo, type ShrinkInput } from './shrink-memo.js';
import { consultedBugsOf } from '../cluster/planted-bug-reach.js';

/** One case of a sweep: which scenario, its position, and the seed everything else derives from. */
export interface SweepCase {
  readonly index: number;
  readonly scenario: string;
  readonly caseSeed: number;
  readonly profile: FaultProfile;
  /** Config overrides for every run of the case (planted bugs, checkpoint settings). */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Also draw the scenario's parameters and the runtime config from their arbitraries. */
  readonly vary?: boolean;
  /** How many operations (savepoints, stops, cancels) to draw beside the faults; absent means none. */
  readonly operations?: OperationLevel;
  /** Run with PCT scheduling (`--strategy pct`); absent: the kernel's plain order. */
  readonly pct?: PctOptions;
  /**
   * The case to run, given whole instead of drawn from the case seed (a case the coverage
   * strategy made by mutating its corpus): its faults shrink by dropping entries; `config` above
   * still applies over its config. Its result always carries its replay token.
   */
  readonly input?: CaseSpec;
  /** How the coverage strategy made `input` (the corpus entry and the mutations), for reports. */
  readonly mutation?: string;
  /** Keep the drawn case's replay token in the result even when it passes (the coverage strategy's corpus needs it). */
  readonly keepReplay?: boolean;
  /** Name in the result the planted bugs the drawn case's run reached (`consultedBugs`): the kill matrix after the sweep skips the others. */
  readonly recordConsultedBugs?: boolean;
}

/** What a sweep keeps of one case: small, serialisable, identical whatever worker ran it. */
export interface SweepCaseResult {
  readonly index: number;
  readonly scenario: string;
  readonly caseSeed: number;
  readonly simSeed: number;
  readonly verdict: CaseResult['verdict'] | 'nondeterministic';
  readonly faultKinds: readonly PlanEntryKind[];
  /** The kinds among them of the faults that fired and took effect (a fault timed after the run ended, or aimed at a task not running then, did not). */
  readonly firedFaultKinds?: readonly PlanEntryKind[];
  readonly faultCount: number;
  /** The drawn case's operations that fired, with their answers; absent when none fired. */
  readonly operations?: readonly OperationRecord[];
  readonly traceHash: string;
  readonly events: number;
  readonly virtualTimeUs: number;
  readonly checkpointsCompleted: number;
  /** The highest checkpoint id triggered in the case (0 when none was): how deep its ids went. */
  readonly highestCheckpointId?: number;
  /** The retained-checkpoints setting the case ran with (state.checkpoints.num-retained). */
  readonly retainedCheckpoints?: number;
  readonly restores: number;
  /** Properties violated, and gaps met, by name. */
  readonly violated: readonly string[];
  readonly gaps: readonly string[];
  /** Properties whose violations a known gap explained (parallel to `gaps`). */
  readonly gapProperties: readonly string[];
  /** Properties the oracle could not decide (verdict 'undecided'), each with why; absent when none. */
  readonly undecided?: ReadonlyArray<{ readonly property: string; readonly message: string }>;
  /** For failures: the first violation, the shrunk case and how to replay it. */
  readonly failure?: {
    readonly property: string;
    readonly message: string;
    readonly shrunkFaults: readonly PlanEntry[];
    readonly shrunkSeed: number;
    readonly shrinkSteps: number;
    /** Set when shrinking stopped at {@link shrinkEventBudget}: a smaller failing case may exist. */
    readonly shrinkBudgetSpent?: true;
    readonly replay: string;
  };
  /** How to replay the drawn case (before shrinking) exactly; kept for cases that did not pass. */
  readonly replay?: string;
  /** The case's checkpoints (trigger, acks, completion or abort with its reason) and incidents, for reports. */
  readonly timeline?: CaseTimeline;
  /** Set when this case was run twice to check determinism. */
  readonly determinismChecked?: boolean;
  /** What the drawn case covered: step × fault pairs and abstract protocol states (oracle/protocol-coverage). */
  readonly coverage?: CaseCoverage;
  /** For a case the coverage strategy made from its corpus: from which entry, by which mutations. */
  readonly mutation?: string;
  /** For a case run with PCT scheduling: the lanes (n) and decisions (k) its scheduler saw. */
  readonly pct?: PctStatistics;
  /**
   * With {@link SweepCase.recordConsultedBugs}: the planted bugs whose switch the drawn case's run
   * consulted (cluster/planted-bug-reach.ts). For the kill matrix only; never written to results.json.
   */
  readonly consultedBugs?: readonly string[];
}

/** Parameters and config of one run: the sweep's fixed config, merged under a drawn variation. */
/** What `--vary` draws for a case: scenario parameters and runtime config. */
export interface Variation {
  readonly parameters: Record<string, number>;
  readonly config: Record<string, unknown>;
}

function specExtras(sweepCase: SweepCase, varied: Variation | undefined): Partial<CaseSpec> {
  const config = varied === undefined ? sweepCase.config : { ...varied.config, ...sweepCase.config };
  return { ...(config === undefined ? {} : { config }), ...(varied === undefined ? {} : { parameters: varied.parameters }), ...(sweepCase.pct === undefined ? {} : { pct: sweepCase.pct }) };
}

/** The seed of case `index` of `scenario` in a sweep seeded with `sweepSeed`: independent of shards and workers. */
export function caseSeedFor(sweepSeed: number, scenario: string, index: number): number {
  return (hashString(`${sweepSeed}/${scenario}/${index}`) >>> 0) % 2_147_483_647;
}

/** Every how many cases one is run twice and its trace hashes compared. */
export const determinismSampleEvery = 100;

/**
 * What a sweep case draws from its case seed: a fault plan, a simulation seed, and with `--vary`
 * scenario parameters and runtime config. A varied case draws its parameters first and aims its
 * faults at the tasks, channels and executors those parameters give (a fault at a task the case
 * does not have would never fire).
 */
export function drawnCaseArbitrary(scenario: Scenario, sweepCase: Pick<SweepCase, 'profile' | 'vary' | 'operations' | 'input'> & { readonly caseSeed?: number }): fc.Arbitrary<[PlanEntry[], number, Variation | undefined]> {
  if (sweepCase.input !== undefined) return givenCaseArbitrary(sweepCase.input);
  // The simulation seed is not shrunk: a smaller seed is no simpler, only different.
  const simSeed = fc.noShrink(fc.integer({ min: 1, max: 2_147_483_646 }));
  const level = sweepCase.operations ?? 'none';
  // Operations are drawn last, after the faults and the simulation seed: those are the draws of
  // the same case without operations, and `none` draws nothing.
  const withOperations = (topology: Topology, drawn: fc.Arbitrary<[PlanEntry[], number, Variation | undefined]>): fc.Arbitrary<[PlanEntry[], number, Variation | undefined]> =>
    level === 'none'
      ? drawn
      : fc.tuple(drawn, operationsArbitrary(topology, level)).map(([[faults, seed, variation], operations]) => [[...faults, ...operations], seed, variation]);
  // The default sweep draws input size and checkpoint config too (config-arbitraries.ts), then
  // aims its faults and operations at the topology and fault window those give. That draw is not
  // shrunk (noShrink draws the same values): fast-check shrinks a chain's source first and draws
  // the plan again for each candidate, so every candidate loses the failing plan, and bisecting a
  // checkpoint interval or timeout spent forty runs of a failing case before its plan was touched.
  if (sweepCase.vary !== true) {
    return fc.noShrink(depthDrawArbitrary(scenario)).chain((drawn) => {
      const topology = topologyFor(scenario, drawn.parameters);
      // The state backend comes from its own named stream of the case seed (config-arbitraries.ts).
      // So are RPC detours (config-arbitraries.ts).
      const own = scenarioCheckpointConfig(scenario);
      const depth = withRpcDetours(withStateBackend(withinFlinkLimits(drawn, own), sweepCase.caseSeed), sweepCase.caseSeed, own);
      return withOperations(topology, fc.tuple(profilePlanArbitrary(topology, sweepCase.profile), simSeed, fc.constant(depth)));
    });
  }
  return fc.noShrink(fc.tuple(parametersArbitrary(scenario), configArbitrary())).chain(([parameters, config]) => {
    const topology = topologyOf(scenario, parameters);
    return withOperations(topology, fc.tuple(profilePlanArbitrary(topology, sweepCase.profile), simSeed, fc.constant({ parameters, config })));
  });
}

const topologies = new WeakMap<Scenario, Map<string, Topology>>();

/**
 * The topology of a scenario at drawn parameters, kept per scenario (the default sweep draws few
 * input sizes). A scenario whose build throws for these parameters gets a topology it gave
 * before: its case then fails on its own, reported as a harness error, rather than the draw (or
 * fast-check's shrinking, which draws again) throwing out of the sweep.
 */
function topologyFor(scenario: Scenario, parameters: Readonly<Record<string, number>>): Topology {
  let known = topologies.get(scenario);
  if (known === undefined) topologies.set(scenario, (known = new Map()));
  const key = JSON.stringify(parameters);
  const cached = known.get(key);
  if (cached !== undefined) return cached;
  try {
    const topology = topologyOf(scenario, parameters);
    known.set(key, topology);
    return topology;
  } catch (error) {
    const fallback = known.values().next();
    if (fallback.done === true) throw error;
    return fallback.value;
  }
}

/**
 * The simulated events all shrink runs of one failing case may spend together. Shrinking re-runs
 * the case once per candidate, and a failure that runs into a bound (a checkpoint that hangs, a
 * job that restarts without end) would cost the whole bound per candidate: unbounded, a kill
 * matrix spent most of its time shrinking a handful of such cases. So each shrink run gets what
 * is left of the budget as an event cap, and one cut short there counts as not failing (it would
 * have run on); shrinking then ends. Counted in simulated events, never in wall time, so where
 * shrinking stops is the same on every machine and in every replay; the case it returns is the
 * smallest failing one found by then, and says that it stopped early. About eight CPU-seconds;
 * a failure of a typical twenty-thousand-event case gets a hundred runs.
 */
export const shrinkEventBudget = 2_000_000;

/** How {@link runSweepCase} runs a case beyond the case itself. */
export interface SweepCaseOptions {
  /**
   * Re-run every hundredth case to check its determinism (default true). A caller that reads
   * only whether the case failed (the kill matrix) passes false: the re-run could only turn a
   * passing verdict into 'nondeterministic', which it never reads.
   */
  readonly checkDeterminism?: boolean;
}

/**
 * Runs one sweep case: draws (fault plan, simulation seed) from the case seed with fast-check,
 * runs it, and if a property is violated lets fast-check shrink it to a smaller plan, its shrink
 * runs spending at most `shrinkBudget` simulated events ({@link shrinkEventBudget}).
 */
export function runSweepCase(scenario: Scenario, sweepCase: SweepCase, shrinkBudget = shrinkEventBudget, options: SweepCaseOptions = {}): SweepCaseResult {
  const arbitrary = drawnCaseArbitrary(scenario, sweepCase);
  let first: { faults: PlanEntry[]; simSeed: number; result: CaseResult; extra: Partial<CaseSpec>; timeline: CaseTimeline; highestCheckpointId: number; coverage: CaseCoverage } | undefined;
  let drawn: CaseSpec | undefined;
  let shrinkEvents = 0;
  let shrinkBudgetSpent = false;
  // The latest run that failed, with the very values it ran on: fast-check's counterexample is
  // that run's input, so its result needs no second run (a failing case of a hung checkpoint can
  // take a million events).
  let lastFailing: { faults: PlanEntry[]; simSeed: number; varied: Variation | undefined; result: CaseResult } | undefined;
  let consultedBugs: readonly string[] | undefined;
  const memo = new ShrinkMemo<ShrinkInput>();
  const property = fc.property(arbitrary, ([faults, simSeed, varied]) => {
    // Budget spent: every further candidate counts as passing, so fast-check keeps the
    // smallest failing case it has and ends without running any more.
    if (first !== undefined && shrinkEvents >= shrinkBudget) {
      shrinkBudgetSpent = true;
      return true;
    }
    // A candidate shrinking already ran: the same verdict, charged the same events, not run again.
    const known = first === undefined ? undefined : memo.get([faults, simSeed, varied]);
    if (known !== undefined) {
      shrinkEvents += known.events;
      if (known.failed) lastFailing = { faults, simSeed, varied, result: known.result as CaseResult };
      return !known.failed;
    }
    const extra = specExtras(sweepCase, varied);
    drawn ??= { scenario: scenario.name, seed: simSeed, faults, ...extra };
    // Only the first run (the drawn case, not its shrinks) keeps a timeline and its depth.
    const collector = first === undefined ? new CaseTimelineCollector() : undefined;
    const depth = first === undefined ? new DepthObserver() : undefined;
    const coverage = first === undefined ? new CoverageCollector() : undefined;
    // A shrink run gets what is left of the budget: one cut short there counts as not failing.
    const options: RunCaseOptions =
      collector === undefined ? { eventCap: shrinkBudget - shrinkEvents } : { observers: [collector.observe, (depth as DepthObserver).observe, (coverage as CoverageCollector).observe] };
    const run = (): CaseResult => runCase(scenario, { scenario: scenario.name, seed: simSeed, faults, ...extra }, options);
    let result: CaseResult;
    if (first === undefined && sweepCase.recordConsultedBugs === true) ({ result, consulted: consultedBugs } = consultedBugsOf(run));
    else result = run();
    if (first !== undefined) shrinkEvents += result.stats.events;
    if (result.capped === true) {
      shrinkBudgetSpent = true;
      return true;
    }
    first ??= { faults, simSeed, result, extra, timeline: (collector as CaseTimelineCollector).timeline(result.stats.virtualTimeUs), highestCheckpointId: (depth as DepthObserver).highestId, coverage: (coverage as CoverageCollector).coverage(appliedIn(result)) };
    if (result.verdict === 'fail') lastFailing = { faults, simSeed, varied, result };
    memo.set([faults, simSeed, varied], result);
    return result.verdict !== 'fail';
  });
  const details = fc.check(property, { seed: sweepCase.caseSeed, numRuns: 1, endOnFailure: false });
  // The drawn case threw out of runCase (a harness bug: the simulated system's exceptions end
  // its run as an outcome): reported as a failure of its own, with the drawn case to replay.
  if (first === undefined) return harnessFailure(sweepCase, drawn as CaseSpec, details.errorInstance);
  const original = first;
  const result = original.result;
  let nondeterministic = false;
  const determinismSampled = sweepCase.index % determinismSampleEvery === 0 && options.checkDeterminism !== false;
  if (determinismSampled) {
    try {
      const again = runCase(scenario, { scenario: scenario.name, seed: original.simSeed, faults: original.faults, ...original.extra });
      nondeterministic = again.traceHash !== result.traceHash;
    } catch {
      nondeterministic = true;
    }
  }
  const base = {
    index: sweepCase.index,
    scenario: scenario.name,
    caseSeed: sweepCase.caseSeed,
    simSeed: original.simSeed,
    verdict: nondeterministic ? ('nondeterministic' as const) : result.verdict,
    faultKinds: [...new Set(original.faults.map((fault) => fault.kind))].sort(),
    firedFaultKinds: [...new Set(result.faults.filter((fault) => fault.applied).map((fault) => fault.kind))].sort(),
    faultCount: original.faults.length,
    ...(result.operations.length === 0 ? {} : { operations: result.operations.map((record) => ({ ...record })) }),
    traceHash: result.traceHash,
    events: result.stats.events,
    virtualTimeUs: result.stats.virtualTimeUs,
    checkpointsCompleted: result.stats.checkpoints.completed,
    highestCheckpointId: original.highestCheckpointId,
    retainedCheckpoints: retainedSetting(scenario, original.extra),
    restores: result.stats.restores,
    violated: result.violations.map((violation) => violation.property),
    gaps: result.gaps.map(({ gap }) => gap.name),
    gapProperties: result.gaps.map(({ violation }) => violation.property),
    ...(result.undecided === undefined ? {} : { undecided: result.undecided.map(({ property, message }) => ({ property, message })) }),
    timeline: original.timeline,
    coverage: original.coverage,
    ...(sweepCase.mutation === undefined ? {} : { mutation: sweepCase.mutation }),
    ...(result.pct === undefined ? {} : { pct: result.pct }),
    ...(result.verdict === 'pass' && sweepCase.keepReplay !== true && sweepCase.input === undefined ? {} : { replay: result.replay }),
    ...(determinismSampled ? { determinismChecked: true } : {}),
    ...(consultedBugs === undefined ? {} : { consultedBugs }),
  };
  if (!details.failed || details.counterexample === null) return base;
  const [[shrunkFaults, shrunkSeed, shrunkVariation]] = details.counterexample;
  const shrunkSpec: CaseSpec = { scenario: scenario.name, seed: shrunkSeed, faults: shrunkFaults, ...specExtras(sweepCase, shrunkVariation) };
  let shrunk: CaseResult;
  try {
    // The counterexample is the latest failing run's own input (the same objects) unless a later
    // candidate threw: then it is run again here. runCase is a pure function of its spec.
    const known = lastFailing !== undefined && lastFailing.faults === shrunkFaults && lastFailing.simSeed === shrunkSeed && lastFailing.varied === shrunkVariation;
    shrunk = known ? (lastFailing as NonNullable<typeof lastFailing>).result : runCase(scenario, shrunkSpec);
  } catch (error) {
    // Shrinking reached a case that throws out of runCase: report that, with it to replay.
    return { ...base, violated: [...base.violated, harnessErrorProperty], failure: { ...harnessFailureOf(shrunkSpec, error), shrinkSteps: details.numShrinks } };
  }
  const violation = shrunk.violations[0] ?? result.violations[0];
  return {
    ...base,
    failure: {
      property: violation?.property ?? 'unknown',
      message: violation?.message ?? 'the case failed',
      shrunkFaults,
      shrunkSeed,
      shrinkSteps: details.numShrinks,
      ...(shrinkBudgetSpent ? { shrinkBudgetSpent: true as const } : {}),
      replay: shrunk.replay,
    },
  };
}

/** Watches a run for the highest checkpoint id triggered. */
class DepthObserver {
  highestId = 0;
  readonly observe = (observation: Observation): void => {
    if (observation.type === 'checkpoint-triggered' && observation.checkpointId > this.highestId) this.highestId = observation.checkpointId;
  };
}

/** The retained-checkpoints setting of a case: its config's, else its scenario's, else the cluster default. */
function retainedSetting(scenario: Scenario, extra: Partial<CaseSpec>): number {
  const drawn = (extra.config?.['checkpoint'] as { retainedCheckpoints?: unknown } | undefined)?.retainedCheckpoints;
  if (typeof drawn === 'number') return drawn;
  try {
    return mergeClusterConfig(scenario.build(resolveParameters(scenario, extra.parameters), deriveStream(0, 'scenario.input')).cluster).checkpoint.retainedCheckpoints;
  } catch {
    return mergeClusterConfig().checkpoint.retainedCheckpoints;
  }
}

/** Which plan entries took effect in a run, by index (the nemesis's `applied`). */
function appliedIn(result: CaseResult): (index: number) => boolean {
  const applied = new Set(result.faults.filter((fault) => fault.applied).map((fault) => fault.index));
  return (index) => applied.has(index);
}

/** The property a case violates when the harness itself threw while running it. */
export const harnessErrorProperty = 'harness-error';

function harnessFailureOf(spec: CaseSpec, error: unknown): NonNullable<SweepCaseResult['failure']> {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return {
    property: harnessErrorProperty,
    message: `the harness threw while running the case (a bug in ckptsim or in code it calls outside the simulation): ${message}`,
    shrunkFaults: (spec.faults ?? []) as readonly PlanEntry[],
    shrunkSeed: spec.seed,
    shrinkSteps: 0,
    replay: encodeReplayToken(spec),
  };
}

/** The result of a case whose drawn run threw out of runCase: failed, not shrunk, with the drawn case to replay. */
function harnessFailure(sweepCase: SweepCase, drawn: CaseSpec, error: unknown): SweepCaseResult {
  const failure = harnessFailureOf(drawn, error);
  return {
    index: sweepCase.index,
    scenario: sweepCase.scenario,
    caseSeed: sweepCase.caseSeed,
    simSeed: drawn.seed,
    verdict: 'fail',
    faultKinds: [...new Set(((drawn.faults ?? []) as readonly PlanEntry[]).map((fault) => fault.kind))].sort(),
    faultCount: drawn.faults?.length ?? 0,
    traceHash: '',
    events: 0,
    virtualTimeUs: 0,
    checkpointsCompleted: 0,
    restores: 0,
    violated: [harnessErrorProperty],
    gaps: [],
    gapProperties: [],
    failure,
    replay: failure.replay,
  };
}
