import { JobBuilder } from '../src/cluster/jobgraph/job-builder.js';
import type { Scenario } from '../src/explore/scenario.js';
import { textPartitions } from './input.js';
import { scenarioSource } from './sources.js';

const splitLine = (line: unknown): string[] => String(line).split(' ');
const wordKey = (word: unknown): string => String(word);

/**
 * Word count into a Sink V2 (a Kafka-like exactly-once sink): the writer prepares committables at
 * each barrier and at end of input, and its own committer vertex commits them after the
 * checkpoint completes. unaligned=1 takes unaligned checkpoints, so committables may travel as
 * channel state.
 */
export const sinkV2: Scenario = {
  name: 'sink-v2',
  description:
    'Word count with a Sink V2: FLIP-27 source p=2 (2 partitions, 1 discovered later) -> split -> keyBy -> count p=3 -> writer p=2 -> committer p=2 (forward); the writer prepares committables at the barrier and at end of input, the committer commits them after notifyCheckpointComplete, retrying retriable failures. unaligned=1 uses unaligned checkpoints.',
  properties: ['job-finishes', 'exactly-once', 'consistent-snapshot', 'recovery', 'coordinator-invariants', 'two-phase-commit', 'liveness', 'trigger-results', 'failure-accounting', 'notification-order', 'explained-failures', 'external-hygiene', 'split-ownership'],
  defaults: { partitions: 2, lines: 360, wordsPerLine: 4, keys: 40, skew: 8, sourceParallelism: 2, countParallelism: 3, sinkParallelism: 2, unaligned: 0 },
  build(parameters, input) {
    const job = new JobBuilder('sink-v2');
    scenarioSource(job, 'source', textPartitions(input, parameters['partitions']!, parameters['lines']!, parameters['wordsPerLine']!, parameters['keys']!, parameters['skew']!), parameters, {
        parallelism: parameters['sourceParallelism']!,
        recordCostUs: 200,
      })
      .flatMap('split', splitLine, { parallelism: parameters['sourceParallelism']! })
      .keyBy(wordKey)
      .count('count', { parallelism: parameters['countParallelism']! })
      .sinkTo('sink', { parallelism: parameters['sinkParallelism']! });
    return { job: job.build(), cluster: { checkpoint: { intervalUs: 7_000, unaligned: parameters['unaligned'] === 1 } } };
  },
};
