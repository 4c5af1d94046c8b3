import { Cluster, defaultClusterConfig, executorNames, type ClusterConfig } from '../cluster/cluster.js';
import { Nemesis, type FiredFault } from '../faults/nemesis.js';
import type { OperationRecord } from '../faults/operations.js';
import { checkFaultTargets, parseFaultPlan } from '../faults/plan.js';
import type { Observation } from '../cluster/observations.js';
import { jobChannels, jobTasks, type JobGraph } from '../cluster/jobgraph/job-graph.js';
import { computeReference, type ReferenceResult } from '../oracle/reference-model.js';
import { checkAtLeastOnce, checkExactlyOnce, checkUpsert } from '../oracle/output-checks.js';
import { checkExactlyOnceByInterleaving, defaultInterleavingBounds } from '../oracle/interleaving-search.js';
import { MultisetDigest } from '../sim/multiset-digest.js';
import type { SinkEntry } from '../cluster/storage/transactional-store.js';
import type { Violation } from '../oracle/violation.js';
import { GapFacts, classifyViolations, type ExpectedGap } from '../oracle/known-gaps.js';
import { createCheckers } from '../oracle/checkers/index.js';
import type { FinalState } from '../oracle/checkers/checker.js';
import { Simulation, deriveStream, type PctStatistics, type RunLimits, type RunOutcomeKind, type TraceEvent } from '../sim/index.js';
import { encodeReplayToken, type CaseSpec } from './replay-token.js';
import { validateConfigOverrides } from './config-overrides.js';
import { resolveParameters, type ClusterOverrides, type Scenario } from './scenario.js';

/** Run statistics, as in the CLI's `--json` contract. */
export interface CaseStats {
  readonly events: number;
  readonly virtualTimeUs: number;
  readonly checkpoints: { readonly triggered: number; readonly completed: number; readonly aborted: number };
  readonly restores: number;
  readonly records: { readonly in: number; readonly out: number };
  /** Order-independent digest of the committed output (and upsert view): equal outputs, equal digests. */
  readonly outputDigest: string;
}

/**
 * 'pass': every property held; 'fail': one was violated; 'expected-gap': every violation is
 * explained by a known guarantee gap of the protocol under this setup (see oracle/known-gaps);
 * 'undecided': nothing was violated, but the oracle could not decide a property within its bound
 * (the interleaving search of an order-dependent job): neither a pass nor a failure.
 */
export type Verdict = 'pass' | 'fail' | 'expected-gap' | 'undecided';

/** The result of one case. */
export interface CaseResult {
  readonly scenario: string;
  readonly seed: number;
  readonly verdict: Verdict;
  readonly outcome: RunOutcomeKind;
  readonly outcomeReason: string;
  readonly jobStatus: string;
  readonly violations: readonly Violation[];
  /** Violations a known guarantee gap explains; not counted as failures. */
  readonly gaps: readonly ExpectedGap[];
  /** Properties the oracle could not decide, each with why (shaped as a violation, never counted as one). */
  readonly undecided?: readonly Violation[];
  readonly stats: CaseStats;
  readonly traceHash: string;
  readonly replay: string;
  /** Faults that fired, in order, with when their effect ended (operations too, as plan entries). */
  readonly faults: readonly FiredFault[];
  /** The plan's operations that fired, with their answers. */
  readonly operations: readonly OperationRecord[];
  /** For a case run with PCT scheduling: the lanes (n) and decisions (k) its scheduler saw. */
  readonly pct?: PctStatistics;
  /** Every simulation event, when the case ran with `captureTrace`. */
  readonly capturedEvents?: readonly TraceEvent[];
  /** The run was stopped by {@link RunCaseOptions.eventCap} before its own bounds: its verdict says nothing. */
  readonly capped?: true;
}

/** Options for running one case. */
export interface RunCaseOptions {
  readonly captureTrace?: boolean;
  readonly limits?: Partial<RunLimits>;
  /** Extra observers (checkers, report collectors), subscribed before the job starts. */
  readonly observers?: ReadonlyArray<(observation: Observation) => void>;
  /**
   * Run the oracle (default true): the property checkers, the failure-free reference and the
   * output comparison. Off only to measure the oracle's own cost: the case is then judged on
   * whether the job finished alone.
   */
  readonly oracle?: boolean;
  /**
   * Stops the run after this many events when that comes before the case's own event bound
   * (shrinking's remaining budget). A run stopped by it says `capped: true` and is not judged
   * beyond that: its verdict is no verdict on the case, which would have run on.
   */
  readonly eventCap?: number;
}

