import { consumersOf, taskName, type JobEdge, type JobGraph, type JobVertex } from '../cluster/jobgraph/job-graph.js';
import { subtaskForKey } from '../cluster/jobgraph/key-groups.js';
import { formatOrigin, type RecordOrigin } from '../cluster/jobgraph/records.js';
import type { LogRecord } from '../cluster/storage/partitioned-log.js';
import { entryIdentity } from './output-checks.js';

/**
 * The input lanes of a job's keyed operators, for the exactly-once check of order-dependent jobs
 * (interleaving-search.ts). Written apart from the runtime, like the reference model.
 *
 * Every source record is pushed through the stateless operators (map, filter, flat-map and the
 * routing of each edge) up to the first keyed operator on each path, and stops there. The records
 * reaching one key of one keyed operator form one search problem: a keyed operator's output for a
 * key depends only on the sequence of that key's records, whatever other keys do. Within a
 * problem the records fall into lanes: records that travelled the same path of subtasks and
 * channels from the same source partition keep their order (every channel is FIFO, every
 * subtask processes one input at a time), and records of different lanes may meet in any order.
 * A lane is named by source partition, the subtasks on the path and the input gate. A rebalance
 * edge picks its subtask at run time (round robin), so a record that crosses one gets a lane of
 * its own: the search then lets it move freely, which can only accept more, never reject more.
 *
 * Records that reach a sink without meeting a keyed operator are the confluent part: their
 * output does not depend on any order, and they are expected as they are.
 */

/** One record reaching a keyed operator, as the search replays it. */
export interface LaneArrival {
  readonly gate: number;
  readonly value: unknown;
  readonly origin: RecordOrigin;
  /** The origin as text, `p0@17`: what committed records are grouped by. */
  readonly originKey: string;
  /** Its place in the reference order (sources, partitions and offsets first to last), across every lane. */
  readonly sequence: number;
}

/** The records of one source partition that reach a keyed operator's key over one path, in order. */
export interface Lane {
  readonly name: string;
  readonly arrivals: LaneArrival[];
}

/** One key of one keyed operator: its lanes, whose interleavings the search explores. */
export interface InterleavingProblem {
  readonly vertex: JobVertex;
  readonly subtask: number;
  readonly key: string;
  readonly lanes: Lane[];
  /** How many of this problem's arrivals each origin has. */
  readonly arrivalsPerOrigin: Map<string, number>;
}

/** A record a sink would write: what committed records are compared with. */
export interface ProjectedEntry {
  readonly key: string | undefined;
  readonly value: unknown;
}

/** The problems of a job over its whole input, and its confluent output. */
export interface InterleavingModel {
  /** In the order their first record was met (source by source, partition by partition, offset by offset). */
  readonly problems: readonly InterleavingProblem[];
  /** Origin -> identity (see entryIdentity) -> how many times the confluent part writes it. */
  readonly confluent: Map<string, Map<string, number>>;
  /** Origin -> the problems (indices) with an arrival of it. */
  readonly problemsOfOrigin: Map<string, number[]>;
  /** The sink records one value emitted by a keyed operator becomes, through the stateless operators below it. */
  project(vertex: JobVertex, value: unknown): ProjectedEntry[];
}

/** Why a job is outside what the search can judge; undefined when it can. */
export function unsupportedShape(job: JobGraph): string | undefined {
  const keyedAbove = new Set<string>();
  for (const vertex of job.vertices) {
    const fed = vertex.inputs.flat().some((edge) => keyedAbove.has(edge.source));
    if (fed && isKeyed(vertex)) return `keyed operator ${vertex.name} reads the output of another keyed operator: the search covers one layer of keyed operators`;
    if (fed || isKeyed(vertex)) keyedAbove.add(vertex.name);
  }
  return undefined;
}

/** Builds the problems and the confluent output of a job whose shape {@link unsupportedShape} accepts. */
export function buildInterleavingModel(job: JobGraph): InterleavingModel {
  return new LaneBuilder(job).build();
}

