import fc from 'fast-check';
import { executorNames } from '../cluster/cluster.js';
import { jobChannels, jobTasks, taskName, type JobGraph } from '../cluster/jobgraph/job-graph.js';
import { forwardGroups } from '../cluster/rescaling/rescaled-job.js';
import { faultKinds, rpcMethods, type Fault, type FaultKind, type FaultTrigger, type RpcAction } from '../faults/plan.js';
import { operatorCoordinatorSteps, operatorEventRpcMethods, rpcMethodsNeverDuplicated } from '../faults/plan-definitions.js';
import { deriveStream } from '../sim/index.js';
import { mergeClusterConfig, runCase } from './run-case.js';
import { resolveParameters, type Scenario } from './scenario.js';

/** The names a fault can aim at in one scenario (tasks, executors, data channels), and when. */
export interface Topology {
  readonly tasks: readonly string[];
  readonly executors: readonly string[];
  readonly channels: readonly string[];
  readonly sinkTasks: readonly string[];
  /**
   * Virtual times time-triggered faults are aimed at: from when the job's tasks start running
   * to a little past when the job, run without faults, finishes. A fault timed after the job
   * ends never fires.
   */
  readonly faultWindowUs: { readonly fromUs: number; readonly toUs: number };
  /** Vertices joined by forward edges, rescaled together (absent: the case draws no rescale). */
  readonly forwardGroups?: ReadonlyArray<readonly string[]>;
  /** The cluster's task slots, which bound a rescale. */
  readonly slots?: number;
  /**
   * The job has operator coordinators (FLIP-27 sources): faults are also drawn at their steps and
   * on operator-event RPCs. Absent or false, the draws are exactly those of a job without them.
   */
  readonly operatorCoordinators?: boolean;
  /** The tasks of FLIP-27 readers: the only tasks that send and receive operator events. */
  readonly readerTasks?: readonly string[];
}

/**
 * Reads a scenario's topology from its job graph and cluster size (the input seed does not
 * change it). The fault window comes from one fault-free run of the scenario with its default
 * parameters (made once per scenario), stretched for other parameters by how much longer their
 * sources take to read their input.
 */
export function topologyOf(scenario: Scenario, parameters?: Readonly<Record<string, number>>): Topology {
  const setup = scenario.build(resolveParameters(scenario, parameters), deriveStream(0, 'scenario.input'));
  const config = mergeClusterConfig(setup.cluster);
  const calibration = calibrate(scenario);
  const activeUs = calibration.readingUs === undefined ? calibration.activeUs : calibration.activeUs * (sourceReadingUs(setup.job) / calibration.readingUs);
  const fromUs = calibration.fromUs;
  return {
    tasks: jobTasks(setup.job),
    executors: executorNames(config.executors),
    channels: jobChannels(setup.job),
    sinkTasks: setup.job.vertices.filter((vertex) => vertex.operator.kind === 'sink').flatMap((vertex) => Array.from({ length: vertex.parallelism }, (_, index) => taskName(vertex.name, index))),
    faultWindowUs: { fromUs, toUs: fromUs + Math.max(minimumWindowUs, Math.round(activeUs * windowStretch)) },
    forwardGroups: forwardGroups(setup.job),
    slots: config.executors * config.slotsPerExecutor,
    ...operatorCoordinatorsOf(setup.job),
  };
}

/** Whether the job has operator coordinators (FLIP-27 sources), and the tasks of their readers. */
function operatorCoordinatorsOf(job: JobGraph): Pick<Topology, 'operatorCoordinators' | 'readerTasks'> {
  const readers = job.vertices.filter((vertex) => vertex.operator.kind === 'source' && vertex.operator.flip27 !== undefined);
  if (readers.length === 0) return {};
  return { operatorCoordinators: true, readerTasks: readers.flatMap((vertex) => Array.from({ length: vertex.parallelism }, (_, index) => taskName(vertex.name, index))) };
}

