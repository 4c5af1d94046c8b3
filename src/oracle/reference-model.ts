import type { KeyedContext, ListState, ValueState } from '../cluster/jobgraph/functions.js';
import { consumersOf, taskName, type JobGraph, type JobVertex } from '../cluster/jobgraph/job-graph.js';
import type { LogRecord, SourcePartition } from '../cluster/storage/partitioned-log.js';
import { MultisetDigest } from '../sim/multiset-digest.js';

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

/** Receives one record on one input gate of a vertex. */
type Push = (gate: number, record: ReferenceRecord) => void;

/** A record in the reference model: what the sinks see (no origin; the model needs none). */
interface ReferenceRecord {
  readonly key: string | undefined;
  readonly value: unknown;
}

/**
 * The reference model: runs the job's user functions over its whole input in one canonical
 * order, with none of the runtime (no tasks, channels or checkpoints). It is written
 * independently of the runtime's operators so a bug there is not copied here. Records are pushed
 * one at a time from the sources, partition by partition in offset order, through every
 * downstream vertex to the sinks, so the model holds keyed state and the sinks' digests but no
 * vertex's whole output: memory does not grow with the input. Scenario jobs are confluent (their
 * output multiset does not depend on the interleaving), so this one order stands for every
 * failure-free run.
 */
export function computeReference(job: JobGraph, options: { readonly sourceLimits?: ReadonlyMap<number, number>; readonly retainSinkOutput?: boolean } = {}): ReferenceResult {
  const { sourceLimits, retainSinkOutput = true } = options;
  const sinkOutput = new Map<string, ReferenceEntry[]>();
  const sinkDigest = new MultisetDigest();
  const upsertOutput = new Map<string, Map<string, unknown>>();
  const pushes = new Map<string, Push>();
  // Built in reverse topological order, so a vertex's consumers exist when it is built.
  for (const vertex of [...job.vertices].reverse()) {
    if (vertex.operator.kind === 'source') continue;
    pushes.set(vertex.name, vertexPush(vertex, outputTo(job, vertex, pushes), { sinkOutput, sinkDigest, upsertOutput, retainSinkOutput }));
  }
  let firstPartition = 0;
  for (const vertex of job.vertices) {
    if (vertex.operator.kind !== 'source') continue;
    const emit = outputTo(job, vertex, pushes);
    const partitions = vertex.operator.partitions;
    for (let local = 0; local < partitions.length; local++) {
      const partition = partitions[local] as SourcePartition;
      const limit = Math.min(partition.length, sourceLimits?.get(firstPartition + local) ?? partition.length);
      for (let offset = 0; offset < limit; offset++) {
        const entry = partition.at(offset) as LogRecord;
        emit({ key: entry.key, value: entry.value });
      }
    }
    firstPartition += partitions.length;
  }
  return { sinkOutput, sinkDigest, upsertOutput };
}

/**
 * Sends a record produced by `producer` along each of its output edges: keyed anew by a hash
 * edge, copied to every consumer subtask by a broadcast one.
 */
function outputTo(job: JobGraph, producer: JobVertex, pushes: ReadonlyMap<string, Push>): (record: ReferenceRecord) => void {
  const routes = consumersOf(job, producer.name).map(({ vertex, gate, edge }) => {
    const push = pushes.get(vertex.name);
    if (push === undefined) throw new Error(`reference model: ${vertex.name} reads ${producer.name} but comes before it in job ${job.name}`);
    return { push, gate, partitioner: edge.partitioner, copies: vertex.parallelism };
  });
  return (record) => {
    for (const route of routes) {
      switch (route.partitioner.kind) {
        case 'hash':
          route.push(route.gate, { key: route.partitioner.keySelector(record.value), value: record.value });
          break;
        case 'broadcast':
          for (let copy = 0; copy < route.copies; copy++) route.push(route.gate, record);
          break;
        case 'forward':
        case 'rebalance':
          route.push(route.gate, record);
      }
    }
  };
}

interface SinkResults {
  readonly sinkOutput: Map<string, ReferenceEntry[]>;
  readonly sinkDigest: MultisetDigest;
  readonly upsertOutput: Map<string, Map<string, unknown>>;
  readonly retainSinkOutput: boolean;
}

function vertexPush(vertex: JobVertex, emit: (record: ReferenceRecord) => void, sinks: SinkResults): Push {
  const spec = vertex.operator;
  switch (spec.kind) {
    case 'map':
      return (_gate, record) => emit({ key: undefined, value: spec.function(record.value) });
    case 'filter':
      return (_gate, record) => {
        if (spec.function(record.value)) emit({ key: undefined, value: record.value });
      };
    case 'flat-map':
      return (_gate, record) => {
        for (const value of spec.function(record.value)) emit({ key: undefined, value });
      };
    case 'keyed-process':
    case 'keyed-co-process': {
      const state = new ReferenceKeyedState(emit);
      return (gate, record) => {
        const context = state.contextFor(record);
        if (spec.kind === 'keyed-process') spec.function.processElement(record.value, context);
        else if (gate === 0) spec.function.processElement1(record.value, context);
        else spec.function.processElement2(record.value, context);
      };
    }
    case 'sink': {
      const entries: ReferenceEntry[] = [];
      sinks.sinkOutput.set(vertex.name, entries);
      const view = spec.sink === 'upsert' ? new Map<string, unknown>() : undefined;
      if (view !== undefined) sinks.upsertOutput.set(vertex.name, view);
      return (_gate, record) => {
        sinks.sinkDigest.add(record.key, record.value);
        if (sinks.retainSinkOutput) entries.push({ key: record.key, value: record.value });
        view?.set(record.key as string, record.value);
      };
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
  private record: ReferenceRecord | undefined;
  private readonly context: KeyedContext;

  constructor(emit: (record: ReferenceRecord) => void) {
    const state = this;
    this.context = {
      get currentKey() {
        return state.key;
      },
      valueState: <T>(name: string) => this.valueState(name) as ValueState<T>,
      listState: <T>(name: string) => this.listState(name) as ListState<T>,
      emit: (value) => emit({ key: undefined, value }),
    };
  }

  contextFor(record: ReferenceRecord): KeyedContext {
    if (record.key === undefined) throw new Error('reference model: keyed operator got a record without a key');
    this.record = record;
    return this.context;
  }

  private get key(): string {
    return (this.record as ReferenceRecord).key as string;
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
