import type { CancellableTimer } from '../checkpoint/ports.js';
import type { CheckpointBarrier, CheckpointFailureReason } from '../checkpoint/types.js';
import type { ObservationBody } from '../observations.js';

/**
 * What a barrier handler may ask of its task. The handler is protocol logic only: it decides
 * when to block, resume, snapshot or abort, and the task carries that out.
 */
export interface BarrierHandlerHost {
  readonly nowUs: number;
  readonly taskName: string;
  /** Number of input channels across all gates; channels are numbered 0..channelCount-1. */
  readonly channelCount: number;
  channelName(channel: number): string;
  /** Stop consuming a channel (aligned: its barrier arrived, the rest waits). */
  blockChannel(channel: number): void;
  resumeChannel(channel: number): void;
  /**
   * Take the checkpoint: the synchronous snapshot and the barrier broadcast. With `unaligned`
   * the barrier goes out as a priority event and in-flight data becomes channel state.
   */
  triggerCheckpoint(barrier: CheckpointBarrier, unaligned: boolean): void;
  /** Decline the checkpoint to the coordinator and broadcast a CancelCheckpointMarker downstream. */
  abortCheckpoint(checkpointId: number, reason: CheckpointFailureReason): void;
  scheduleTimer(delayUs: number, action: () => void): CancellableTimer;
  observe(body: ObservationBody): void;
  /**
   * Flink's convertToPriorityEvent: the announced barrier of `checkpointId`, still queued behind
   * data on `channel`, jumps ahead of it; the data it overtakes becomes the checkpoint's channel
   * state, and the barrier comes back to the handler as a priority event.
   */
  prioritizeBarrier(channel: number, checkpointId: number): void;
}

/**
 * Flink's CheckpointBarrierHandler: fed every barrier, cancellation marker and end of partition
 * read from the task's input channels. Implement it to try a barrier protocol of your own.
 */
export interface CheckpointBarrierHandler {
  processBarrier(barrier: CheckpointBarrier, channel: number): void;
  /**
   * Flink's processBarrierAnnouncement: an aligned barrier that may time out arrived on `channel`
   * and is queued behind data; the handler learns of it now (its alignment and timer start), and
   * may have it overtake that data ({@link BarrierHandlerHost.prioritizeBarrier}) once the
   * alignment timed out. Handlers without a timeout need not implement it.
   */
  processBarrierAnnouncement?(barrier: CheckpointBarrier, channel: number): void;
  processCancellationMarker(checkpointId: number, channel: number): void;
  processEndOfPartition(channel: number): void;
  /** The newest checkpoint id this handler has seen. */
  readonly latestCheckpointId: number;
  /**
   * Whether `channel` has delivered the barrier of the checkpoint being aligned (of checkpoint
   * `checkpointId`, when given: a stale alignment of an older checkpoint then answers false).
   */
  hasReceivedBarrier(channel: number, checkpointId?: number): boolean;
}

/** Creates a handler for a task; the runtime's factory picks one by checkpointing mode. */
export type BarrierHandlerFactory = (host: BarrierHandlerHost) => CheckpointBarrierHandler;
