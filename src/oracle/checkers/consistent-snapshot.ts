import type { SnapshotType } from '../../cluster/checkpoint/types.js';
import { taskName } from '../../cluster/jobgraph/job-graph.js';
import { formatOrigin, type StreamRecord } from '../../cluster/jobgraph/records.js';
import type { ChannelStateRecord, LineageEntry, ObservedEnumeratorState, Observation, SnapshotContent } from '../../cluster/observations.js';
import {
  ReferenceState,
  addLineage,
  arrivalIdentity,
  canonicalJson,
  lineageOf,
  type Arrival,
  type ExpectedSubtaskState,
} from '../reference-state.js';
import { FirstViolation, restorableCheckpointId, type Checker, type CheckerContext } from './checker.js';
import { StopSavepointCutRule } from './stop-savepoint-cut.js';
import { withParallelism } from '../../cluster/rescaling/rescaled-job.js';

/**
 * consistent-snapshot: every COMPLETED checkpoint is a consistent cut. Its source snapshots fix
 * an offset per source partition; each judgeable keyed subtask's snapshot must then hold exactly
 * what the job's functions compute from the records below those offsets (reference-state.ts).
 *
 * - Aligned checkpoint (EXACTLY_ONCE): the snapshot's lineage equals the reference lineage per
 *   partition (count, digest sum, highest offset) and its keyed state equals the reference state
 *   (canonical JSON per state name and key; list states as multisets). A snapshot whose highest
 *   offset of a partition is at or above the source offset holds a record from after the barrier,
 *   and is named.
 * - Unaligned checkpoint (a snapshot-taken with `unaligned`, or any channel-state-persisted): the
 *   in-flight records that will still reach the subtask (its own persisted input, and the
 *   persisted input and output of upstream tasks projected through the stateless functions and
 *   routing) are added to the snapshot's lineage, and the sum must equal the reference lineage;
 *   the keyed state must equal the reference over the records before the barrier minus those in
 *   flight. Any persisted in-flight record from after the barrier is named. Limit: keyed vertices
 *   below another keyed vertex cannot have upstream in-flight records projected onto them (that
 *   would need the upstream state), so in unaligned checkpoints they are not judged.
 * - AT_LEAST_ONCE: the tracker lets records from after the barrier in, so only "nothing before
 *   the barrier is missing" holds: per partition, the snapshot's count is at least the reference's.
 * - Every task the completion lists as acknowledged must have published a snapshot-taken.
 *
 * Channel state is read when the checkpoint completes, from the latest channel-state-persisted of
 * each task: the runtime's observation carries the list the asynchronous part keeps filling until
 * the upload, so it is complete only by then. Sources, stateless operators and sinks are not
 * judged by state (their in-flight records are, for records from after the barrier).
 * - After a job-rescaled, checkpoints are judged against the reference of the job at the new
 *   parallelism (the runtime's lineage per key group follows the key groups across the rescale).
 * - A job stopped with a savepoint ends at that cut: no source emits past a completed
 *   stop-with-savepoint savepoint it took ({@link StopSavepointCutRule}).
 */
export function createConsistentSnapshotChecker(context: CheckerContext): Checker {
  // A rescale (job-rescaled) runs the next job run at another parallelism: its checkpoints are
  // judged by the reference of the job at that parallelism.
  let reference = new ReferenceState(context.job);
  const violation = new FirstViolation('consistent-snapshot');
  const pending = new Map<number, PendingCheckpoint>();
  const atLeastOnce = context.checkpoint.mode === 'AT_LEAST_ONCE';
  const stopCut = new StopSavepointCutRule(violation);
  return {
    property: 'consistent-snapshot',
    observe(observation: Observation): void {
      if (violation.found) return;
      stopCut.observe(observation);
      switch (observation.type) {
        case 'checkpoint-triggered':
          pending.set(observation.checkpointId, { type: observation.checkpointType, snapshots: new Map(), channelState: new Map(), enumerators: new Map() });
          return;
        case 'enumerator-snapshot-taken':
          pending.get(observation.checkpointId)?.enumerators.set(observation.operator, observation.state);
          return;
        case 'snapshot-taken': {
          const entry = pending.get(observation.checkpointId);
          const held = entry?.snapshots.get(observation.task);
          if (entry === undefined || (held !== undefined && held.attempt > observation.attempt)) return;
          entry.snapshots.set(observation.task, { attempt: observation.attempt, unaligned: observation.unaligned, content: observation.content });
          return;
        }
        case 'channel-state-persisted':
          pending.get(observation.checkpointId)?.channelState.set(observation.task, observation.records);
          return;
        case 'checkpoint-aborted':
          pending.delete(observation.checkpointId);
          return;
        case 'job-rescaled':
          reference = new ReferenceState(withParallelism(context.job, new Map(Object.entries(observation.parallelism))));
          return;
        case 'jobmaster-started':
          // A new JobMaster starts with no pending checkpoint: whatever the old one had is gone.
          pending.clear();
          return;
        case 'checkpoint-store-write-failed':
        case 'checkpoint-completed': {
          // A checkpoint whose HA write may have landed is judged as a completed one.
          const checkpointId = restorableCheckpointId(observation);
          if (checkpointId === undefined) return;
          const entry = pending.get(checkpointId);
          pending.delete(checkpointId);
          if (entry === undefined) return;
          const judge = new CheckpointJudge(reference, violation, checkpointId, entry, observation.timeUs, atLeastOnce);
          judge.run(observation.acknowledgedTasks);
          return;
        }
        default:
          return;
      }
    },
    finish() {
      pending.clear();
      return violation.list();
    },
  };
}

