import { describe, expect, it } from 'vitest';
import type { CaseSpec } from '../../src/explore/replay-token.js';
import { runCase } from '../../src/explore/run-case.js';
import { lookupScenario } from '../../src/explore/scenario-registry.js';

/**
 * FLINK-18336 end to end: a checkpoint hangs (its acknowledgement lost), a savepoint completes
 * meanwhile, and the hung checkpoint then expires. Its failure is at or below the latest success,
 * so Flink 1.20's CheckpointFailureManager does not count it; counting it fails a healthy job.
 * The default sweep rarely draws this (failure-manager-counts-stale-checkpoints is a known
 * survivor); this case shows failure-accounting judges it once reached.
 */
describe('failure-accounting on a stale expiry after a savepoint', () => {
  const spec: CaseSpec = {
    scenario: 'wordcount',
    seed: 5,
    faults: [
      { kind: 'rpc', action: 'drop', method: 'acknowledgeCheckpoint', checkpointId: 2, count: 1, when: { atUs: 0 } },
      { kind: 'savepoint', when: { atUs: 160_000 } },
    ],
  };
  const scenario = lookupScenario('wordcount');

  it('passes with Flink\'s rules, and names the unwarranted job failure when stale failures count', () => {
    if (scenario === undefined) throw new Error('no wordcount scenario');
    expect(runCase(scenario, spec).verdict).toBe('pass');
    const planted = runCase(scenario, { ...spec, config: { plantedBugs: ['failure-manager-counts-stale-checkpoints'] } });
    expect(planted.verdict).toBe('fail');
    expect(planted.violations.map((violation) => violation.property)).toContain('failure-accounting');
  });
});
