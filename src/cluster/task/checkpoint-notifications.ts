import { bugOn } from '../planted-bugs.js';
import type { StreamTask } from './stream-task.js';

/** notifyCheckpointComplete RPC: a priority letter, ignored at or below the latest one seen. */
export function notifyCheckpointCompleteAsync(task: StreamTask, checkpointId: number): void {
  if (!task.active) {
    // Planted bug task-notifies-finished-operator: relayed to the operator closed at finish.
    if (task.executionState === 'FINISHED' && bugOn(task.bugs, 'task-notifies-finished-operator')) notifyCheckpointComplete(task, checkpointId);
    return;
  }
  task.mailbox.putPriority(() => notifyCheckpointComplete(task, checkpointId));
  task.wake();
}

/** notifyCheckpointAborted RPC: cancels the checkpoint's async part; a barrier still to come is refused. */
export function notifyCheckpointAbortedAsync(task: StreamTask, checkpointId: number): void {
  if (!task.active) return;
  task.mailbox.putPriority(() => {
    // A repeated abort (a duplicated message) is not relayed again: each abort reaches the operator once.
    const ignored = task.abortedCheckpoints.has(checkpointId);
    task.observe({ type: 'checkpoint-notification-received', checkpointId, kind: 'aborted', task: task.taskName, ignored });
    if (ignored) return;
    task.abortedCheckpoints.add(checkpointId);
    if (task.finishing.checkpointAborted(checkpointId)) return;
    task.checkpoints.cancel(checkpointId);
    task.incremental?.notifyCheckpointAborted(checkpointId);
    task.operator?.notifyCheckpointAborted(checkpointId);
  });
  task.wake();
}

function notifyCheckpointComplete(task: StreamTask, checkpointId: number): void {
  const ignored = checkpointId <= task.latestNotifiedId;
  task.observe({ type: 'checkpoint-notification-received', checkpointId, kind: 'complete', task: task.taskName, ignored });
  if (ignored) return;
  task.latestNotifiedId = checkpointId;
  task.hooksStep('task.notify-complete', checkpointId);
  task.incremental?.notifyCheckpointComplete(checkpointId);
  task.operator?.notifyCheckpointComplete(checkpointId);
  task.finishing.maybeFinish();
}
