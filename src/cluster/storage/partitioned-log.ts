/**
 * A partitioned, replayable log (Kafka): the sources' input. Each partition is an immutable array
 * of records; a reader asks for records from an offset. Partitions are numbered globally across
 * the whole cluster so a record's origin (partition, offset) is unique.
 */

/** One input record as stored in the log. */
export interface LogRecord {
  readonly key: string | undefined;
  readonly value: unknown;
}

export class PartitionedLog {
  private readonly partitions: ReadonlyArray<readonly LogRecord[]>;
  /** The global index of this log's partition 0. */
  readonly firstPartition: number;

  constructor(readonly topic: string, partitions: ReadonlyArray<readonly LogRecord[]>, firstPartition: number) {
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
    return this.partition(partition).slice(offset, offset + maxRecords);
  }

  private partition(partition: number): readonly LogRecord[] {
    const records = this.partitions[partition];
    if (records === undefined) throw new RangeError(`topic ${this.topic} has no partition ${partition}`);
    return records;
  }
}
