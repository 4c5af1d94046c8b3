import { bugOn } from '../planted-bugs.js';
import { endOfDataEvent, endOfPartitionEvent } from './buffers.js';
import type { StreamTask } from './stream-task.js';

/**
 * How a subtask ends (FLIP-147) and stops with a savepoint: end of data, the final checkpoint it
 * waits for, end of partition once its consumers processed everything; and the stop-with-savepoint
 * state (sources suspended after the savepoint's barrier, a drained source that cannot read on
 * once its savepoint failed).
 */
export class TaskFinishing {
  /** End of data reached: all inputs ended, or the source's input did. */
  endedData = false;
  private finalCheckpointMinId = Number.MAX_SAFE_INTEGER;
  /** Stop-with-savepoint: sources stop emitting after its barrier, and every task finishes once it completes. */
  suspendedBySavepoint = false;
  private syncSavepointId: number | undefined;
  /** The stop-with-savepoint --drain savepoint this source ended its input for: it cannot read on if that fails. */
  private drainedForSavepointId: number | undefined;
  /**
   * The task is done and waits for the asynchronous parts of checkpoints it took to end (their
   * uploads, then the acknowledgements), as Flink's StreamTask.afterInvoke waits in
   * waitForPendingCheckpoints (FLINK-21087) with its mailbox closed: it takes no new checkpoint.
   */
  closing = false;

  constructor(private readonly task: StreamTask) {}

  /** The synchronous savepoint's snapshot was taken: sources stop emitting until it completes or is given up. */
  snapshotTakenForSyncSavepoint(checkpointId: number): void {
    this.syncSavepointId = checkpointId;
    this.suspendedBySavepoint = this.task.source !== undefined;
  }

  /** Whether `checkpointId` is the stop-with-savepoint savepoint this task took its snapshot for (Flink's isCurrentSyncSavepoint). */
  isCurrentSyncSavepoint(checkpointId: number): boolean {
    return this.syncSavepointId === checkpointId;
  }

  /**
   * Checkpoint `checkpointId` was aborted. The stop-with-savepoint savepoint this task took its
   * snapshot for fails the task, as Flink 1.20's StreamTask.notifyCheckpointAbortAsync throws
   * "Stop-with-savepoint failed." for the current synchronous savepoint: the failover restores
   * the latest checkpoint, whose sources read on. A drained source whose savepoint failed before
   * its snapshot fails too. Returns whether the task failed.
   */
  checkpointAborted(checkpointId: number): boolean {
    if (checkpointId === this.syncSavepointId) {
      this.syncSavepointId = undefined;
      this.suspendedBySavepoint = false;
      this.drainedForSavepointId = undefined;
      this.task.fail('Stop-with-savepoint failed.');
      return true;
    }
    if (checkpointId === this.drainedForSavepointId && this.failIfDrainedFor(checkpointId)) return true;
    return false;
  }

  /**
   * Stop-with-savepoint --drain at a source (Flink's SourceOperator.stop(DRAIN), then
   * advanceToEndOfEventTime and end of data): the input ends here, before the savepoint's
   * barrier, so every operator downstream finishes first, its event-time timers fired by
   * MAX_WATERMARK (reachEndOfData).
   */
  drainForSavepoint(checkpointId: number): void {
    if (this.endedData) return;
    this.drainedForSavepointId = checkpointId;
    this.reachEndOfData();
  }

  /**
   * A drained source cannot read on once its savepoint failed: as Flink's StreamTask does when
   * the synchronous savepoint is aborted ("Stop-with-savepoint failed."), the task fails, and
   * the failover restores the latest checkpoint, whose sources read on.
   */
  private failIfDrainedFor(checkpointId: number): boolean {
    if (this.drainedForSavepointId === undefined || checkpointId < this.drainedForSavepointId) return false;
    if (checkpointId === this.drainedForSavepointId && this.task.latestNotifiedId >= checkpointId) return false;
    this.drainedForSavepointId = undefined;
    this.task.fail('Stop-with-savepoint failed.');
    return true;
  }

