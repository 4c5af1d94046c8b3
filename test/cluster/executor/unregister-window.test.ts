import { describe, expect, it } from 'vitest';
import type { Observation } from '../../../src/cluster/observations.js';
import { runCase } from '../../../src/explore/run-case.js';
import { lookupScenario } from '../../../src/explore/scenario-registry.js';

/**
 * A task that ended stays reachable by checkpoint RPCs until its executor unregisters it (Flink:
 * the Task is in the slot table until unregisterTaskAndNotifyFinalState): a trigger reaching it
 * then is declined at once as not ready, by the task itself. (Seed 1: on seed 277011886, the
 * case used before the trigger chain's steps took time, no trigger reaches an ended task at 400 lines.)
 */
describe('the task executor keeps an ended task reachable by checkpoint RPCs until it unregisters it', () => {
  it('a finished source declines a trigger that reaches it before it is unregistered (CHECKPOINT_DECLINED_TASK_NOT_READY)', () => {
    const scenario = lookupScenario('wordcount');
    if (scenario === undefined) throw new Error('no wordcount scenario');
    const observations: Observation[] = [];
    const result = runCase(
      scenario,
      { scenario: 'wordcount', seed: 1, parameters: { lines: 400 }, config: { checkpoint: { intervalUs: 7_000, retainedCheckpoints: 1, maxConcurrentCheckpoints: 1, timeoutUs: 600_000_000 } } },
      { observers: [(observation) => observations.push(observation)] },
    );
    expect(result.verdict).toBe('pass');
    const finishedAt = new Map<string, number>();
    const late: Array<{ key: string; checkpointId: number; timeUs: number }> = [];
    for (const observation of observations) {
      if (observation.type === 'task-finished') finishedAt.set(`${observation.task}@${observation.attempt}`, observation.timeUs);
      if (observation.type === 'checkpoint-trigger-received' && finishedAt.has(`${observation.task}@${observation.attempt}`)) late.push({ key: `${observation.task}@${observation.attempt}`, checkpointId: observation.checkpointId, timeUs: observation.timeUs });
    }
    expect(late.length).toBeGreaterThan(0);
    for (const { key, checkpointId, timeUs } of late) {
      const declines = observations.filter((o) => o.type === 'checkpoint-decline-sent' && `${o.task}@${o.attempt}` === key && o.checkpointId === checkpointId);
      expect(declines.map((o) => (o.type === 'checkpoint-decline-sent' ? [o.reason, o.timeUs] : []))).toEqual([['CHECKPOINT_DECLINED_TASK_NOT_READY', timeUs]]);
    }
  });
});