interface TakenSnapshot {
  readonly attempt: number;
  readonly unaligned: boolean;
  readonly content: SnapshotContent;
}

interface PendingCheckpoint {
  readonly type: SnapshotType;
  readonly snapshots: Map<string, TakenSnapshot>;
  readonly channelState: Map<string, readonly ChannelStateRecord[]>;
  /** FLIP-27 sources: the split enumerator's state per source vertex, taken before the tasks' snapshots. */
  readonly enumerators: Map<string, ObservedEnumeratorState>;
}

/** Judges one completed checkpoint; reports the first inconsistency and stops. */
class CheckpointJudge {
  private readonly limits = new Map<number, number>();

  constructor(
    private readonly reference: ReferenceState,
    private readonly violation: FirstViolation,
    private readonly checkpointId: number,
    private readonly entry: PendingCheckpoint,
    private readonly timeUs: number,
    private readonly atLeastOnce: boolean,
  ) {}

  run(acknowledgedTasks: readonly string[]): void {
    for (const task of acknowledgedTasks) {
      if (this.entry.snapshots.has(task)) continue;
      return this.report(`${task} acknowledged checkpoint ${this.checkpointId} but published no snapshot-taken for it`, { task });
    }
    if (!this.readSourceLimits()) return;
    if (!this.checkChannelStateOrigins()) return;
    const keyedTasks = this.keyedTasks();
    if (keyedTasks.length === 0) return;
    const expected = this.reference.expectedStates(this.limits);
    const unaligned = this.entry.channelState.size > 0 || [...this.entry.snapshots.values()].some((snapshot) => snapshot.unaligned);
    if (this.atLeastOnce) {
      for (const task of keyedTasks) if (!this.checkNothingMissing(task, expected)) return;
    } else if (!unaligned) {
      for (const task of keyedTasks) if (!this.checkAligned(task, expected)) return;
    } else {
      this.checkUnaligned(keyedTasks.filter((task) => this.reference.isProjectable(this.reference.taskVertex(task)?.vertex.name ?? '')), expected);
    }
  }

  /** Source offsets per partition from the source snapshots; partitions of finished sources count as fully read. */
  private readSourceLimits(): boolean {
    for (const [task, snapshot] of this.entry.snapshots) {
      if (this.reference.taskVertex(task)?.vertex.operator.kind !== 'source') continue;
      for (const [partitionText, offset] of Object.entries(snapshot.content.operator)) {
        const partition = Number(partitionText);
        const length = this.reference.partitionLength(partition);
        if (length === undefined || typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset > length) {
          this.report(`${task}'s snapshot in checkpoint ${this.checkpointId} holds offset ${JSON.stringify(offset)} for partition ${partitionText}, which is not a valid offset (partition length ${length ?? 'unknown'})`, { task, partition: partitionText, offset });
          return false;
        }
        this.limits.set(partition, offset);
      }
    }
    this.readEnumeratorLimits();
    return true;
  }

  /**
   * FLIP-27 sources: a split the enumerator holds unassigned is read from its offset on after a
   * restore, and a partition it has not discovered yet from its start; the readers' snapshots
   * hold the rest (a discovered split in none of them was read to its end). Split ownership
   * itself is judged by split-ownership; here a reader's offset wins.
   */
  private readEnumeratorLimits(): void {
    for (const [operator, state] of this.entry.enumerators) {
      for (const split of state.unassigned) if (!this.limits.has(split.partition)) this.limits.set(split.partition, split.offset);
      const discovered = new Set(state.discovered);
      for (const partition of this.reference.sourcePartitions(operator)) if (!discovered.has(partition) && !this.limits.has(partition)) this.limits.set(partition, 0);
    }
  }

  private limitOf(partition: number): number {
    return this.limits.get(partition) ?? this.reference.partitionLength(partition) ?? Number.MAX_SAFE_INTEGER;
  }

