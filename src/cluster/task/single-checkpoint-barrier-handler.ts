import { bugOn } from '../planted-bugs.js';
import type { CancellableTimer } from '../checkpoint/ports.js';
import type { CheckpointBarrier, CheckpointFailureReason } from '../checkpoint/types.js';
import type { BarrierHandlerHost, CheckpointBarrierHandler } from './barrier-handler.js';
import { alignmentTimerDelayUs, asUnaligned } from './event-announcement.js';

interface Alignment {
  barrier: CheckpointBarrier;
  readonly arrived: Set<number>;
  /** Channels whose barrier was announced and is still queued behind data (Flink's seen announcements). */
  readonly announced: Set<number>;
  readonly startedUs: number;
  unaligned: boolean;
  triggered: boolean;
  timer: CancellableTimer | undefined;
}

/**
 * Flink's SingleCheckpointBarrierHandler for EXACTLY_ONCE: one checkpoint at a time, handled
 * aligned, unaligned, or aligned-with-timeout (alternating) according to the barrier's options.
 *
 * - Aligned: a barrier blocks its channel; when every open channel delivered it, snapshot and
 *   resume all. A newer barrier during alignment aborts the current checkpoint (DECLINED_SUBSUMED).
 * - Unaligned: snapshot on the first barrier; the task persists in-flight data as channel state.
 * - Alternating: start aligned; once alignment has lasted `alignedTimeoutUs` since the trigger
 *   timestamp (checked on each barrier and by a timer), or an unaligned barrier arrives, switch.
 *   A barrier queued behind data is announced on arrival (Flink's EventAnnouncement): the
 *   announcement starts the alignment and its timer, and once the alignment timed out every
 *   announced barrier overtakes the data before it (prioritizeAllAnnouncements). A timeout before
 *   any barrier was processed only converts the announced barriers; the first of them to come
 *   back takes the checkpoint, unaligned (AlternatingWaitingForFirstBarrierUnaligned).
 * - A finished channel (end of partition) counts as aligned.
 */
export class SingleCheckpointBarrierHandler implements CheckpointBarrierHandler {
  private currentId = -1;
  private alignment: Alignment | undefined;
  private readonly finished = new Set<number>();

  /**
   * @param host - the task the handler acts on
   * @param plantedBugs - planted bugs switched on (none for the correct protocol)
   * @param checkpointsAfterTasksFinish - Flink's `execution.checkpointing.checkpoints-after-tasks-finish`;
   *   when off, an input that ends declines the checkpoint in progress (see processEndOfPartition)
   */
  constructor(
    private readonly host: BarrierHandlerHost,
    private readonly plantedBugs: readonly string[] = [],
    private readonly checkpointsAfterTasksFinish = true,
  ) {}

  get latestCheckpointId(): number {
    return this.currentId;
  }

  hasReceivedBarrier(channel: number, checkpointId?: number): boolean {
    const alignment = this.alignment;
    if (alignment === undefined || (checkpointId !== undefined && alignment.barrier.checkpointId !== checkpointId)) return false;
    return alignment.arrived.has(channel);
  }

  processBarrier(barrier: CheckpointBarrier, channel: number): void {
    const id = barrier.checkpointId;
    if (id < this.currentId || (id === this.currentId && this.alignment === undefined)) {
      // Stale, or for a checkpoint already taken or aborted here: never block on it.
      this.host.resumeChannel(channel);
      return;
    }
    if (id > this.currentId && this.alignment !== undefined && bugOn(this.plantedBugs, 'handler-ignores-newer-barrier')) {
      // Planted bug: the newer barrier is counted towards the checkpoint being aligned.
      this.alignment.arrived.add(channel);
      this.completeIfAligned();
      return;
    }
    if (id > this.currentId) this.startAlignment(barrier);
    const alignment = this.alignment as Alignment;
    if (alignment.arrived.has(channel)) return;
    // Record the arrival first: a snapshot taken just below must see this channel as done.
    alignment.arrived.add(channel);
    alignment.announced.delete(channel);
    if (alignment.unaligned && !alignment.triggered) {
      // Timed out before any barrier was processed: the first (converted) barrier takes it.
      alignment.triggered = true;
      this.host.triggerCheckpoint(alignment.barrier, true);
    }
    if (!alignment.unaligned) {
      // As Flink: an unaligned barrier switches; a timeout only while barriers are still missing.
      if (barrier.options.alignment === 'unaligned' || (!this.allAligned(alignment) && this.timedOut(alignment))) {
        this.switchToUnaligned(alignment);
      } else if (!bugOn(this.plantedBugs, 'handler-never-blocks-channels')) {
        this.host.blockChannel(channel);
      }
      if (!alignment.triggered && !alignment.unaligned && bugOn(this.plantedBugs, 'handler-snapshots-before-alignment')) {
        // Planted bug: the aligned snapshot is taken as soon as the first barrier arrives.
        alignment.triggered = true;
        this.host.triggerCheckpoint(alignment.barrier, false);
      }
    }
    this.completeIfAligned();
  }

  processBarrierAnnouncement(barrier: CheckpointBarrier, channel: number): void {
    const id = barrier.checkpointId;
    // As Flink's checkNewCheckpoint: an announcement of a newer checkpoint starts its alignment
    // (and its timer), subsuming the one in progress.
    if (id > this.currentId) this.startAlignment(barrier);
    const alignment = this.alignment;
    // Obsolete: an older checkpoint, or one already taken or aborted here.
    if (alignment === undefined || id !== this.currentId || alignment.arrived.has(channel)) return;
    if (alignment.unaligned) {
      // Already timed out: the barrier overtakes the data before it at once.
      this.host.prioritizeBarrier(channel, id);
      return;
    }
    alignment.announced.add(channel);
  }

