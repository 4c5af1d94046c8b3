import { describe, expect, it } from 'vitest';
import { findScenario } from '../../scenarios/index.js';
import type { Observation } from '../../src/cluster/observations.js';
import { runCase } from '../../src/explore/run-case.js';
import type { PlanEntry } from '../../src/faults/plan.js';

const wordcount = findScenario('wordcount')!;

function run(faults: PlanEntry[], seed = 3) {
  const observations: Observation[] = [];
  const result = runCase(wordcount, { scenario: 'wordcount', seed, faults }, { observers: [(observation) => void observations.push(observation)] });
  return { result, observations };
}

describe('operations on the running job', () => {
  it("stop-with-savepoint --drain ends the sources' input before the savepoint, and the resumed run reads the rest", () => {
    const { result, observations } = run([{ kind: 'stop-with-savepoint', drain: true, when: { atUs: 112_000 } }]);
    expect(result.verdict).toBe('pass');
    const savepoint = result.operations[0]?.checkpointId;
    expect(result.operations[0]).toMatchObject({ kind: 'stop-with-savepoint', ok: true, resumedFromCheckpointId: savepoint });
    expect(observations.some((observation) => observation.type === 'job-operation-answered' && observation.operation === 'stop-with-savepoint-drain' && observation.ok)).toBe(true);
  });

  it("a drained source whose savepoint fails fails its task ('Stop-with-savepoint failed.', as Flink's StreamTask), and the failover reads the input again", () => {
    const { result, observations } = run([
      { kind: 'stop-with-savepoint', drain: true, when: { atUs: 112_000 } },
      { kind: 'rpc', action: 'drop', method: 'acknowledgeCheckpoint', count: 1, when: { atUs: 112_000 } },
    ]);
    expect(result.verdict).toBe('pass');
    expect(result.operations[0]).toMatchObject({ kind: 'stop-with-savepoint', ok: false });
    expect(observations.some((observation) => observation.type === 'task-failed' && observation.cause === 'Stop-with-savepoint failed.')).toBe(true);
    expect(result.stats.restores).toBeGreaterThan(0);
  });

  it('cancel, then resume from the latest retained checkpoint as a new job run', () => {
    const { result, observations } = run([{ kind: 'cancel', resumeAfterUs: 10_000, when: { onStep: 'coordinator.checkpoint-completed', occurrence: 2 } }]);
    expect(result.verdict).toBe('pass');
    expect(result.operations[0]).toMatchObject({ kind: 'cancel', ok: true, resumedFromCheckpointId: 2 });
    const statuses = observations.flatMap((observation) => (observation.type === 'job-status' ? [observation.status] : []));
    expect(statuses).toEqual(['RUNNING', 'CANCELLING', 'CANCELED', 'RUNNING', 'FINISHED']);
  });

  it('a cancel with nothing to resume from is not carried out, and says why', () => {
    const { result } = run([{ kind: 'cancel', when: { atUs: 100_500 } }]);
    expect(result.operations[0]).toMatchObject({ kind: 'cancel', applied: false, reason: 'nothing to resume from (latest)' });
    expect(result.verdict).toBe('pass');
  });

  it('a savepoint and a manual checkpoint are answered with their ids; only the checkpoint is notified', () => {
    const { result, observations } = run([{ kind: 'savepoint', when: { atUs: 105_000 } }, { kind: 'checkpoint', when: { atUs: 140_000 } }]);
    expect(result.verdict).toBe('pass');
    const [savepoint, checkpoint] = result.operations;
    expect(savepoint).toMatchObject({ kind: 'savepoint', ok: true });
    expect(checkpoint).toMatchObject({ kind: 'checkpoint', ok: true });
    const notified = new Set(observations.flatMap((observation) => (observation.type === 'checkpoint-notification-sent' && observation.kind === 'complete' ? [observation.checkpointId] : [])));
    expect(notified.has(savepoint!.checkpointId!)).toBe(false);
    expect(notified.has(checkpoint!.checkpointId!)).toBe(true);
  });
});