/** How far past the fault-free run's end faults are aimed: faults slow a run, and its finishing phase is worth hitting. */
const windowStretch = 1.25;
/** The narrowest fault window, for a job that finishes almost at once. */
const minimumWindowUs = 10_000;

/** When a scenario's job runs, without faults and with its default parameters. */
interface Calibration {
  /** When the first task started running. */
  readonly fromUs: number;
  /** From then until the run ended. */
  readonly activeUs: number;
  /** {@link sourceReadingUs} of the default job; undefined when the scenario could not be run. */
  readonly readingUs: number | undefined;
}

const calibrations = new WeakMap<Scenario, Calibration>();

/**
 * The window of a scenario whose calibration run throws (its build or its job does): 100 ms to
 * 450 ms, whatever its parameters. Its cases then fail on their own and are reported as such.
 */
const uncalibrated: Calibration = { fromUs: 100_000, activeUs: 280_000, readingUs: undefined };

function calibrate(scenario: Scenario): Calibration {
  const known = calibrations.get(scenario);
  if (known !== undefined) return known;
  let calibration = uncalibrated;
  try {
    let fromUs: number | undefined;
    const result = runCase(scenario, { scenario: scenario.name, seed: 1 }, { oracle: false, observers: [(observation) => void (observation.type === 'task-running' && (fromUs ??= observation.timeUs))] });
    const startUs = fromUs ?? 0;
    const setup = scenario.build(resolveParameters(scenario, undefined), deriveStream(0, 'scenario.input'));
    calibration = { fromUs: startUs, activeUs: Math.max(0, result.stats.virtualTimeUs - startUs), readingUs: sourceReadingUs(setup.job) };
  } catch {
    // Left uncalibrated (above).
  }
  calibrations.set(scenario, calibration);
  return calibration;
}

/**
 * How long the slowest source vertex takes to read its input at its own speed: records per
 * subtask times the time per record. A job paced by its sources runs for about this long times
 * a constant of the job, which the calibration measures.
 */
function sourceReadingUs(job: JobGraph): number {
  let slowest = 1;
  for (const vertex of job.vertices) {
    if (vertex.operator.kind !== 'source') continue;
    const records = vertex.operator.partitions.reduce((total, partition) => total + partition.length, 0);
    slowest = Math.max(slowest, Math.ceil(records / vertex.parallelism) * vertex.recordCostUs);
  }
  return slowest;
}

/** Fault profiles: which kinds a sweep draws from. `swarm` enables a random subset per case. */
export const faultProfiles = {
  none: [] as FaultKind[],
  crashes: ['fail-task', 'crash-executor', 'crash-jobmaster'] as FaultKind[],
  network: ['rpc', 'partition', 'channel-stall', 'slow-task'] as FaultKind[],
  storage: ['storage', 'sink-commit-failure', 'source-unavailable', 'transaction-timeout', 'ha-store'] as FaultKind[],
  /** JobMaster failover and the HA store it recovers from. */
  ha: ['ha-store', 'crash-jobmaster'] as FaultKind[],
  everything: [...faultKinds],
  swarm: [...faultKinds],
} as const;
export type FaultProfile = keyof typeof faultProfiles;

/** The protocol steps a drawn step trigger picks from (the trigger chain's own steps come after the draw). */
const drawnTriggerSteps = [
  'task.alignment-completed',
  'task.snapshot-taken',
  'task.async-upload-started',
  'task.notify-complete',
  'task.end-of-data',
  'coordinator.checkpoint-triggered',
  'coordinator.all-acknowledged',
  'coordinator.checkpoint-completed',
  'rpc.acknowledgeCheckpoint',
  'rpc.notifyCheckpointComplete',
] as const;

/**
 * The steps of the asynchronous trigger chain a drawn 'coordinator.checkpoint-triggered' trigger
 * becomes, in chain order (its last step is the trigger RPCs themselves).
 */
const triggerChainSteps = ['coordinator.checkpoint-id-taken', 'coordinator.pending-checkpoint-created', 'coordinator.location-initialized', 'coordinator.checkpoint-triggered'] as const;

