import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/cluster/observations.js';
import { createNotificationOrderChecker } from '../../src/oracle/checkers/index.js';
import { at, judge, tinyContext } from './support/fixtures.js';

const context = tinyContext();
const deployed = (timeUs: number, attempt = 0) => at(timeUs, { type: 'task-deployed' as const, task: 'source#0', attempt, executor: 'taskexecutor-0' });
const running = (timeUs: number, attempt = 0) => at(timeUs, { type: 'task-running' as const, task: 'source#0', attempt });
const finished = (timeUs: number, attempt = 0) => at(timeUs, { type: 'task-finished' as const, task: 'source#0', attempt });
const received = (timeUs: number, checkpointId: number, attempt = 0) => at(timeUs, { type: 'checkpoint-trigger-received' as const, checkpointId, task: 'source#0', attempt });
const declineSent = (timeUs: number, checkpointId: number, attempt = 0) =>
  at(timeUs, { type: 'checkpoint-decline-sent' as const, checkpointId, task: 'source#0', attempt, reason: 'CHECKPOINT_DECLINED_TASK_NOT_READY' as const });
const later = (timeUs: number) => at(timeUs, { type: 'job-status' as const, status: 'FINISHED' as const, cause: undefined });
const run = (observations: readonly Observation[]) => judge(createNotificationOrderChecker(context), observations);

describe('notification-order: a trigger reaching a task attempt that is not running is declined at once (FLINK-3261)', () => {
  it('names a finished attempt that took a trigger without declining it', () => {
    const violations = run([deployed(0), running(10), finished(5_000), received(5_200, 7), later(6_000)]);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toBe(
      'source#0 attempt 0 (finished) received the trigger of checkpoint 7 at 0.005200 s and did not decline it: a task that is not running declines a trigger at once (CHECKPOINT_DECLINED_TASK_NOT_READY), or the checkpoint waits until it expires',
    );
  });

  it('names it at the end of the run too, and for an attempt not running yet or superseded', () => {
    expect(run([deployed(0), running(10), finished(5_000), received(5_200, 7)])).toHaveLength(1);
    expect(run([deployed(0), received(5, 1), later(6)])[0]?.message).toContain('(not running yet)');
    expect(run([deployed(0), running(10), deployed(20, 1), received(30, 2), later(40)])[0]?.message).toContain('(superseded by attempt 1)');
  });

  it('accepts a trigger declined at once by a task not running, and any trigger reaching a running attempt', () => {
    expect(run([deployed(0), running(10), finished(5_000), received(5_200, 7), declineSent(5_200, 7), later(6_000)])).toEqual([]);
    expect(run([deployed(0), running(10), received(20, 1), later(9_000), finished(9_500)])).toEqual([]);
  });
});