/**
 * Default bounds of one case: half a million events (a fault-free scenario needs under twenty
 * thousand, a heavily faulted one rarely a hundred thousand), ten virtual minutes.
 */
export const defaultCaseLimits: RunLimits = { maxEvents: 500_000, deadlineUs: 600_000_000, maxQueueLength: 500_000 };

/** Most checkpoint hangs a case's bounds make room for, however many faults its plan holds. */
const maxHangsAllowed = 16;

/**
 * The bounds of one case: the defaults, stretched for long checkpoint timeouts. A checkpoint
 * whose acknowledgement a fault loses hangs until its timeout expires it (Flink's default: 10
 * minutes), and the job cannot finish before; each fault (times its count) or operation of the
 * plan may cause one such hang. So the virtual deadline leaves the default ten minutes plus one timeout per possible
 * hang, and the event bound leaves room for the periodic trigger firing all along (twice the
 * events per interval). A case that still hits a bound ends in a classified outcome, as always.
 */
export function caseLimitsFor(checkpoint: Pick<ClusterConfig['checkpoint'], 'timeoutUs' | 'intervalUs'>, plan: readonly object[]): RunLimits {
  const hangs = Math.min(maxHangsAllowed, 1 + plan.reduce((total, entry) => total + ('count' in entry && typeof entry.count === 'number' ? entry.count : 1), 0));
  const extraUs = hangs * checkpoint.timeoutUs;
  const extraEvents = checkpoint.intervalUs > 0 ? 2 * Math.ceil(extraUs / checkpoint.intervalUs) : 0;
  return { ...defaultCaseLimits, deadlineUs: defaultCaseLimits.deadlineUs + extraUs, maxEvents: defaultCaseLimits.maxEvents + extraEvents };
}

/**
 * Gives the cluster enough slots for every task of the job (one slot each), unless the case set
 * the executors or slots itself: a scenario run with larger parallelism should not fail for want
 * of machines, while a case that asks for a small cluster gets it.
 */
function withEnoughSlots(config: ClusterConfig, job: JobGraph, overrides: ClusterOverrides): ClusterConfig {
  if (overrides.executors !== undefined || overrides.slotsPerExecutor !== undefined) return config;
  const tasks = job.vertices.reduce((total, vertex) => total + vertex.parallelism, 0);
  const needed = Math.ceil(tasks / config.executors);
  return needed <= config.slotsPerExecutor ? config : { ...config, slotsPerExecutor: needed };
}

/** Merges cluster settings: defaults, then the scenario's, then the case's. */
export function mergeClusterConfig(...layers: ReadonlyArray<ClusterOverrides | undefined>): ClusterConfig {
  let config: ClusterConfig = defaultClusterConfig;
  for (const layer of layers) {
    if (layer === undefined) continue;
    config = { ...config, ...layer, checkpoint: { ...config.checkpoint, ...layer.checkpoint } } as ClusterConfig;
  }
  return config;
}

/** One simulated run of a case, before its output is judged. */
interface SimulatedRun {
  readonly setup: ReturnType<Scenario['build']>;
  readonly config: ClusterConfig;
  readonly sim: Simulation;
  readonly cluster: Cluster;
  readonly outcome: ReturnType<Simulation['run']>;
  readonly tally: { triggered: number; completed: number; aborted: number; restores: number };
  readonly nemesis: Nemesis;
  readonly gapFacts: GapFacts;
  readonly checkerViolations: readonly Violation[];
  /** Stopped by the caller's event cap, short of the case's own bounds. */
  readonly capped: boolean;
}

/**
 * Runs one case: builds the scenario's job and cluster from the seed, runs it to a terminal job
 * state or a bound, and judges the outcome. A pure function of (scenario, spec): same inputs,
 * same trace hash and verdicts.
 *
 * The committed output is compared with the failure-free output by digest, holding neither list
 * (memory stays flat however long the run). When the digests differ, the case is run a second
 * time keeping both lists, to name the lost and duplicated records; should the second run end
 * with another trace hash (a job function reading the wall clock, say), that is reported. Scenarios judged at-least-once keep the lists from the start, as
 * duplicates (which change the digest) are allowed there.
 */
