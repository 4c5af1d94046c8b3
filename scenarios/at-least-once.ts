import type { Scenario } from '../src/explore/scenario.js';
import { wordCountJob } from './wordcount.js';

/** Tracker-mode checkpoints with a direct-write sink: nothing lost, duplicates allowed. */
export const atLeastOnce: Scenario = {
  name: 'at-least-once',
  description: 'Word count in AT_LEAST_ONCE mode (barrier tracker, no blocking) with a non-transactional at-least-once sink.',
  properties: ['job-finishes', 'at-least-once', 'recovery', 'coordinator-invariants', 'liveness', 'trigger-results', 'failure-accounting', 'notification-order', 'explained-failures', 'external-hygiene'],
  defaults: { legacySource: 1, partitions: 3, lines: 400, wordsPerLine: 3, keys: 30, skew: 8, sourceParallelism: 3, countParallelism: 2 },
  build(parameters, input) {
    return { job: wordCountJob('at-least-once', parameters, input, 'at-least-once'), cluster: { checkpoint: { intervalUs: 7_000, mode: 'AT_LEAST_ONCE' } } };
  },
};
