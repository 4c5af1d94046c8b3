import type { ListState, ValueState } from '../jobgraph/functions.js';
import type { RecordOrigin } from '../jobgraph/records.js';
import { originDigest } from '../jobgraph/records.js';
import type { LineageEntry } from '../observations.js';

/** Keyed state as snapshotted: state name -> key -> value, keys sorted. */
export type KeyedStateSnapshot = Record<string, Record<string, unknown>>;

/**
 * A heap keyed-state backend (Flink's HashMapStateBackend): state per name and key, accessed for
 * the current key. Snapshots are deep copies with sorted keys, so equal states compare equal.
 */
export class KeyedStateBackend {
  private readonly states = new Map<string, Map<string, unknown>>();
  private readonly valueAccessors = new Map<string, HeapValueState>();
  private readonly listAccessors = new Map<string, HeapListState>();
  currentKey = '';

  valueState<T>(name: string): ValueState<T> {
    let accessor = this.valueAccessors.get(name);
    if (accessor === undefined) {
      accessor = new HeapValueState(this, this.table(name));
      this.valueAccessors.set(name, accessor);
    }
    return accessor as ValueState<T>;
  }

  listState<T>(name: string): ListState<T> {
    let accessor = this.listAccessors.get(name);
    if (accessor === undefined) {
      accessor = new HeapListState(this, this.table(name));
      this.listAccessors.set(name, accessor);
    }
    return accessor as ListState<T>;
  }

  snapshot(): KeyedStateSnapshot {
    const result: KeyedStateSnapshot = {};
    for (const name of [...this.states.keys()].sort()) {
      const table = this.states.get(name) as Map<string, unknown>;
      const entries: Record<string, unknown> = {};
      for (const key of [...table.keys()].sort()) entries[key] = structuredClone(table.get(key));
      result[name] = entries;
    }
    return result;
  }

  /** Restores the keys `owns` accepts (the subtask's key-group range). */
  restore(snapshot: KeyedStateSnapshot, owns: (key: string) => boolean): void {
    for (const name of Object.keys(snapshot).sort()) {
      const table = this.table(name);
      const entries = snapshot[name] as Record<string, unknown>;
      for (const key of Object.keys(entries).sort()) {
        if (owns(key)) table.set(key, structuredClone(entries[key]));
      }
    }
  }

  private table(name: string): Map<string, unknown> {
    let table = this.states.get(name);
    if (table === undefined) {
      table = new Map();
      this.states.set(name, table);
    }
    return table;
  }
}

/**
 * The accessors are classes rather than closures made per backend: V8 drops the optimised code of
 * short-lived closures at each full collection, so per-case closures on the record path are
 * compiled again every few cases.
 */
class HeapValueState implements ValueState<unknown> {
  constructor(
    private readonly backend: KeyedStateBackend,
    private readonly table: Map<string, unknown>,
  ) {}

  value(): unknown {
    return this.table.get(this.backend.currentKey);
  }

  update(value: unknown): void {
    this.table.set(this.backend.currentKey, value);
  }

  clear(): void {
    this.table.delete(this.backend.currentKey);
  }
}

class HeapListState implements ListState<unknown> {
  constructor(
    private readonly backend: KeyedStateBackend,
    private readonly table: Map<string, unknown>,
  ) {}

  get(): readonly unknown[] {
    return (this.table.get(this.backend.currentKey) as unknown[] | undefined) ?? [];
  }

  add(value: unknown): void {
    let values = this.table.get(this.backend.currentKey) as unknown[] | undefined;
    if (values === undefined) {
      values = [];
      this.table.set(this.backend.currentKey, values);
    }
    values.push(value);
  }

  update(values: readonly unknown[]): void {
    this.table.set(this.backend.currentKey, [...values]);
  }

  clear(): void {
    this.table.delete(this.backend.currentKey);
  }
}

/**
 * The lineage of what an operator's state has absorbed, per source partition: a count, an
 * additive digest and the highest offset. Harness instrumentation, snapshotted with the state, so
 * the oracle can tell a snapshot that includes a record from after its barrier or misses one.
 */
export class LineageTracker {
  private readonly entries = new Map<number, { count: number; digestSum: number; maxOffset: number }>();

  absorb(origin: RecordOrigin): void {
    let entry = this.entries.get(origin.partition);
    if (entry === undefined) {
      entry = { count: 0, digestSum: 0, maxOffset: -1 };
      this.entries.set(origin.partition, entry);
    }
    entry.count++;
    entry.digestSum = (entry.digestSum + originDigest(origin)) | 0;
    if (origin.offset > entry.maxOffset) entry.maxOffset = origin.offset;
  }

  snapshot(): LineageEntry[] {
    return [...this.entries.entries()]
      .sort((left, right) => left[0] - right[0])
      .map(([partition, entry]) => ({ partition, ...entry }));
  }

  restore(entries: readonly LineageEntry[]): void {
    this.entries.clear();
    for (const entry of entries) {
      this.entries.set(entry.partition, { count: entry.count, digestSum: entry.digestSum, maxOffset: entry.maxOffset });
    }
  }
}
