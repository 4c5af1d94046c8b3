import { consumersOf, taskName, type JobEdge, type JobGraph, type JobVertex, type OperatorSpec } from '../cluster/jobgraph/job-graph.js';
import type { LogRecord, SourcePartition } from '../cluster/storage/partitioned-log.js';
import { MultisetDigest } from '../sim/multiset-digest.js';
import { windowStartFor, type TumblingWindowSpec, type WindowResult } from '../cluster/jobgraph/event-time.js';
import { ReferenceKeyedState, type EmittedValueSink } from './reference-keyed-state.js';

type MapSpec = Extract<OperatorSpec, { kind: 'map' }>;
type FilterSpec = Extract<OperatorSpec, { kind: 'filter' }>;
type FlatMapSpec = Extract<OperatorSpec, { kind: 'flat-map' }>;
type KeyedSpec = Extract<OperatorSpec, { kind: 'keyed-process' | 'keyed-co-process' }>;

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
interface Receiver {
  push(gate: number, record: ReferenceRecord): void;
  /** The input ended (MAX_WATERMARK, then end of data): emit what waits for it. */
  finish?(): void;
}

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
 * vertex's whole output: memory does not grow with the input. For a confluent job (its output
 * multiset does not depend on the interleaving) this one order stands for every failure-free run;
 * for an order-dependent one it is one of many, and exactly-once is judged by the interleaving
 * search instead (interleaving-search.ts) whenever the committed output differs from it.
 */
export function computeReference(
  job: JobGraph,
  options: {
    readonly sourceLimits?: ReadonlyMap<number, number>;
    readonly retainSinkOutput?: boolean;
    /** Read the sources, and each source's partitions, last first: another failure-free order, to tell an order-dependent job. */
    readonly reversed?: boolean;
  } = {},
): ReferenceResult {
  const { sourceLimits, retainSinkOutput = true, reversed = false } = options;
  const sinkOutput = new Map<string, ReferenceEntry[]>();
  const sinkDigest = new MultisetDigest();
  const upsertOutput = new Map<string, Map<string, unknown>>();
  const receivers = new Map<string, Receiver>();
  // Built in reverse topological order, so a vertex's consumers exist when it is built.
  for (const vertex of [...job.vertices].reverse()) {
    if (vertex.operator.kind === 'source') continue;
    receivers.set(vertex.name, vertexReceiver(vertex, new Router(job, vertex, receivers), { sinkOutput, sinkDigest, upsertOutput, retainSinkOutput }));
  }
  // Finished in topological order, so what a window emits at the end reaches windows below it.
  const finishing = job.vertices.map((vertex) => receivers.get(vertex.name)).filter((receiver): receiver is Receiver => receiver?.finish !== undefined);
  const reads: Array<{ router: Router; partition: SourcePartition; limit: number }> = [];
  let firstPartition = 0;
  for (const vertex of job.vertices) {
    if (vertex.operator.kind !== 'source') continue;
    const router = new Router(job, vertex, receivers);
    const partitions = vertex.operator.partitions;
    for (let local = 0; local < partitions.length; local++) {
      const partition = partitions[local] as SourcePartition;
      reads.push({ router, partition, limit: Math.min(partition.length, sourceLimits?.get(firstPartition + local) ?? partition.length) });
    }
    firstPartition += partitions.length;
  }
  if (reversed) reads.reverse();
  for (const { router, partition, limit } of reads) {
    for (let offset = 0; offset < limit; offset++) {
      const entry = partition.at(offset) as LogRecord;
      router.emit({ key: entry.key, value: entry.value });
    }
  }
  for (const receiver of finishing) receiver.finish?.();
  return { sinkOutput, sinkDigest, upsertOutput };
}

interface Route {
  readonly receiver: Receiver;
  readonly gate: number;
  readonly partitioner: JobEdge['partitioner'];
  readonly copies: number;
}

/**
 * Sends a record produced by `producer` along each of its output edges: keyed anew by a hash
 * edge, copied to every consumer subtask by a broadcast one. The model's stages are classes, not
 * closures made per case: see ReferenceKeyedState for why.
 */
class Router implements EmittedValueSink {
  private readonly routes: readonly Route[];

  constructor(job: JobGraph, producer: JobVertex, receivers: ReadonlyMap<string, Receiver>) {
    this.routes = consumersOf(job, producer.name).map(({ vertex, gate, edge }) => {
      const receiver = receivers.get(vertex.name);
      if (receiver === undefined) throw new Error(`reference model: ${vertex.name} reads ${producer.name} but comes before it in job ${job.name}`);
      return { receiver, gate, partitioner: edge.partitioner, copies: vertex.parallelism };
    });
  }

  emit(record: ReferenceRecord): void {
    for (const route of this.routes) {
      switch (route.partitioner.kind) {
        case 'hash':
          route.receiver.push(route.gate, { key: route.partitioner.keySelector(record.value), value: record.value });
          break;
        case 'broadcast':
          for (let copy = 0; copy < route.copies; copy++) route.receiver.push(route.gate, record);
          break;
        case 'forward':
        case 'rebalance':
          route.receiver.push(route.gate, record);
      }
    }
  }

