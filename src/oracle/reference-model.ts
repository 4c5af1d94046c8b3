import type { KeyedContext, ListState, ValueState } from '../cluster/jobgraph/functions.js';
import { taskName, type JobEdge, type JobGraph, type JobVertex } from '../cluster/jobgraph/job-graph.js';
import type { StreamRecord } from '../cluster/jobgraph/records.js';
import { MultisetDigest } from './multiset-digest.js';

/** One record the sink would commit in a failure-free run. */
export interface ReferenceEntry {
  readonly key: string | undefined;
  readonly value: unknown;
}

/** What a failure-free run of a job produces, computed without simulating. */
export interface ReferenceResult {
  /** Every record written by each sink vertex, by sink name (empty unless `retainSinkOutput`). */
  readonly sinkOutput: ReadonlyMap<string, readonly ReferenceEntry[]>;
  /** The digest of every sink vertex's records together (what the committed view's digest is compared with). */
  readonly sinkDigest: MultisetDigest;
  /** The upsert view (last value per key) of each upsert sink, by sink name. */
  readonly upsertOutput: ReadonlyMap<string, ReadonlyMap<string, unknown>>;
}

/**
 * The reference model: runs the job's user functions over its whole input in one canonical
 * order, vertex after vertex, with none of the runtime (no tasks, channels or checkpoints). It
 * is written independently of the runtime's operators so a bug there is not copied here.
 * Scenario jobs are confluent (their output multiset does not depend on the interleaving), so
 * this one order stands for every failure-free run.
 */
export function computeReference(job: JobGraph, options: { readonly sourceLimits?: ReadonlyMap<number, number>; readonly retainSinkOutput?: boolean } = {}): ReferenceResult {
  const { sourceLimits, retainSinkOutput = true } = options;
  const outputs = new Map<string, StreamRecord[]>();
  const sinkOutput = new Map<string, ReferenceEntry[]>();
  const sinkDigest = new MultisetDigest();
  const upsertOutput = new Map<string, Map<string, unknown>>();
  // A vertex's output is dropped once its last consumer has read it: at the end of a long run
  // the model holds a few vertices' records at a time, not the whole job's.
  const readersLeft = new Map<string, number>();
  for (const vertex of job.vertices) for (const edge of vertex.inputs.flat()) readersLeft.set(edge.source, (readersLeft.get(edge.source) ?? 0) + 1);
  const consumed = (vertex: JobVertex): void => {
    for (const edge of vertex.inputs.flat()) {
      const left = (readersLeft.get(edge.source) as number) - 1;
      readersLeft.set(edge.source, left);
      if (left === 0) outputs.delete(edge.source);
    }
  };
  let firstPartition = 0;
  for (const vertex of job.vertices) {
    if (vertex.operator.kind === 'source') {
      const records: StreamRecord[] = [];
      vertex.operator.partitions.forEach((partition, local) => {
        const global = firstPartition + local;
        const limit = sourceLimits?.get(global) ?? partition.length;
        partition.slice(0, limit).forEach((entry, offset) => records.push({ key: entry.key, value: entry.value, origin: { partition: global, offset } }));
      });
      firstPartition += vertex.operator.partitions.length;
      outputs.set(vertex.name, records);
      continue;
    }
    const gates = vertex.inputs.map((edges) => edges.flatMap((edge) => routeEdge(job, edge, vertex, outputs)));
    consumed(vertex);
    if (vertex.operator.kind === 'sink') {
      const upsert = vertex.operator.sink === 'upsert';
      const entries: ReferenceEntry[] = [];
      const view = new Map<string, unknown>();
      for (const records of gates) {
        for (const record of records) {
          sinkDigest.add(record.key, record.value);
          if (retainSinkOutput) entries.push({ key: record.key, value: record.value });
          if (upsert) view.set(record.key as string, record.value);
        }
      }
      sinkOutput.set(vertex.name, entries);
      if (upsert) upsertOutput.set(vertex.name, view);
      continue;
    }
    outputs.set(vertex.name, applyOperator(vertex, gates));
  }
  return { sinkOutput, sinkDigest, upsertOutput };
}

