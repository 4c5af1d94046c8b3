import { taskName, type JobEdge, type JobGraph, type JobVertex } from '../cluster/jobgraph/job-graph.js';
import { subtaskForKey } from '../cluster/jobgraph/key-groups.js';
import { formatOrigin, originDigest, type StreamRecord } from '../cluster/jobgraph/records.js';
import type { LineageEntry } from '../cluster/observations.js';
import type { LogRecord } from '../cluster/storage/partitioned-log.js';
import { ReferenceKeyedState, type EmittedValueSink } from './reference-keyed-state.js';

/**
 * The reference state: what each keyed subtask must hold in a consistent snapshot, computed by
 * running the job's own functions over the source records below given offsets, without the
 * runtime. Like reference-model.ts it is written independently of the runtime's operators and
 * state backend, so a bug there is not copied here.
 *
 * Limits, by design:
 * - A keyed vertex is judged only when the reference knows which subtask each of its records
 *   reaches: every input edge is a hash or broadcast edge, or a forward edge from a vertex whose
 *   subtasks are known. A rebalance edge on the way (round-robin, runtime-dependent) makes the
 *   vertex, and everything keyed below it, unjudgeable.
 * - Records of one key are processed in a canonical order: the records below the previous
 *   call's offsets first, then the new ones by (source partition, offset); so each partition's
 *   records are processed in offset order. The runtime interleaves input channels differently,
 *   so value states are assumed to be order-insensitive across channels (counts, sums: true of
 *   every built-in scenario); list states are compared as multisets (see
 *   {@link ExpectedSubtaskState.listStates}).
 *
 * Cost: {@link ReferenceState.expectedStates} keeps one running reference state per keyed
 * subtask and advances it by the records between the previous call's offsets and the new ones,
 * so judging every checkpoint of a run costs one pass over the input, not one per checkpoint.
 * When an offset goes back (a restore to an older checkpoint, a savepoint's gap) it starts again
 * from offset 0. Only the unaligned path, which leaves in-flight records out, replays from 0.
 */

/** A record arriving at an input gate of a subtask of a stateful (keyed) vertex. */
export interface Arrival {
  readonly vertex: string;
  /** The subtask index; undefined when a rebalance edge made it unknowable. */
  readonly subtask: number | undefined;
  readonly gate: number;
  readonly record: StreamRecord;
}

/** What one keyed subtask must hold: keyed state, and the lineage of what that state absorbed. */
export interface ExpectedSubtaskState {
  readonly task: string;
  /** State name -> key -> value, names and keys sorted, state names without keys left out. */
  readonly keyed: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** State names the functions used as list state: their values are compared as multisets. */
  readonly listStates: ReadonlySet<string>;
  /** Per source partition with at least one record: count, digest sum (mod 2^32), highest offset. */
  readonly lineage: readonly LineageEntry[];
}

/** Source offsets per global partition: records at offsets below the limit are included. */
export type SourceLimits = ReadonlyMap<number, number>;

/**
 * Computes reference states and projects in-flight records through the job's stateless
 * functions. One instance per job; every method's result is a function of its arguments only
 * (the running states behind {@link expectedStates} are a cache).
 */
export class ReferenceState {
  readonly job: JobGraph;
  /** Source vertex name -> global number of its partition 0 (numbered across sources in vertex order). */
  private readonly firstPartition = new Map<string, number>();
  /** Global partition -> number of records in it. */
  private readonly partitionLengths = new Map<number, number>();
  private readonly byName = new Map<string, JobVertex>();
  private readonly consumers = new Map<string, Array<{ vertex: JobVertex; gate: number; edge: JobEdge }>>();
  private readonly judgeable = new Set<string>();
  private readonly projectable = new Set<string>();
  /** Offsets (per global partition) the running states have absorbed; undefined before the first call. */
  private runningLimits: Map<number, number> | undefined;
  /** Task name -> the running reference state of that judgeable keyed subtask, in job order. */
  private readonly running = new Map<string, RunningSubtask>();

