import { bugOn } from '../planted-bugs.js';
import type { AcknowledgeResult } from '../observations.js';
import { acknowledgedTasksOf, checkpointKeys, keysOf } from './coordinator-helpers.js';
import type { CoordinatorState } from './coordinator-state.js';
import type { PendingCheckpoint } from './pending-checkpoint.js';
import { CheckpointStoreWriteError } from './ports.js';
import type { CheckpointFailureReason, CompletedCheckpoint, StateHandle, SubtaskStateSnapshot } from './types.js';

/**
 * The acknowledgement side of the CheckpointCoordinator: tasks' acks and declines, finalizing a
 * fully acknowledged checkpoint's metadata, storing it, subsuming older ones and notifying tasks.
 */
export class CheckpointCompletion {
  constructor(private readonly state: CoordinatorState) {}

  /**
   * Handles a task's acknowledgement. Duplicates are ignored; the state of an acknowledgement that
   * is not taken (unknown task or attempt, unknown, expired or aborted checkpoint) is discarded,
   * except for handles that a completed checkpoint or savepoint still owns.
   */
  receiveAcknowledgeMessage(task: string, attempt: number, checkpointId: number, acknowledged: SubtaskStateSnapshot): AcknowledgeResult {
    let snapshot = acknowledged;
    if (snapshot.taskName !== task) throw new Error(`task ${task} acknowledged checkpoint ${checkpointId} with the state of ${snapshot.taskName}`);
    const { ports, bugs } = this.state;
    ports.hooks.step({ name: 'coordinator.acknowledge-received', checkpointId, task });
    const pending = this.state.shutDown ? undefined : this.state.pendingById.get(checkpointId);
    // Incremental state registers on receipt, whatever becomes of the checkpoint (Flink 1.20);
    // an acknowledgement naming a file the registry refuses is dropped, as Flink's exception drops it.
    const registration = ports.sharedState?.acknowledged(checkpointId, snapshot, pending !== undefined && pending.type !== 'checkpoint');
    if (registration?.ok === false) return 'UNKNOWN';
    if (registration !== undefined) snapshot = registration.state;
    if (pending === undefined) return this.acknowledgeLate(task, checkpointId, snapshot);
    const held = pending.acknowledgedState(task);
    const result = pending.acknowledgeTask(task, attempt, snapshot);
    ports.observations.publish({ type: 'checkpoint-acknowledged', checkpointId, task, result });
    if (result === 'SUCCESS' && bugOn(bugs, 'coordinator-completes-without-all-acks') && pending.numberOfNonAcknowledgedTasks === 1) {
      const [missingTask, missingAttempt] = pending.unacknowledgedTasks()[0] as [string, number];
      pending.acknowledgeTask(missingTask, missingAttempt, { taskName: missingTask, operatorState: undefined, channelState: undefined, finished: false });
    }
    if (result !== 'SUCCESS') {
      this.state.discardState(keysOf(snapshot).filter((key) => held === undefined || !keysOf(held).includes(key)));
    } else if (pending.isFullyAcknowledged) {
      this.completePendingCheckpoint(pending);
    }
    return result;
  }

  /** An acknowledgement for a checkpoint that is not pending (any more, or ever). */
  private acknowledgeLate(task: string, checkpointId: number, snapshot: SubtaskStateSnapshot): AcknowledgeResult {
    const completed = this.state.recent.completed(checkpointId);
    const ownedKeys = completed === undefined ? [] : checkpointKeys(completed);
    let result: AcknowledgeResult = 'UNKNOWN';
    if (completed?.subtaskStates.get(task)?.finished === false) result = 'DUPLICATE';
    else if (this.state.recent.wasAborted(checkpointId)) result = 'DISCARDED';
    this.state.ports.observations.publish({ type: 'checkpoint-acknowledged', checkpointId, task, result });
    this.state.discardState(keysOf(snapshot).filter((key) => !ownedKeys.includes(key)));
    return result;
  }

  /**
   * Handles a task's decline: the whole checkpoint is aborted with the task's reason (Flink
   * reports the reason the task declined with), which the failure manager judges as a task-side
   * failure. Like Flink, the attempt is not checked.
   */
  receiveDeclineMessage(task: string, attempt: number, checkpointId: number, reason: CheckpointFailureReason): void {
    this.state.ports.observations.publish({ type: 'checkpoint-declined', checkpointId, task, reason });
    this.state.ports.hooks.step({ name: 'coordinator.decline-received', checkpointId, task });
    if (this.state.shutDown) return;
    const pending = this.state.pendingById.get(checkpointId);
    if (pending === undefined || pending.isDisposed) return;
    this.state.steps.abortPendingCheckpoint(pending, reason, { task, attempt });
  }

