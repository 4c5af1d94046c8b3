import { consumersOf, taskName, type JobEdge, type JobGraph, type JobVertex, type OperatorSpec } from '../cluster/jobgraph/job-graph.js';
import type { LogRecord, SourcePartition } from '../cluster/storage/partitioned-log.js';
import { MultisetDigest } from '../sim/multiset-digest.js';
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