  constructor(job: JobGraph) {
    this.job = job;
    let first = 0;
    for (const vertex of job.vertices) {
      this.byName.set(vertex.name, vertex);
      this.consumers.set(vertex.name, []);
      if (vertex.operator.kind !== 'source') continue;
      this.firstPartition.set(vertex.name, first);
      vertex.operator.partitions.forEach((partition, local) => this.partitionLengths.set(first + local, partition.length));
      first += vertex.operator.partitions.length;
    }
    for (const vertex of job.vertices) {
      vertex.inputs.forEach((edges, gate) => {
        for (const edge of edges) this.consumers.get(edge.source)?.push({ vertex, gate, edge });
      });
    }
    this.classifyVertices();
  }

  /** The global partitions a source vertex reads, ascending (none for an unknown or non-source vertex). */
  sourcePartitions(vertexName: string): number[] {
    const vertex = this.byName.get(vertexName);
    const first = this.firstPartition.get(vertexName);
    if (vertex === undefined || first === undefined || vertex.operator.kind !== 'source') return [];
    return vertex.operator.partitions.map((_, local) => first + local);
  }

  /** Number of records in a global source partition (its end offset); undefined for an unknown partition. */
  partitionLength(partition: number): number | undefined {
    return this.partitionLengths.get(partition);
  }

  /** Every global source partition, ascending. */
  get partitions(): number[] {
    return [...this.partitionLengths.keys()].sort((left, right) => left - right);
  }

  /** The vertex of a task name `vertex#index`, or undefined when the job has no such task. */
  taskVertex(task: string): { vertex: JobVertex; subtask: number } | undefined {
    const hash = task.lastIndexOf('#');
    if (hash < 0) return undefined;
    const vertex = this.byName.get(task.slice(0, hash));
    const subtask = Number(task.slice(hash + 1));
    if (vertex === undefined || !Number.isInteger(subtask) || subtask < 0 || subtask >= vertex.parallelism) return undefined;
    return { vertex, subtask };
  }

  /** True for keyed vertices whose expected state the reference can compute (see the module's limits). */
  isJudgeable(vertex: string): boolean {
    return this.judgeable.has(vertex);
  }

  /** True for judgeable keyed vertices with no keyed ancestor: in-flight records can be projected onto them. */
  isProjectable(vertex: string): boolean {
    return this.projectable.has(vertex);
  }

  /** The input gate of `consumer` that reads from `producer`; undefined when none does. */
  gateOf(consumer: string, producer: string): number | undefined {
    const gate = this.byName.get(consumer)?.inputs.findIndex((edges) => edges.some((edge) => edge.source === producer));
    return gate === undefined || gate < 0 ? undefined : gate;
  }

