import { bugOn } from '../planted-bugs.js';
import type { CheckpointFailure } from './checkpoint-failure-manager.js';
import type { CoordinatorState } from './coordinator-state.js';
import type { PendingCheckpoint } from './pending-checkpoint.js';
import type { CheckpointFailureReason } from './types.js';

/**
 * How checkpoints end without completing: Flink's abortPendingCheckpoint (expiry, declines,
 * trigger failures, suspension, subsumption all go through it) and the report of every failure
 * to the CheckpointFailureManager.
 */
export class CheckpointAborts {
  constructor(private readonly state: CoordinatorState) {}

  /** Aborts every pending checkpoint, oldest first. */
  abortPendingCheckpoints(reason: CheckpointFailureReason): void {
    for (const pending of this.state.pendingInIdOrder()) this.abortPendingCheckpoint(pending, reason, undefined);
  }

  /**
   * The one way a pending checkpoint ends without completing: dispose it and discard its state,
   * tell its tasks, report the outcome to the trigger's caller and to the failure manager.
   *
   * @param declinedBy - the declining task, for task-side failures
   * @param keepState - leave its state in storage (a checkpoint that may be in the HA store)
   * @param unreported - do not hand the failure to the failure manager
   */
  abortPendingCheckpoint(pending: PendingCheckpoint, reason: CheckpointFailureReason, declinedBy: CheckpointFailure['declinedBy'], keepState = false, unreported = false): void {
    if (pending.isDisposed) return;
    const { ports, bugs } = this.state;
    const checkpointId = pending.checkpointId;
    if (reason === 'CHECKPOINT_SUBSUMED' && !pending.canBeSubsumed) throw new Error(`savepoint ${checkpointId} cannot be subsumed`);
    const keys = pending.dispose(reason);
    this.state.pendingById.delete(checkpointId);
    this.state.recent.rememberAborted(checkpointId);
    this.state.abortedCount++;
    if (!keepState && !bugOn(bugs, 'pending-checkpoint-keeps-state-on-abort')) {
      this.state.discardState(keys);
      // Flink deletes the aborted checkpoint's directory, taking uploads no ack ever announced with it.
      if (pending.storageLocation !== undefined) ports.storage.discard([pending.storageLocation]);
    }
    ports.observations.publish({ type: 'checkpoint-aborted', checkpointId, checkpointType: pending.type, reason, ...(declinedBy === undefined ? {} : { declinedBy }) });
    ports.hooks.step({ name: 'coordinator.checkpoint-aborted', checkpointId });
    this.state.sendAbortedMessages(pending);
    if (!bugOn(bugs, 'coordinator-leaves-aborted-trigger-unanswered') && !this.state.answeredEarly.delete(checkpointId)) pending.done?.({ ok: false, reason });
    if (!unreported) this.reportFailure({ checkpointId, type: pending.type, reason, declinedBy });
    // Flink fails the chain's master-trigger promise here; the chain reports no second failure for
    // the checkpoint (Flink's failure manager counts a checkpoint id once).
    this.state.steps.onPendingCheckpointAborted(pending);
    this.state.steps.scheduleTriggerRequest();
  }

  /** Hands a failure to the failure manager, published first so its decision can be judged. */
  reportFailure(failure: CheckpointFailure): void {
    const { checkpointId, type, reason, declinedBy } = failure;
    this.state.ports.observations.publish({ type: 'checkpoint-failure-reported', checkpointId, checkpointType: type, reason, declinedBy });
    this.state.failureManager.handleCheckpointException(failure);
  }
}