  /** A value emitted by a keyed function: unkeyed until the next hash edge. */
  accept(value: unknown): void {
    this.emit({ key: undefined, value });
  }
}

interface SinkResults {
  readonly sinkOutput: Map<string, ReferenceEntry[]>;
  readonly sinkDigest: MultisetDigest;
  readonly upsertOutput: Map<string, Map<string, unknown>>;
  readonly retainSinkOutput: boolean;
}

function vertexReceiver(vertex: JobVertex, router: Router, sinks: SinkResults): Receiver {
  const spec = vertex.operator;
  switch (spec.kind) {
    case 'map':
      return new MapReceiver(spec, router);
    case 'filter':
      return new FilterReceiver(spec, router);
    case 'flat-map':
      return new FlatMapReceiver(spec, router);
    case 'keyed-process':
    case 'keyed-co-process':
      return new KeyedReceiver(spec, new ReferenceKeyedState(router));
    case 'window':
      return new WindowReceiver(spec.window, router);
    case 'sink': {
      const entries: ReferenceEntry[] = [];
      sinks.sinkOutput.set(vertex.name, entries);
      const view = spec.sink === 'upsert' ? new Map<string, unknown>() : undefined;
      if (view !== undefined) sinks.upsertOutput.set(vertex.name, view);
      return new SinkReceiver(sinks, entries, view);
    }
    default:
      throw new Error(`reference model: unexpected ${spec.kind} vertex ${taskName(vertex.name, 0)}`);
  }
}

class MapReceiver implements Receiver {
  constructor(
    private readonly spec: MapSpec,
    private readonly router: Router,
  ) {}

  push(_gate: number, record: ReferenceRecord): void {
    this.router.emit({ key: undefined, value: this.spec.function(record.value) });
  }
}

class FilterReceiver implements Receiver {
  constructor(
    private readonly spec: FilterSpec,
    private readonly router: Router,
  ) {}

  push(_gate: number, record: ReferenceRecord): void {
    if (this.spec.function(record.value)) this.router.emit({ key: undefined, value: record.value });
  }
}

class FlatMapReceiver implements Receiver {
  constructor(
    private readonly spec: FlatMapSpec,
    private readonly router: Router,
  ) {}

  push(_gate: number, record: ReferenceRecord): void {
    for (const value of this.spec.function(record.value)) this.router.emit({ key: undefined, value });
  }
}

class KeyedReceiver implements Receiver {
  constructor(
    private readonly spec: KeyedSpec,
    private readonly state: ReferenceKeyedState,
  ) {}

  push(gate: number, record: ReferenceRecord): void {
    if (record.key === undefined) throw new Error('reference model: keyed operator got a record without a key');
    const context = this.state.contextFor(record.key);
    const spec = this.spec;
    if (spec.kind === 'keyed-process') spec.function.processElement(record.value, context);
    else if (gate === 0) spec.function.processElement1(record.value, context);
    else spec.function.processElement2(record.value, context);
  }
}

/**
 * A tumbling event-time window without the runtime: in a failure-free run no record is late
 * (each arrives before the watermark passes its window), so every window of every key fires
 * exactly once with all its records, at the end of event time at the latest.
 */
class WindowReceiver implements Receiver {
  private readonly windows = new Map<string, { key: string; windowStart: number; sum: number; count: number }>();

  constructor(
    private readonly spec: TumblingWindowSpec,
    private readonly router: Router,
  ) {}

  push(_gate: number, record: ReferenceRecord): void {
    if (record.key === undefined) throw new Error('reference model: window operator got a record without a key');
    const windowStart = windowStartFor(this.spec.timestampOf(record.value), this.spec.sizeMs);
    const name = `${record.key}\u0000${windowStart}`;
    let window = this.windows.get(name);
    if (window === undefined) this.windows.set(name, (window = { key: record.key, windowStart, sum: 0, count: 0 }));
    window.sum += this.spec.amountOf(record.value);
    window.count++;
  }

  finish(): void {
    const fired = [...this.windows.values()].sort((left, right) => left.windowStart - right.windowStart || (left.key < right.key ? -1 : left.key > right.key ? 1 : 0));
    for (const window of fired) {
      const result: WindowResult = { key: window.key, windowStart: window.windowStart, windowEnd: window.windowStart + this.spec.sizeMs, sum: window.sum, count: window.count };
      this.router.accept(result);
    }
    this.windows.clear();
  }
}

class SinkReceiver implements Receiver {
  constructor(
    private readonly sinks: SinkResults,
    private readonly entries: ReferenceEntry[],
    private readonly view: Map<string, unknown> | undefined,
  ) {}

  push(_gate: number, record: ReferenceRecord): void {
    this.sinks.sinkDigest.add(record.key, record.value);
    if (this.sinks.retainSinkOutput) this.entries.push({ key: record.key, value: record.value });
    this.view?.set(record.key as string, record.value);
  }
}