/** The protocol steps drawn step triggers aim at (the coverage strategy retargets faults among them). */
export const triggerSteps = [...drawnTriggerSteps.slice(0, 5), ...triggerChainSteps, ...drawnTriggerSteps.slice(6)] as const;

/**
 * The step of the trigger chain a trigger drawn at 'coordinator.checkpoint-triggered' aims at,
 * chosen from values the trigger drew anyway (its occurrence, and its checkpoint id, or the task
 * a coordinator step does not keep), so the chain's steps are reached without a draw of their own:
 * every case draws what it drew before the chain existed, and a fault that aimed at the trigger
 * RPCs now aims at one of the chain's steps of the same checkpoint.
 */
function triggerChainStepOf(occurrence: number, checkpointId: number | undefined, task: string | undefined): string {
  const index = (occurrence - 1 + (checkpointId ?? 0) + (task === undefined ? 0 : 2)) % triggerChainSteps.length;
  return triggerChainSteps[index] as string;
}

/** Steps drawn besides {@link triggerSteps} for a job with operator coordinators, appended so the others keep their draws' order. */
const coordinatorTriggerSteps = [...operatorCoordinatorSteps, 'rpc.sendOperatorEvent', 'rpc.sendOperatorEventToCoordinator'] as const;

/**
 * Operator-event and discovery steps: they come between checkpoints (an event carries no
 * checkpoint id), and only a reader's task sends or receives an event. A drawn checkpoint, or a
 * task that is not a reader, would narrow them to a step that never comes.
 */
const operatorEventSteps: ReadonlySet<string> = new Set(['coordinator.operator-event-sent', 'coordinator.operator-event-received', 'task.operator-event-sent', 'task.operator-event-received', 'rpc.sendOperatorEvent', 'rpc.sendOperatorEventToCoordinator']);
const stepsWithoutCheckpoint: ReadonlySet<string> = new Set([...operatorEventSteps, 'coordinator.partition-discovered', 'task.end-of-data']);

/** RPC methods drawn for a job without operator coordinators: every method but the operator events'. */
const checkpointRpcMethods = rpcMethods.filter((method) => !operatorEventRpcMethods.includes(method));

/** When a drawn fault (or operation) fires: a time in the fault window, or the n-th occurrence of a protocol step. */
export function triggerArbitrary(topology: Topology): fc.Arbitrary<FaultTrigger> {
  const atTime = fc.integer({ min: topology.faultWindowUs.fromUs, max: topology.faultWindowUs.toUs }).map((atUs) => ({ atUs }));
  const atStep = fc
    .record({
      onStep: topology.operatorCoordinators === true ? fc.constantFrom<string>(...drawnTriggerSteps, ...coordinatorTriggerSteps) : fc.constantFrom<string>(...drawnTriggerSteps),
      task: fc.option(fc.constantFrom(...topology.tasks), { nil: undefined }),
      checkpointId: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
      occurrence: fc.integer({ min: 1, max: 3 }),
    })
    .map(({ onStep: drawnStep, task: drawnTask, checkpointId: drawnCheckpointId, occurrence }) => {
      const onStep = drawnStep === 'coordinator.checkpoint-triggered' ? triggerChainStepOf(occurrence, drawnCheckpointId, drawnTask) : drawnStep;
      // The coordinator's steps belong to no task; a task's end of data, operator events and
      // partition discovery, to no checkpoint; operator events, to readers only. Mapped after the
      // draw, so no draw moves.
      const task = onStep.startsWith('coordinator.') || (operatorEventSteps.has(onStep) && !(topology.readerTasks ?? []).includes(drawnTask as string)) ? undefined : drawnTask;
      const checkpointId = stepsWithoutCheckpoint.has(onStep) ? undefined : drawnCheckpointId;
      // Narrowed to one checkpoint of one task (or of the coordinator), or to one task's end of
      // data, a step happens once: a later occurrence would never come.
      const once = (checkpointId !== undefined && (task !== undefined || onStep.startsWith('coordinator.'))) || (task !== undefined && onStep === 'task.end-of-data');
      return {
        onStep,
        occurrence: once ? 1 : occurrence,
        ...(task === undefined ? {} : { task }),
        ...(checkpointId === undefined ? {} : { checkpointId }),
      };
    });
  // Time triggers first: fast-check shrinks a oneof towards its first branch.
  return fc.oneof(atTime, atStep);
}