  /**
   * The state every judgeable keyed subtask must hold after absorbing exactly the source records
   * below `limits` (a partition missing from `limits` counts as fully read).
   *
   * @param excluded - per task, arrivals (as {@link arrivalIdentity}) to leave out of that
   *   subtask's state: the in-flight records of an unaligned checkpoint. Lineage still counts them.
   */
  expectedStates(limits: SourceLimits, excluded?: ReadonlyMap<string, ReadonlyMap<string, number>>): Map<string, ExpectedSubtaskState> {
    let anyExcluded = false;
    for (const counts of excluded?.values() ?? []) if (counts.size > 0) anyExcluded = true;
    if (anyExcluded) return this.replayFromStart(limits, excluded);
    const target = this.targetLimits(limits);
    const absorbed = this.runningLimits;
    let goesBack = false;
    if (absorbed !== undefined) for (const [partition, offset] of target) if (offset < (absorbed.get(partition) ?? 0)) goesBack = true;
    const from = goesBack ? undefined : absorbed;
    if (from === undefined) {
      this.running.clear();
      for (const vertex of this.job.vertices) {
        if (!this.judgeable.has(vertex.name)) continue;
        for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
          this.running.set(taskName(vertex.name, subtask), { state: new ReferenceKeyedState(), lineage: new ReferenceLineage() });
        }
      }
    }
    this.flow(
      (partition) => from?.get(partition) ?? 0,
      (partition) => target.get(partition) as number,
      (vertex, subtask, arrivals, collect) => {
        const running = this.running.get(taskName(vertex.name, subtask)) as RunningSubtask;
        this.runKeyed(vertex, subtask, arrivals, undefined, collect, running.state, running.lineage);
      },
    );
    this.runningLimits = target;
    const result = new Map<string, ExpectedSubtaskState>();
    for (const [task, running] of this.running) {
      result.set(task, { task, keyed: running.state.snapshot(), listStates: new Set(running.state.listStateNames), lineage: running.lineage.entries() });
    }
    return result;
  }

  /** The states over the records below `limits`, computed from offset 0 with `excluded` left out (the running states are untouched). */
  private replayFromStart(limits: SourceLimits, excluded: ReadonlyMap<string, ReadonlyMap<string, number>> | undefined): Map<string, ExpectedSubtaskState> {
    const target = this.targetLimits(limits);
    const result = new Map<string, ExpectedSubtaskState>();
    this.flow(
      () => 0,
      (partition) => target.get(partition) as number,
      (vertex, subtask, arrivals, collect) => {
        const task = taskName(vertex.name, subtask);
        const state = new ReferenceKeyedState();
        const lineage = new ReferenceLineage();
        this.runKeyed(vertex, subtask, arrivals, excluded?.get(task), collect, state, lineage);
        result.set(task, { task, keyed: state.snapshot(), listStates: state.listStateNames, lineage: lineage.entries() });
      },
    );
    return result;
  }

  /** The end offset to read to per global partition: the limit, or the partition's length when none is given. */
  private targetLimits(limits: SourceLimits): Map<number, number> {
    const target = new Map<number, number>();
    for (const [partition, length] of this.partitionLengths) target.set(partition, Math.min(limits.get(partition) ?? length, length));
    return target;
  }

  /**
   * Reads every source partition from `from` to `to`, runs the records through the stateless
   * functions and hands each judgeable keyed subtask, in job order, its arrivals; what a keyed
   * subtask emits flows on to the subtasks below it.
   */
  private flow(
    from: (partition: number) => number,
    to: (partition: number) => number,
    absorb: (vertex: JobVertex, subtask: number, arrivals: readonly Arrival[], collect: (arrival: Arrival) => void) => void,
  ): void {
    const arrivals = new Map<string, Arrival[]>();
    const collect = (arrival: Arrival): void => {
      let list = arrivals.get(arrival.vertex);
      if (list === undefined) arrivals.set(arrival.vertex, (list = []));
      list.push(arrival);
    };
    for (const vertex of this.job.vertices) {
      if (vertex.operator.kind !== 'source') continue;
      this.readSource(vertex, from, to, (subtask, record) => this.emit(vertex, subtask, record, collect));
    }
    for (const vertex of this.job.vertices) {
      if (!this.judgeable.has(vertex.name)) continue;
      const bySubtask = groupBySubtask(arrivals.get(vertex.name) ?? [], vertex.parallelism);
      arrivals.delete(vertex.name);
      bySubtask.forEach((subtaskArrivals, subtask) => absorb(vertex, subtask, subtaskArrivals, collect));
    }
  }

  /**
   * Projects records sitting at the input of `vertex`'s subtask `subtask` (gate `gate`) through
   * the downstream stateless functions and routing, up to the first stateful vertex on each path:
   * the arrivals they will cause at keyed subtasks. Records at the input of a keyed vertex arrive
   * there as they are; sinks absorb records and yield no arrival.
   */
  propagate(vertexName: string, subtask: number | undefined, gate: number, records: readonly StreamRecord[]): Arrival[] {
    const vertex = this.byName.get(vertexName);
    if (vertex === undefined) throw new Error(`reference state: job ${this.job.name} has no vertex ${vertexName}`);
    const result: Arrival[] = [];
    for (const record of records) this.deliver(vertex, subtask, gate, record, (arrival) => result.push(arrival));
    return result;
  }

  // ---- the flow ---------------------------------------------------------------------------

  private readSource(vertex: JobVertex, from: (partition: number) => number, to: (partition: number) => number, emit: (subtask: number, record: StreamRecord) => void): void {
    if (vertex.operator.kind !== 'source') return;
    const first = this.firstPartition.get(vertex.name) as number;
    vertex.operator.partitions.forEach((partition, local) => {
      const global = first + local;
      const limit = to(global);
      // The replayable source assigns local partition p to subtask p mod parallelism.
      const subtask = local % vertex.parallelism;
      for (let offset = from(global); offset < limit; offset++) {
        const entry = partition.at(offset) as LogRecord;
        emit(subtask, { key: entry.key, value: entry.value, origin: { partition: global, offset } });
      }
    });
  }

  /** Sends a record produced by `producer`'s subtask along every output edge (public for ArrivalEmitter only). */
  emit(producer: JobVertex, subtask: number | undefined, record: StreamRecord, collect: (arrival: Arrival) => void): void {
    for (const { vertex: consumer, gate, edge } of this.consumers.get(producer.name) ?? []) {
      switch (edge.partitioner.kind) {
        case 'hash': {
          const key = edge.partitioner.keySelector(record.value);
          const routed = { key, value: record.value, origin: record.origin };
          this.deliver(consumer, subtaskForKey(key, consumer.maxParallelism, consumer.parallelism), gate, routed, collect);
          break;
        }
        case 'forward':
          this.deliver(consumer, subtask, gate, record, collect);
          break;
        case 'broadcast':
          for (let index = 0; index < consumer.parallelism; index++) this.deliver(consumer, index, gate, record, collect);
          break;
        case 'rebalance':
          this.deliver(consumer, undefined, gate, record, collect);
          break;
      }
    }
  }

  /** A record reaches `vertex`'s input: stateful vertices collect it, stateless ones apply their function. */
  private deliver(vertex: JobVertex, subtask: number | undefined, gate: number, record: StreamRecord, collect: (arrival: Arrival) => void): void {
    const spec = vertex.operator;
    switch (spec.kind) {
      case 'keyed-process':
      case 'keyed-co-process':
        collect({ vertex: vertex.name, subtask, gate, record });
        return;
      case 'sink':
        return;
      case 'source':
        throw new Error(`reference state: source ${vertex.name} has no input`);
      case 'map':
        this.emit(vertex, subtask, { key: undefined, value: spec.function(record.value), origin: record.origin }, collect);
        return;
      case 'filter':
        if (spec.function(record.value)) this.emit(vertex, subtask, { key: undefined, value: record.value, origin: record.origin }, collect);
        return;
      case 'flat-map':
        for (const value of spec.function(record.value)) this.emit(vertex, subtask, { key: undefined, value, origin: record.origin }, collect);
        return;
    }
  }

  /** Runs a keyed subtask's `state` and `lineage` over its arrivals (minus `excluded`), emitting its output downstream. */
  private runKeyed(
    vertex: JobVertex,
    subtask: number,
    arrivals: readonly Arrival[],
    excluded: ReadonlyMap<string, number> | undefined,
    collect: (arrival: Arrival) => void,
    state: ReferenceKeyedState,
    lineage: ReferenceLineage,
  ): void {
    const spec = vertex.operator;
    const skip = new Map(excluded ?? []);
    let toSkip = 0;
    for (const count of skip.values()) toSkip += count;
    // Only an arrival at the gate and origin of an excluded one can be excluded: the full
    // identity (the value's canonical JSON) is written for those alone, not for every arrival.
    const skipPlaces = new Set<string>();
    for (const identity of skip.keys()) skipPlaces.add(identity.slice(0, identity.indexOf('|', identity.indexOf('|') + 1)));
    // One emitter for the whole run, reading the origin of the arrival being processed.
    const emitter = new ArrivalEmitter(this, vertex, subtask, collect);
    for (const arrival of arrivals) {
      lineage.absorb(arrival.record);
      if (toSkip > 0 && skipPlaces.has(arrivalPlace(arrival.gate, arrival.record))) {
        const identity = arrivalIdentity(arrival.gate, arrival.record);
        const left = skip.get(identity) ?? 0;
        if (left > 0) {
          skip.set(identity, left - 1);
          toSkip--;
          continue;
        }
      }
      const key = arrival.record.key;
      if (key === undefined) throw new Error(`reference state: record ${formatOrigin(arrival.record.origin)} reaches keyed ${vertex.name} without a key`);
      emitter.origin = arrival.record.origin;
      const context = state.contextFor(key, emitter);
      if (spec.kind === 'keyed-process') spec.function.processElement(arrival.record.value, context);
      else if (spec.kind === 'keyed-co-process') {
        if (arrival.gate === 0) spec.function.processElement1(arrival.record.value, context);
        else spec.function.processElement2(arrival.record.value, context);
      }
    }
  }

  // ---- what the reference can judge --------------------------------------------------------

  /** Decides, in topological order, which keyed vertices are judgeable and projectable. */
  private classifyVertices(): void {
    const reliable = new Set<string>();
    const subtaskKnown = new Set<string>();
    const keyedAncestor = new Set<string>();
    for (const vertex of this.job.vertices) {
      const edges = vertex.inputs.flat();
      const inputsReliable = edges.every((edge) => reliable.has(edge.source));
      const subtasksKnown = edges.every((edge) => edgeKnowsSubtask(edge, subtaskKnown));
      const hasKeyedAncestor = edges.some((edge) => keyedAncestor.has(edge.source) || isKeyed(this.byName.get(edge.source)));
      if (hasKeyedAncestor) keyedAncestor.add(vertex.name);
      switch (vertex.operator.kind) {
        case 'source':
          reliable.add(vertex.name);
          subtaskKnown.add(vertex.name);
          break;
        case 'keyed-process':
        case 'keyed-co-process':
          if (inputsReliable && subtasksKnown) {
            this.judgeable.add(vertex.name);
            reliable.add(vertex.name);
            subtaskKnown.add(vertex.name);
            if (!hasKeyedAncestor) this.projectable.add(vertex.name);
          }
          break;
        case 'sink':
        // A window's state depends on event time (which windows fired), not on the input alone.
        case 'window':
          break;
        default:
          if (inputsReliable) reliable.add(vertex.name);
          if (subtasksKnown) subtaskKnown.add(vertex.name);
      }
    }
  }
}

