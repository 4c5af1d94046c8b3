import { JobBuilder } from '../src/cluster/jobgraph/job-builder.js';
import type { KeyedProcessFunction } from '../src/cluster/jobgraph/functions.js';
import type { Scenario } from '../src/explore/scenario.js';
import { eventPartitions } from './input.js';
import { scenarioSource } from './sources.js';

/**
 * Emits the running sum of a key's amounts after each of its records: the k-th output of a key
 * depends on which records came before it, so the output multiset depends on how the source
 * channels interleave at the operator (unlike a count, whose k-th output is k in any order).
 */
export const runningSum: KeyedProcessFunction = {
  processElement(value, context) {
    const sum = context.valueState<number>('sum');
    const next = (sum.value() ?? 0) + (value as { amount: number }).amount;
    sum.update(next);
    context.emit({ key: context.currentKey, sum: next });
  },
};

/**
 * First-seen deduplication: emits a key's first record (its amount) and nothing for later ones.
 * Which record is first depends on the interleaving; the state (seen or not) does not.
 */
export const firstSeen: KeyedProcessFunction = {
  processElement(value, context) {
    const seen = context.valueState<boolean>('seen');
    if (seen.value() === true) return;
    seen.update(true);
    context.emit({ key: context.currentKey, first: (value as { amount: number }).amount });
  },
};

// Job functions live at module level (see wordcount.ts).
const eventKey = (value: unknown): string => (value as { key: string }).key;

/** A keyed running sum after a parallel source: an order-dependent job, judged by the interleaving search. */
export const runningSumScenario: Scenario = {
  name: 'running-sum',
  description:
    'A keyed running sum (emits the sum so far per record) after a parallel source: FLIP-27 source p=3 (3 partitions, 2 discovered later) -> keyBy -> running sum p=2 -> 2PC sink p=2, and beside it (firstSeen=1) a first-seen deduplication -> 2PC sink. Their output depends on the order the source channels interleave, so exactly-once means some failure-free interleaving explains the committed output.',
  properties: ['job-finishes', 'exactly-once', 'consistent-snapshot', 'recovery', 'coordinator-invariants', 'two-phase-commit', 'liveness', 'trigger-results', 'failure-accounting', 'notification-order', 'explained-failures', 'external-hygiene', 'split-ownership'],
  orderDependent: true,
  defaults: { partitions: 3, events: 400, keys: 16, skew: 5, sourceParallelism: 3, sumParallelism: 2, firstSeen: 1 },
  build(parameters, input) {
    const job = new JobBuilder('running-sum');
    const source = scenarioSource(job, 'source', eventPartitions(input, parameters['partitions']!, parameters['events']!, parameters['keys']!, parameters['skew']!), parameters, {
      parallelism: parameters['sourceParallelism']!,
      recordCostUs: 200,
    });
    source
      .keyBy(eventKey)
      .process('sum', runningSum, { parallelism: parameters['sumParallelism']! })
      .sink('sink', 'two-phase-commit', { parallelism: parameters['sumParallelism']! });
    if (parameters['firstSeen'] !== 0) source.keyBy(eventKey).process('first-seen', firstSeen, { parallelism: 1 }).sink('first-sink', 'two-phase-commit', { parallelism: 1 });
    return { job: job.build(), cluster: { checkpoint: { intervalUs: 7_000 } } };
  },
};
