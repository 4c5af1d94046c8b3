import type { PartitionSplit } from './split.js';

/**
 * Flink's SplitAssignmentTracker: which splits went to which subtask since which checkpoint, so
 * that a subtask restored from checkpoint N gets back exactly the splits assigned to it after N
 * (they are in neither N's enumerator state nor N's reader state). Not checkpointed itself
 * (FLINK-21817): after a global reset it starts empty, as the enumerator's state covers it.
 */
export class SplitAssignmentTracker {
  /** Assignments per checkpoint id: those made before that checkpoint's coordinator snapshot and after the previous one. */
  private readonly byCheckpoint = new Map<number, Map<number, PartitionSplit[]>>();
  private uncheckpointed = new Map<number, PartitionSplit[]>();

  recordSplitAssignment(subtask: number, splits: readonly PartitionSplit[]): void {
    let list = this.uncheckpointed.get(subtask);
    if (list === undefined) this.uncheckpointed.set(subtask, (list = []));
    list.push(...splits);
  }

  /** The coordinator snapshot of `checkpointId` is being taken: assignments so far belong to it. */
  onCheckpoint(checkpointId: number): void {
    this.byCheckpoint.set(checkpointId, this.uncheckpointed);
    this.uncheckpointed = new Map();
  }

  /** Checkpoint `checkpointId` completed: its assignments and older ones are in completed reader state now. */
  onCheckpointComplete(checkpointId: number): void {
    for (const id of [...this.byCheckpoint.keys()]) if (id <= checkpointId) this.byCheckpoint.delete(id);
  }

  /**
   * Removes and returns the splits assigned to `subtask` after checkpoint `restoredCheckpointId`
   * (all of them when there is none), oldest first.
   */
  getAndRemoveUncheckpointedAssignment(subtask: number, restoredCheckpointId: number | undefined): PartitionSplit[] {
    const splits: PartitionSplit[] = [];
    const after = restoredCheckpointId ?? Number.NEGATIVE_INFINITY;
    for (const id of [...this.byCheckpoint.keys()].sort((a, b) => a - b)) {
      if (id <= after) continue;
      const assignments = this.byCheckpoint.get(id) as Map<number, PartitionSplit[]>;
      splits.push(...(assignments.get(subtask) ?? []));
      assignments.delete(subtask);
    }
    splits.push(...(this.uncheckpointed.get(subtask) ?? []));
    this.uncheckpointed.delete(subtask);
    return splits;
  }

  /** Planted bug FLINK-20413: only what was assigned since the latest coordinator snapshot. */
  getAndRemoveSinceLastSnapshot(subtask: number): PartitionSplit[] {
    const splits = this.uncheckpointed.get(subtask) ?? [];
    this.uncheckpointed.delete(subtask);
    return [...splits];
  }
}