  /** Every persisted in-flight record must be from before the barrier of its source partition. */
  private checkChannelStateOrigins(): boolean {
    for (const [task, records] of this.entry.channelState) {
      for (const record of records) {
        const limit = this.limitOf(record.origin.partition);
        if (record.origin.offset < limit) continue;
        const channel = record.side === 'input' ? `${record.peer}->${task}` : `${task}->${record.peer}`;
        this.report(
          `checkpoint ${this.checkpointId}: channel state of ${task} (${record.side} of channel ${channel}) holds record ${formatOrigin(record.origin)} from after the barrier (source offset ${limit})`,
          { task, channel, record: formatOrigin(record.origin), sourceOffset: limit },
        );
        return false;
      }
    }
    return true;
  }

  /** Snapshotted tasks of judgeable keyed vertices, in job order. */
  private keyedTasks(): string[] {
    const tasks: string[] = [];
    for (const vertex of this.reference.job.vertices) {
      if (!this.reference.isJudgeable(vertex.name)) continue;
      for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
        const task = taskName(vertex.name, subtask);
        if (this.entry.snapshots.has(task)) tasks.push(task);
      }
    }
    return tasks;
  }

  private checkAligned(task: string, expected: ReadonlyMap<string, ExpectedSubtaskState>): boolean {
    const snapshot = this.entry.snapshots.get(task) as TakenSnapshot;
    const want = expected.get(task) as ExpectedSubtaskState;
    const lineageProblem = this.compareLineage(snapshot.content.lineage, want.lineage);
    if (lineageProblem !== undefined) return this.fail(task, lineageProblem.message, lineageProblem.details);
    const stateProblem = compareKeyedState(snapshot.content.keyed ?? {}, want);
    if (stateProblem !== undefined) return this.fail(task, stateProblem.message, stateProblem.details);
    return true;
  }

  private checkNothingMissing(task: string, expected: ReadonlyMap<string, ExpectedSubtaskState>): boolean {
    const snapshot = this.entry.snapshots.get(task) as TakenSnapshot;
    const actual = new Map(snapshot.content.lineage.map((entry) => [entry.partition, entry] as const));
    for (const want of (expected.get(task) as ExpectedSubtaskState).lineage) {
      const have = actual.get(want.partition)?.count ?? 0;
      if (have >= want.count) continue;
      return this.fail(task, `misses ${want.count - have} record(s) of partition p${want.partition} from before the barrier (has ${have}, source offset ${this.limitOf(want.partition)})`, {
        partition: want.partition,
        count: have,
        expectedCount: want.count,
      });
    }
    return true;
  }

  /** Unaligned: state lineage plus projected in-flight records equals the reference; state equals the reference minus in flight. */
  private checkUnaligned(tasks: readonly string[], expected: ReadonlyMap<string, ExpectedSubtaskState>): void {
    const inFlight = this.projectChannelState();
    if (inFlight === undefined) return;
    for (const task of tasks) {
      const snapshot = this.entry.snapshots.get(task) as TakenSnapshot;
      const arrivals = inFlight.get(task) ?? [];
      const combined = addLineage(snapshot.content.lineage, lineageOf(arrivals.map((arrival) => arrival.record)));
      const problem = this.compareLineage(combined, (expected.get(task) as ExpectedSubtaskState).lineage);
      if (problem !== undefined) {
        this.fail(task, `together with ${arrivals.length} in-flight record(s) of the channel state ${problem.message}`, { ...problem.details, inFlightRecords: arrivals.length });
        return;
      }
    }
    const excluded = new Map<string, Map<string, number>>();
    for (const task of tasks) excluded.set(task, identityCounts(inFlight.get(task) ?? []));
    const expectedWithout = this.reference.expectedStates(this.limits, excluded);
    for (const task of tasks) {
      const snapshot = this.entry.snapshots.get(task) as TakenSnapshot;
      const problem = compareKeyedState(snapshot.content.keyed ?? {}, expectedWithout.get(task) as ExpectedSubtaskState);
      if (problem !== undefined) {
        this.fail(task, `${problem.message} (reference over the records before the barrier, minus those in flight)`, problem.details);
        return;
      }
    }
  }

  /** In-flight records of every task's channel state, projected onto the keyed subtasks they will reach. */
  private projectChannelState(): Map<string, Arrival[]> | undefined {
    const result = new Map<string, Arrival[]>();
    for (const [task, records] of this.entry.channelState) {
      const owner = this.reference.taskVertex(task);
      for (const record of records) {
        const peer = this.reference.taskVertex(record.peer);
        const target = record.side === 'input' ? owner : peer;
        const gate = owner === undefined || peer === undefined ? undefined : record.side === 'input' ? this.reference.gateOf(owner.vertex.name, peer.vertex.name) : this.reference.gateOf(peer.vertex.name, owner.vertex.name);
        if (target === undefined || gate === undefined) {
          this.report(`checkpoint ${this.checkpointId}: channel state of ${task} names a channel to ${record.peer} that the job graph does not have`, { task, peer: record.peer, side: record.side });
          return undefined;
        }
        const streamRecord: StreamRecord = { key: record.key, value: record.value, origin: record.origin };
        for (const arrival of this.reference.propagate(target.vertex.name, target.subtask, gate, [streamRecord])) {
          if (arrival.subtask === undefined) continue;
          const arrivalTask = taskName(arrival.vertex, arrival.subtask);
          let list = result.get(arrivalTask);
          if (list === undefined) result.set(arrivalTask, (list = []));
          list.push(arrival);
        }
      }
    }
    return result;
  }

  /** The first difference between a snapshot's lineage and the reference's, as a clause naming the culprit. */
  private compareLineage(actual: readonly LineageEntry[], expected: readonly LineageEntry[]): Problem | undefined {
    const have = new Map(actual.map((entry) => [entry.partition, entry] as const));
    const want = new Map(expected.map((entry) => [entry.partition, entry] as const));
    const partitions = [...new Set([...have.keys(), ...want.keys()])].sort((left, right) => left - right);
    for (const partition of partitions) {
      const a = have.get(partition) ?? { partition, count: 0, digestSum: 0, maxOffset: -1 };
      const e = want.get(partition) ?? { partition, count: 0, digestSum: 0, maxOffset: -1 };
      const limit = this.limitOf(partition);
      const details = { partition, lineage: a, expectedLineage: e, sourceOffset: limit };
      if (a.count > 0 && a.maxOffset >= limit) {
        return { message: `includes record p${partition}@${a.maxOffset} from after the barrier (source offset ${limit})`, details: { ...details, record: `p${partition}@${a.maxOffset}` } };
      }
      if (a.count < e.count) return { message: `misses ${e.count - a.count} record(s) of partition p${partition} from before the barrier (has ${a.count}, expected ${e.count})`, details };
      if (a.count > e.count) return { message: `holds ${a.count - e.count} record(s) of partition p${partition} more than the ${e.count} before the barrier (duplicates)`, details };
      if (a.digestSum !== e.digestSum || a.maxOffset !== e.maxOffset) {
        return { message: `holds a different set of the ${e.count} record(s) of partition p${partition} than those before the barrier (digest ${a.digestSum}, expected ${e.digestSum})`, details };
      }
    }
    return undefined;
  }

  private fail(task: string, clause: string, details: Readonly<Record<string, unknown>>): false {
    this.report(`checkpoint ${this.checkpointId}: the snapshot of ${task} ${clause}`, { task, ...details });
    return false;
  }

  private report(message: string, details: Readonly<Record<string, unknown>>): void {
    this.violation.report(message, this.timeUs, { checkpointId: this.checkpointId, checkpointType: this.entry.type, sourceOffsets: Object.fromEntries(this.limits), ...details });
  }
}

