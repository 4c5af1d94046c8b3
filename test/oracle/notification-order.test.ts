import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/cluster/observations.js';
import { createNotificationOrderChecker } from '../../src/oracle/checkers/index.js';
import { at, completed, countContent, finalState, judge, snapshot, tinyContext, tinyTasks } from './support/fixtures.js';

const deployed = (timeUs: number, task: string, attempt = 0): Observation => at(timeUs, { type: 'task-deployed', task, attempt, executor: 'taskexecutor-0' });
const barrier = (timeUs: number, checkpointId: number, channel = 'source#0->count#0'): Observation => at(timeUs, { type: 'barrier-received', checkpointId, task: 'count#0', channel });
const received = (timeUs: number, checkpointId: number, kind: 'complete' | 'aborted', ignored = false, task = 'count#0'): Observation =>
  at(timeUs, { type: 'checkpoint-notification-received', checkpointId, kind, task, ignored });

const verdict = (stream: readonly Observation[]) => judge(createNotificationOrderChecker(tinyContext()), stream, finalState());

describe('notification-order checker', () => {
  const correct: Observation[] = [
    ...tinyTasks.map((task) => deployed(0, task)),
    barrier(1_000, 1),
    snapshot(1_001, 1, 'count#0', countContent([0])),
    completed(1_100, 1),
    received(1_200, 1, 'complete'),
    received(1_300, 1, 'complete', true),
    barrier(2_000, 3),
    snapshot(2_001, 3, 'count#0', countContent([0, 1])),
    received(2_500, 2, 'aborted'),
    received(2_600, 2, 'aborted', true),
    // A new attempt starts afresh: its channel and its checkpoints begin again.
    deployed(3_000, 'count#0', 1),
    barrier(3_100, 3),
    snapshot(3_101, 3, 'count#0', countContent([0, 1]), 1),
    received(3_200, 2, 'aborted'),
  ];

  it('stays silent when notifications and barriers come in order', () => {
    expect(verdict(correct)).toEqual([]);
  });

  it('names a barrier that arrives after a newer one on the same channel', () => {
    const [violation] = verdict([...correct, barrier(4_000, 2)]);
    expect(violation?.property).toBe('notification-order');
    expect(violation?.message).toBe('count#0 received the barrier of checkpoint 2 on source#0->count#0 after that of checkpoint 3: barriers arrive in id order');
  });

  it('lets an aligned barrier arrive after a newer unaligned (priority) barrier that overtook it, as in Flink', () => {
    const overtaken = [...correct, at(4_000, { type: 'barrier-received', checkpointId: 5, task: 'count#0', channel: 'source#0->count#0', priority: true }), barrier(4_100, 4)];
    expect(verdict(overtaken)).toEqual([]);
    // Without a priority barrier in between, the same late barrier is out of order.
    expect(verdict([...correct, barrier(4_000, 5), barrier(4_100, 4)])[0]?.message).toBe('count#0 received the barrier of checkpoint 4 on source#0->count#0 after that of checkpoint 5: barriers arrive in id order');
  });

  it('names a task that takes an older checkpoint after a newer one', () => {
    expect(verdict([...correct, snapshot(4_000, 2, 'count#0', countContent([0]), 1)])[0]?.message).toBe('count#0 (attempt 1) took checkpoint 2 after checkpoint 3: ids must increase per task');
  });

  it('names a complete notification for a checkpoint that never completed, or for a plain savepoint', () => {
    expect(verdict([...correct, received(4_000, 3, 'complete')])[0]?.message).toBe("count#0 acted on a 'complete' notification for checkpoint 3, which never completed");
    expect(verdict([...correct, completed(3_900, 4, 'savepoint'), received(4_000, 4, 'complete')])[0]?.message).toBe(
      "count#0 acted on a 'complete' notification for savepoint 4: plain savepoints are not notified",
    );
  });

  it('names an abort acted on twice by one attempt', () => {
    expect(verdict([...correct, received(4_000, 2, 'aborted')])[0]?.message).toBe('count#0 (attempt 1) acted on the abort of checkpoint 2 twice');
  });

  it('names a notification acted on after the task finished (FLINK-16383)', () => {
    const stream = [...correct, completed(3_900, 5), at(4_000, { type: 'task-finished', task: 'count#0', attempt: 1 }), received(4_100, 5, 'complete')];
    expect(verdict(stream)[0]?.message).toBe("count#0 acted on a 'complete' notification for checkpoint 5 after its attempt 1 finished: its operator is closed");
  });
});
