import type { PartitionDiscovery } from '../connectors/flip27/split.js';
import type { SourcePartition } from '../storage/partitioned-log.js';
import type {
  FilterFunction,
  FlatMapFunction,
  KeySelector,
  KeyedCoProcessFunction,
  KeyedProcessFunction,
  MapFunction,
  ReduceFunction,
} from './functions.js';
import { defaultMaxParallelism } from './key-groups.js';
import type { TumblingWindowSpec, WatermarkStrategy } from './event-time.js';
import type { JobEdge, JobGraph, JobVertex, OperatorSpec, Partitioner, SinkKind } from './job-graph.js';

/** Per-operator options of the DSL. */
export interface OperatorOptions {
  readonly parallelism?: number;
  readonly maxParallelism?: number;
  /** Virtual microseconds per record; default 5. */
  readonly recordCostUs?: number;
}

/** Options of a source: its operator options, and the watermark strategy that gives it event time. */
export interface SourceOptions extends OperatorOptions {
  readonly watermarks?: WatermarkStrategy;
}

interface Producer {
  readonly vertex: JobVertex;
  readonly partitioner: Partitioner | undefined;
}

/**
 * Builds a {@link JobGraph} with a DataStream-like DSL:
 *
 * ```ts
 * const job = new JobBuilder('wordcount');
 * job.source('source', lines, { parallelism: 2 })
 *   .flatMap('split', (line) => String(line).split(' '))
 *   .keyBy((word) => String(word))
 *   .count('count', { parallelism: 3 })
 *   .sink('sink', 'two-phase-commit', { parallelism: 2 });
 * const graph = job.build();
 * ```
 */
export class JobBuilder {
  private readonly vertices: JobVertex[] = [];
  readonly defaultParallelism: number;

  constructor(readonly name: string, defaultParallelism = 1) {
    this.defaultParallelism = defaultParallelism;
  }

  /** A replayable source reading `partitions` (one array of records, or a `GeneratedPartition`, per log partition). */
  source(name: string, partitions: ReadonlyArray<SourcePartition>, options: SourceOptions = {}): DataStream {
    const spec: OperatorSpec = options.watermarks === undefined ? { kind: 'source', topic: name, partitions } : { kind: 'source', topic: name, partitions, watermarks: options.watermarks };
    const vertex = this.addVertex(name, spec, [], options);
    return new DataStream(this, [{ vertex, partitioner: undefined }]);
  }

  /**
   * A FLIP-27 source (Flink's env.fromSource): a split enumerator on the JobMaster discovers the
   * partitions as `discovery` makes them appear, and hands them as splits to readers that ask.
   */
  fromSource(name: string, partitions: ReadonlyArray<SourcePartition>, discovery: PartitionDiscovery, options: SourceOptions = {}): DataStream {
    const spec: OperatorSpec =
      options.watermarks === undefined ? { kind: 'source', topic: name, partitions, flip27: discovery } : { kind: 'source', topic: name, partitions, flip27: discovery, watermarks: options.watermarks };
    const vertex = this.addVertex(name, spec, [], options);
    return new DataStream(this, [{ vertex, partitioner: undefined }]);
  }

  /** Kernel of every DSL call: appends a vertex, checking names and parallelism. */
  addVertex(name: string, operator: OperatorSpec, inputs: ReadonlyArray<readonly Producer[]>, options: OperatorOptions): JobVertex {
    if (this.vertices.some((vertex) => vertex.name === name)) throw new Error(`job ${this.name}: vertex name ${name} used twice`);
    if (name.includes('#') || name.includes('@') || name.includes('>')) {
      throw new Error(`job ${this.name}: vertex name ${name} may not contain '#', '@' or '>'`);
    }
    const parallelism = options.parallelism ?? this.defaultParallelism;
    const maxParallelism = options.maxParallelism ?? defaultMaxParallelism;
    if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > maxParallelism) {
      throw new Error(`job ${this.name}: vertex ${name} has parallelism ${parallelism}, need 1..${maxParallelism}`);
    }
    const gates = inputs.map((producers) => producers.map((producer) => this.edgeFor(producer, name, parallelism)));
    const vertex: JobVertex = {
      name,
      index: this.vertices.length,
      parallelism,
      maxParallelism,
      operator,
      inputs: gates,
      recordCostUs: options.recordCostUs ?? 5,
    };
    this.vertices.push(vertex);
    return vertex;
  }

  build(): JobGraph {
    if (this.vertices.length === 0) throw new Error(`job ${this.name} has no vertices`);
    return { name: this.name, vertices: [...this.vertices] };
  }

  private edgeFor(producer: Producer, consumer: string, consumerParallelism: number): JobEdge {
    // Flink's default: forward between equal parallelism, rebalance otherwise.
    const partitioner =
      producer.partitioner ?? (producer.vertex.parallelism === consumerParallelism ? { kind: 'forward' } : { kind: 'rebalance' });
    if (partitioner.kind === 'forward' && producer.vertex.parallelism !== consumerParallelism) {
      throw new Error(
        `job ${this.name}: forward edge ${producer.vertex.name} -> ${consumer} needs equal parallelism (${producer.vertex.parallelism} vs ${consumerParallelism})`,
      );
    }
    return { source: producer.vertex.name, partitioner };
  }
}

