import type { DurableKeyValue } from './ports.js';
import type { CompletedCheckpoint, SubtaskStateSnapshot } from './types.js';

/**
 * A completed checkpoint as plain, structured-cloneable data: what the HA services persist. The
 * subtask-state map becomes an array of entries, in order; every other field (including the
 * coordinator's master hook states) is kept as it is.
 */
export interface CompletedCheckpointRecord {
  readonly checkpointId: number;
  readonly subtaskStateEntries: ReadonlyArray<readonly [string, SubtaskStateSnapshot]>;
  readonly [field: string]: unknown;
}

/** Converts `checkpoint` to a detached record (a deep copy: later changes to either do not leak). */
export function toCompletedCheckpointRecord(checkpoint: CompletedCheckpoint): CompletedCheckpointRecord {
  return structuredClone(completedCheckpointRecordView(checkpoint));
}

/**
 * `checkpoint` as a record that still shares its fields' values with it: for a
 * {@link DurableKeyValue}, whose `put` copies what it stores (one deep copy per write, not two).
 */
export function completedCheckpointRecordView(checkpoint: CompletedCheckpoint): CompletedCheckpointRecord {
  const { subtaskStates, ...fields } = checkpoint;
  return { ...fields, subtaskStateEntries: [...subtaskStates.entries()] };
}

/** Rebuilds a completed checkpoint from a record read back from durable storage (a deep copy of `value`). */
export function fromCompletedCheckpointRecord(value: unknown, source: string): CompletedCheckpoint {
  return fromDetachedCompletedCheckpointRecord(structuredClone(value), source);
}

/**
 * Rebuilds a completed checkpoint from a record nothing else holds (a {@link DurableKeyValue}'s
 * `get` returns a copy), taking its values over without copying them again.
 */
export function fromDetachedCompletedCheckpointRecord(value: unknown, source: string): CompletedCheckpoint {
  if (!isRecord(value)) throw new Error(`${source} does not hold a completed checkpoint record: ${String(value)}`);
  const { subtaskStateEntries, ...fields } = value;
  return { ...fields, subtaskStates: new Map(subtaskStateEntries) } as unknown as CompletedCheckpoint;
}

function isRecord(value: unknown): value is CompletedCheckpointRecord {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<CompletedCheckpointRecord>;
  return (
    Number.isSafeInteger(candidate.checkpointId) &&
    Array.isArray(candidate.subtaskStateEntries) &&
    typeof candidate.type === 'string' &&
    typeof candidate.metadataHandle === 'object'
  );
}
