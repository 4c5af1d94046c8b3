import fc from 'fast-check';
import { jobChannels, jobTasks, taskName } from '../cluster/jobgraph/job-graph.js';
import { faultKinds, rpcMethods, type Fault, type FaultKind, type FaultTrigger } from '../faults/plan.js';
import { deriveStream } from '../sim/index.js';
import { mergeClusterConfig } from './run-case.js';
import { resolveParameters, type Scenario } from './scenario.js';

/** The names a fault can aim at in one scenario: tasks, executors and data channels. */
export interface Topology {
  readonly tasks: readonly string[];
  readonly executors: readonly string[];
  readonly channels: readonly string[];
  readonly sinkTasks: readonly string[];
}

/** Reads a scenario's topology from its job graph and cluster size (the input seed does not change it). */
export function topologyOf(scenario: Scenario, parameters?: Readonly<Record<string, number>>): Topology {
  const setup = scenario.build(resolveParameters(scenario, parameters), deriveStream(0, 'scenario.input'));
  const config = mergeClusterConfig(setup.cluster);
  return {
    tasks: jobTasks(setup.job),
    executors: Array.from({ length: config.executors }, (_, index) => `taskexecutor-${index}`),
    channels: jobChannels(setup.job),
    sinkTasks: setup.job.vertices.filter((vertex) => vertex.operator.kind === 'sink').flatMap((vertex) => Array.from({ length: vertex.parallelism }, (_, index) => taskName(vertex.name, index))),
  };
}

/** Fault profiles: which kinds a sweep draws from. `swarm` enables a random subset per case. */
export const faultProfiles = {
  none: [] as FaultKind[],
  crashes: ['fail-task', 'crash-executor', 'crash-jobmaster'] as FaultKind[],
  network: ['rpc', 'partition', 'channel-stall', 'slow-task'] as FaultKind[],
  storage: ['storage', 'sink-commit-failure', 'source-unavailable', 'transaction-timeout'] as FaultKind[],
  everything: [...faultKinds],
  swarm: [...faultKinds],
} as const;
export type FaultProfile = keyof typeof faultProfiles;

/** Virtual times faults are aimed at: jobs start running at 100 ms and run for a few hundred ms. */
const earliestUs = 100_000;
const latestUs = 450_000;

const triggerSteps = [
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

function triggerArbitrary(topology: Topology): fc.Arbitrary<FaultTrigger> {
  const atTime = fc.integer({ min: earliestUs, max: latestUs }).map((atUs) => ({ atUs }));
  const atStep = fc
    .record({
      onStep: fc.constantFrom(...triggerSteps),
      task: fc.option(fc.constantFrom(...topology.tasks), { nil: undefined }),
      checkpointId: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
      occurrence: fc.integer({ min: 1, max: 3 }),
    })
    .map(({ onStep, task, checkpointId, occurrence }) => ({
      onStep,
      occurrence,
      ...(task === undefined || onStep.startsWith('coordinator.') ? {} : { task }),
      ...(checkpointId === undefined ? {} : { checkpointId }),
    }));
  // Time triggers first: fast-check shrinks a oneof towards its first branch.
  return fc.oneof(atTime, atStep);
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
        method: fc.constantFrom(...rpcMethods),
        count: fc.integer({ min: 1, max: 3 }),
        delayUs: fc.integer({ min: 0, max: 300_000 }),
        when,
      });
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
        action: fc.constantFrom('slow-writes', 'fail-writes', 'fail-finalize', 'unreadable-handle'),
        count: fc.integer({ min: 1, max: 3 }),
        extraUs: fc.integer({ min: 1_000, max: 500_000 }),
        durationUs: duration(1_000_000),
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
