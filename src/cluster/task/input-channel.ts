import type { DataChannel } from '../../net/index.js';
import type { CheckpointBarrier } from '../checkpoint/types.js';
import type { StreamRecord } from '../jobgraph/records.js';
import type { NetworkBuffer } from './buffers.js';

/**
 * The consumer end of one data channel (Flink's RemoteInputChannel): the received buffers not
 * yet processed, whether the channel is blocked by alignment or finished, and the channel-state
 * persister of an unaligned checkpoint.
 */
export class InputChannel {
  readonly queue: NetworkBuffer[] = [];
  private head = 0;
  blocked = false;
  finished = false;
  /** Set while the channel is in the task's list of channels with data. */
  enqueued = false;
  link: DataChannel<NetworkBuffer> | undefined;
  /** Unaligned checkpoint in progress on this channel: records persisted until its barrier arrives. */
  persisting: { readonly checkpointId: number; readonly records: StreamRecord[] } | undefined;
  /**
   * Per checkpoint, the unprocessed records its priority barrier overtook on arrival here, until
   * the checkpoint's snapshot takes them. Concurrent unaligned checkpoints can have two barriers
   * arrive before the first one's letter runs; each keeps its own.
   */
  readonly priorityArrivals = new Map<number, readonly StreamRecord[]>();

  constructor(
    readonly index: number,
    readonly gate: number,
    /** `producer->consumer`, stable across attempts: channel state is keyed by it. */
    readonly name: string,
    readonly producerTask: string,
  ) {}

  get hasData(): boolean {
    return this.head < this.queue.length;
  }

  peek(): NetworkBuffer | undefined {
    return this.queue[this.head];
  }

  take(): NetworkBuffer | undefined {
    const buffer = this.queue[this.head];
    if (buffer === undefined) return undefined;
    this.head++;
    if (this.head > 32 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return buffer;
  }

  /** Puts buffers ahead of everything queued (recovered channel state). */
  prepend(buffers: readonly NetworkBuffer[]): void {
    this.queue.splice(this.head, 0, ...buffers);
  }

  push(buffer: NetworkBuffer): void {
    this.queue.push(buffer);
  }

  /**
   * Takes the queued barrier of `checkpointId` out of the queue (it is to overtake the data before
   * it), with the records of the data buffers queued before it; undefined when none is queued.
   */
  takeQueuedBarrier(checkpointId: number): { barrier: CheckpointBarrier; recordsBefore: StreamRecord[] } | undefined {
    const recordsBefore: StreamRecord[] = [];
    for (let index = this.head; index < this.queue.length; index++) {
      const buffer = this.queue[index] as NetworkBuffer;
      if (buffer.kind === 'records') recordsBefore.push(...buffer.records);
      else if (buffer.kind === 'barrier' && buffer.barrier.checkpointId === checkpointId) {
        this.queue.splice(index, 1);
        return { barrier: buffer.barrier, recordsBefore };
      }
    }
    return undefined;
  }

  /** Records of the queued data buffers, in order, up to the first barrier of `checkpointId` if one is queued. */
  queuedRecordsBefore(checkpointId: number): { records: StreamRecord[]; barrierQueued: boolean } {
    const records: StreamRecord[] = [];
    for (let index = this.head; index < this.queue.length; index++) {
      const buffer = this.queue[index] as NetworkBuffer;
      if (buffer.kind === 'records') records.push(...buffer.records);
      else if (buffer.kind === 'barrier' && buffer.barrier.checkpointId >= checkpointId) return { records, barrierQueued: true };
      else if (buffer.kind === 'end-of-partition') return { records, barrierQueued: true };
    }
    return { records, barrierQueued: false };
  }
}