export function runCase(scenario: Scenario, spec: CaseSpec, options: RunCaseOptions = {}): CaseResult {
  // An order-dependent job's output seldom equals the one reference order: keep the lists at once.
  const listOutput = scenario.properties.includes('at-least-once') || scenario.properties.includes('windowed-output') || scenario.orderDependent === true;
  const run = simulate(scenario, spec, options, listOutput);
  // A capped run is no verdict on the case: its output is not compared.
  const reference = options.oracle === false || run.capped ? { skipped: true as const } : safeReference(run.setup.job, listOutput);
  let outputViolations = 'skipped' in reference ? noOutputFindings : checkOutput(scenario, run, reference);
  if (outputViolations === 'needs-lists') {
    const listed = simulate(scenario, spec, { limits: options.limits, oracle: false }, true);
    const first = run.sim.trace.digest();
    const second = listed.sim.trace.digest();
    outputViolations =
      first === second
        ? (checkOutput(scenario, listed, safeReference(listed.setup.job, true)) as OutputFindings)
        : {
            undecided: [],
            violations: [
            {
              property: scenario.properties.includes('exactly-once') ? 'exactly-once' : 'at-least-once',
              message: `committed output differs from the failure-free output (${run.cluster.sinkStore.committedDigest().count} record(s) committed, ${(reference as ReferenceResult).sinkDigest.count} expected), and the run made to list the records went differently (trace hash ${first}, then ${second}): something in the job or the harness is not deterministic`,
              timeUs: run.sim.nowUs,
              details: { traceHash: first, rerunTraceHash: second },
            },
            ],
          };
  }
  const judged = judge(scenario, spec, run, reference, outputViolations);
  const result = run.capped ? { ...judged, capped: true as const } : judged;
  return run.sim.trace.events === undefined ? result : { ...result, capturedEvents: run.sim.trace.events };
}

function simulate(scenario: Scenario, spec: CaseSpec, options: RunCaseOptions, retainCommitted: boolean): SimulatedRun {
  const parameters = resolveParameters(scenario, spec.parameters);
  const plan = parseFaultPlan(spec.faults ?? []);
  const setup = scenario.build(parameters, deriveStream(spec.seed, 'scenario.input'));
  const overrides = validateConfigOverrides(spec.config);
  const config = withEnoughSlots(mergeClusterConfig(setup.cluster, overrides), setup.job, overrides);
  checkFaultTargets(plan, { tasks: jobTasks(setup.job), channels: jobChannels(setup.job), executors: executorNames(config.executors) });
  const limits = { ...caseLimitsFor(config.checkpoint, plan), ...spec.limits, ...options.limits };
  const capped = options.eventCap !== undefined && options.eventCap < limits.maxEvents;
  const sim = new Simulation({ seed: spec.seed, captureTrace: options.captureTrace ?? false, limits: capped ? { ...limits, maxEvents: options.eventCap as number } : limits, ...(spec.pct === undefined ? {} : { pct: spec.pct }) });
  const cluster = new Cluster(sim, setup.job, config, { retainCommitted });
  const tally = { triggered: 0, completed: 0, aborted: 0, restores: 0 };
  cluster.observations.subscribe((observation) => {
    if (observation.type === 'checkpoint-triggered') tally.triggered++;
    else if (observation.type === 'checkpoint-completed') tally.completed++;
    else if (observation.type === 'checkpoint-aborted') tally.aborted++;
    else if (observation.type === 'failover') tally.restores++;
  });
  for (const observer of options.observers ?? []) cluster.observations.subscribe(observer);
  const nemesis = new Nemesis(cluster, plan);
  nemesis.install();
  const gapFacts = new GapFacts();
  cluster.observations.subscribe((observation) => gapFacts.observe(observation));
  const checkers = options.oracle === false ? [] : createCheckers(scenario.properties, { job: setup.job, checkpoint: config.checkpoint });
  for (const checker of checkers) cluster.observations.subscribe((observation) => checker.observe(observation));

  let phase: 'running' | 'stopping' | 'resumed' = 'running';
  cluster.onJobTerminal((status, cause) => {
    if (status === 'FINISHED' && phase === 'stopping') return; // the savepoint callback resumes
    if (nemesis.operations.resumesAfter(status, cause)) return; // a canceled run waits for its resume
    sim.stop(`job ${status}`);
  });
  cluster.submit();
  if (setup.stopWithSavepointAtUs !== undefined) {
    sim.schedule(setup.stopWithSavepointAtUs, { name: 'scenario.stop-with-savepoint', hash: 0x5afe }, () => {
      phase = 'stopping';
      // The same stop-and-resume a plan's stop-with-savepoint operation runs.
      nemesis.operations.stopAndResume(false, (result) => {
        phase = result.ok ? 'resumed' : 'running';
      });
    });
  }
  const outcome = sim.run();
  const final: FinalState = {
    jobStatus: cluster.jobStatus,
    endUs: sim.nowUs,
    lastFaultHealedUs: nemesis.lastHealedUs,
    storageKeys: cluster.storage.keys(),
    retainedCheckpoints: cluster.retainedCheckpoints(),
    openTransactions: cluster.sinkStore.lingering(''),
    ...(cluster.sinkStore.retainsCommitted ? { committedOutput: cluster.sinkStore.committedEntries() } : {}),
  };
  const checkerViolations = checkers.flatMap((checker) => checker.finish(final));
  return { setup, config, sim, cluster, outcome, tally, nemesis, gapFacts, checkerViolations, capped: capped && outcome.kind === 'event-budget-exhausted' };
}

