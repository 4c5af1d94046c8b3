import type { CheckpointBarrierHandler } from '../../src/cluster/task/barrier-handler.js';
import type { CheckpointOptions } from '../../src/cluster/checkpoint/types.js';
import { alignedOptions, barrier, type FakeBarrierHost } from '../cluster/task/fake-barrier-host.js';

/**
 * One input event of a Flink barrier-handler test sequence: a barrier (id, channel), a
 * cancellation marker, an end of partition, or a buffer (which the handler never sees: buffers
 * only matter through which channels are blocked, and the host records that).
 */
export type SequenceEvent =
  | readonly ['barrier', number, number]
  | readonly ['barrier', number, number, CheckpointOptions]
  | readonly ['cancel', number, number]
  | readonly ['end', number]
  | readonly ['buffer', number];

/** Feeds `events` to `handler` in order; `each` runs after every event (e.g. to move the clock). */
export function feed(handler: CheckpointBarrierHandler, events: readonly SequenceEvent[], options: CheckpointOptions = alignedOptions, each?: (event: SequenceEvent) => void): void {
  for (const event of events) {
    switch (event[0]) {
      case 'barrier':
        handler.processBarrier(barrier(event[1], event[3] ?? options), event[2]);
        break;
      case 'cancel':
        handler.processCancellationMarker(event[1], event[2]);
        break;
      case 'end':
        handler.processEndOfPartition(event[1]);
        break;
      case 'buffer':
        break;
    }
    each?.(event);
  }
}

/** Flink's CheckpointSequenceValidator: triggered ids positive, aborted ids negative, in order. */
export function outcomes(host: FakeBarrierHost): number[] {
  return host.outcomes();
}
