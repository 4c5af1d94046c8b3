import type { PartitionDiscovery } from '../connectors/flip27/split.js';
import type { SourcePartition } from '../storage/partitioned-log.js';
import type {
  FilterFunction,
  FlatMapFunction,
  KeySelector,
  KeyedCoProcessFunction,
  KeyedProcessFunction,
  MapFunction,
} from './functions.js';
import type { TumblingWindowSpec, WatermarkStrategy } from './event-time.js';

/** How records of an edge are routed from producer subtasks to consumer subtasks. */
export type Partitioner =
  | { readonly kind: 'forward' }
  | { readonly kind: 'rebalance' }
  | { readonly kind: 'broadcast' }
  | { readonly kind: 'hash'; readonly keySelector: KeySelector };

/**
 * Which sink semantics a sink vertex has; all write to the cluster's transactional store.
 * 'sink-v2-writer' and 'sink-v2-committer' are the two vertices of a Sink V2 (`DataStream.sinkTo`):
 * the writer is the sink of the job's data, the committer reads only its committables.
 * 'file-sink-writer' and 'file-sink-committer' are the same for a FileSink (`DataStream.sinkTo(name, options, 'file')`).
 */
export type SinkKind = 'two-phase-commit' | 'at-least-once' | 'upsert' | 'sink-v2-writer' | 'sink-v2-committer' | 'file-sink-writer' | 'file-sink-committer';

/** What a vertex does, as data, so the runtime and the reference model read the same job. */
export type OperatorSpec =
  | {
      readonly kind: 'source';
      readonly topic: string;
      readonly partitions: ReadonlyArray<SourcePartition>;
      readonly watermarks?: WatermarkStrategy;
      /** A FLIP-27 source (split enumerator on the JobMaster, readers asking for splits) discovering partitions this way; absent: the legacy source. */
      readonly flip27?: PartitionDiscovery;
    }
  | { readonly kind: 'map'; readonly function: MapFunction }
  | { readonly kind: 'filter'; readonly function: FilterFunction }
  | { readonly kind: 'flat-map'; readonly function: FlatMapFunction }
  | { readonly kind: 'keyed-process'; readonly function: KeyedProcessFunction }
  | { readonly kind: 'keyed-co-process'; readonly function: KeyedCoProcessFunction }
  | { readonly kind: 'sink'; readonly sink: SinkKind }
  /** A keyed tumbling event-time window aggregation (task/event-time/window-operator.ts). */
  | { readonly kind: 'window'; readonly window: TumblingWindowSpec };

/** One edge into a vertex's input gate. */
export interface JobEdge {
  readonly source: string;
  readonly partitioner: Partitioner;
}

/** A job vertex: an operator run by `parallelism` subtasks. */
export interface JobVertex {
  readonly name: string;
  readonly index: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly operator: OperatorSpec;
  /** Input gates, each a list of edges (a union feeds several edges into one gate). */
  readonly inputs: ReadonlyArray<readonly JobEdge[]>;
  /** Virtual microseconds the operator spends per record (its speed; a slow task has more). */
  readonly recordCostUs: number;
}

/** A job: vertices in topological order. */
export interface JobGraph {
  readonly name: string;
  readonly vertices: readonly JobVertex[];
}

/** `vertex#index`, the name of one subtask everywhere in ckptsim (observations, faults, reports). */
export function taskName(vertex: string, subtask: number): string {
  return `${vertex}#${subtask}`;
}

/** True for operators whose state absorbs records (keyed operators and sinks, not a Sink V2 committer: it reads committables, not data); their lineage is tracked. */
export function isStateful(operator: OperatorSpec): boolean {
  if (operator.kind === 'sink') return operator.sink !== 'sink-v2-committer' && operator.sink !== 'file-sink-committer';
  return operator.kind === 'keyed-process' || operator.kind === 'keyed-co-process' || operator.kind === 'window';
}

/** Looks a vertex up by name; an unknown name is a programming error in the job. */
export function vertexByName(graph: JobGraph, name: string): JobVertex {
  const vertex = graph.vertices.find((candidate) => candidate.name === name);
  if (vertex === undefined) throw new Error(`job ${graph.name} has no vertex named ${name}`);
  return vertex;
}

/** Vertices that read from `name`, with the gate and edge they read through, in vertex order. */
export function consumersOf(graph: JobGraph, name: string): Array<{ vertex: JobVertex; gate: number; edge: JobEdge }> {
  const result: Array<{ vertex: JobVertex; gate: number; edge: JobEdge }> = [];
  for (const vertex of graph.vertices) {
    vertex.inputs.forEach((edges, gate) => {
      for (const edge of edges) if (edge.source === name) result.push({ vertex, gate, edge });
    });
  }
  return result;
}

/**
 * The producer subtasks that a consumer subtask reads from over one edge (Flink's distribution
 * patterns: POINTWISE for forward, ALL_TO_ALL otherwise).
 */
export function producerSubtasks(edge: JobEdge, producerParallelism: number, consumerSubtask: number): number[] {
  if (edge.partitioner.kind === 'forward') return [consumerSubtask];
  return Array.from({ length: producerParallelism }, (_, index) => index);
}

/** Every task of the job (`vertex#index`), vertex by vertex. */
export function jobTasks(graph: JobGraph): string[] {
  return graph.vertices.flatMap((vertex) => Array.from({ length: vertex.parallelism }, (_, index) => taskName(vertex.name, index)));
}

/** Every data channel of the job (`producer#i->consumer#j`), producer vertex by producer vertex. */
export function jobChannels(graph: JobGraph): string[] {
  const channels: string[] = [];
  for (const vertex of graph.vertices) {
    for (const { vertex: consumer, edge } of consumersOf(graph, vertex.name)) {
      for (let subtask = 0; subtask < consumer.parallelism; subtask++) {
        for (const producer of producerSubtasks(edge, vertex.parallelism, subtask)) channels.push(`${taskName(vertex.name, producer)}->${taskName(consumer.name, subtask)}`);
      }
    }
  }
  return channels;
}