/**
 * A drawn duplicate of a method Flink delivers at most once (rpcMethodsNeverDuplicated) becomes a
 * delay of it, its copy's spacing the extra latency. Mapped after the draw rather than drawn
 * from fewer actions, so every other case of the default sweep and the kill matrix draws as before.
 */
function deliveredAtMostOnce<F extends { readonly action: RpcAction; readonly method: string }>(fault: F): F {
  if (fault.action !== 'duplicate' || !rpcMethodsNeverDuplicated.includes(fault.method as (typeof rpcMethodsNeverDuplicated)[number])) return fault;
  return { ...fault, action: 'delay' };
}

/** One fault of `kind`, aimed somewhere in `topology`. Parameters shrink towards milder values. */
export function faultOfKind(kind: FaultKind, topology: Topology): fc.Arbitrary<Fault> {
  const when = triggerArbitrary(topology);
  const task = fc.constantFrom(...topology.tasks);
  const executor = fc.constantFrom(...topology.executors);
  const duration = (maxUs: number) => fc.integer({ min: 1_000, max: maxUs });
  switch (kind) {
    case 'fail-task':
      return fc.record({ kind: fc.constant(kind), task, when });
    case 'crash-executor':
      return fc.record({ kind: fc.constant(kind), executor, restartAfterUs: fc.integer({ min: 0, max: 2_000_000 }), replacement: fc.boolean(), when });
    case 'crash-jobmaster':
      return fc.record({ kind: fc.constant(kind), recoverAfterUs: fc.integer({ min: 0, max: 2_000_000 }), when });
    case 'rpc':
      return fc.record({
        kind: fc.constant(kind),
        action: fc.constantFrom('drop', 'delay', 'duplicate'),
        // A job with operator coordinators aims half its RPC faults at operator events: they are
        // few (a split request or assignment now and then) beside the checkpoint RPCs.
        method: topology.operatorCoordinators === true ? fc.oneof(fc.constantFrom(...checkpointRpcMethods), fc.constantFrom(...operatorEventRpcMethods)) : fc.constantFrom(...checkpointRpcMethods),
        count: fc.integer({ min: 1, max: 3 }),
        delayUs: fc.integer({ min: 0, max: 300_000 }),
        when,
      }).map(deliveredAtMostOnce);
    case 'partition':
      return fc.record({
        kind: fc.constant(kind),
        nodes: executor.map((name) => ['jobmaster', name] as const),
        oneWay: fc.boolean(),
        durationUs: duration(8_000_000),
        when,
      });
    case 'channel-stall':
      return fc.record({ kind: fc.constant(kind), channel: fc.constantFrom(...topology.channels), extraUs: fc.integer({ min: 100, max: 50_000 }), durationUs: duration(300_000), when });
    case 'slow-task':
      return fc.record({ kind: fc.constant(kind), task, factor: fc.integer({ min: 2, max: 50 }), durationUs: duration(300_000), when });
    case 'storage':
      return fc.record({
        kind: fc.constant(kind),
        action: fc.constantFrom('slow-writes', 'fail-writes', 'fail-finalize', 'unreadable-handle', 'fail-location'),
        count: fc.integer({ min: 1, max: 3 }),
        extraUs: fc.integer({ min: 1_000, max: 500_000 }),
        durationUs: duration(1_000_000),
        when,
      });
    case 'ha-store':
      return fc.record({
        kind: fc.constant(kind),
        action: fc.constantFrom('fail-writes', 'ambiguous-writes'),
        target: fc.constantFrom('completed-checkpoint', 'id-counter'),
        count: fc.integer({ min: 1, max: 3 }),
        when,
      });
    case 'sink-commit-failure':
      return fc.record({ kind: fc.constant(kind), count: fc.integer({ min: 1, max: 3 }), when });
    case 'transaction-timeout':
      // Long enough that a correct protocol never loses data to it (the negative controls use short ones).
      return fc.record({ kind: fc.constant(kind), timeoutUs: fc.integer({ min: 60_000_000, max: 600_000_000 }), when });
    case 'source-unavailable':
      return fc.record({ kind: fc.constant(kind), durationUs: duration(500_000), when });
  }
}