/** The records an edge delivers to its consumer vertex: keyed by a hash edge, copied by a broadcast one. */
function routeEdge(job: JobGraph, edge: JobEdge, consumer: JobVertex, outputs: ReadonlyMap<string, StreamRecord[]>): StreamRecord[] {
  const produced = outputs.get(edge.source);
  if (produced === undefined) throw new Error(`reference model: ${edge.source} has no output before ${consumer.name} in job ${job.name}`);
  switch (edge.partitioner.kind) {
    case 'hash': {
      const keySelector = edge.partitioner.keySelector;
      return produced.map((record) => ({ key: keySelector(record.value), value: record.value, origin: record.origin }));
    }
    case 'broadcast':
      return Array.from({ length: consumer.parallelism }, () => produced).flat();
    case 'forward':
    case 'rebalance':
      return produced;
  }
}

function applyOperator(vertex: JobVertex, gates: readonly StreamRecord[][]): StreamRecord[] {
  const result: StreamRecord[] = [];
  const spec = vertex.operator;
  const input = gates.flat();
  switch (spec.kind) {
    case 'map':
      for (const record of input) result.push({ key: undefined, value: spec.function(record.value), origin: record.origin });
      return result;
    case 'filter':
      for (const record of input) if (spec.function(record.value)) result.push({ key: undefined, value: record.value, origin: record.origin });
      return result;
    case 'flat-map':
      for (const record of input) for (const value of spec.function(record.value)) result.push({ key: undefined, value, origin: record.origin });
      return result;
    case 'keyed-process':
    case 'keyed-co-process': {
      const state = new ReferenceKeyedState();
      gates.forEach((records, gate) => {
        for (const record of records) {
          const context = state.contextFor(record, result);
          if (spec.kind === 'keyed-process') spec.function.processElement(record.value, context);
          else if (gate === 0) spec.function.processElement1(record.value, context);
          else spec.function.processElement2(record.value, context);
        }
      });
      return result;
    }
    default:
      throw new Error(`reference model: unexpected ${spec.kind} vertex ${taskName(vertex.name, 0)}`);
  }
}

/**
 * Keyed state for the reference model: one map per state name, values cloned like a state
 * backend. One context per operator, pointed at each record in turn, with its accessors made once
 * per state name: no closures per record.
 */
class ReferenceKeyedState {
  private readonly tables = new Map<string, Map<string, unknown>>();
  private readonly values = new Map<string, ValueState<unknown>>();
  private readonly lists = new Map<string, ListState<unknown>>();
  private record: StreamRecord | undefined;
  private output: StreamRecord[] = [];
  private readonly context: KeyedContext;

  constructor() {
    const state = this;
    this.context = {
      get currentKey() {
        return state.key;
      },
      valueState: <T>(name: string) => this.valueState(name) as ValueState<T>,
      listState: <T>(name: string) => this.listState(name) as ListState<T>,
      emit: (value) => {
        this.output.push({ key: undefined, value, origin: (this.record as StreamRecord).origin });
      },
    };
  }

  contextFor(record: StreamRecord, output: StreamRecord[]): KeyedContext {
    if (record.key === undefined) throw new Error('reference model: keyed operator got a record without a key');
    this.record = record;
    this.output = output;
    return this.context;
  }

  private get key(): string {
    return (this.record as StreamRecord).key as string;
  }

  private table(name: string): Map<string, unknown> {
    let found = this.tables.get(name);
    if (found === undefined) this.tables.set(name, (found = new Map()));
    return found;
  }

  private valueState(name: string): ValueState<unknown> {
    let accessor = this.values.get(name);
    if (accessor === undefined) {
      const table = this.table(name);
      accessor = {
        value: () => cloneValue(table.get(this.key)),
        update: (value) => void table.set(this.key, cloneValue(value)),
        clear: () => void table.delete(this.key),
      };
      this.values.set(name, accessor);
    }
    return accessor;
  }

  private listState(name: string): ListState<unknown> {
    let accessor = this.lists.get(name);
    if (accessor === undefined) {
      const table = this.table(name);
      accessor = {
        get: () => ((table.get(this.key) as unknown[] | undefined) ?? []).slice(),
        // The stored list never leaves this class (get copies it), so adding appends in place.
        add: (value) => {
          const list = table.get(this.key) as unknown[] | undefined;
          if (list === undefined) table.set(this.key, [value]);
          else list.push(value);
        },
        update: (values) => void table.set(this.key, [...values]),
        clear: () => void table.delete(this.key),
      };
      this.lists.set(name, accessor);
    }
    return accessor;
  }
}

/** A deep copy, as a state backend stores values; primitives (most state) need none. */
function cloneValue<T>(value: T): T {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}
