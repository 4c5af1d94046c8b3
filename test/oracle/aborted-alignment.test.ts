import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/cluster/observations.js';
import { createNotificationOrderChecker } from '../../src/oracle/checkers/index.js';
import { at, judge, tinyContext, triggered } from './support/fixtures.js';

const context = tinyContext();
const left = 'split#0->count#0';
const right = 'split#1->count#0';
const barrier = (timeUs: number, checkpointId: number, channel: string, priority = false) =>
  at(timeUs, { type: 'barrier-received' as const, checkpointId, task: 'count#0', channel, ...(priority ? { priority: true as const } : {}) });
const marker = (timeUs: number, checkpointId: number, channel: string) => at(timeUs, { type: 'cancellation-marker-received' as const, checkpointId, task: 'count#0', channel });
const finished = (timeUs: number) => at(timeUs, { type: 'task-finished' as const, task: 'count#0', attempt: 0 });
const deployed = at(0, { type: 'task-deployed' as const, task: 'count#0', attempt: 0, executor: 'taskexecutor-0' });
const run = (observations: readonly Observation[]) => judge(createNotificationOrderChecker(context), [deployed, triggered(1_000, 3), ...observations]);

describe('notification-order: every producer sends each checkpoint\'s barrier or cancellation marker before a newer barrier', () => {
  it('names a channel whose producer sent a newer aligned barrier in place of an aborted checkpoint\'s marker (FLINK-18238)', () => {
    const violations = run([barrier(2_000, 3, left), barrier(5_000, 4, right), barrier(6_000, 4, left), finished(9_000)]);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toBe(
      'count#0 finished without the barrier or a cancellation marker of checkpoint 3 on split#1->count#0, whose producer sent the barrier of checkpoint 4 (arrived at 0.005000 s) instead: it skipped checkpoint 3, so the alignment of it waited for a newer barrier',
    );
  });

  it('names it too when the consumer learns of the skipped checkpoint after the newer barrier arrived', () => {
    expect(run([barrier(2_000, 4, right), marker(3_000, 3, left), barrier(4_000, 4, left), finished(9_000)])).toHaveLength(1);
  });

  it('accepts the marker processed after the newer barrier arrived (it was queued ahead of it), a newer barrier on a channel that delivered the older one, and a priority barrier overtaking a marker', () => {
    expect(run([barrier(2_000, 3, left), barrier(5_000, 4, right), marker(5_500, 3, right), barrier(6_000, 4, left), finished(9_000)])).toEqual([]);
    expect(run([barrier(2_000, 3, left), barrier(2_500, 3, right), barrier(5_000, 4, left), barrier(5_100, 4, right), finished(9_000)])).toEqual([]);
    expect(run([barrier(2_000, 3, left), barrier(5_000, 4, right, true), barrier(6_000, 4, left, true), marker(7_000, 3, right), finished(9_000)])).toEqual([]);
    expect(run([barrier(2_000, 3, left), barrier(5_000, 4, right, true), barrier(6_000, 4, left, true), finished(9_000)])).toEqual([]);
  });

  it('judges nothing once a fault was injected or a task failed or was canceled, and forgets a redeployed consumer\'s channels', () => {
    const fault = at(1_500, { type: 'fault-injected' as const, index: 0, kind: 'rpc' });
    expect(run([fault, barrier(2_000, 3, left), barrier(5_000, 4, right), finished(9_000)])).toEqual([]);
    const canceled = at(5_500, { type: 'task-canceled' as const, task: 'sink#0', attempt: 0 });
    expect(run([barrier(2_000, 3, left), barrier(5_000, 4, right), canceled, finished(9_000)])).toEqual([]);
    const redeployed = at(5_500, { type: 'task-deployed' as const, task: 'count#0', attempt: 1, executor: 'taskexecutor-0' });
    expect(run([barrier(2_000, 3, left), barrier(5_000, 4, right), redeployed, at(9_000, { type: 'task-finished' as const, task: 'count#0', attempt: 1 })])).toEqual([]);
  });
});
