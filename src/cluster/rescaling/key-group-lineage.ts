import type { RecordOrigin } from '../jobgraph/records.js';
import { originDigest } from '../jobgraph/records.js';
import type { LineageEntry } from '../observations.js';

/**
 * The lineage of a keyed operator's state split by key group: harness instrumentation stored
 * beside the state (as Flink's keyed state is written per key group), so that when a savepoint
 * is restored at another parallelism each new subtask takes the lineage of exactly the key
 * groups it takes the state of, and the oracle can go on judging its snapshots.
 */
export type KeyGroupLineageSnapshot = Readonly<Record<string, readonly LineageEntry[]>>;

/** Per key group, per source partition: count, digest sum and highest offset. */
export class KeyGroupLineage {
  private readonly groups = new Map<number, Map<number, { count: number; digestSum: number; maxOffset: number }>>();

  absorb(keyGroup: number, origin: RecordOrigin): void {
    let partitions = this.groups.get(keyGroup);
    if (partitions === undefined) this.groups.set(keyGroup, (partitions = new Map()));
    let entry = partitions.get(origin.partition);
    if (entry === undefined) partitions.set(origin.partition, (entry = { count: 0, digestSum: 0, maxOffset: -1 }));
    entry.count++;
    entry.digestSum = (entry.digestSum + originDigest(origin)) | 0;
    if (origin.offset > entry.maxOffset) entry.maxOffset = origin.offset;
  }

  snapshot(): KeyGroupLineageSnapshot {
    const result: Record<string, LineageEntry[]> = {};
    for (const keyGroup of [...this.groups.keys()].sort((left, right) => left - right)) {
      const partitions = this.groups.get(keyGroup) as Map<number, { count: number; digestSum: number; maxOffset: number }>;
      result[String(keyGroup)] = [...partitions.entries()].sort((left, right) => left[0] - right[0]).map(([partition, entry]) => ({ partition, ...entry }));
    }
    return result;
  }

  /** Takes the key groups in [start, end] of every snapshot given. */
  restore(snapshots: ReadonlyArray<KeyGroupLineageSnapshot | undefined>, range: { start: number; end: number }): void {
    this.groups.clear();
    for (const snapshot of snapshots) {
      for (const [keyGroupText, entries] of Object.entries(snapshot ?? {})) {
        const keyGroup = Number(keyGroupText);
        if (keyGroup < range.start || keyGroup > range.end) continue;
        const partitions = new Map<number, { count: number; digestSum: number; maxOffset: number }>();
        for (const entry of entries) partitions.set(entry.partition, { count: entry.count, digestSum: entry.digestSum, maxOffset: entry.maxOffset });
        this.groups.set(keyGroup, partitions);
      }
    }
  }

  /** The lineage of all key groups together, per source partition (what the task publishes). */
  total(): LineageEntry[] {
    const sums = new Map<number, { count: number; digestSum: number; maxOffset: number }>();
    for (const partitions of this.groups.values()) {
      for (const [partition, entry] of partitions) {
        const sum = sums.get(partition);
        if (sum === undefined) sums.set(partition, { ...entry });
        else {
          sum.count += entry.count;
          sum.digestSum = (sum.digestSum + entry.digestSum) | 0;
          sum.maxOffset = Math.max(sum.maxOffset, entry.maxOffset);
        }
      }
    }
    return [...sums.entries()].sort((left, right) => left[0] - right[0]).map(([partition, entry]) => ({ partition, ...entry }));
  }
}