interface Problem {
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

function identityCounts(arrivals: readonly Arrival[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const arrival of arrivals) {
    const identity = arrivalIdentity(arrival.gate, arrival.record);
    counts.set(identity, (counts.get(identity) ?? 0) + 1);
  }
  return counts;
}

/** The first difference between a snapshot's keyed state and the reference's (canonical JSON per name and key). */
export function compareKeyedState(actual: Readonly<Record<string, Readonly<Record<string, unknown>>>>, expected: ExpectedSubtaskState): Problem | undefined {
  const names = [...new Set([...Object.keys(actual), ...Object.keys(expected.keyed)])].sort();
  for (const name of names) {
    const have = actual[name] ?? {};
    const want = expected.keyed[name] ?? {};
    const asMultiset = expected.listStates.has(name);
    for (const key of [...new Set([...Object.keys(have), ...Object.keys(want)])].sort()) {
      const haveText = stateText(have[key], asMultiset);
      const wantText = stateText(want[key], asMultiset);
      if (haveText === wantText) continue;
      return {
        message: `has state '${name}' of key '${key}' = ${abbreviate(haveText)}, expected ${abbreviate(wantText)}`,
        details: { state: name, key, actual: haveText, expected: wantText },
      };
    }
  }
  return undefined;
}

function stateText(value: unknown, asMultiset: boolean): string {
  if (value === undefined) return 'absent';
  if (asMultiset && Array.isArray(value)) return `[${value.map(canonicalJson).sort().join(',')}]`;
  return canonicalJson(value);
}

function abbreviate(text: string): string {
  return text.length <= 120 ? text : `${text.slice(0, 117)}...`;
}

