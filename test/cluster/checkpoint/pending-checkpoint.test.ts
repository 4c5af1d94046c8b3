import { describe, expect, it } from 'vitest';
import { PendingCheckpoint } from '../../../src/cluster/checkpoint/pending-checkpoint.js';
import type { CheckpointPlan } from '../../../src/cluster/checkpoint/checkpoint-plan.js';
import { stateFor } from './fakes.js';

const plan: CheckpointPlan = {
  tasksToTrigger: [{ taskName: 'source#0', attempt: 0 }],
  tasksToWaitFor: [
    { taskName: 'source#0', attempt: 0 },
    { taskName: 'sink#0', attempt: 2 },
  ],
  finishedTasks: ['done#0'],
  taskOrder: ['source#0', 'done#0', 'sink#0'],
};

function pendingCheckpoint(masterHookIdentifiers: readonly string[] = []): PendingCheckpoint {
  return new PendingCheckpoint({
    checkpointId: 7,
    type: 'checkpoint',
    isPeriodic: true,
    triggerTimestampUs: 1_000,
    plan,
    masterHookIdentifiers,
    done: undefined,
  });
}

describe('PendingCheckpoint', () => {
  it('acknowledges awaited attempts once: SUCCESS, then DUPLICATE', () => {
    const pending = pendingCheckpoint();
    expect(pending.acknowledgeTask('source#0', 0, stateFor('source#0', 7))).toBe('SUCCESS');
    expect(pending.acknowledgeTask('source#0', 0, stateFor('source#0', 7))).toBe('DUPLICATE');
    expect(pending.numberOfNonAcknowledgedTasks).toBe(1);
    expect(pending.isFullyAcknowledged).toBe(false);
  });

  it('answers UNKNOWN for a task that is not awaited or an attempt that is not the planned one', () => {
    const pending = pendingCheckpoint();
    expect(pending.acknowledgeTask('sink#0', 1, stateFor('sink#0', 7))).toBe('UNKNOWN');
    expect(pending.acknowledgeTask('other#0', 0, stateFor('other#0', 7))).toBe('UNKNOWN');
    expect(pending.acknowledgeTask('done#0', 0, stateFor('done#0', 7))).toBe('UNKNOWN');
    expect(pending.numberOfNonAcknowledgedTasks).toBe(2);
  });

  it('counts finished tasks as acknowledged in advance, with finished state and no handles', () => {
    const pending = pendingCheckpoint();
    expect(pending.acknowledgedState('done#0')).toEqual({ taskName: 'done#0', operatorState: undefined, channelState: undefined, finished: true });
    pending.acknowledgeTask('source#0', 0, stateFor('source#0', 7));
    pending.acknowledgeTask('sink#0', 2, stateFor('sink#0', 7, true));
    expect(pending.isFullyAcknowledged).toBe(true);
    expect(pending.stateHandles().map((handle) => handle.key)).toEqual([
      'chk-7/source#0/operator',
      'chk-7/sink#0/operator',
      'chk-7/sink#0/channel',
    ]);
    expect(pending.acknowledgedTaskNames()).toEqual(['source#0', 'sink#0']);
  });

  it('is not fully acknowledged until every master hook has reported', () => {
    const pending = pendingCheckpoint(['hook-a']);
    pending.acknowledgeTask('source#0', 0, stateFor('source#0', 7));
    pending.acknowledgeTask('sink#0', 2, stateFor('sink#0', 7));
    expect(pending.isFullyAcknowledged).toBe(false);
    pending.acknowledgeMasterState('hook-a', { offset: 3 });
    expect(pending.isFullyAcknowledged).toBe(true);
  });

  it('dispose returns every acknowledged handle key, cancels the canceller, and later acks are DISCARDED', () => {
    const pending = pendingCheckpoint();
    let cancelled = 0;
    pending.setCanceller({ cancel: () => cancelled++ });
    pending.acknowledgeTask('sink#0', 2, stateFor('sink#0', 7, true));
    expect(pending.dispose('CHECKPOINT_EXPIRED')).toEqual(['chk-7/sink#0/operator', 'chk-7/sink#0/channel']);
    expect(cancelled).toBe(1);
    expect(pending.failureReason).toBe('CHECKPOINT_EXPIRED');
    expect(pending.acknowledgeTask('source#0', 0, stateFor('source#0', 7))).toBe('DISCARDED');
    expect(pending.isFullyAcknowledged).toBe(false);
    expect(() => pending.dispose('CHECKPOINT_EXPIRED')).toThrow(/disposed twice/);
  });

  it('builds a completed checkpoint with states in task order and the master states', () => {
    const pending = pendingCheckpoint(['hook-a']);
    pending.acknowledgeMasterState('hook-a', 'h');
    pending.acknowledgeTask('sink#0', 2, stateFor('sink#0', 7));
    pending.acknowledgeTask('source#0', 0, stateFor('source#0', 7));
    pending.startFinalizing();
    const completed = pending.toCompletedCheckpoint(5_000, { key: 'chk-7/_metadata', sizeBytes: 1 });
    expect([...completed.subtaskStates.keys()]).toEqual(['source#0', 'done#0', 'sink#0']);
    expect(completed.masterHookStates).toEqual([{ identifier: 'hook-a', state: 'h' }]);
    expect(completed.completionTimestampUs).toBe(5_000);
    expect(completed.triggerTimestampUs).toBe(1_000);
  });

  it('refuses to finalize before every ack', () => {
    const pending = pendingCheckpoint();
    expect(() => pending.startFinalizing()).toThrow(/before every ack/);
  });

  it('refuses a plan with no task to wait for', () => {
    const empty: CheckpointPlan = { tasksToTrigger: [], tasksToWaitFor: [], finishedTasks: ['a#0'], taskOrder: ['a#0'] };
    expect(
      () => new PendingCheckpoint({ checkpointId: 1, type: 'checkpoint', isPeriodic: false, triggerTimestampUs: 0, plan: empty, masterHookIdentifiers: [], done: undefined }),
    ).toThrow(/no task to wait for/);
  });
});
