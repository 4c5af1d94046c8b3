import { bugOn } from '../planted-bugs.js';
import type { CheckpointBarrier } from '../checkpoint/types.js';
import { cancelMarkerEvent } from './buffers.js';
import { drainsAtBarrier } from './event-time/index.js';
import type { StreamTask } from './stream-task.js';

/**
 * The triggerCheckpoint RPC (Flink's StreamTask.triggerCheckpointAsync): for sources, and for
 * tasks whose inputs all finished. The checkpoint runs as a mailbox letter; a task that cannot
 * take it declines.
 */
export function triggerCheckpointAsync(task: StreamTask, barrier: CheckpointBarrier): void {
  const bugs = task.bugs;
  if (task.executionState !== 'RUNNING') {
    if (!bugOn(bugs, 'task-ignores-trigger-when-not-ready')) declineNotReady(task, barrier.checkpointId);
    return;
  }
  task.pendingTriggers.add(barrier.checkpointId);
  task.mailbox.put(() => {
    task.pendingTriggers.delete(barrier.checkpointId);
    task.finishing.abandonSavepointBefore(barrier.checkpointId, barrier.options.manual === true);
    // A drained source whose savepoint was given up has just failed.
    if (!task.active) return;
    if (task.executionState !== 'RUNNING' || task.finishing.suspendedBySavepoint) {
      if (!bugOn(bugs, 'task-ignores-trigger-when-not-ready')) declineNotReady(task, barrier.checkpointId);
      return;
    }
    // Done and waiting for its uploads (FLINK-21087): its closed mailbox takes no new checkpoint.
    if (task.finishing.closing) {
      task.environment.declineCheckpoint(task.taskName, task.attempt, barrier.checkpointId, 'CHECKPOINT_DECLINED_TASK_CLOSING');
      return;
    }
    const unfinished = task.inputs.channels.filter((channel) => !channel.finished);
    if (drainsAtBarrier(barrier.options) && task.source !== undefined) task.finishing.drainForSavepoint(barrier.checkpointId);
    if (unfinished.length === 0) {
      // A trigger task's barrier goes out as a priority event when the checkpoint is unaligned.
      task.checkpoints.perform(barrier, barrier.options.alignment === 'unaligned');
      return;
    }
    // Flink's triggerUnfinishedChannelsCheckpoint: every producer finished, but some channels
    // still hold data or end-of-partition; the barrier arrives on each of them now, as a
    // priority event would, so what is still queued becomes channel state when unaligned.
    for (const channel of unfinished) {
      channel.priorityArrivals.set(barrier.checkpointId, channel.queuedRecordsBefore(Number.MAX_SAFE_INTEGER).records);
      task.handler.processBarrier(barrier, channel.index);
    }
  });
  task.wake();
}

/**
 * Declines a trigger this task cannot take, and (as Flink's performCheckpoint does) tells the
 * consumers with a CancelCheckpointMarker not to wait for this task's barrier.
 */
function declineNotReady(task: StreamTask, checkpointId: number): void {
  task.environment.declineCheckpoint(task.taskName, task.attempt, checkpointId, 'CHECKPOINT_DECLINED_TASK_NOT_READY');
  const state = task.executionState;
  if (state === 'INITIALIZING' || state === 'RUNNING') task.outputs.broadcastEvent(cancelMarkerEvent(checkpointId));
}