/** The running reference state of one judgeable keyed subtask. */
interface RunningSubtask {
  readonly state: ReferenceKeyedState;
  readonly lineage: ReferenceLineage;
}

function edgeKnowsSubtask(edge: JobEdge, subtaskKnown: ReadonlySet<string>): boolean {
  switch (edge.partitioner.kind) {
    case 'hash':
    case 'broadcast':
      return true;
    case 'forward':
      return subtaskKnown.has(edge.source);
    case 'rebalance':
      return false;
  }
}

function isKeyed(vertex: JobVertex | undefined): boolean {
  return vertex?.operator.kind === 'keyed-process' || vertex?.operator.kind === 'keyed-co-process';
}

function groupBySubtask(arrivals: readonly Arrival[], parallelism: number): Arrival[][] {
  const groups: Arrival[][] = Array.from({ length: parallelism }, () => []);
  for (const arrival of arrivals) {
    if (arrival.subtask === undefined) throw new Error(`reference state: a record for ${arrival.vertex} has no known subtask`);
    (groups[arrival.subtask] as Arrival[]).push(arrival);
  }
  return groups;
}

/** The identity of a record at a gate, for multiset arithmetic on arrivals: gate, origin, key and value. */
export function arrivalIdentity(gate: number, record: StreamRecord): string {
  return `${arrivalPlace(gate, record)}|${record.key ?? ''}|${canonicalJson(record.value)}`;
}