  /**
   * A periodic checkpoint newer than the stop-with-savepoint savepoint proves that savepoint was
   * given up (the periodic scheduler is stopped while it stands), even if its abort notification
   * was lost: sources resume, and no later completion may be taken for the savepoint's. A
   * savepoint or checkpoint asked for by hand proves nothing: Flink triggers those during a stop
   * too, and its tasks keep waiting for the stop's savepoint.
   */
  abandonSavepointBefore(checkpointId: number, manual: boolean): void {
    if (manual) return;
    if (this.drainedForSavepointId !== undefined && checkpointId > this.drainedForSavepointId && this.failIfDrainedFor(checkpointId)) return;
    if (this.syncSavepointId === undefined || checkpointId <= this.syncSavepointId) return;
    this.syncSavepointId = undefined;
    this.suspendedBySavepoint = false;
    this.task.wake();
  }

  /** End of data: the operator's endInput, end of data downstream, then wait for a final checkpoint. */
  reachEndOfData(): void {
    if (this.endedData) return;
    const task = this.task;
    // A source's input ends with the end of event time (Flink's endData with StopMode.DRAIN).
    if (task.source !== undefined) task.eventTime.advanceToEndOfEventTime();
    this.endedData = true;
    task.operator?.endInput();
    task.outputs.flush();
    task.outputs.sendEvent(endOfDataEvent);
    if (!task.environment.checkpointConfig.checkpointsAfterTasksFinish || bugOn(task.bugs, 'task-finishes-without-final-checkpoint')) {
      this.finishTask();
      return;
    }
    // Finish only once a checkpoint taken after this point completes, so the last transaction commits.
    this.finalCheckpointMinId = task.lastCheckpointId + 1;
    task.hooksStep('task.end-of-data');
  }

  /**
   * A task finishes once its final checkpoint (or its stop-with-savepoint) is notified complete
   * and every input channel has delivered end of partition: as in Flink, a consumer outlives its
   * producers, so it still receives the barriers of checkpoints they take meanwhile.
   */
  maybeFinish(): void {
    const task = this.task;
    if (task.executionState !== 'RUNNING') return;
    const finalReached = this.endedData && task.latestNotifiedId >= this.finalCheckpointMinId;
    const savepointReached = this.syncSavepointId !== undefined && task.latestNotifiedId >= this.syncSavepointId;
    if (!finalReached && !savepointReached) return;
    if (!task.inputs.allFinished()) return;
    // FLIP-147: after end of data a task also waits until its consumers processed all its
    // records, or a later checkpoint (which counts it as finished) would cover none of them.
    if (finalReached && !savepointReached && !task.outputs.allEndOfDataProcessed()) return;
    // Finished before its uploads end, the task would drop them unacknowledged, and a checkpoint
    // that awaits one would hang until it expires.
    if (task.checkpoints.hasPendingUploads()) {
      this.closing = true;
      return;
    }
    this.finishTask();
  }

  /** A subtask finished in the restored checkpoint ends again at once: end of data, then end of partition. */
  finishOnRestore(): void {
    const restore = this.task.deployment.restore;
    if (restore !== undefined) this.task.observe({ type: 'task-finished-on-restore', task: this.task.taskName, attempt: this.task.attempt, checkpointId: restore.checkpointId });
    this.task.markRunning();
    this.endedData = true;
    const operator = this.task.deployment.vertex.operator;
    if (operator.kind === 'source') this.task.eventTime.finishedOnRestore(operator.watermarks);
    this.task.outputs.sendEvent(endOfDataEvent);
    this.finishTask();
  }

  private finishTask(): void {
    const task = this.task;
    // Triggers still waiting in the mailbox are declined, not dropped (Flink: TASK_CLOSING).
    for (const checkpointId of task.pendingTriggers) {
      task.environment.declineCheckpoint(task.taskName, task.attempt, checkpointId, 'CHECKPOINT_DECLINED_TASK_CLOSING');
    }
    task.pendingTriggers.clear();
    task.operator?.close?.();
    task.outputs.flush();
    task.outputs.sendEvent(endOfPartitionEvent);
    task.markFinished();
  }
}
