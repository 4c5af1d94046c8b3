import type { StreamRecord } from '../../jobgraph/records.js';
import type { PartitionedLog } from '../../storage/partitioned-log.js';
import type { OperatorEvent } from '../../coordination/operator-event.js';
import type { SourcePoll } from '../replayable-source.js';
import type { PartitionSplit, SourceEvent } from './split.js';

/** A poll of a FLIP-27 reader: a legacy poll's outcomes, or nothing to read until an event comes. */
export type ReaderPoll = SourcePoll | { readonly kind: 'waiting' };

/** What the reader tells its task and the oracle. */
export interface SourceReaderListener {
  /** Sends an event to the coordinator (over RPC; a lost one fails the task). */
  sendEventToCoordinator(event: OperatorEvent): void;
  /** The reader read the last record of a split. */
  splitFinished(split: PartitionSplit): void;
  /** The reader was given splits. */
  splitsAdded(splits: readonly PartitionSplit[]): void;
}

/**
 * Flink's SourceOperator with a SourceReaderBase-like reader for the partitioned log, after
 * FileSource's reader: it registers with the enumerator when it opens, asks for a split whenever
 * it has none left, reads its splits round-robin, drops a split once read to its end, and ends
 * its input once told there are no more splits and all its splits are done.
 *
 * Its checkpointed state is its unfinished splits with their offsets, as partition -> offset, the
 * same shape as the legacy source's offsets, so every checker of source offsets reads both.
 */
export class Flip27SourceReader {
  private readonly splits: { partition: number; offset: number }[] = [];
  private cursor = 0;
  private noMoreSplits = false;
  private requestOutstanding = false;

  constructor(
    private readonly log: PartitionedLog,
    private readonly listener: SourceReaderListener,
    private readonly isAvailable: (partition: number) => boolean,
  ) {}

  /** Restores the splits of a checkpoint (partition -> offset), before {@link open}. */
  restore(state: Readonly<Record<string, number>>): void {
    for (const [partition, offset] of Object.entries(state).sort((a, b) => Number(a[0]) - Number(b[0]))) {
      this.splits.push({ partition: Number(partition), offset });
    }
  }

  /** Registers with the coordinator, and asks for a split if it restored none. */
  open(): void {
    this.listener.sendEventToCoordinator({ kind: 'reader-registration' });
    this.requestSplitIfIdle();
  }

  /** True when a poll may read something or end the input; false while it waits for an event. */
  get available(): boolean {
    return this.splits.length > 0 || this.noMoreSplits;
  }

  handleOperatorEvent(event: OperatorEvent): void {
    const sourceEvent = event as SourceEvent;
    if (sourceEvent.kind === 'add-splits') {
      this.requestOutstanding = false;
      for (const split of sourceEvent.splits) this.splits.push({ partition: split.partition, offset: split.offset });
      this.listener.splitsAdded(sourceEvent.splits);
    } else if (sourceEvent.kind === 'no-more-splits') {
      this.requestOutstanding = false;
      this.noMoreSplits = true;
    }
  }

  /** Reads up to `maxRecords` from the next split with data. */
  poll(maxRecords: number): ReaderPoll {
    if (this.splits.length === 0) return this.noMoreSplits ? { kind: 'end-of-input' } : { kind: 'waiting' };
    this.cursor %= this.splits.length;
    const split = this.splits[this.cursor] as { partition: number; offset: number };
    const local = split.partition - this.log.firstPartition;
    if (!this.isAvailable(split.partition)) return { kind: 'unavailable' };
    const batch = this.log.read(local, split.offset, maxRecords);
    const from = split.offset;
    split.offset += batch.length;
    const records: StreamRecord[] = batch.map((entry, index) => ({ key: entry.key, value: entry.value, origin: { partition: split.partition, offset: from + index } }));
    if (split.offset >= this.log.endOffset(local)) {
      this.splits.splice(this.cursor, 1);
      this.listener.splitFinished({ partition: split.partition, offset: split.offset });
      this.requestSplitIfIdle();
    } else this.cursor++;
    return records.length === 0 ? this.poll(maxRecords) : { kind: 'records', records };
  }

  /** The checkpointed state: offset per unfinished split's partition. */
  snapshot(): Record<string, number> {
    const state: Record<string, number> = {};
    for (const split of this.splits) state[String(split.partition)] = split.offset;
    return state;
  }

  /** Planted bug 'source-offset-after-emit' on a FLIP-27 reader: the offsets as if the next poll had been emitted. */
  snapshotAhead(recordsPerPoll: number): Record<string, number> {
    const state: Record<string, number> = {};
    for (const split of this.splits) {
      state[String(split.partition)] = Math.min(split.offset + recordsPerPoll, this.log.endOffset(split.partition - this.log.firstPartition));
    }
    return state;
  }

  /** The snapshot is taken and the barrier is out: the coordinator may send again (Flink's AcknowledgeCheckpointEvent). */
  afterSnapshot(checkpointId: number): void {
    this.listener.sendEventToCoordinator({ kind: 'acknowledge-checkpoint', checkpointId } as OperatorEvent);
  }

  private requestSplitIfIdle(): void {
    if (this.splits.length > 0 || this.noMoreSplits || this.requestOutstanding) return;
    this.requestOutstanding = true;
    this.listener.sendEventToCoordinator({ kind: 'request-split' });
  }
}
