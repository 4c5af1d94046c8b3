import type { CompletedCheckpoint } from '../checkpoint/types.js';
import { taskName, type JobVertex } from '../jobgraph/job-graph.js';
import { keyGroupFor, keyGroupRange } from '../jobgraph/key-groups.js';
import type { LineageEntry } from '../observations.js';
import { bugOn } from '../planted-bugs.js';
import type { KeyedStateSnapshot } from '../task/state-backend.js';
import type { OperatorSnapshot } from '../task/operator.js';
import { KeyGroupLineage, type KeyGroupLineageSnapshot } from './key-group-lineage.js';
import { repartitionOperatorState, type OperatorListStates, type OperatorStateMode } from './operator-state-repartitioner.js';

/**
 * Flink 1.20's StateAssignmentOperation for a restore at another parallelism than the snapshot's:
 * which old subtasks' state handles a new subtask reads, and what it keeps of them.
 * - Keyed state: each new subtask owns the key-group range KeyGroupRangeAssignment gives it, reads
 *   the handles of the old subtasks whose ranges intersect it (getKeyedStateHandles) and keeps
 *   only its own key groups (the heap backend's restore skips the others).
 * - Operator state: list states repartitioned by mode (operator-state-repartitioner.ts): the
 *   two-phase-commit sink's State elements (one per old subtask: its pending and open
 *   transactions together) are split whole, and each new subtask learns whose it received; a
 *   source's offsets per partition are a union state (as the legacy Kafka consumer's), and each
 *   source subtask reads on from the offsets of the partitions it now owns; a Sink V2
 *   committer's CommittableCollectors (one per old subtask) are split whole; a Sink V2 writer's
 *   state is the restored checkpoint id, which every subtask gets (Flink's writer takes it from
 *   the initialization context, not from its list state).
 * - No channel state: only aligned snapshots are rescaled here (savepoints always are).
 */

/** One subtask's state as stored in checkpoint storage (the task writes it, the task reads it). */
export interface RescalableSubtaskState {
  readonly operator: OperatorSnapshot;
  readonly lineage: readonly LineageEntry[];
  readonly source: Record<string, number> | undefined;
  readonly channelState: readonly unknown[];
  /** Keyed operators only: their lineage per key group, so it follows the key groups. */
  readonly keyGroupLineage?: KeyGroupLineageSnapshot;
}

/** What a new subtask of a rescaled vertex restores from: the handles of the old subtasks it reads. */
export interface RescaledRestore {
  readonly oldParallelism: number;
  /** Old subtask index and its state handle (undefined: it had no state), in old subtask order. */
  readonly handles: ReadonlyArray<{ readonly subtask: number; readonly stateKey: string | undefined }>;
  /** Every old subtask had finished (Flink's FullyFinishedOperatorState): the new ones only finish again. */
  readonly fullyFinished: boolean;
}

/** The parallelism `vertex` had in `checkpoint`: how many of its subtasks the checkpoint holds. */
export function snapshotParallelism(checkpoint: CompletedCheckpoint, vertex: string): number {
  let count = 0;
  while (checkpoint.subtaskStates.has(taskName(vertex, count))) count++;
  return count;
}

/**
 * The old subtasks whose state new subtask `subtask` of `vertex` reads, or undefined when the
 * vertex keeps the snapshot's parallelism (each subtask reads its own handle, as before).
 */
export function rescaledRestoreFor(vertex: JobVertex, subtask: number, checkpoint: CompletedCheckpoint, plantedBugs: readonly string[]): RescaledRestore | undefined {
  const oldParallelism = snapshotParallelism(checkpoint, vertex.name);
  if (oldParallelism === 0 || oldParallelism === vertex.parallelism) return undefined;
  const keyed = isKeyed(vertex);
  const range = keyGroupRange(subtask, vertex.maxParallelism, vertex.parallelism);
  const handles: Array<{ subtask: number; stateKey: string | undefined }> = [];
  for (let old = 0; old < oldParallelism; old++) {
    if (keyed) {
      // Planted bug rescale-skips-keyed-state-reassignment: only the old subtask of the same index.
      if (bugOn(plantedBugs, 'rescale-skips-keyed-state-reassignment') ? old !== subtask : !intersects(keyGroupRange(old, vertex.maxParallelism, oldParallelism), range)) continue;
    }
    handles.push({ subtask: old, stateKey: checkpoint.subtaskStates.get(taskName(vertex.name, old))?.operatorState?.key });
  }
  let fullyFinished = true;
  for (let old = 0; old < oldParallelism; old++) if (checkpoint.subtaskStates.get(taskName(vertex.name, old))?.finished !== true) fullyFinished = false;
  return { oldParallelism, handles, fullyFinished };
}

