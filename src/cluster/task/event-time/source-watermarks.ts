import { minWatermark, type WatermarkStrategy } from '../../jobgraph/event-time.js';
import type { StreamRecord } from '../../jobgraph/records.js';

/**
 * Flink's BoundedOutOfOrdernessWatermarks for one partition: the watermark trails the largest
 * timestamp seen by the bound (and one millisecond, so a record at exactly the bound is not late).
 */
class BoundedOutOfOrdernessWatermarks {
  private maxTimestamp: number;

  constructor(private readonly outOfOrdernessMs: number) {
    this.maxTimestamp = minWatermark + outOfOrdernessMs + 1;
  }

  onEvent(timestamp: number): void {
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
  }

  get currentWatermark(): number {
    return this.maxTimestamp - this.outOfOrdernessMs - 1;
  }
}

/** One partition a source subtask reads: its global number and its length (its end offset). */
export interface SourcePartitionExtent {
  readonly partition: number;
  readonly length: number;
}

/**
 * The watermarks of one source subtask, as a FLIP-27 SourceOperator makes them with per-split
 * watermarks (Flink's WatermarkOutputMultiplexer): a generator per partition, the subtask's
 * watermark the minimum over the partitions still being read (a partition read to its end no
 * longer holds the others back). A legacy source subtask knows its partitions at the start and
 * is idle when it has none. A FLIP-27 reader learns its splits as the enumerator assigns them
 * ({@link addPartitions}); with none it emits nothing and is not idle (Flink 1.20's
 * CombinedWatermarkStatus neither advances nor idles with no split output), so it holds its
 * consumers back until it gets a split or its input ends.
 */
export class SourceWatermarks {
  private readonly generators = new Map<number, BoundedOutOfOrdernessWatermarks>();
  private readonly lengths = new Map<number, number>();
  private readonly finished = new Set<number>();
  private latestFinishedWatermark = minWatermark;

  constructor(
    private readonly strategy: WatermarkStrategy,
    partitions: readonly SourcePartitionExtent[],
    offsets: Readonly<Record<string, number>> | undefined,
    private readonly assignedSplits = false,
  ) {
    this.addPartitions(partitions, offsets);
  }

  /**
   * Partitions the subtask reads from now on (a FLIP-27 reader's added splits, at `offsets`): each
   * gets its own generator; one it already has keeps its generator (its watermark never goes back).
   */
  addPartitions(partitions: readonly SourcePartitionExtent[], offsets: Readonly<Record<string, number>> | undefined): void {
    for (const { partition, length } of partitions) {
      if (!this.generators.has(partition)) this.generators.set(partition, new BoundedOutOfOrdernessWatermarks(this.strategy.outOfOrdernessMs));
      this.lengths.set(partition, length);
      if ((offsets?.[String(partition)] ?? 0) >= length) this.finished.add(partition);
      else this.finished.delete(partition);
    }
  }

  /** True when a legacy source subtask reads no partition: it announces itself idle. */
  get idle(): boolean {
    return !this.assignedSplits && this.generators.size === 0;
  }

  /** A record the subtask emitted: its partition's generator sees its timestamp. */
  onRecord(record: StreamRecord): void {
    const generator = this.generators.get(record.origin.partition);
    if (generator === undefined) throw new Error(`source watermarks: record of partition ${record.origin.partition}, which this subtask does not read`);
    generator.onEvent(this.strategy.timestampOf(record.value));
    if (record.origin.offset + 1 >= (this.lengths.get(record.origin.partition) as number)) {
      this.finished.add(record.origin.partition);
      if (generator.currentWatermark > this.latestFinishedWatermark) this.latestFinishedWatermark = generator.currentWatermark;
    }
  }

  /** The subtask's current watermark: the minimum over partitions still being read (the last finished one's when none is). */
  currentWatermark(): number {
    let minimum: number | undefined;
    for (const [partition, generator] of this.generators) {
      if (this.finished.has(partition)) continue;
      if (minimum === undefined || generator.currentWatermark < minimum) minimum = generator.currentWatermark;
    }
    return minimum ?? this.latestFinishedWatermark;
  }
}
