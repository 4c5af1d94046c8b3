import { describe, expect, it } from 'vitest';
import type { Observation } from '../../../src/cluster/observations.js';
import { runCase } from '../../../src/explore/run-case.js';
import { lookupScenario } from '../../../src/explore/scenario-registry.js';
import type { PlanEntry } from '../../../src/faults/plan.js';

/** Incremental checkpoints end to end, on the built-in running-sum job (about a second a case). */
function run(seed: number, faults: PlanEntry[] = [], bugs: string[] = []) {
  const observations: Observation[] = [];
  const scenario = lookupScenario('running-sum');
  if (scenario === undefined) throw new Error('running-sum is not registered');
  const result = runCase(scenario, { scenario: 'running-sum', seed, faults, config: { incrementalCheckpoints: true, plantedBugs: bugs, checkpoint: { retainedCheckpoints: 1 } } }, { observers: [(observation) => observations.push(observation)] });
  return { result, observations };
}

const ofType = <T extends Observation['type']>(observations: readonly Observation[], type: T) => observations.filter((observation): observation is Extract<Observation, { type: T }> => observation.type === type);

describe('incremental checkpoints', () => {
  it('upload shared files, refer to unchanged ones of the confirmed checkpoint, and delete what no retained checkpoint uses', () => {
    const { result, observations } = run(1);
    expect(result.verdict).toBe('pass');
    const written = ofType(observations, 'storage-written').filter((observation) => observation.key.startsWith('shared/'));
    const registered = ofType(observations, 'shared-state-registered').flatMap((observation) => observation.keys);
    expect(written.length).toBeGreaterThan(0);
    // More registrations than uploads: later checkpoints referred to earlier files.
    expect(registered.length).toBeGreaterThan(written.length);
    expect(ofType(observations, 'storage-discarded').some((observation) => observation.key.startsWith('shared/'))).toBe(true);
  });

  it('restore keyed state from shared files after a TaskExecutor crash', () => {
    const crash: PlanEntry = { kind: 'crash-executor', executor: 'taskexecutor-0', restartAfterUs: 0, replacement: false, when: { onStep: 'coordinator.checkpoint-completed', occurrence: 2 } } as PlanEntry;
    const { result, observations } = run(2, [crash]);
    expect(result.verdict).toBe('pass');
    expect(ofType(observations, 'task-restored').length).toBeGreaterThan(0);
  });

  it('rescale from a retained incremental checkpoint: the new subtasks read the old ones\' shared files', () => {
    const rescale = { kind: 'rescale', parallelism: 'sum=3,sink=3', from: 'checkpoint', when: { onStep: 'coordinator.checkpoint-completed', occurrence: 2 } } as unknown as PlanEntry;
    const { result, observations } = run(1, [rescale]);
    expect(result.operations[0]?.applied).toBe(true);
    const restored = ofType(observations, 'task-restored').filter((observation) => observation.task.startsWith('sum#'));
    expect(restored.length).toBe(3);
    // Every new subtask got keyed state back from the shared files (none restored empty).
    for (const observation of restored) expect(Object.keys(observation.content.keyed?.['sum'] ?? {}).length).toBeGreaterThan(0);
  });

  it('catch the planted bug shared-state-registered-after-store-add (FLINK-6633) where the correct protocol passes', () => {
    const { result } = run(1, [], ['shared-state-registered-after-store-add']);
    expect(result.verdict).toBe('fail');
    expect(result.violations[0]?.property).toBe('coordinator-invariants');
    expect(result.violations[0]?.message).toMatch(/is gone from storage/);
  });
});
