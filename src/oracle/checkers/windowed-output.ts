import { taskName, type JobGraph, type JobVertex } from '../../cluster/jobgraph/job-graph.js';
import { windowStartFor, type TumblingWindowSpec } from '../../cluster/jobgraph/event-time.js';
import type { LogRecord } from '../../cluster/storage/partitioned-log.js';
import { windowTimerStateName } from '../../cluster/task/event-time/window-operator.js';
import type { Observation } from '../../cluster/observations.js';
import type { Violation } from '../violation.js';
import { FirstViolation, type Checker, type CheckerContext, type FinalState } from './checker.js';

/**
 * windowed-output: what the event-time windows of a job committed, judged from the input alone.
 *
 * From the source records each window vertex reads (through hash edges straight from sources),
 * the checker computes what every (key, window) must emit: the sum and count of its records. A
 * completed stop-with-savepoint --drain ends event time early (MAX_WATERMARK fires every window
 * before the savepoint), and the run resumed from that savepoint fires the rest of those windows
 * again: so the input is cut into segments at each drained savepoint's source offsets, and every
 * segment's windows are expected separately. Then, once the job finished:
 * - EXACTLY_ONCE: the committed window results equal the expected ones as a multiset: no window
 *   lost, none fired twice, none fired early (with part of its records) or with a late record
 *   dropped. Lost and duplicated results are listed as `missing` / `extra` for known gaps.
 * - AT_LEAST_ONCE, or a non-transactional (at-least-once) sink: a restore may replay records
 *   already in a window's state or results already written, so a window may fire with more than
 *   its records, or twice; it is still never lost, nor fired with fewer.
 * Independently of the output: a drained savepoint holds no event-time timer (every one fired
 * before it), as Flink's drain promises.
 *
 * Limits: window vertices fed other than by hash edges from sources are not judged; the
 * window's output is recognised in the sinks by its `windowStart` field.
 */
export function createWindowedOutputChecker(context: CheckerContext): Checker {
  return new WindowedOutputChecker(context);
}

interface JudgedWindow {
  readonly vertex: JobVertex;
  readonly spec: TumblingWindowSpec;
  /** The sources it reads straight from, with their key selectors. */
  readonly inputs: ReadonlyArray<{ readonly source: JobVertex; readonly keyOf: (value: unknown) => string }>;
}

/** The window results a (key, window) must or did emit, as `sum/count` texts. */
type ResultsByWindow = Map<string, string[]>;

class WindowedOutputChecker implements Checker {
  readonly property = 'windowed-output' as const;
  private readonly first = new FirstViolation('windowed-output');
  private readonly windows: JudgedWindow[];
  /** Source vertex name -> global number of its partition 0. */
  private readonly firstPartition = new Map<string, number>();
  private readonly sourceTasks = new Set<string>();
  private readonly windowTasks = new Set<string>();
  private readonly syncSavepoints = new Set<number>();
  /** Sync savepoint id -> global partition -> source offset in its snapshot. */
  private readonly savepointOffsets = new Map<number, Map<number, number>>();
  /** Sync savepoint id -> a window task whose snapshot held timers, with how many. */
  private readonly savepointTimers = new Map<number, { task: string; timers: number }>();
  /** A stop-with-savepoint --drain was asked for and not answered yet: its savepoint drains. */
  private drainRequested = false;
  /** Synchronous savepoints triggered for a stop-with-savepoint --drain. */
  private readonly drainingSavepoints = new Set<number>();
  /** Completed stop-with-savepoint --drain savepoints, in order. */
  private readonly drainedSavepoints: number[] = [];
  private jobMasterFailoverAfterDrain = false;

  constructor(private readonly context: CheckerContext) {
    const job = context.job;
    let first = 0;
    for (const vertex of job.vertices) {
      if (vertex.operator.kind !== 'source') continue;
      this.firstPartition.set(vertex.name, first);
      first += vertex.operator.partitions.length;
      for (let index = 0; index < vertex.parallelism; index++) this.sourceTasks.add(taskName(vertex.name, index));
    }
    this.windows = judgedWindows(job);
    for (const window of this.windows) for (let index = 0; index < window.vertex.parallelism; index++) this.windowTasks.add(taskName(window.vertex.name, index));
  }

