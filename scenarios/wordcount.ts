import { JobBuilder } from '../src/cluster/jobgraph/job-builder.js';
import type { JobGraph, SinkKind } from '../src/cluster/jobgraph/job-graph.js';
import type { Scenario, ScenarioParameters } from '../src/explore/scenario.js';
import type { RandomStream } from '../src/sim/index.js';
import { textPartitions } from './input.js';
import { scenarioSource } from './sources.js';

// Job functions live at module level: V8 keeps the optimised code of long-lived functions, but
// drops that of closures made per case at each full collection and compiles it again.
const splitLine = (line: unknown): string[] => String(line).split(' ');
const wordKey = (word: unknown): string => String(word);

/** The word-count pipeline, shared by the scenarios that run it with different sinks and modes. */
export function wordCountJob(name: string, parameters: ScenarioParameters, input: RandomStream, sink: SinkKind): JobGraph {
  const job = new JobBuilder(name);
  scenarioSource(job, 'source', textPartitions(input, parameters['partitions']!, parameters['lines']!, parameters['wordsPerLine']!, parameters['keys']!, parameters['skew']!), parameters, {
    parallelism: parameters['sourceParallelism']!,
    recordCostUs: 200,
  })
    .flatMap('split', splitLine, { parallelism: parameters['sourceParallelism']! })
    .keyBy(wordKey)
    .count('count', { parallelism: parameters['countParallelism']! })
    .sink('sink', sink, { parallelism: parameters['sinkParallelism'] ?? parameters['countParallelism']! });
  return job.build();
}

/** The classic: source p=2 -> flatMap -> keyBy -> count p=3 -> two-phase-commit sink p=2. */
export const wordcount: Scenario = {
  name: 'wordcount',
  description:
    'Word count with a two-phase-commit sink: FLIP-27 source p=2 (6 partitions, 3 discovered later) -> split -> keyBy -> count p=3 -> 2PC sink p=2, aligned exactly-once checkpoints. transactionalSink=0 swaps in a direct-write sink (a negative control).',
  properties: ['job-finishes', 'exactly-once', 'consistent-snapshot', 'recovery', 'coordinator-invariants', 'two-phase-commit', 'liveness', 'trigger-results', 'failure-accounting', 'notification-order', 'explained-failures', 'external-hygiene', 'split-ownership'],
  defaults: { partitions: 6, lines: 134, wordsPerLine: 4, keys: 40, skew: 8, sourceParallelism: 2, countParallelism: 3, sinkParallelism: 2, transactionalSink: 1 },
  build(parameters, input) {
    const sink = parameters['transactionalSink'] === 0 ? 'at-least-once' : 'two-phase-commit';
    return { job: wordCountJob('wordcount', parameters, input, sink), cluster: { checkpoint: { intervalUs: 7_000 } } };
  },
};
