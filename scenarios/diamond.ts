import { JobBuilder } from '../src/cluster/jobgraph/job-builder.js';
import type { KeyedCoProcessFunction } from '../src/cluster/jobgraph/functions.js';
import type { Scenario } from '../src/explore/scenario.js';
import { eventPartitions } from './input.js';
import { scenarioSource } from './sources.js';

interface Event {
  readonly key: string;
  readonly amount: number;
}

/** Counts per key and side, keeping the seen amounts in list state: a keyed process with value and list state. */
const joinCounts: KeyedCoProcessFunction = {
  processElement1(value, context) {
    const count = (context.valueState<number>('left').value() ?? 0) + 1;
    context.valueState<number>('left').update(count);
    context.emit({ key: context.currentKey, side: 'left', count });
  },
  processElement2(value, context) {
    const amounts = context.listState<number>('right-amounts');
    amounts.add((value as Event).amount);
    context.emit({ key: context.currentKey, side: 'right', count: amounts.get().length });
  },
};

// Job functions live at module level (see wordcount.ts).
const identity = (value: unknown): unknown => value;
const isLarge = (value: unknown): boolean => (value as Event).amount >= 5;
const scaled = (value: unknown): Event => ({ ...(value as Event), amount: (value as Event).amount * 10 });
const eventKey = (value: unknown): string => (value as Event).key;

/** Split and re-join: one stream forks into two branches that meet again in a task with two input gates. */
export const diamond: Scenario = {
  name: 'diamond',
  description: 'Split and re-join: FLIP-27 source p=2 (2 partitions, 1 discovered later) -> parse, forked into a filter branch and a map branch, re-joined by a keyed co-process (two input gates) -> 2PC sink.',
  properties: ['job-finishes', 'exactly-once', 'consistent-snapshot', 'recovery', 'coordinator-invariants', 'two-phase-commit', 'liveness', 'trigger-results', 'failure-accounting', 'notification-order', 'explained-failures', 'external-hygiene', 'split-ownership'],
  defaults: { partitions: 2, events: 500, keys: 24, skew: 5, parallelism: 2, joinParallelism: 3 },
  build(parameters, input) {
    const job = new JobBuilder('diamond');
    const parallelism = parameters['parallelism']!;
    const parsed = scenarioSource(job, 'source', eventPartitions(input, parameters['partitions']!, parameters['events']!, parameters['keys']!, parameters['skew']!), parameters, { parallelism, recordCostUs: 150 })
      .map('parse', identity, { parallelism });
    const left = parsed.filter('large', isLarge, { parallelism });
    const right = parsed.map('scale', scaled, { parallelism });
    left
      .connect(right)
      .process('join', [eventKey, eventKey], joinCounts, { parallelism: parameters['joinParallelism']! })
      .sink('sink', 'two-phase-commit', { parallelism });
    return { job: job.build(), cluster: { checkpoint: { intervalUs: 7_000 } } };
  },
};