/**
 * The state new subtask `subtask` of `vertex` (at its new parallelism) restores, from the states
 * of the old subtasks it read (`previous`, by old subtask index; missing ones were not read or
 * had none). Pure.
 */
export function assignSubtaskState(
  vertex: JobVertex,
  subtask: number,
  restoredCheckpointId: number,
  oldParallelism: number,
  previous: ReadonlyMap<number, RescalableSubtaskState>,
  plantedBugs: readonly string[],
): RescalableSubtaskState {
  const ordered = Array.from({ length: oldParallelism }, (_, index) => previous.get(index));
  if (vertex.operator.kind === 'source') {
    // A FLIP-27 reader's splits are SourceOperator's split-distributed list state, not a union.
    const mode = vertex.operator.flip27 === undefined ? 'union' : 'split-distribute';
    const offsets = repartitionOperatorState(ordered.map((state) => sourceListStates(state, mode)), vertex.parallelism);
    // Planted bug rescale-union-state-misses-entries: the union holds only the same-index subtask's entries.
    const own = bugOn(plantedBugs, 'rescale-union-state-misses-entries') ? { offsets: { mode: 'union' as const, entries: Object.entries(ordered[subtask]?.source ?? {}) } } : offsets[subtask];
    const source = Object.fromEntries((own?.['offsets']?.entries ?? []) as Array<[string, number]>);
    return { operator: { keyed: undefined, operator: {} }, lineage: [], source, channelState: [] };
  }
  if (isKeyed(vertex)) {
    const range = keyGroupRange(subtask, vertex.maxParallelism, vertex.parallelism);
    const keyed = mergeKeyedState(ordered.map((state) => state?.operator.keyed), (key) => {
      const group = keyGroupFor(key, vertex.maxParallelism);
      return group >= range.start && group <= range.end;
    });
    const lineage = new KeyGroupLineage();
    lineage.restore(ordered.map((state) => state?.keyGroupLineage), range);
    return { operator: { keyed, operator: {} }, lineage: lineage.total(), source: undefined, channelState: [], keyGroupLineage: lineage.snapshot() };
  }
  const layout = operatorStateLayout(vertex);
  const lists = repartitionOperatorState(ordered.map((state, old) => (state === undefined ? undefined : toListStates(state.operator.operator, layout, taskName(vertex.name, old)))), vertex.parallelism)[subtask] ?? {};
  const elements = (lists[subtaskElementState]?.entries ?? []) as readonly SubtaskElement[];
  const operator: Record<string, unknown> = {};
  for (const [name, mode] of Object.entries(layout)) {
    if (mode === 'restored-checkpoint-id') operator[name] = restoredCheckpointId;
    // The field of every element received, joined into one list (a single value is a list of one).
    else if (mode === 'subtask-element') operator[name] = elements.flatMap(({ fields }) => (fields[name] === undefined ? [] : Array.isArray(fields[name]) ? (fields[name] as unknown[]) : [fields[name]]));
    else operator[name] = (lists[name]?.entries ?? []).slice();
  }
  if (Object.values(layout).includes('subtask-element')) {
    // Whose State elements this subtask received: it now owns their transactions (Flink's
    // TwoPhaseCommitSinkFunction hands each element's context to finishRecoveringContext).
    operator[elementOwnersField] = elements.map((element) => element.owner);
    operator[previousParallelismField] = oldParallelism;
  }
  // A sink's lineage is not split by entry: it starts anew (sinks are not judged by lineage).
  return { operator: { keyed: undefined, operator }, lineage: [], source: undefined, channelState: [] };
}

/** True for the vertices whose state is keyed (by key group). */
function isKeyed(vertex: JobVertex): boolean {
  return vertex.operator.kind === 'keyed-process' || vertex.operator.kind === 'keyed-co-process' || vertex.operator.kind === 'window';
}

function intersects(left: { start: number; end: number }, right: { start: number; end: number }): boolean {
  return left.start <= right.end && right.start <= left.end;
}

/** The keys of the old snapshots in the subtask's own key groups (the heap backend's restore skips the others), names and keys sorted. */
function mergeKeyedState(snapshots: ReadonlyArray<KeyedStateSnapshot | undefined>, owns: (key: string) => boolean): KeyedStateSnapshot {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const snapshot of snapshots) {
    for (const [name, entries] of Object.entries(snapshot ?? {})) {
      const table = (merged[name] ??= {});
      for (const [key, value] of Object.entries(entries)) if (owns(key)) table[key] = value;
    }
  }
  const sorted: Record<string, Record<string, unknown>> = {};
  for (const name of Object.keys(merged).sort()) {
    const table = merged[name] as Record<string, unknown>;
    sorted[name] = Object.fromEntries(Object.keys(table).sort().map((key) => [key, table[key]]));
  }
  return sorted;
}

