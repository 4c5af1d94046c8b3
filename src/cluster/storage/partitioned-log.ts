/**
 * A partitioned, replayable log (Kafka): the sources' input. Each partition is an immutable
 * sequence of records; a reader asks for records from an offset. Partitions are numbered globally
 * across the whole cluster so a record's origin (partition, offset) is unique.
 */

/** One input record as stored in the log. */
export interface LogRecord {
  readonly key: string | undefined;
  readonly value: unknown;
}

/**
 * One partition's records: an array, or any immutable sequence with a length and random access,
 * such as a `GeneratedPartition` that makes each record from its offset when read (a source of
 * millions of records that nothing holds in memory).
 */
export interface SourcePartition {
  readonly length: number;
  at(offset: number): LogRecord | undefined;
}

/**
 * A partition whose records are computed from their offset, on every read: `recordAt` must be a
 * pure function of the offset (derive any randomness from it, e.g. with `hashIntegers`).
 */
export class GeneratedPartition implements SourcePartition {
  constructor(
    readonly length: number,
    private readonly recordAt: (offset: number) => LogRecord,
  ) {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`a partition's length must be a non-negative integer, got ${length}`);
  }

  at(offset: number): LogRecord | undefined {
    return Number.isInteger(offset) && offset >= 0 && offset < this.length ? this.recordAt(offset) : undefined;
  }
}

export class PartitionedLog {
  private readonly partitions: ReadonlyArray<SourcePartition>;
  /** The global index of this log's partition 0. */
  readonly firstPartition: number;

  constructor(readonly topic: string, partitions: ReadonlyArray<SourcePartition>, firstPartition: number) {
    this.partitions = partitions;
    this.firstPartition = firstPartition;
  }

  get partitionCount(): number {
    return this.partitions.length;
  }

  /** The number of records in a (local) partition: its end offset. */
  endOffset(partition: number): number {
    return this.partition(partition).length;
  }

  /** Up to `maxRecords` records from `offset` of a (local) partition. */
  read(partition: number, offset: number, maxRecords: number): readonly LogRecord[] {
    const records = this.partition(partition);
    const end = Math.min(records.length, offset + maxRecords);
    const result: LogRecord[] = [];
    for (let at = Math.max(0, offset); at < end; at++) result.push(records.at(at) as LogRecord);
    return result;
  }

  private partition(partition: number): SourcePartition {
    const records = this.partitions[partition];
    if (records === undefined) throw new RangeError(`topic ${this.topic} has no partition ${partition}`);
    return records;
  }
}