  observe(observation: Observation): void {
    switch (observation.type) {
      case 'checkpoint-triggered':
        if (observation.checkpointType !== 'sync-savepoint') return;
        this.syncSavepoints.add(observation.checkpointId);
        if (this.drainRequested) this.drainingSavepoints.add(observation.checkpointId);
        return;
      case 'job-operation-requested':
        if (observation.operation === 'stop-with-savepoint-drain') this.drainRequested = true;
        return;
      case 'checkpoint-completed':
        // A completed drained savepoint is a cut even when the stop then fails (a task failing
        // after it, FLINK-26783): its windows fired and commit, and the run resumed from it fires the rest.
        if (!this.drainingSavepoints.has(observation.checkpointId)) return;
        this.drainedSavepoints.push(observation.checkpointId);
        this.checkDrainedTimers(observation.checkpointId, observation.timeUs);
        return;
      case 'snapshot-taken': {
        if (!this.syncSavepoints.has(observation.checkpointId)) return;
        if (this.sourceTasks.has(observation.task)) {
          let offsets = this.savepointOffsets.get(observation.checkpointId);
          if (offsets === undefined) this.savepointOffsets.set(observation.checkpointId, (offsets = new Map()));
          for (const [partition, offset] of Object.entries(observation.content.operator)) offsets.set(Number(partition), offset as number);
        } else if (this.windowTasks.has(observation.task)) {
          const timers = countTimers(observation.content.keyed?.[windowTimerStateName]);
          if (timers > 0) this.savepointTimers.set(observation.checkpointId, { task: observation.task, timers });
        }
        return;
      }
      case 'job-operation-answered':
        if (observation.operation === 'stop-with-savepoint-drain') this.drainRequested = false;
        return;
      case 'jobmaster-started':
        if (observation.leaderEpoch > 1 && this.drainedSavepoints.length > 0) this.jobMasterFailoverAfterDrain = true;
        return;
      default:
        return;
    }
  }

  finish(final: FinalState): Violation[] {
    if (!this.first.found && final.jobStatus === 'FINISHED' && final.committedOutput !== undefined && this.windows.length > 0) {
      this.judgeOutput(final.committedOutput, final.endUs);
    }
    return this.first.list();
  }

  /** Flink's drain fires every event-time timer before the savepoint: none may be in it. */
  private checkDrainedTimers(checkpointId: number, timeUs: number): void {
    const held = this.savepointTimers.get(checkpointId);
    if (held === undefined) return;
    this.first.report(
      `stop-with-savepoint --drain completed savepoint ${checkpointId} with ${held.timers} event-time timer(s) still pending in ${held.task}: the drain did not advance event time to its end before the savepoint`,
      timeUs,
      { checkpointId, task: held.task, timers: held.timers },
    );
  }

  private judgeOutput(committed: ReadonlyArray<{ readonly value: unknown }>, timeUs: number): void {
    const expected = this.expectedResults();
    const actual: ResultsByWindow = new Map();
    for (const entry of committed) {
      const value = entry.value as { key?: unknown; windowStart?: unknown; sum?: unknown; count?: unknown } | null;
      if (value === null || typeof value !== 'object' || typeof value.windowStart !== 'number') continue;
      push(actual, windowName(String(value.key), value.windowStart), `${String(value.sum)}/${String(value.count)}`);
    }
    // Without a transactional sink, or without aligned barriers, a restore replays what was already written or absorbed.
    const atLeastOnce = this.context.checkpoint.mode === 'AT_LEAST_ONCE' || this.context.job.vertices.some((vertex) => vertex.operator.kind === 'sink' && vertex.operator.sink === 'at-least-once');
    const violation = atLeastOnce ? compareAtLeastOnce(expected, actual) : compareExactlyOnce(expected, actual);
    if (violation === undefined) return;
    const knownGap = this.jobMasterFailoverAfterDrain ? { knownGap: 'stop-with-savepoint-failover' } : {};
    this.first.report(violation.message, timeUs, { ...violation.details, drainedSavepoints: [...this.drainedSavepoints], ...knownGap });
  }

  /** Every (key, window) result the input demands: one per window and segment it has records in. */
  private expectedResults(): ResultsByWindow {
    const expected: ResultsByWindow = new Map();
    const segments = this.drainedSavepoints.length + 1;
    for (const window of this.windows) {
      for (let segment = 0; segment < segments; segment++) {
        const sums = new Map<string, { sum: number; count: number }>();
        for (const { source, keyOf } of window.inputs) {
          if (source.operator.kind !== 'source') continue;
          const firstPartition = this.firstPartition.get(source.name) as number;
          source.operator.partitions.forEach((partition, local) => {
            const ends = [...this.segmentEnds(firstPartition + local, partition.length), partition.length];
            // A drained savepoint's offsets never go back; should one, its segment is empty.
            const from = segment === 0 ? 0 : (ends[segment - 1] as number);
            const to = Math.max(from, ends[segment] as number);
            for (let offset = from; offset < to; offset++) {
              const value = (partition.at(offset) as LogRecord).value;
              const name = windowName(keyOf(value), windowStartFor(window.spec.timestampOf(value), window.spec.sizeMs));
              const accumulator = sums.get(name) ?? { sum: 0, count: 0 };
              accumulator.sum += window.spec.amountOf(value);
              accumulator.count++;
              sums.set(name, accumulator);
            }
          });
        }
        for (const [name, accumulator] of sums) push(expected, name, `${accumulator.sum}/${accumulator.count}`);
      }
    }
    return expected;
  }

