import type { ChannelBuffer } from '../../net/index.js';
import type { CheckpointBarrier } from '../checkpoint/types.js';
import type { StreamRecord } from '../jobgraph/records.js';

/**
 * What flows on a data channel between tasks: network buffers of records, and events. As in
 * Flink, records are batched into buffers (one simulation event per buffer, not per record).
 */
export type NetworkBuffer =
  | { readonly kind: 'records'; readonly isEvent: false; readonly priority: false; readonly records: readonly StreamRecord[]; readonly recovered?: boolean }
  | { readonly kind: 'barrier'; readonly isEvent: true; readonly priority: boolean; readonly barrier: CheckpointBarrier }
  | { readonly kind: 'cancel-marker'; readonly isEvent: true; readonly priority: false; readonly checkpointId: number }
  | { readonly kind: 'end-of-data'; readonly isEvent: true; readonly priority: false }
  | { readonly kind: 'end-of-partition'; readonly isEvent: true; readonly priority: false }
  /** Event time: a watermark, in order with the records (a priority one only under a planted bug; see task/event-time/). */
  | { readonly kind: 'watermark'; readonly isEvent: true; readonly priority: boolean; readonly timestamp: number }
  | { readonly kind: 'watermark-status'; readonly isEvent: true; readonly priority: false; readonly status: 'active' | 'idle' };

export function recordsBuffer(records: readonly StreamRecord[]): NetworkBuffer {
  return { kind: 'records', isEvent: false, priority: false, records };
}

export function barrierEvent(barrier: CheckpointBarrier, priority: boolean): NetworkBuffer {
  return { kind: 'barrier', isEvent: true, priority, barrier };
}

export const endOfDataEvent: NetworkBuffer = { kind: 'end-of-data', isEvent: true, priority: false };
export const endOfPartitionEvent: NetworkBuffer = { kind: 'end-of-partition', isEvent: true, priority: false };

export function cancelMarkerEvent(checkpointId: number): NetworkBuffer {
  return { kind: 'cancel-marker', isEvent: true, priority: false, checkpointId };
}

/** Records a buffer holds at most (Flink's 32 KiB buffers hold a few hundred small records). */
export const recordsPerBuffer = 16;

/** Network buffers a producer may queue per output channel before it is backpressured. */
export const maxQueuedBuffersPerChannel = 4;

/** Marker type re-exported for the data channel's generic parameter. */
export type TaskChannelBuffer = NetworkBuffer & ChannelBuffer;