/** A stream of records: the output of one or more vertices (more after a union). */
export class DataStream {
  constructor(protected readonly builder: JobBuilder, readonly producers: readonly Producer[]) {}

  map(name: string, fn: MapFunction, options?: OperatorOptions): DataStream {
    return this.then(name, { kind: 'map', function: fn }, options);
  }

  filter(name: string, fn: FilterFunction, options?: OperatorOptions): DataStream {
    return this.then(name, { kind: 'filter', function: fn }, options);
  }

  flatMap(name: string, fn: FlatMapFunction, options?: OperatorOptions): DataStream {
    return this.then(name, { kind: 'flat-map', function: fn }, options);
  }

  /** Merges streams into one input gate of the next operator (Flink's union). */
  union(...others: DataStream[]): DataStream {
    return new DataStream(this.builder, [...this.producers, ...others.flatMap((other) => other.producers)]);
  }

  rebalance(): DataStream {
    return this.withPartitioner({ kind: 'rebalance' });
  }

  broadcast(): DataStream {
    return this.withPartitioner({ kind: 'broadcast' });
  }

  forward(): DataStream {
    return this.withPartitioner({ kind: 'forward' });
  }

  keyBy(keySelector: KeySelector): KeyedStream {
    return new KeyedStream(this.builder, this.producers.map((producer) => ({ ...producer, partitioner: { kind: 'hash', keySelector } })));
  }

  /** Two inputs keyed alike, for a {@link KeyedCoProcessFunction}. */
  connect(other: DataStream): ConnectedStreams {
    return new ConnectedStreams(this.builder, this, other);
  }

  sink(name: string, kind: SinkKind, options?: OperatorOptions): void {
    this.then(name, { kind: 'sink', sink: kind }, options);
  }

  /**
   * Flink's `sinkTo` with a Sink V2 that has a committer: a writer vertex `name` and, forward
   * after it at the same parallelism, its committer vertex `<name>-committer`. `target` 'file'
   * makes it a FileSink (part files in the cluster's file system) instead of a KafkaSink.
   */
  sinkTo(name: string, options?: OperatorOptions, target: 'kafka' | 'file' = 'kafka'): void {
    const writer = this.then(name, { kind: 'sink', sink: target === 'file' ? 'file-sink-writer' : 'sink-v2-writer' }, options);
    writer.forward().then(`${name}-committer`, { kind: 'sink', sink: target === 'file' ? 'file-sink-committer' : 'sink-v2-committer' }, { ...options, recordCostUs: 1 });
  }

  protected then(name: string, operator: OperatorSpec, options: OperatorOptions = {}): DataStream {
    const vertex = this.builder.addVertex(name, operator, [this.producers], options);
    return new DataStream(this.builder, [{ vertex, partitioner: undefined }]);
  }

  private withPartitioner(partitioner: Partitioner): DataStream {
    return new DataStream(this.builder, this.producers.map((producer) => ({ ...producer, partitioner })));
  }
}

/** A keyed stream: keyed operators follow. */
export class KeyedStream extends DataStream {
  process(name: string, fn: KeyedProcessFunction, options?: OperatorOptions): DataStream {
    return this.then(name, { kind: 'keyed-process', function: fn }, options);
  }

  /** Emits `{key, count}` after every record: a running count per key. */
  count(name: string, options?: OperatorOptions): DataStream {
    return this.process(name, countFunction, options);
  }

  /** A tumbling event-time window per key, emitting `{key, windowStart, windowEnd, sum, count}` once per window. */
  windowSum(name: string, window: TumblingWindowSpec, options?: OperatorOptions): DataStream {
    return this.then(name, { kind: 'window', window }, options);
  }

  /** Emits `{key, value}` with the running reduction per key. */
  reduce(name: string, fn: ReduceFunction, options?: OperatorOptions): DataStream {
    return this.process(name, reduceFunction(fn), options);
  }
}

/** Two streams feeding the two input gates of one keyed co-process operator. */
export class ConnectedStreams {
  constructor(private readonly builder: JobBuilder, private readonly first: DataStream, private readonly second: DataStream) {}

  /** Keys both inputs (each with its own selector) and applies `fn`. */
  process(name: string, keys: readonly [KeySelector, KeySelector], fn: KeyedCoProcessFunction, options?: OperatorOptions): DataStream {
    const gate = (stream: DataStream, keySelector: KeySelector): Producer[] =>
      stream.producers.map((producer) => ({ ...producer, partitioner: { kind: 'hash', keySelector } }));
    const vertex = this.builder.addVertex(
      name,
      { kind: 'keyed-co-process', function: fn },
      [gate(this.first, keys[0]), gate(this.second, keys[1])],
      options ?? {},
    );
    return new DataStream(this.builder, [{ vertex, partitioner: undefined }]);
  }
}

const countFunction: KeyedProcessFunction = {
  processElement(_value, context) {
    const state = context.valueState<number>('count');
    const count = (state.value() ?? 0) + 1;
    state.update(count);
    context.emit({ key: context.currentKey, count });
  },
};

function reduceFunction(fn: ReduceFunction): KeyedProcessFunction {
  return {
    processElement(value, context) {
      const state = context.valueState<unknown>('reduce');
      const previous = state.value();
      const next = previous === undefined ? value : fn(previous, value);
      state.update(next);
      context.emit({ key: context.currentKey, value: next });
    },
  };
}
