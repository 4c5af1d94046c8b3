import { describe, expect, it } from 'vitest';
import { findScenario } from '../../../scenarios/index.js';
import type { Observation } from '../../../src/cluster/observations.js';
import { runCase } from '../../../src/explore/run-case.js';

const wordcount = findScenario('wordcount')!;
/** The first AddSplitEvent sent after 30 ms of virtual time never arrives. */
const droppedAssignment = [{ kind: 'rpc', action: 'drop', method: 'sendOperatorEvent', count: 1, when: { atUs: 30_000 } }];

describe('operator events over the lossy RPC (wordcount, a FLIP-27 source)', () => {
  it('assigns every split once, checkpoints the enumerator before the tasks, and passes every property without faults', () => {
    const observations: Observation[] = [];
    const result = runCase(wordcount, { scenario: 'wordcount', seed: 1 } as never, { observers: [(observation: Observation) => observations.push(observation)] });
    expect(result.verdict).toBe('pass');
    const assigned = observations.flatMap((observation) => (observation.type === 'splits-assigned' ? observation.splits.map((split) => split.partition) : []));
    expect([...assigned].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const firstEnumerator = observations.findIndex((observation) => observation.type === 'enumerator-snapshot-taken');
    const firstTask = observations.findIndex((observation) => observation.type === 'snapshot-taken');
    expect(firstEnumerator).toBeGreaterThanOrEqual(0);
    expect(firstEnumerator).toBeLessThan(firstTask);
  });

  it('recovers from a lost split assignment: the checkpoint waits for the event, which fails, and the reader fails over', () => {
    const result = runCase(wordcount, { scenario: 'wordcount', seed: 3, faults: droppedAssignment } as never);
    expect(result.verdict).toBe('pass');
    expect(result.stats.restores).toBeGreaterThan(0);
  });

  it('loses the split when the coordinator snapshot does not wait for events in flight (FLINK-21996 planted)', () => {
    // Its reader then waits for that split forever: half a virtual second is enough to judge.
    const result = runCase(wordcount, { scenario: 'wordcount', seed: 3, faults: droppedAssignment, config: { plantedBugs: ['coordinator-checkpoint-ignores-inflight-events'] } } as never, { limits: { deadlineUs: 500_000 } });
    expect(result.violations.map((violation) => violation.property)).toContain('split-ownership');
  });
});