  /** The drained savepoints' source offsets in `partition`, in order: where its segments end. */
  private segmentEnds(partition: number, length: number): number[] {
    return this.drainedSavepoints.map((id) => this.savepointOffsets.get(id)?.get(partition) ?? length);
  }
}

/** Window vertices whose every input edge is a hash edge straight from a source. */
function judgedWindows(job: JobGraph): JudgedWindow[] {
  const byName = new Map(job.vertices.map((vertex) => [vertex.name, vertex]));
  const result: JudgedWindow[] = [];
  for (const vertex of job.vertices) {
    if (vertex.operator.kind !== 'window') continue;
    const inputs: Array<{ source: JobVertex; keyOf: (value: unknown) => string }> = [];
    let judgeable = true;
    for (const edge of vertex.inputs.flat()) {
      const source = byName.get(edge.source);
      if (source?.operator.kind !== 'source' || edge.partitioner.kind !== 'hash') judgeable = false;
      else inputs.push({ source, keyOf: edge.partitioner.keySelector });
    }
    if (judgeable) result.push({ vertex, spec: vertex.operator.window, inputs });
  }
  return result;
}

function countTimers(state: Readonly<Record<string, unknown>> | undefined): number {
  let total = 0;
  for (const timestamps of Object.values(state ?? {})) total += Array.isArray(timestamps) ? timestamps.length : 0;
  return total;
}

function windowName(key: string, windowStart: number): string {
  return `${key}@${windowStart}`;
}

function push(results: ResultsByWindow, name: string, result: string): void {
  const list = results.get(name);
  if (list === undefined) results.set(name, [result]);
  else list.push(result);
}

/** Compares as multisets per window: anything committed but not expected, or expected but not committed. */
function compareExactlyOnce(expected: ResultsByWindow, actual: ResultsByWindow): { message: string; details: Record<string, unknown> } | undefined {
  const missing: string[] = [];
  const extra: string[] = [];
  let firstProblem: string | undefined;
  for (const name of [...new Set([...expected.keys(), ...actual.keys()])].sort()) {
    const want = [...(expected.get(name) ?? [])].sort();
    const have = [...(actual.get(name) ?? [])].sort();
    const left = [...have];
    const lost: string[] = [];
    for (const result of want) {
      const index = left.indexOf(result);
      if (index >= 0) left.splice(index, 1);
      else lost.push(result);
    }
    for (const result of lost) missing.push(`${name}=${result}`);
    for (const result of left) extra.push(`${name}=${result}`);
    if (firstProblem !== undefined || (lost.length === 0 && left.length === 0)) continue;
    firstProblem = describe(name, want, have);
  }
  if (firstProblem === undefined) return undefined;
  return {
    message: `committed window results differ from what the input demands: ${missing.length} expected result(s) not committed, ${extra.length} committed unexpectedly; first: ${firstProblem}`,
    details: { missing: missing.slice(0, 20), extra: extra.slice(0, 20), missingCount: missing.length, extraCount: extra.length },
  };
}

/** At least once: every expected result is covered by a committed one of the same window with no fewer records. */
function compareAtLeastOnce(expected: ResultsByWindow, actual: ResultsByWindow): { message: string; details: Record<string, unknown> } | undefined {
  for (const name of [...expected.keys()].sort()) {
    const want = expected.get(name) as string[];
    const have = actual.get(name) ?? [];
    const counts = have.map((result) => Number(result.split('/')[1]));
    for (const result of want) {
      const needed = Number(result.split('/')[1]);
      if (counts.some((count) => count >= needed)) continue;
      return {
        message: `window ${name} lost records under at-least-once: expected sum/count ${result}, committed ${have.length === 0 ? 'nothing' : have.join(', ')}`,
        details: { window: name, expected: want, committed: have },
      };
    }
  }
  for (const name of [...actual.keys()].sort()) {
    if (expected.has(name)) continue;
    return { message: `window ${name} was committed (${(actual.get(name) as string[]).join(', ')}) but no input record falls in it`, details: { window: name, committed: actual.get(name) } };
  }
  return undefined;
}

function describe(name: string, want: readonly string[], have: readonly string[]): string {
  const [key, start] = name.split('@');
  const label = `window of key ${key} starting at ${start} ms`;
  if (have.length === 0) return `${label} was never committed (expected sum/count ${want.join(', ')})`;
  if (want.length === 0) return `${label} was committed (${have.join(', ')}) but no input record falls in it`;
  if (have.length > want.length && want.every((result) => have.includes(result))) return `${label} fired more than once: committed ${have.join(', ')}, expected ${want.join(', ')}`;
  return `${label} committed sum/count ${have.join(', ')}, expected ${want.join(', ')} (fired early, or with records lost or dropped as late)`;
}