/**
 * How each field of a built-in operator's state is kept across a rescale: a list state of its
 * own, the restored checkpoint id, or ('subtask-element') part of the one element each subtask
 * adds to a split-distributed list state, so the fields of one old subtask move together.
 */
type FieldLayout = OperatorStateMode | 'restored-checkpoint-id' | 'subtask-element';

/** The list state holding one element per old subtask (the fields laid out as 'subtask-element'). */
const subtaskElementState = 'subtask-elements';

/**
 * Restored operator state fields of a subtask given State elements: the old subtasks whose
 * elements it received (their transactions are now its to finish), and the old parallelism.
 */
export const elementOwnersField = 'elementOwners';
/** See {@link elementOwnersField}. */
export const previousParallelismField = 'previousParallelism';

/** One old subtask's element: its task name and its fields laid out as 'subtask-element'. */
interface SubtaskElement {
  readonly owner: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

function operatorStateLayout(vertex: JobVertex): Readonly<Record<string, FieldLayout>> {
  if (vertex.operator.kind !== 'sink') return {};
  switch (vertex.operator.sink) {
    case 'two-phase-commit':
      // TwoPhaseCommitSinkFunction's list state holds one State per subtask: its pending-commit
      // transactions, its open transaction and its transaction context, split as a whole, so
      // whoever receives them commits the pending ones and aborts the rest of that context.
      return { pending: 'subtask-element', open: 'subtask-element' };
    case 'sink-v2-writer':
      return { checkpointId: 'restored-checkpoint-id' };
    case 'file-sink-writer':
      // FileWriter's list state holds one element per bucket.
      return { checkpointId: 'restored-checkpoint-id', inProgress: 'split-distribute' };
    case 'sink-v2-committer':
    case 'file-sink-committer':
      // CommitterOperator's list state holds one CommittableCollector per subtask; a subtask
      // given several merges them by checkpoint (the committer's restore does).
      return { checkpointId: 'restored-checkpoint-id', checkpoints: 'subtask-element' };
    default:
      return {};
  }
}

/** A source's offsets as one list state of [partition, offset] entries (union for the legacy source). */
function sourceListStates(state: RescalableSubtaskState | undefined, mode: 'union' | 'split-distribute'): OperatorListStates | undefined {
  if (state?.source === undefined) return undefined;
  return { offsets: { mode, entries: Object.entries(state.source) } };
}

/** An operator's state fields as list states (a single value is a list of one; the 'subtask-element' fields one element of `owner`). */
function toListStates(operator: Readonly<Record<string, unknown>>, layout: Readonly<Record<string, FieldLayout>>, owner: string): OperatorListStates {
  const lists: Record<string, { mode: OperatorStateMode; entries: readonly unknown[] }> = {};
  const fields: Record<string, unknown> = {};
  for (const [name, mode] of Object.entries(layout)) {
    if (mode === 'restored-checkpoint-id') continue;
    const value = operator[name];
    if (mode === 'subtask-element') fields[name] = value;
    else lists[name] = { mode, entries: value === undefined ? [] : Array.isArray(value) ? value : [value] };
  }
  if (Object.values(layout).includes('subtask-element')) {
    const element: SubtaskElement = { owner, fields };
    lists[subtaskElementState] = { mode: 'split-distribute', entries: [element] };
  }
  return lists;
}

/** The storage reads a rescaled restore needs (the checkpoint storage's read). */
export type StateReader = (key: string, done: (result: { ok: true; value: unknown } | { ok: false; error: string }) => void) => void;

/**
 * Reads the handles of `restore` one after the other and hands the assigned state to `done`, or
 * the first read's error (an unreadable handle fails the restore, as any other restore).
 */
export function readRescaledState(
  read: StateReader,
  restore: RescaledRestore,
  assign: (previous: ReadonlyMap<number, RescalableSubtaskState>) => RescalableSubtaskState,
  done: (result: { ok: true; state: RescalableSubtaskState } | { ok: false; error: string }) => void,
): void {
  const previous = new Map<number, RescalableSubtaskState>();
  const next = (index: number): void => {
    if (index >= restore.handles.length) return done({ ok: true, state: assign(previous) });
    const handle = restore.handles[index] as { subtask: number; stateKey: string | undefined };
    if (handle.stateKey === undefined) return next(index + 1);
    read(handle.stateKey, (result) => {
      if (!result.ok) return done(result);
      previous.set(handle.subtask, result.value as RescalableSubtaskState);
      next(index + 1);
    });
  };
  next(0);
}
