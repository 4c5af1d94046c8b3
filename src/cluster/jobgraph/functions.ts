/**
 * The user-facing function types of the job DSL. They are plain objects and functions so a
 * scenario reads like a Flink DataStream program, and so the reference model can run the same
 * functions without the runtime.
 */

/** Keyed value state, scoped to the current key (Flink's ValueState). */
export interface ValueState<T> {
  value(): T | undefined;
  update(value: T): void;
  clear(): void;
}

/** Keyed list state, scoped to the current key (Flink's ListState). */
export interface ListState<T> {
  get(): readonly T[];
  add(value: T): void;
  update(values: readonly T[]): void;
  clear(): void;
}

/** What a keyed function sees: the current key, its state, and a way to emit. */
export interface KeyedContext {
  readonly currentKey: string;
  valueState<T>(name: string): ValueState<T>;
  listState<T>(name: string): ListState<T>;
  /** Emits a value downstream; it inherits the origin of the record being processed. */
  emit(value: unknown): void;
}

/** Flink's KeyedProcessFunction. Throwing fails the task (a reported outcome, not a harness crash). */
export interface KeyedProcessFunction {
  processElement(value: unknown, context: KeyedContext): void;
}

/** Flink's KeyedCoProcessFunction: two inputs with the same key space, one state. */
export interface KeyedCoProcessFunction {
  processElement1(value: unknown, context: KeyedContext): void;
  processElement2(value: unknown, context: KeyedContext): void;
}

export type MapFunction = (value: unknown) => unknown;
export type FilterFunction = (value: unknown) => boolean;
export type FlatMapFunction = (value: unknown) => readonly unknown[];
export type KeySelector = (value: unknown) => string;
export type ReduceFunction = (accumulator: unknown, value: unknown) => unknown;
