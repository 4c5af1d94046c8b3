import { JobBuilder } from '../src/cluster/jobgraph/job-builder.js';
import type { Scenario } from '../src/explore/scenario.js';
import { eventPartitions } from './input.js';
import { scenarioSource } from './sources.js';

// Job functions live at module level (see wordcount.ts).
const eventKey = (value: unknown): string => (value as { key: string }).key;

/**
 * A keyed count into a FileSink: part files are written in progress, persisted at each
 * checkpoint, rolled when they reach the part size, closed for commit (pending) and renamed into
 * place by the committer after the checkpoint completes; a restore resumes the in-progress file at
 * its persisted length.
 */
export const fileSink: Scenario = {
  name: 'file-sink',
  description:
    "A keyed count into a FileSink (Sink V2): FLIP-27 source p=2 (2 partitions, 1 discovered later) -> keyBy -> count p=3 -> file writer p=2 -> committer p=2 (forward); part files go in progress -> pending (closed for commit at the barrier once they reach the part size, and at end of input) -> committed (renamed by the committer after notifyCheckpointComplete); a restore resumes the in-progress file at the length its checkpoint persisted.",
  properties: ['job-finishes', 'exactly-once', 'consistent-snapshot', 'recovery', 'coordinator-invariants', 'two-phase-commit', 'liveness', 'trigger-results', 'failure-accounting', 'notification-order', 'explained-failures', 'external-hygiene', 'split-ownership'],
  defaults: { partitions: 2, events: 500, keys: 30, skew: 5, sourceParallelism: 2, countParallelism: 3, sinkParallelism: 2 },
  build(parameters, input) {
    const job = new JobBuilder('file-sink');
    scenarioSource(job, 'source', eventPartitions(input, parameters['partitions']!, parameters['events']!, parameters['keys']!, parameters['skew']!), parameters, { parallelism: parameters['sourceParallelism']!, recordCostUs: 150 })
      .keyBy(eventKey)
      .count('count', { parallelism: parameters['countParallelism']! })
      .sinkTo('sink', { parallelism: parameters['sinkParallelism']! }, 'file');
    return { job: job.build(), cluster: { checkpoint: { intervalUs: 6_000 } } };
  },
};