/**
 * The failure-free reference, or the error the job's own functions raise on its input: a user
 * operator that throws is a reported outcome, never a crashed harness.
 */
function safeReference(job: JobGraph, retainSinkOutput: boolean): ReturnType<typeof computeReference> | { readonly error: string } {
  try {
    return computeReference(job, { retainSinkOutput });
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** What the output properties found: violations, and properties left undecided. */
interface OutputFindings {
  readonly violations: Violation[];
  readonly undecided: Violation[];
}

const noOutputFindings: OutputFindings = { violations: [], undecided: [] };

/**
 * The output properties (exactly-once, at-least-once, upsert) of a finished run: violations and
 * undecided ones, or 'needs-lists' when the digests differ and the run kept no lists to say how.
 */
function checkOutput(scenario: Scenario, run: SimulatedRun, reference: ReturnType<typeof computeReference> | { readonly error: string }): OutputFindings | 'needs-lists' {
  if ('error' in reference || run.cluster.jobStatus !== 'FINISHED') return noOutputFindings;
  const store = run.cluster.sinkStore;
  const now = run.sim.nowUs;
  const same = store.committedDigest().equals(reference.sinkDigest);
  const found: OutputFindings = { violations: [], undecided: [] };
  for (const property of scenario.properties) {
    if (property === 'upsert-exactly-once') {
      const violation = checkUpsert(store.upsertEntries(), reference, now);
      if (violation !== undefined) found.violations.push(violation);
    } else if ((property === 'exactly-once' || property === 'at-least-once') && !same) {
      if (!store.retainsCommitted) return 'needs-lists';
      const committed = store.committedEntries();
      if (property === 'at-least-once') {
        const violation = checkAtLeastOnce(committed, reference, now);
        if (violation !== undefined) found.violations.push(violation);
        continue;
      }
      const violation = checkExactlyOnce(committed, reference, now);
      if (violation === undefined) continue;
      // A known gap already explains the difference (duplicates of an AT_LEAST_ONCE run, records
      // of a timed-out transaction): the interleaving search could at most turn that expected
      // gap into a pass, and costs up to seconds, so the multiset verdict goes to the gap rules.
      const explainedByGap = (candidate: Violation): boolean => classifyViolations([candidate], run.gapFacts, { job: run.setup.job, mode: run.config.checkpoint.mode }).gaps.length > 0;
      if (explainedByGap(violation)) found.violations.push(violation);
      else judgeByInterleaving(scenario, run.setup.job, committed, reference.sinkDigest, violation, found, explainedByGap);
    }
  }
  return found;
}

/**
 * The committed output differs from the reference order's output: before calling records lost or
 * duplicated, ask whether another failure-free interleaving explains it (order-dependent jobs).
 * For a job not declared order-dependent whose reference outputs in two orders agree (it looks
 * confluent), the multiset verdict stands when the search cannot decide, as it did before the
 * search existed; a job shown order-dependent is never called lossy by the multiset.
 */
function judgeByInterleaving(
  scenario: Scenario,
  job: JobGraph,
  committed: readonly SinkEntry[],
  referenceDigest: MultisetDigest,
  multiset: Violation,
  found: OutputFindings,
  explainedByGap: (violation: Violation) => boolean,
): void {
  const orderDependent =
    scenario.orderDependent === true || !computeReference(job, { retainSinkOutput: false, reversed: true }).sinkDigest.equals(referenceDigest);
  // Only "explained" changes a confluent-looking job's verdict, so it need not tell unexplained from undecided.
  const judged = checkExactlyOnceByInterleaving(job, committed, multiset.timeUs, { ...defaultInterleavingBounds, settleSharedOrigins: orderDependent });
  if (judged.violation === undefined && judged.undecided === undefined) return;
  if (orderDependent) {
    if (judged.violation !== undefined) found.violations.push(judged.violation);
    // Every key's output is some failure-free history on its own, and the records its source
    // records wrote add up only with duplicates, none lost: a gap that duplicates (a restore after
    // a stop-with-savepoint's savepoint, AT_LEAST_ONCE) explains that; otherwise it stays undecided.
    else if (pureDuplication(judged.undecided as Violation) && explainedByGap(judged.undecided as Violation)) found.violations.push(judged.undecided as Violation);
    else found.undecided.push(judged.undecided as Violation);
    return;
  }
  const search = (judged.violation ?? judged.undecided) as Violation;
  found.violations.push({ ...multiset, details: { ...multiset.details, interleavingSearch: search.message } });
}

/** An undecided search whose origin balance (in the known gaps' terms) shows duplicates and no loss. */
function pureDuplication(undecided: Violation): boolean {
  const missing = undecided.details['missing'] as readonly unknown[] | undefined;
  const extra = undecided.details['extra'] as readonly unknown[] | undefined;
  return missing !== undefined && missing.length === 0 && undecided.details['lostRecords'] === 0 && extra !== undefined && extra.length > 0;
}

/** The committed output and the upsert view as one order-independent digest. */
function outputDigest(cluster: Cluster): string {
  const digest = new MultisetDigest();
  digest.addAll(cluster.sinkStore.committedDigest());
  for (const entry of cluster.sinkStore.upsertEntries()) digest.add(entry.key, entry.value);
  return digest.toString();
}

function judge(
  scenario: Scenario,
  spec: CaseSpec,
  run: SimulatedRun,
  referenceOrError: ReturnType<typeof computeReference> | { readonly error: string } | { readonly skipped: true },
  output: OutputFindings,
): CaseResult {
  const { cluster, sim, outcome, tally, nemesis, gapFacts, config } = run;
  const found: Violation[] = [...run.checkerViolations];
  const now = sim.nowUs;
  const finished = cluster.jobStatus === 'FINISHED';
  if (outcome.kind === 'event-threw') {
    // The simulated system (or user code it ran) threw: the run stopped there, whatever the job's status.
    found.push({
      property: 'job-finishes',
      message: `the run stopped because ${outcome.reason}`,
      timeUs: now,
      details: { outcome: outcome.kind, jobStatus: cluster.jobStatus, thrown: outcome.thrown ?? '' },
    });
  } else if (!finished) {
    found.push({
      property: 'job-finishes',
      message: `the job did not finish: status ${cluster.jobStatus}${cluster.terminalCause === undefined ? '' : ` (${cluster.terminalCause})`}, run ended ${outcome.kind}: ${outcome.reason}`,
      timeUs: now,
      details: { outcome: outcome.kind, jobStatus: cluster.jobStatus },
    });
  }
  if ('error' in referenceOrError) {
    found.push({
      property: 'job-finishes',
      message: `the job's own functions throw on its input even without faults: ${referenceOrError.error}`,
      timeUs: now,
      details: { referenceError: referenceOrError.error },
    });
  }
  found.push(...output.violations);
  const { violations, gaps } = classifyViolations(found, gapFacts, { job: cluster.job, mode: config.checkpoint.mode });
  let recordsIn = 0;
  for (const log of cluster.logs.values()) for (let partition = 0; partition < log.partitionCount; partition++) recordsIn += log.endOffset(partition);
  return {
    scenario: scenario.name,
    seed: spec.seed,
    verdict: violations.length > 0 ? 'fail' : output.undecided.length > 0 ? 'undecided' : gaps.length > 0 ? 'expected-gap' : 'pass',
    outcome: outcome.kind,
    outcomeReason: outcome.reason,
    jobStatus: cluster.jobStatus,
    violations,
    gaps,
    ...(output.undecided.length > 0 ? { undecided: output.undecided } : {}),
    stats: {
      events: sim.eventCount,
      virtualTimeUs: now,
      checkpoints: { triggered: tally.triggered, completed: tally.completed, aborted: tally.aborted },
      restores: tally.restores,
      records: { in: recordsIn, out: cluster.sinkStore.committedDigest().count + cluster.sinkStore.upsertEntries().length },
      outputDigest: outputDigest(cluster),
    },
    traceHash: sim.trace.digest(),
    replay: encodeReplayToken(spec),
    faults: nemesis.fired,
    operations: nemesis.operations.records,
    ...(sim.pctStatistics === undefined ? {} : { pct: sim.pctStatistics }),
  };
}