  processCancellationMarker(checkpointId: number, channel: number): void {
    void channel;
    const alignmentStarted = this.alignment !== undefined && checkpointId === this.currentId;
    if (checkpointId > this.currentId) {
      // As Flink's abortInternal(cancelledId): the alignment in progress is dropped, not declined.
      if (this.alignment !== undefined) this.release();
      this.currentId = checkpointId;
      this.host.abortCheckpoint(checkpointId, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER');
    } else if (alignmentStarted) {
      this.abort('CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER');
    } else if (checkpointId < this.currentId && this.alignment !== undefined && bugOn(this.plantedBugs, 'handler-resets-alignment-on-older-abort')) {
      this.abort('CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER');
    }
  }

  processEndOfPartition(channel: number): void {
    // Planted bug handler-ignores-end-of-partition: the ended channel never counts as aligned.
    if (bugOn(this.plantedBugs, 'handler-ignores-end-of-partition')) return;
    this.finished.add(channel);
    if (!this.checkpointsAfterTasksFinish) {
      // As Flink: without checkpoints after tasks finish, an ended input cannot count as aligned,
      // so the checkpoint in progress (even one already taken unaligned) is declined.
      if (this.alignment !== undefined) this.abort('CHECKPOINT_DECLINED_INPUT_END_OF_STREAM');
      return;
    }
    const alignment = this.alignment;
    // As Flink's AlternatingCollectingBarriers: the passive timeout is checked on an end of
    // partition too, while barriers are still missing (the timer's letter may still be queued).
    if (alignment !== undefined && !alignment.unaligned && !this.allAligned(alignment) && this.timedOut(alignment)) this.switchToUnaligned(alignment);
    this.completeIfAligned();
  }

  private startAlignment(barrier: CheckpointBarrier): void {
    if (this.alignment !== undefined) this.abort('CHECKPOINT_DECLINED_SUBSUMED');
    this.currentId = barrier.checkpointId;
    const alignment: Alignment = {
      barrier,
      arrived: new Set(),
      announced: new Set(),
      startedUs: this.host.nowUs,
      unaligned: false,
      triggered: false,
      timer: undefined,
    };
    this.alignment = alignment;
    this.host.observe({ type: 'alignment-started', checkpointId: barrier.checkpointId, task: this.host.taskName });
    if (barrier.options.alignment !== 'unaligned' && barrier.options.alignedTimeoutUs > 0 && !bugOn(this.plantedBugs, 'handler-no-active-alignment-timeout')) {
      alignment.timer = this.host.scheduleTimer(alignmentTimerDelayUs(barrier, this.host.nowUs), () => {
        alignment.timer = undefined;
        if (this.alignment === alignment && !alignment.unaligned) {
          this.switchToUnaligned(alignment);
          this.completeIfAligned();
        }
      });
    }
  }

  private timedOut(alignment: Alignment): boolean {
    const timeoutUs = alignment.barrier.options.alignedTimeoutUs;
    return timeoutUs > 0 && this.host.nowUs - alignment.barrier.timestampUs >= timeoutUs;
  }

  /**
   * Switches to unaligned: every announced barrier overtakes the data before it, then, if a
   * barrier was already processed, the checkpoint is taken now, unaligned, and every blocked
   * channel flows again. Without one, the first converted barrier to come back takes it.
   */
  private switchToUnaligned(alignment: Alignment): void {
    const wasAligning = alignment.barrier.options.alignment !== 'unaligned';
    alignment.unaligned = true;
    alignment.timer?.cancel();
    alignment.timer = undefined;
    const barrier = asUnaligned(alignment.barrier);
    alignment.barrier = barrier;
    if (wasAligning) {
      this.host.observe({ type: 'alignment-switched-to-unaligned', checkpointId: barrier.checkpointId, task: this.host.taskName });
    }
    for (const channel of alignment.announced) this.host.prioritizeBarrier(channel, barrier.checkpointId);
    alignment.announced.clear();
    if (alignment.arrived.size === 0) return;
    alignment.triggered = true;
    this.host.triggerCheckpoint(barrier, true);
    for (const channel of alignment.arrived) this.host.resumeChannel(channel);
  }

  private allAligned(alignment: Alignment): boolean {
    for (let channel = 0; channel < this.host.channelCount; channel++) {
      if (!alignment.arrived.has(channel) && !this.finished.has(channel)) return false;
    }
    return true;
  }

  private completeIfAligned(): void {
    const alignment = this.alignment;
    if (alignment === undefined || !this.allAligned(alignment)) return;
    this.alignment = undefined;
    alignment.timer?.cancel();
    this.host.observe({
      type: 'alignment-completed',
      checkpointId: alignment.barrier.checkpointId,
      task: this.host.taskName,
      alignmentDurationUs: this.host.nowUs - alignment.startedUs,
      unaligned: alignment.unaligned,
    });
    if (!alignment.triggered) this.host.triggerCheckpoint(alignment.barrier, false);
    for (const channel of alignment.arrived) this.host.resumeChannel(channel);
  }

  private abort(reason: CheckpointFailureReason): void {
    const alignment = this.release();
    this.host.abortCheckpoint(alignment.barrier.checkpointId, reason);
  }

  /** Ends the alignment in progress without a snapshot: cancels its timer, resumes its channels. */
  private release(): Alignment {
    const alignment = this.alignment as Alignment;
    this.alignment = undefined;
    alignment.timer?.cancel();
    for (const channel of alignment.arrived) this.host.resumeChannel(channel);
    return alignment;
  }
}
