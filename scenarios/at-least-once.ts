import { JobBuilder } from '../src/cluster/jobgraph/job-builder.js';
import type { Scenario } from '../src/explore/scenario.js';
import { textPartitions } from './input.js';

/** Tracker-mode checkpoints with a direct-write sink: nothing lost, duplicates allowed. */
export const atLeastOnce: Scenario = {
  name: 'at-least-once',
  description: 'Word count in AT_LEAST_ONCE mode (barrier tracker, no blocking) with a non-transactional at-least-once sink.',
  properties: ['job-finishes', 'at-least-once', 'recovery', 'coordinator-invariants', 'liveness'],
  defaults: { partitions: 3, lines: 400, wordsPerLine: 3, keys: 30, skew: 8, sourceParallelism: 3, countParallelism: 2 },
  build(parameters, input) {
    const job = new JobBuilder('at-least-once');
    job
      .source('source', textPartitions(input, parameters['partitions']!, parameters['lines']!, parameters['wordsPerLine']!, parameters['keys']!, parameters['skew']!), {
        parallelism: parameters['sourceParallelism']!,
        recordCostUs: 200,
      })
      .flatMap('split', (line) => String(line).split(' '), { parallelism: parameters['sourceParallelism']! })
      .keyBy((word) => String(word))
      .count('count', { parallelism: parameters['countParallelism']! })
      .sink('sink', 'at-least-once', { parallelism: parameters['countParallelism']! });
    return { job: job.build(), cluster: { checkpoint: { intervalUs: 7_000, mode: 'AT_LEAST_ONCE' } } };
  },
};