function isKeyed(vertex: JobVertex): boolean {
  return vertex.operator.kind === 'keyed-process' || vertex.operator.kind === 'keyed-co-process';
}

/** A record on its way to a keyed operator, with the path it took. */
interface Travelling {
  readonly key: string | undefined;
  readonly value: unknown;
  readonly path: string;
}

class LaneBuilder {
  private readonly consumers = new Map<string, Array<{ vertex: JobVertex; gate: number; edge: JobEdge }>>();
  private readonly problems: InterleavingProblem[] = [];
  private readonly problemIndex = new Map<string, number>();
  private readonly laneIndex = new Map<string, Lane>();
  private readonly confluent = new Map<string, Map<string, number>>();
  private readonly problemsOfOrigin = new Map<string, number[]>();
  /** Numbers the subtasks a rebalance edge picks at run time, so each such record has a lane of its own. */
  private unknownSubtasks = 0;
  private arrivals = 0;
  private origin: RecordOrigin = { partition: -1, offset: -1 };
  private originKey = '';

  constructor(private readonly job: JobGraph) {
    for (const vertex of job.vertices) this.consumers.set(vertex.name, consumersOf(job, vertex.name));
  }

  build(): InterleavingModel {
    let firstPartition = 0;
    for (const vertex of this.job.vertices) {
      if (vertex.operator.kind !== 'source') continue;
      const partitions = vertex.operator.partitions;
      for (let local = 0; local < partitions.length; local++) {
        const partition = partitions[local]!;
        const global = firstPartition + local;
        // The replayable source assigns local partition p to subtask p mod parallelism. A FLIP-27
        // reader's split may go to any subtask; the name is the same, as it only tells lanes
        // apart: in a failure-free run one reader reads a partition's split from start to end,
        // so a partition's records keep their order whichever subtask reads them.
        const path = `p${global}>${taskName(vertex.name, local % vertex.parallelism)}`;
        for (let offset = 0; offset < partition.length; offset++) {
          const entry = partition.at(offset) as LogRecord;
          this.origin = { partition: global, offset };
          this.originKey = formatOrigin(this.origin);
          this.emit(vertex, local % vertex.parallelism, { key: entry.key, value: entry.value, path });
        }
      }
      firstPartition += partitions.length;
    }
    return {
      problems: this.problems,
      confluent: this.confluent,
      problemsOfOrigin: this.problemsOfOrigin,
      project: (vertex, value) => this.project(vertex, value),
    };
  }

  /** Sends a record produced by a subtask of `producer` (undefined: unknown) along its output edges. */
  private emit(producer: JobVertex, subtask: number | undefined, record: Travelling): void {
    for (const { vertex, gate, edge } of this.consumers.get(producer.name) ?? []) {
      switch (edge.partitioner.kind) {
        case 'hash': {
          const key = edge.partitioner.keySelector(record.value);
          this.deliver(vertex, subtaskForKey(key, vertex.maxParallelism, vertex.parallelism), gate, { ...record, key });
          break;
        }
        case 'forward':
          this.deliver(vertex, subtask, gate, record);
          break;
        case 'broadcast':
          for (let copy = 0; copy < vertex.parallelism; copy++) this.deliver(vertex, copy, gate, record);
          break;
        case 'rebalance':
          this.deliver(vertex, undefined, gate, record);
      }
    }
  }

