import { resultsSchema, summarise, type SweepResults } from '../../src/explore/results.js';
import type { SweepCaseResult } from '../../src/explore/sweep-case.js';

/** A passing wordcount case with one fail-task fault: the base the report tests vary. */
export const passingCase: SweepCaseResult = {
  index: 0, scenario: 'wordcount', caseSeed: 1, simSeed: 2, verdict: 'pass', faultKinds: ['fail-task'], faultCount: 1,
  traceHash: '0123456789abcdef', events: 10, virtualTimeUs: 5, checkpointsCompleted: 3, restores: 1, violated: [], gaps: [], gapProperties: [],
};

/** Results of a one-scenario (wordcount) sweep made of the given cases. */
export function wordcountResults(cases: SweepCaseResult[]): SweepResults {
  return {
    schema: resultsSchema,
    parameters: { scenarios: ['wordcount'], runsPerScenario: cases.length, seed: 1, profile: 'swarm', vary: false },
    shards: ['0/1'],
    properties: { wordcount: ['exactly-once', 'recovery'] },
    cases,
    interrupted: false,
    summary: summarise(cases, ['wordcount']),
    environment: { tool: 'test', node: 'v20', platform: 'linux', cpus: 2, workers: 1 },
    timing: { wallMs: 1, casesPerSecond: 1 },
  };
}
