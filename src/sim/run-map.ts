/**
 * Maps for histories that a long run keeps for its whole length (which checkpoints ended and how,
 * which transactions finished), stored so their memory grows with the number of changes, not with
 * the number of keys: a thousand checkpoints that all completed are one run.
 */

/** A primitive value: runs merge when their values are `===`. */
export type RunValue = string | number | boolean;

/**
 * A map from non-negative integers to primitive values, held as runs of consecutive keys with
 * the same value. Keys set in increasing order extend the last run in O(1); others cost a binary
 * search and an array splice. Keys are never deleted.
 */
export class RunMap<V extends RunValue> {
  /** Run i covers keys starts[i] <= key < ends[i], all mapped to values[i]; runs are sorted and disjoint. */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly values: V[] = [];
  private keys = 0;

  /** Number of keys mapped. */
  get size(): number {
    return this.keys;
  }

  /** Number of runs held: the memory the map takes. */
  get runs(): number {
    return this.starts.length;
  }

  get(key: number): V | undefined {
    const index = this.runAtOrBefore(key);
    return index >= 0 && key < (this.ends[index] as number) ? this.values[index] : undefined;
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  set(key: number, value: V): void {
    if (!Number.isSafeInteger(key) || key < 0) throw new RangeError(`RunMap keys are non-negative integers, not ${key}`);
    const last = this.starts.length - 1;
    // The common case: a key at or after the end of the last run.
    if (last < 0 || key >= (this.ends[last] as number)) {
      this.keys++;
      if (last >= 0 && key === this.ends[last] && this.values[last] === value) this.ends[last] = key + 1;
      else this.insertRun(last + 1, key, key + 1, value);
      return;
    }
    const index = this.runAtOrBefore(key);
    if (index >= 0 && key < (this.ends[index] as number)) {
      if (this.values[index] === value) return;
      this.splitOut(index, key, value);
      return;
    }
    this.keys++;
    this.insertRun(index + 1, key, key + 1, value);
    this.mergeAround(index + 1);
  }

  /** Entries in key order (for tests and reports; a long run makes this long). */
  *entries(): IterableIterator<[number, V]> {
    for (let index = 0; index < this.starts.length; index++) {
      for (let key = this.starts[index] as number; key < (this.ends[index] as number); key++) yield [key, this.values[index] as V];
    }
  }

  /** The index of the last run starting at or before `key`, or -1. */
  private runAtOrBefore(key: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((this.starts[middle] as number) <= key) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found;
  }

  private insertRun(index: number, start: number, end: number, value: V): void {
    this.starts.splice(index, 0, start);
    this.ends.splice(index, 0, end);
    this.values.splice(index, 0, value);
  }

  private removeRun(index: number): void {
    this.starts.splice(index, 1);
    this.ends.splice(index, 1);
    this.values.splice(index, 1);
  }

  /** Gives `key`, inside run `index`, its own value: the run splits in up to three. */
  private splitOut(index: number, key: number, value: V): void {
    const start = this.starts[index] as number;
    const end = this.ends[index] as number;
    const old = this.values[index] as V;
    this.removeRun(index);
    let at = index;
    if (start < key) this.insertRun(at++, start, key, old);
    this.insertRun(at, key, key + 1, value);
    if (key + 1 < end) this.insertRun(at + 1, key + 1, end, old);
    this.mergeAround(at);
  }

  /** Merges run `index` with its neighbours where they touch it and hold the same value. */
  private mergeAround(index: number): void {
    if (index + 1 < this.starts.length && this.ends[index] === this.starts[index + 1] && this.values[index] === this.values[index + 1]) {
      this.ends[index] = this.ends[index + 1] as number;
      this.removeRun(index + 1);
    }
    if (index > 0 && this.ends[index - 1] === this.starts[index] && this.values[index - 1] === this.values[index]) {
      this.ends[index - 1] = this.ends[index] as number;
      this.removeRun(index);
    }
  }
}

/**
 * A map keyed by ids of the form `<prefix>.<sequence>` (a writer's name and a counter it
 * increments, as transaction ids are), held as one {@link RunMap} per prefix. Ids of another
 * form (no dot, a sequence with a leading zero or too large to be exact) go to a plain Map, so
 * every string key works; only the memory saving needs the form.
 */
export class SequencedIdMap<V extends RunValue> {
  private readonly byPrefix = new Map<string, RunMap<V>>();
  private readonly other = new Map<string, V>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Runs plus irregular ids held: the memory the map takes. */
  get footprint(): number {
    let total = this.other.size;
    for (const runs of this.byPrefix.values()) total += runs.runs;
    return total;
  }

  get(id: string): V | undefined {
    const dot = sequenceDot(id);
    if (dot < 0) return this.other.get(id);
    return this.byPrefix.get(id.slice(0, dot))?.get(Number(id.slice(dot + 1)));
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  set(id: string, value: V): void {
    const dot = sequenceDot(id);
    if (dot < 0) {
      if (!this.other.has(id)) this.count++;
      this.other.set(id, value);
      return;
    }
    const prefix = id.slice(0, dot);
    let runs = this.byPrefix.get(prefix);
    if (runs === undefined) this.byPrefix.set(prefix, (runs = new RunMap<V>()));
    const before = runs.size;
    runs.set(Number(id.slice(dot + 1)), value);
    this.count += runs.size - before;
  }
}

/** The index of the dot before a canonical decimal sequence number ending `id`, or -1. */
function sequenceDot(id: string): number {
  const dot = id.lastIndexOf('.');
  const digits = id.length - dot - 1;
  if (dot < 0 || digits === 0 || digits > 15) return -1;
  if (digits > 1 && id.charCodeAt(dot + 1) === 48) return -1;
  for (let index = dot + 1; index < id.length; index++) {
    const code = id.charCodeAt(index);
    if (code < 48 || code > 57) return -1;
  }
  return dot;
}
