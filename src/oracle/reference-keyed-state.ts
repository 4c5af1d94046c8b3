import type { KeyedContext, ListState, ValueState } from '../cluster/jobgraph/functions.js';

/** Where the values a keyed function emits go. */
export interface EmittedValueSink {
  accept(value: unknown): void;
}

/**
 * Keyed state for the oracle's models (the reference model and the reference state): one map per
 * state name, values cloned in and out as a state backend stores them. It is written apart from
 * the runtime's state backend so a bug there is not copied here.
 *
 * One context serves every record (the current key and the sink are switched per record), and
 * accessors are made once per state name. Everything a record touches is a class method, not a
 * closure made per case: V8 drops the optimised code of short-lived closures at each full
 * collection and compiles it again, which costs a worker thread's time every few cases.
 */
export class ReferenceKeyedState {
  private readonly tables = new Map<string, Map<string, unknown>>();
  private readonly values = new Map<string, ReferenceValueState>();
  private readonly lists = new Map<string, ReferenceListState>();
  private readonly context = new ReferenceContext(this);
  /** The names of the list states the function has asked for. */
  readonly listStateNames = new Set<string>();
  key = '';
  sink: EmittedValueSink;

  constructor(sink: EmittedValueSink = discardEmitted) {
    this.sink = sink;
  }

  /** The context for a record with `key`, emitting into `sink` (the last one given when left out). */
  contextFor(key: string, sink: EmittedValueSink = this.sink): KeyedContext {
    this.key = key;
    this.sink = sink;
    return this.context;
  }

  valueState(name: string): ValueState<unknown> {
    let accessor = this.values.get(name);
    if (accessor === undefined) {
      accessor = new ReferenceValueState(this, this.table(name));
      this.values.set(name, accessor);
    }
    return accessor;
  }

  listState(name: string): ListState<unknown> {
    this.listStateNames.add(name);
    let accessor = this.lists.get(name);
    if (accessor === undefined) {
      accessor = new ReferenceListState(this, this.table(name));
      this.lists.set(name, accessor);
    }
    return accessor;
  }

  /** State name -> key -> value, sorted; names without keys are left out. */
  snapshot(): Record<string, Record<string, unknown>> {
    const result: Record<string, Record<string, unknown>> = {};
    for (const name of [...this.tables.keys()].sort()) {
      const table = this.tables.get(name) as Map<string, unknown>;
      if (table.size === 0) continue;
      const entries: Record<string, unknown> = {};
      for (const key of [...table.keys()].sort()) entries[key] = cloneValue(table.get(key));
      result[name] = entries;
    }
    return result;
  }

  /**
   * Replaces every state with the content of a {@link snapshot} (values cloned in): the
   * interleaving search branches from one state into several.
   */
  load(snapshot: Readonly<Record<string, Readonly<Record<string, unknown>>>>): void {
    for (const table of this.tables.values()) table.clear();
    for (const name of Object.keys(snapshot)) {
      const table = this.table(name);
      const entries = snapshot[name]!;
      for (const key of Object.keys(entries)) table.set(key, cloneValue(entries[key]));
    }
  }

  private table(name: string): Map<string, unknown> {
    let found = this.tables.get(name);
    if (found === undefined) this.tables.set(name, (found = new Map()));
    return found;
  }
}

const discardEmitted: EmittedValueSink = { accept: () => undefined };

class ReferenceContext implements KeyedContext {
  constructor(private readonly state: ReferenceKeyedState) {}

  get currentKey(): string {
    return this.state.key;
  }

  valueState<T>(name: string): ValueState<T> {
    return this.state.valueState(name) as ValueState<T>;
  }

  listState<T>(name: string): ListState<T> {
    return this.state.listState(name) as ListState<T>;
  }

  emit(value: unknown): void {
    this.state.sink.accept(value);
  }
}

class ReferenceValueState implements ValueState<unknown> {
  constructor(
    private readonly state: ReferenceKeyedState,
    private readonly table: Map<string, unknown>,
  ) {}

  value(): unknown {
    return cloneValue(this.table.get(this.state.key));
  }

  update(value: unknown): void {
    this.table.set(this.state.key, cloneValue(value));
  }

  clear(): void {
    this.table.delete(this.state.key);
  }
}

class ReferenceListState implements ListState<unknown> {
  constructor(
    private readonly state: ReferenceKeyedState,
    private readonly table: Map<string, unknown>,
  ) {}

  get(): readonly unknown[] {
    return ((this.table.get(this.state.key) as unknown[] | undefined) ?? []).slice();
  }

  // The stored list never leaves this class (get copies it), so adding appends in place.
  add(value: unknown): void {
    const list = this.table.get(this.state.key) as unknown[] | undefined;
    if (list === undefined) this.table.set(this.state.key, [cloneValue(value)]);
    else list.push(cloneValue(value));
  }

  update(values: readonly unknown[]): void {
    this.table.set(this.state.key, values.map(cloneValue));
  }

  clear(): void {
    this.table.delete(this.state.key);
  }
}

/** A deep copy, as a state backend stores values; primitives (most state) need none. */
export function cloneValue<T>(value: T): T {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}
