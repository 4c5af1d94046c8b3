import type { CompletedCheckpoint } from './types.js';

/** How many aborted ids the coordinator remembers (Flink keeps 16 "ghost" ids). */
export const recentAbortedLimit = 16;

/** How many completed checkpoints and savepoints the coordinator remembers. */
export const recentCompletedLimit = 64;

/**
 * A bounded memory of checkpoints that are no longer pending, so late or duplicated messages
 * about them can be told apart: an ack for an aborted checkpoint is DISCARDED (its state is
 * thrown away), a repeated ack for a completed one is a DUPLICATE (its state must be kept).
 */
export class RecentCheckpoints {
  private readonly aborted: number[] = [];
  private readonly completedById = new Map<number, CompletedCheckpoint>();
  private readonly possiblyStoredCheckpoints: CompletedCheckpoint[] = [];

  /** Remembers that `checkpointId` was aborted, forgetting the oldest beyond the limit. */
  rememberAborted(checkpointId: number): void {
    this.aborted.push(checkpointId);
    if (this.aborted.length > recentAbortedLimit) this.aborted.shift();
  }

  /** Whether `checkpointId` is one of the recently aborted ids. */
  wasAborted(checkpointId: number): boolean {
    return this.aborted.includes(checkpointId);
  }

  /** Remembers a completed checkpoint or savepoint, forgetting the oldest beyond the limit. */
  rememberCompleted(checkpoint: CompletedCheckpoint): void {
    this.completedById.set(checkpoint.checkpointId, checkpoint);
    if (this.completedById.size <= recentCompletedLimit) return;
    const oldest = this.completedById.keys().next();
    if (!oldest.done) this.completedById.delete(oldest.value);
  }

  /** The recently completed checkpoint with `checkpointId`, if remembered. */
  completed(checkpointId: number): CompletedCheckpoint | undefined {
    return this.completedById.get(checkpointId);
  }

  /**
   * Remembers a checkpoint whose HA write may have landed (Flink's PossibleInconsistentStateException).
   * Flink never cleans such a checkpoint up: a later JobMaster may recover it from HA, so its
   * state must outlive every late or duplicated message about it. Not bounded by a limit: one
   * entry per ambiguous HA write, which only a fault makes.
   */
  rememberPossiblyStored(checkpoint: CompletedCheckpoint): void {
    this.possiblyStoredCheckpoints.push(checkpoint);
  }

  /** Checkpoints that may be in the HA store though their write reported failure. */
  possiblyStored(): readonly CompletedCheckpoint[] {
    return this.possiblyStoredCheckpoints;
  }

  /** Recently completed savepoints: their state is the user's, never discarded by the coordinator. */
  completedSavepoints(): CompletedCheckpoint[] {
    return [...this.completedById.values()].filter((checkpoint) => checkpoint.type !== 'checkpoint');
  }
}
