import { JobBuilder } from '../src/cluster/jobgraph/job-builder.js';
import type { Scenario } from '../src/explore/scenario.js';
import { eventPartitions } from './input.js';
import { scenarioSource } from './sources.js';

// Job functions live at module level (see wordcount.ts).
const eventKey = (value: unknown): string => (value as { key: string }).key;

/** Stop-with-savepoint midway, then a new run resumes from the savepoint and finishes the input. */
export const savepointStop: Scenario = {
  name: 'savepoint-stop',
  description: 'A keyed count (FLIP-27 source p=2, 2 partitions, 1 discovered later) stopped with a synchronous savepoint midway; a new run resumes from the savepoint and must commit every record exactly once across both runs.',
  properties: ['job-finishes', 'exactly-once', 'consistent-snapshot', 'recovery', 'coordinator-invariants', 'two-phase-commit', 'liveness', 'trigger-results', 'failure-accounting', 'notification-order', 'explained-failures', 'external-hygiene', 'split-ownership'],
  defaults: { partitions: 2, events: 400, keys: 20, skew: 5, parallelism: 2, stopAtUs: 140_000 },
  build(parameters, input) {
    const job = new JobBuilder('savepoint-stop');
    const parallelism = parameters['parallelism']!;
    scenarioSource(job, 'source', eventPartitions(input, parameters['partitions']!, parameters['events']!, parameters['keys']!, parameters['skew']!), parameters, { parallelism, recordCostUs: 200 })
      .keyBy(eventKey)
      .count('count', { parallelism })
      .sink('sink', 'two-phase-commit', { parallelism });
    return { job: job.build(), cluster: { checkpoint: { intervalUs: 7_000 } }, stopWithSavepointAtUs: parameters['stopAtUs']! };
  },
};