  /** Every ack is in: write the metadata, then store the checkpoint (unless it is aborted meanwhile). */
  completePendingCheckpoint(pending: PendingCheckpoint): void {
    const { ports, bugs } = this.state;
    pending.startFinalizing();
    ports.hooks.step({ name: 'coordinator.all-acknowledged', checkpointId: pending.checkpointId });
    if (pending.isDisposed) return;
    const location = pending.storageLocation;
    if (location === undefined) throw new Error(`checkpoint ${pending.checkpointId} completed without a storage location`);
    if (pending.type !== 'savepoint' && bugOn(bugs, 'coordinator-notifies-before-finalize')) this.state.sendCompleteMessages(pending, pending.checkpointId);
    if (bugOn(bugs, 'coordinator-answers-before-store')) {
      // Planted bug: the caller is told of success before the checkpoint is finalized and stored.
      this.state.answeredEarly.add(pending.checkpointId);
      pending.done?.({ ok: true, checkpoint: pending.toCompletedCheckpoint(ports.clock.nowUs, { key: `${location}/_metadata`, sizeBytes: 0 }) });
    }
    let answered = false;
    ports.storage.finalizeMetadata(location, pending.checkpointId, pending.stateHandles(), (result) => {
      if (answered) throw new Error(`storage finalized checkpoint ${pending.checkpointId} twice`);
      answered = true;
      if (pending.isDisposed) {
        // Aborted while the metadata was being written (suspended, expired, subsumed): drop it.
        if (result.ok) this.state.discardState([result.handle.key]);
      } else if (!result.ok) {
        this.state.steps.abortPendingCheckpoint(pending, 'FINALIZE_CHECKPOINT_FAILURE', undefined);
      } else {
        this.storeCompletedCheckpoint(pending, result.handle);
      }
    });
  }

  /**
   * Checkpoints go to the completed store (HA first); a failing store aborts with
   * FINALIZE_CHECKPOINT_FAILURE. As in Flink, the state is discarded only when the write surely
   * did not land: a write that may have (Flink's PossibleInconsistentStateException) leaves the
   * checkpoint to a later JobMaster, which may recover it from HA and restore it.
   */
  private storeCompletedCheckpoint(pending: PendingCheckpoint, metadataHandle: StateHandle): void {
    const { ports, bugs } = this.state;
    const completed = pending.toCompletedCheckpoint(ports.clock.nowUs, metadataHandle);
    let subsumed: CompletedCheckpoint[] = [];
    if (completed.type === 'checkpoint') {
      try {
        subsumed = ports.store.addCheckpointAndSubsumeOldest(completed);
      } catch (error) {
        const possiblyStored = error instanceof CheckpointStoreWriteError && error.possiblyStored;
        const keepState = possiblyStored && !bugOn(bugs, 'coordinator-discards-possibly-stored-checkpoint');
        if (ports.observations.active) {
          ports.observations.publish({ type: 'checkpoint-store-write-failed', checkpointId: pending.checkpointId, possiblyStored, stateKept: keepState, acknowledgedTasks: acknowledgedTasksOf(completed) });
        }
        if (keepState) this.state.recent.rememberPossiblyStored(completed);
        else this.state.discardState([metadataHandle.key]);
        this.state.steps.abortPendingCheckpoint(pending, 'FINALIZE_CHECKPOINT_FAILURE', undefined, keepState, bugOn(bugs, 'failure-manager-ignores-store-failures'));
        return;
      }
      ports.sharedState?.storeChanged(ports.store.all(), completed);
    }
    this.onCheckpointCompleted(pending, completed, subsumed);
  }

  private onCheckpointCompleted(pending: PendingCheckpoint, completed: CompletedCheckpoint, subsumed: readonly CompletedCheckpoint[]): void {
    const { ports, bugs } = this.state;
    const checkpointId = completed.checkpointId;
    pending.disposeAfterCompletion();
    this.state.pendingById.delete(checkpointId);
    this.state.recent.rememberCompleted(completed);
    this.state.completedCount++;
    this.state.lastCompletionUs = ports.clock.nowUs;
    this.state.failureManager.handleCheckpointSuccess(checkpointId);
    this.state.publishCompleted(pending, completed);
    this.removeSubsumedFromStore(subsumed);
    ports.hooks.step({ name: 'coordinator.checkpoint-completed', checkpointId });
    if (!this.state.answeredEarly.delete(checkpointId)) pending.done?.({ ok: true, checkpoint: completed });
    if (completed.type !== 'savepoint') {
      this.dropSubsumedCheckpoints(checkpointId);
      if (!bugOn(bugs, 'coordinator-notifies-before-finalize')) this.state.sendCompleteMessages(pending, completed.checkpointId);
    }
    this.state.steps.scheduleTriggerRequest();
  }

  /** Completed checkpoints the store dropped: their state goes, unless they are savepoints (the user's). */
  removeSubsumedFromStore(subsumed: readonly CompletedCheckpoint[]): void {
    for (const checkpoint of subsumed) {
      this.state.ports.observations.publish({ type: 'checkpoint-removed-from-store', checkpointId: checkpoint.checkpointId });
      if (checkpoint.type === 'checkpoint' && !bugOn(this.state.bugs, 'coordinator-leaks-subsumed-state')) this.state.discardState(checkpointKeys(checkpoint));
    }
  }

  /** Older pending checkpoints are aborted as CHECKPOINT_SUBSUMED; savepoints never are. */
  private dropSubsumedCheckpoints(completedId: number): void {
    for (const pending of this.state.pendingInIdOrder()) {
      if (pending.checkpointId < completedId && pending.canBeSubsumed) {
        this.state.steps.abortPendingCheckpoint(pending, 'CHECKPOINT_SUBSUMED', undefined);
      }
    }
  }
}