/** A fault plan drawing from `kinds`: up to `maxFaults` faults, shrinking towards fewer and simpler. */
export function faultPlanArbitrary(topology: Topology, kinds: readonly FaultKind[], maxFaults = 4): fc.Arbitrary<Fault[]> {
  if (kinds.length === 0) return fc.constant([]);
  const fault = fc.oneof(...kinds.map((kind) => faultOfKind(kind, topology)));
  return fc.array(fault, { minLength: 0, maxLength: maxFaults });
}

/** A plan for a profile; `swarm` first picks a random non-empty subset of kinds (swarm testing). */
export function profilePlanArbitrary(topology: Topology, profile: FaultProfile, maxFaults = 4): fc.Arbitrary<Fault[]> {
  if (profile !== 'swarm') return faultPlanArbitrary(topology, faultProfiles[profile], maxFaults);
  return fc.subarray([...faultKinds], { minLength: 1 }).chain((kinds) => faultPlanArbitrary(topology, kinds, maxFaults));
}

/**
 * Scenario parameters around the scenario's defaults: each numeric parameter between half and
 * one and a half times its default (at least 1), shrinking towards the default.
 */
export function parametersArbitrary(scenario: Scenario): fc.Arbitrary<Record<string, number>> {
  const fields: Record<string, fc.Arbitrary<number>> = {};
  for (const [name, value] of Object.entries(scenario.defaults)) {
    if (value <= 1) {
      fields[name] = fc.constant(value);
      continue;
    }
    const low = Math.max(1, Math.floor(value / 2));
    const high = Math.max(low, Math.floor((value * 3) / 2));
    // Shrinks towards `value`: the offset from the default shrinks to 0.
    fields[name] = fc.integer({ min: low - value, max: high - value }).map((offset) => value + offset);
  }
  return fc.record(fields);
}

/** Runtime configuration as data: checkpointing and restart settings a case may override. */
export function configArbitrary(): fc.Arbitrary<Record<string, unknown>> {
  const checkpoint = fc.record({
    mode: fc.constantFrom('EXACTLY_ONCE', 'EXACTLY_ONCE', 'EXACTLY_ONCE', 'AT_LEAST_ONCE'),
    intervalUs: fc.integer({ min: 3_000, max: 20_000 }),
    timeoutUs: fc.integer({ min: 1_000_000, max: 10_000_000 }),
    maxConcurrentCheckpoints: fc.integer({ min: 1, max: 3 }),
    minPauseBetweenCheckpointsUs: fc.integer({ min: 0, max: 5_000 }),
    tolerableCheckpointFailures: fc.integer({ min: 0, max: 3 }),
    retainedCheckpoints: fc.integer({ min: 1, max: 3 }),
    unaligned: fc.boolean(),
    alignedCheckpointTimeoutUs: fc.constantFrom(0, 0, 1_000, 5_000),
  });
  const restartStrategy = fc.oneof(
    fc.record({ kind: fc.constant('fixed-delay'), attempts: fc.constant(1_000), delayUs: fc.integer({ min: 1_000, max: 200_000 }) }),
    fc.record({
      kind: fc.constant('exponential-delay'),
      initialBackoffUs: fc.integer({ min: 1_000, max: 50_000 }),
      maxBackoffUs: fc.constant(2_000_000),
      multiplier: fc.constant(2),
      resetBackoffThresholdUs: fc.constant(10_000_000),
      attempts: fc.constant(1_000),
    }),
  );
  return fc.record({ checkpoint, restartStrategy });
}
