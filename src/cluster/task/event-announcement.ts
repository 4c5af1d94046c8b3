import type { CheckpointBarrier, CheckpointOptions } from '../checkpoint/types.js';

/**
 * Flink's CheckpointOptions.isTimeoutable: an aligned checkpoint (never a savepoint, which is
 * forced aligned) with a positive aligned-checkpoint timeout. Only such barriers are announced
 * (Flink's EventAnnouncement, on the consumer side) and time out in the producer's output queue
 * (Flink's PipelinedSubpartition.alignedBarrierTimeout, FLINK-27251).
 */
export function isTimeoutable(options: CheckpointOptions): boolean {
  return options.alignment === 'aligned' && options.alignedTimeoutUs > 0;
}

/** Flink's CheckpointBarrier.asUnaligned: the same checkpoint, its barrier now overtaking data. */
export function asUnaligned(barrier: CheckpointBarrier): CheckpointBarrier {
  return { ...barrier, options: { ...barrier.options, alignment: 'unaligned' } };
}

/**
 * Flink's BarrierAlignmentUtil.getTimerDelay: how long until the aligned-checkpoint timeout of
 * `barrier` passes, counted from the checkpoint's trigger timestamp, never negative.
 */
export function alignmentTimerDelayUs(barrier: CheckpointBarrier, nowUs: number): number {
  return Math.max(0, barrier.timestampUs + barrier.options.alignedTimeoutUs - nowUs);
}
