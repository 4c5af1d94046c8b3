import { JobBuilder } from '../src/cluster/jobgraph/job-builder.js';
import type { KeyedProcessFunction } from '../src/cluster/jobgraph/functions.js';
import type { CheckpointConfig } from '../src/cluster/checkpoint/types.js';
import type { Scenario, ScenarioParameters, ScenarioSetup } from '../src/explore/scenario.js';
import type { RandomStream } from '../src/sim/index.js';
import { eventPartitions } from './input.js';
import { scenarioSource } from './sources.js';

/**
 * Keeps a running sum per key in state and emits the running count: counts are order-independent
 * (the n-th event of a key emits n whatever the interleaving), sums are checked through state.
 */
const totals: KeyedProcessFunction = {
  processElement(value, context) {
    const sum = context.valueState<number>('sum');
    sum.update((sum.value() ?? 0) + (value as { amount: number }).amount);
    const count = context.valueState<number>('count');
    const next = (count.value() ?? 0) + 1;
    count.update(next);
    context.emit({ key: context.currentKey, count: next });
  },
};

// Job functions live at module level (see wordcount.ts).
const identity = (value: unknown): unknown => value;
const eventKey = (value: unknown): string => (value as { key: string }).key;

/**
 * Fan-in under skew, shared by three scenarios that differ only in barrier handling: many
 * upstream channels into a few keyed subtasks, a hot key making one of them slow, so its input
 * channels fill, credits run out and producers stall: alignment happens under backpressure.
 */
function buildFanIn(name: string, checkpoint: Partial<CheckpointConfig>) {
  return (parameters: ScenarioParameters, input: RandomStream): ScenarioSetup => {
    const job = new JobBuilder(name);
    const upstream = parameters['upstreamParallelism']!;
    scenarioSource(job, 'source', eventPartitions(input, upstream, parameters['events']!, parameters['keys']!, parameters['skew']!), parameters, { parallelism: upstream, recordCostUs: 40 })
      .map('enrich', identity, { parallelism: upstream })
      .keyBy(eventKey)
      .process('total', totals, { parallelism: parameters['downstreamParallelism']!, recordCostUs: parameters['slowCostUs']! })
      .sink('sink', 'two-phase-commit', { parallelism: parameters['downstreamParallelism']! });
    return { job: job.build(), cluster: { checkpoint: { intervalUs: 7_000, ...checkpoint } } };
  };
}

const fanInDefaults = { upstreamParallelism: 6, downstreamParallelism: 2, events: 400, keys: 12, skew: 20, slowCostUs: 60 };
const fanInProperties = ['job-finishes', 'exactly-once', 'consistent-snapshot', 'recovery', 'coordinator-invariants', 'two-phase-commit', 'liveness', 'trigger-results', 'failure-accounting', 'notification-order', 'explained-failures', 'external-hygiene', 'split-ownership'] as const;

/** Many upstream channels, one slow consumer: aligned checkpoints under backpressure. */
export const fanInSkew: Scenario = {
  name: 'fan-in-skew',
  description: 'Six upstream channels into two keyed counters with a hot key: the slow reducer backpressures its producers while it aligns barriers. The six come from a FLIP-27 source over 6 partitions, 3 discovered later.',
  properties: fanInProperties,
  defaults: fanInDefaults,
  build: buildFanIn('fan-in-skew', {}),
};

/** The same skew with unaligned checkpoints: barriers overtake buffers, in-flight data becomes channel state. */
export const unaligned: Scenario = {
  name: 'unaligned',
  description: 'The fan-in-skew job with unaligned checkpoints: barriers overtake queued buffers and in-flight records are persisted as channel state.',
  properties: fanInProperties,
  defaults: fanInDefaults,
  build: buildFanIn('unaligned', { unaligned: true }),
};

/** The same skew, aligned with a timeout that switches slow alignments to unaligned. */
export const alignedTimeout: Scenario = {
  name: 'aligned-timeout',
  description: 'The fan-in-skew job with aligned checkpoints that switch to unaligned once alignment exceeds 2 ms.',
  properties: fanInProperties,
  defaults: fanInDefaults,
  build: buildFanIn('aligned-timeout', { unaligned: true, alignedCheckpointTimeoutUs: 2_000 }),
};