/** The start of {@link arrivalIdentity}, up to its second `|`: gate and origin (neither holds a `|`). */
function arrivalPlace(gate: number, record: StreamRecord): string {
  return `${gate}|${formatOrigin(record.origin)}`;
}

/** A JSON text with object keys sorted at every level: equal values give equal texts. */
export function canonicalJson(value: unknown): string {
  // The checkers call this for every key of every snapshot: plain data is written directly,
  // without the sorted copy; anything else (a class instance, a toJSON) takes the copy, whose
  // text the direct writer reproduces exactly for plain data.
  return writePlain(value, true) ?? JSON.stringify(sortKeys(value)) ?? 'undefined';
}

/**
 * The text JSON.stringify(sortKeys(value)) gives, for plain data (primitives, arrays, objects
 * whose prototype is Object's or null, without an own toJSON); undefined for anything else.
 * `top` marks the value itself, where undefined, a function or a symbol has no text at all.
 */
function writePlain(value: unknown, top: boolean): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'undefined':
    case 'function':
    case 'symbol':
      return top ? undefined : 'null';
    case 'bigint':
      return undefined;
    default:
      break;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index++) {
      const item = writePlain(value[index], false);
      if (item === undefined) return undefined;
      text += index === 0 ? item : `,${item}`;
    }
    return `${text}]`;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, 'toJSON')) return undefined;
  let text = '{';
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const field = record[key];
    // JSON leaves out fields whose value has no text.
    if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
    const item = writePlain(field, false);
    if (item === undefined) return undefined;
    text += `${first ? '' : ','}${JSON.stringify(key)}:${item}`;
    first = false;
  }
  return `${text}}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

/** Adds lineage entries (count and digest sum add, highest offset is the max): state plus in-flight records. */
export function addLineage(left: readonly LineageEntry[], right: readonly LineageEntry[]): LineageEntry[] {
  const sums = new Map<number, { count: number; digestSum: number; maxOffset: number }>();
  for (const entry of [...left, ...right]) {
    const sum = sums.get(entry.partition) ?? { count: 0, digestSum: 0, maxOffset: -1 };
    sum.count += entry.count;
    sum.digestSum = (sum.digestSum + entry.digestSum) | 0;
    sum.maxOffset = Math.max(sum.maxOffset, entry.maxOffset);
    sums.set(entry.partition, sum);
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([partition, sum]) => ({ partition, ...sum }));
}

/** The lineage of a list of records. */
export function lineageOf(records: readonly StreamRecord[]): LineageEntry[] {
  const lineage = new ReferenceLineage();
  for (const record of records) lineage.absorb(record);
  return lineage.entries();
}

/** Lineage as the reference counts it: per source partition, count, digest sum mod 2^32, highest offset. */
class ReferenceLineage {
  private readonly byPartition = new Map<number, { count: number; digestSum: number; maxOffset: number }>();

  absorb(record: StreamRecord): void {
    const { partition, offset } = record.origin;
    const entry = this.byPartition.get(partition) ?? { count: 0, digestSum: 0, maxOffset: -1 };
    entry.count += 1;
    entry.digestSum = (entry.digestSum + originDigest(record.origin)) | 0;
    entry.maxOffset = Math.max(entry.maxOffset, offset);
    this.byPartition.set(partition, entry);
  }

  entries(): LineageEntry[] {
    return [...this.byPartition.entries()].sort((a, b) => a[0] - b[0]).map(([partition, entry]) => ({ partition, ...entry }));
  }
}

/** Sends what a keyed subtask emits downstream, with the origin of the arrival being processed. */
class ArrivalEmitter implements EmittedValueSink {
  origin: StreamRecord['origin'] = { partition: -1, offset: -1 };

  constructor(
    private readonly model: ReferenceState,
    private readonly vertex: JobVertex,
    private readonly subtask: number,
    private readonly collect: (arrival: Arrival) => void,
  ) {}

  accept(value: unknown): void {
    this.model.emit(this.vertex, this.subtask, { key: undefined, value, origin: this.origin }, this.collect);
  }
}
