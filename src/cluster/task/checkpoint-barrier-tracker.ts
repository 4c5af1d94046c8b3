import type { CheckpointBarrier } from '../checkpoint/types.js';
import type { BarrierHandlerHost, CheckpointBarrierHandler } from './barrier-handler.js';

interface TrackedCheckpoint {
  readonly barrier: CheckpointBarrier;
  readonly arrived: Set<number>;
  aborted: boolean;
  /** When its first barrier (or marker) arrived: its alignment runs from here to its last. */
  readonly startedUs: number;
}

/**
 * Flink's CheckpointBarrierTracker for AT_LEAST_ONCE: counts barriers per checkpoint without
 * ever blocking a channel, snapshots when a checkpoint's barriers arrived on every open channel,
 * drops older pending checkpoints when a newer one completes, and aborts each at most once.
 * Records after a barrier may enter the snapshot, so a restore can replay them: duplicates, but
 * nothing lost.
 */
export class CheckpointBarrierTracker implements CheckpointBarrierHandler {
  /** Pending checkpoints, oldest first. */
  private readonly pending: TrackedCheckpoint[] = [];
  private readonly finished = new Set<number>();
  private latestId = -1;
  private latestCompletedId = -1;

  /**
   * @param host - the task the tracker acts on
   * @param checkpointsAfterTasksFinish - Flink's `execution.checkpointing.checkpoints-after-tasks-finish`;
   *   when off, an input that ends declines every pending checkpoint (see processEndOfPartition)
   */
  constructor(
    private readonly host: BarrierHandlerHost,
    private readonly checkpointsAfterTasksFinish = true,
  ) {}

  get latestCheckpointId(): number {
    return this.latestId;
  }

  hasReceivedBarrier(channel: number, checkpointId?: number): boolean {
    return this.pending.some((tracked) => (checkpointId === undefined || tracked.barrier.checkpointId === checkpointId) && tracked.arrived.has(channel));
  }

  processBarrier(barrier: CheckpointBarrier, channel: number): void {
    const id = barrier.checkpointId;
    if (id <= this.latestCompletedId) return;
    let tracked = this.pending.find((candidate) => candidate.barrier.checkpointId === id);
    if (tracked === undefined) {
      // Not newer than the latest seen: a trailing barrier of a checkpoint dropped already.
      if (id <= this.latestId) return;
      tracked = { barrier, arrived: new Set(), aborted: false, startedUs: this.host.nowUs };
      this.pending.push(tracked);
      this.latestId = id;
      this.host.observe({ type: 'alignment-started', checkpointId: id, task: this.host.taskName });
    }
    tracked.arrived.add(channel);
    this.completeReady();
  }

  processCancellationMarker(checkpointId: number, channel: number): void {
    if (checkpointId <= this.latestCompletedId) return;
    // As Flink: the marker for N also aborts (each at most once) and drops every older pending one.
    while (this.pending.length > 0 && (this.pending[0] as TrackedCheckpoint).barrier.checkpointId < checkpointId) {
      const older = this.pending.shift() as TrackedCheckpoint;
      if (!older.aborted) this.host.abortCheckpoint(older.barrier.checkpointId, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER');
    }
    let tracked = this.pending.find((candidate) => candidate.barrier.checkpointId === checkpointId);
    if (tracked === undefined) {
      if (checkpointId <= this.latestId) return;
      tracked = { barrier: { checkpointId, timestampUs: 0, options: { type: 'checkpoint', alignment: 'at-least-once', alignedTimeoutUs: 0 } }, arrived: new Set(), aborted: false, startedUs: this.host.nowUs };
      this.pending.push(tracked);
      this.latestId = checkpointId;
    }
    if (!tracked.aborted) {
      tracked.aborted = true;
      this.host.abortCheckpoint(checkpointId, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER');
    }
    // As Flink: the marker counts its channel as done for this checkpoint, and once every open
    // channel delivered a barrier or a marker the aborted checkpoint is forgotten.
    tracked.arrived.add(channel);
    if (this.arrivedOpen(tracked) >= this.host.channelCount - this.finished.size) this.pending.splice(this.pending.indexOf(tracked), 1);
  }

  private arrivedOpen(tracked: TrackedCheckpoint): number {
    let count = 0;
    for (const arrived of tracked.arrived) if (!this.finished.has(arrived)) count++;
    return count;
  }

  processEndOfPartition(channel: number): void {
    this.finished.add(channel);
    if (!this.checkpointsAfterTasksFinish) {
      // As Flink: without checkpoints after tasks finish, every pending checkpoint is declined.
      for (const tracked of this.pending.splice(0, this.pending.length)) {
        if (!tracked.aborted) this.host.abortCheckpoint(tracked.barrier.checkpointId, 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM');
      }
      return;
    }
    this.completeReady();
  }

  private completeReady(): void {
    const openChannels = this.host.channelCount - this.finished.size;
    for (let index = this.pending.length - 1; index >= 0; index--) {
      const tracked = this.pending[index] as TrackedCheckpoint;
      if (this.arrivedOpen(tracked) < openChannels) continue;
      // Completing this one drops it and every older one.
      this.pending.splice(0, index + 1);
      this.latestCompletedId = tracked.barrier.checkpointId;
      if (tracked.aborted) return;
      this.host.observe({ type: 'alignment-completed', checkpointId: tracked.barrier.checkpointId, task: this.host.taskName, alignmentDurationUs: this.host.nowUs - tracked.startedUs, unaligned: false });
      this.host.triggerCheckpoint(tracked.barrier, false);
      return;
    }
  }
}