  private deliver(vertex: JobVertex, subtask: number | undefined, gate: number, record: Travelling): void {
    const spec = vertex.operator;
    const hop = subtask === undefined ? `${vertex.name}#?${this.unknownSubtasks++}` : taskName(vertex.name, subtask);
    const path = `${record.path}>${hop}`;
    switch (spec.kind) {
      case 'keyed-process':
      case 'keyed-co-process':
        if (record.key === undefined) throw new Error(`interleaving lanes: record ${this.originKey} reaches keyed ${vertex.name} without a key`);
        if (subtask === undefined) throw new Error(`interleaving lanes: record ${this.originKey} reaches keyed ${vertex.name} without a known subtask`);
        this.arrive(vertex, subtask, record.key, `${path}/gate${gate}`, gate, record.value);
        return;
      case 'sink':
        if (spec.sink !== 'upsert') this.addConfluent(record);
        return;
      case 'source':
        throw new Error(`interleaving lanes: source ${vertex.name} has an input`);
      case 'map':
        this.emit(vertex, subtask, { key: undefined, value: spec.function(record.value), path });
        return;
      case 'filter':
        if (spec.function(record.value)) this.emit(vertex, subtask, { key: undefined, value: record.value, path });
        return;
      case 'flat-map':
        for (const value of spec.function(record.value)) this.emit(vertex, subtask, { key: undefined, value, path });
    }
  }

  private arrive(vertex: JobVertex, subtask: number, key: string, laneName: string, gate: number, value: unknown): void {
    const problemName = `${vertex.name}\u0000${key}`;
    let index = this.problemIndex.get(problemName);
    if (index === undefined) {
      index = this.problems.length;
      this.problemIndex.set(problemName, index);
      this.problems.push({ vertex, subtask, key, lanes: [], arrivalsPerOrigin: new Map() });
    }
    const problem = this.problems[index]!;
    const laneKey = `${index}\u0000${laneName}`;
    let lane = this.laneIndex.get(laneKey);
    if (lane === undefined) {
      lane = { name: laneName, arrivals: [] };
      this.laneIndex.set(laneKey, lane);
      problem.lanes.push(lane);
    }
    lane.arrivals.push({ gate, value, origin: this.origin, originKey: this.originKey, sequence: this.arrivals++ });
    problem.arrivalsPerOrigin.set(this.originKey, (problem.arrivalsPerOrigin.get(this.originKey) ?? 0) + 1);
    const owners = this.problemsOfOrigin.get(this.originKey);
    if (owners === undefined) this.problemsOfOrigin.set(this.originKey, [index]);
    else if (owners[owners.length - 1] !== index) owners.push(index);
  }

  private addConfluent(record: ProjectedEntry): void {
    let counts = this.confluent.get(this.originKey);
    if (counts === undefined) this.confluent.set(this.originKey, (counts = new Map()));
    const identity = entryIdentity(record);
    counts.set(identity, (counts.get(identity) ?? 0) + 1);
  }

  /** The sink records a value emitted by keyed `vertex` becomes (no keyed operator lies below it: see unsupportedShape). */
  private project(vertex: JobVertex, value: unknown): ProjectedEntry[] {
    const result: ProjectedEntry[] = [];
    this.projectFrom(vertex, { key: undefined, value }, result);
    return result;
  }

  private projectFrom(producer: JobVertex, record: ProjectedEntry, result: ProjectedEntry[]): void {
    for (const { vertex, edge } of this.consumers.get(producer.name) ?? []) {
      const partitioner = edge.partitioner;
      const routed = partitioner.kind === 'hash' ? { key: partitioner.keySelector(record.value), value: record.value } : record;
      const copies = partitioner.kind === 'broadcast' ? vertex.parallelism : 1;
      for (let copy = 0; copy < copies; copy++) this.projectInto(vertex, routed, result);
    }
  }

  private projectInto(vertex: JobVertex, record: ProjectedEntry, result: ProjectedEntry[]): void {
    const spec = vertex.operator;
    switch (spec.kind) {
      case 'sink':
        if (spec.sink !== 'upsert') result.push(record);
        return;
      case 'map':
        this.projectFrom(vertex, { key: undefined, value: spec.function(record.value) }, result);
        return;
      case 'filter':
        if (spec.function(record.value)) this.projectFrom(vertex, { key: undefined, value: record.value }, result);
        return;
      case 'flat-map':
        for (const value of spec.function(record.value)) this.projectFrom(vertex, { key: undefined, value }, result);
        return;
      default:
        throw new Error(`interleaving lanes: ${spec.kind} ${vertex.name} below a keyed operator`);
    }
  }
}
