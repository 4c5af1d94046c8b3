import type { StreamRecord } from '../jobgraph/records.js';
import type { PartitionedLog } from '../storage/partitioned-log.js';

/** The outcome of one poll of the source. */
export type SourcePoll =
  | { readonly kind: 'records'; readonly records: readonly StreamRecord[] }
  | { readonly kind: 'end-of-input' }
  | { readonly kind: 'unavailable' };

/**
 * A replayable source (Kafka's consumer in a Flink source): reads its assigned log partitions
 * round-robin from per-partition offsets. Its checkpointed state is exactly those offsets, taken
 * on the mailbox between polls, so a barrier sits precisely between two records.
 */
export class ReplayableSourceReader {
  private readonly offsets = new Map<number, number>();
  private readonly partitions: number[];
  private cursor = 0;

  constructor(
    private readonly log: PartitionedLog,
    subtaskIndex: number,
    parallelism: number,
    private readonly isAvailable: (partition: number) => boolean,
  ) {
    this.partitions = [];
    for (let partition = subtaskIndex; partition < log.partitionCount; partition += parallelism) {
      this.partitions.push(partition);
      this.offsets.set(partition, 0);
    }
  }

  /** Reads up to `maxRecords` from the next partition with data. */
  poll(maxRecords: number): SourcePoll {
    for (let tried = 0; tried < this.partitions.length; tried++) {
      const partition = this.partitions[(this.cursor + tried) % this.partitions.length] as number;
      const offset = this.offsets.get(partition) as number;
      if (offset >= this.log.endOffset(partition)) continue;
      this.cursor = (this.cursor + tried + 1) % this.partitions.length;
      if (!this.isAvailable(this.log.firstPartition + partition)) return { kind: 'unavailable' };
      const batch = this.log.read(partition, offset, maxRecords);
      this.offsets.set(partition, offset + batch.length);
      const globalPartition = this.log.firstPartition + partition;
      const records = batch.map((entry, index) => ({
        key: entry.key,
        value: entry.value,
        origin: { partition: globalPartition, offset: offset + index },
      }));
      return { kind: 'records', records };
    }
    return { kind: 'end-of-input' };
  }

  /** The partitions this subtask reads: global number and length (for per-partition watermarks). */
  extents(): Array<{ partition: number; length: number }> {
    return this.partitions.map((partition) => ({ partition: this.log.firstPartition + partition, length: this.log.endOffset(partition) }));
  }

  /** The checkpointed state: offset per global partition. */
  snapshot(): Record<string, number> {
    const state: Record<string, number> = {};
    for (const partition of this.partitions) state[String(this.log.firstPartition + partition)] = this.offsets.get(partition) as number;
    return state;
  }

  /** Planted bug 'source-offset-after-emit': the offsets as if the next poll had already been emitted. */
  snapshotAhead(recordsPerPoll: number): Record<string, number> {
    const state: Record<string, number> = {};
    for (const partition of this.partitions) {
      const offset = this.offsets.get(partition) as number;
      state[String(this.log.firstPartition + partition)] = Math.min(offset + recordsPerPoll, this.log.endOffset(partition));
    }
    return state;
  }

  restore(state: Readonly<Record<string, number>>): void {
    for (const partition of this.partitions) {
      const offset = state[String(this.log.firstPartition + partition)];
      if (offset !== undefined) this.offsets.set(partition, offset);
    }
  }
}
