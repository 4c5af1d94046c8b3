import { hashString, toHex32, type SimNode } from '../../sim/index.js';
import type { StateHandle } from '../checkpoint/types.js';
import { keyGroupFor } from '../jobgraph/key-groups.js';
import type { CheckpointStorage, StorageResult } from '../storage/checkpoint-storage.js';
import { placeholderFor, sharedDirectory, type KeyGroupSpan, type SharedFileContent, type SharedFileReference, type SharedStateHandle } from '../storage/shared-state/handles.js';
import type { KeyedStateSnapshot } from './state-backend.js';

/** Key groups per shared file: each file holds the state of an aligned run of this many key groups (fewer at a subtask's edges). */
export const keyGroupsPerFile = 8;

/**
 * The private part of an incremental snapshot names its shared files; the keyed state itself is in
 * them. It also names every registered keyed state (Flink's meta data handle: the state meta info
 * is written whether or not a state has entries), because the files hold entries only: a state
 * with no entries has no file, and without its name here a restore would lose the state itself.
 */
export interface IncrementalPart {
  readonly files: readonly SharedFileReference[];
  /** Every keyed state registered at the snapshot, empty ones included, sorted. */
  readonly stateNames: readonly string[];
}

/** A shared file about to be uploaded or referred to. */
interface PlannedFile {
  readonly reference: SharedFileReference;
  readonly content: SharedFileContent | undefined;
}

/** Who the strategy snapshots for: the subtask, its attempt and its key groups. */
export interface IncrementalSnapshotOwner {
  readonly taskName: string;
  readonly attempt: number;
  readonly maxParallelism: number;
  readonly keyGroups: KeyGroupSpan;
  /** Planted bug task-reuses-unconfirmed-shared-state (FLINK-25395). */
  readonly reuseUnconfirmed: boolean;
}

/**
 * Flink's RocksIncrementalSnapshotStrategy, over a heap of keyed state cut into immutable files
 * per key-group range: a snapshot compares each file's content with the files of the last
 * checkpoint this task knows completed (`notifyCheckpointComplete`) and refers to an equal one by
 * placeholder instead of uploading it again. Files uploaded for checkpoints not yet confirmed are
 * never a base: the JobMaster may drop them, or the task may delete them when it cancels the
 * snapshot (FLINK-25395). Savepoints share nothing (the canonical format).
 */
export class IncrementalSnapshotStrategy {
  /** Flink's uploadedSstFiles: per checkpoint, the files its snapshot consists of, by local name. */
  private readonly uploaded = new Map<number, Map<string, SharedStateHandle>>();
  private lastCompletedCheckpointId = -1;

  constructor(private readonly owner: IncrementalSnapshotOwner) {}

  /**
   * Cuts `keyed` into files and decides, per file, whether to upload it or refer to the base's
   * copy. `shareFiles` is false for savepoints: they never refer to a checkpoint's files.
   */
  plan(checkpointId: number, keyed: KeyedStateSnapshot, shareFiles: boolean): PlannedFile[] {
    const base = shareFiles ? this.base() : undefined;
    return this.cut(keyed).map((content) => {
      const localName = `${this.owner.taskName}/kg${content.range.start}-${content.range.end}/${toHex32(hashString(JSON.stringify(content.entries)))}`;
      const previous = base?.get(localName);
      if (previous !== undefined) return { reference: { range: content.range, handle: placeholderFor(previous) }, content: undefined };
      const key = `${sharedDirectory}${this.owner.taskName}/chk-${checkpointId}-attempt-${this.owner.attempt}-kg${content.range.start}`;
      const handle: SharedStateHandle = { key, localName, sizeBytes: 64 + JSON.stringify(content.entries).length, placeholder: false };
      return { reference: { range: content.range, handle }, content };
    });
  }

  /** The snapshot of `checkpointId` consists of `references` (Flink records them once its files are uploaded). */
  recordUploaded(checkpointId: number, references: readonly SharedFileReference[]): void {
    this.uploaded.set(checkpointId, new Map(references.map((reference) => [reference.handle.localName, { ...reference.handle, placeholder: false }])));
  }

  /** The JobMaster confirmed `checkpointId`: its files become the base, older ones are forgotten. */
  notifyCheckpointComplete(checkpointId: number): void {
    if (checkpointId <= this.lastCompletedCheckpointId || !this.uploaded.has(checkpointId)) return;
    for (const id of [...this.uploaded.keys()]) if (id < checkpointId) this.uploaded.delete(id);
    this.lastCompletedCheckpointId = checkpointId;
  }

  /** `checkpointId` was aborted: its files are no base (the planted bug keeps them as one). */
  notifyCheckpointAborted(checkpointId: number): void {
    if (!this.owner.reuseUnconfirmed) this.uploaded.delete(checkpointId);
  }

  /** The task restored checkpoint `checkpointId` made of `references`: they are the base, as a confirmed checkpoint's. */
  restored(checkpointId: number, references: readonly SharedFileReference[]): void {
    this.recordUploaded(checkpointId, references);
    this.lastCompletedCheckpointId = checkpointId;
  }

  /** The files a new snapshot may refer to: the last confirmed checkpoint's (the newest uploaded under the planted bug). */
  private base(): ReadonlyMap<string, SharedStateHandle> | undefined {
    if (!this.owner.reuseUnconfirmed) return this.uploaded.get(this.lastCompletedCheckpointId);
    const newest = Math.max(-1, ...this.uploaded.keys());
    return this.uploaded.get(newest);
  }

  /** The keyed state per key-group range, ranges in order, empty ranges left out (RocksDB has no file for them). */
  private cut(keyed: KeyedStateSnapshot): SharedFileContent[] {
    const byRange = new Map<number, Record<string, Record<string, unknown>>>();
    for (const name of Object.keys(keyed).sort()) {
      const table = keyed[name] as Record<string, unknown>;
      for (const key of Object.keys(table).sort()) {
        const start = this.rangeStartOf(keyGroupFor(key, this.owner.maxParallelism));
        let entries = byRange.get(start);
        if (entries === undefined) byRange.set(start, (entries = {}));
        (entries[name] ??= {})[key] = table[key];
      }
    }
    return [...byRange.entries()]
      .sort((left, right) => left[0] - right[0])
      .map(([start, entries]) => ({ range: { start, end: Math.min(this.owner.keyGroups.end, start - (start % keyGroupsPerFile) + keyGroupsPerFile - 1) }, entries }));
  }

  private rangeStartOf(keyGroup: number): number {
    return Math.max(this.owner.keyGroups.start, keyGroup - (keyGroup % keyGroupsPerFile));
  }
}

/** A snapshot uploaded: the private part's handle and, for an incremental one, its shared files. */
export interface UploadedSnapshot {
  readonly handle: StateHandle;
  readonly sharedState: readonly SharedStateHandle[] | undefined;
}

/** What an upload needs of its task. */
export interface UploadContext {
  readonly storage: CheckpointStorage;
  readonly node: SimNode;
  /** True once the snapshot was cancelled (aborted, or the task ended): landed files are then deleted. */
  readonly cancelled: () => boolean;
}

/**
 * Uploads an incremental snapshot: its new shared files side by side, then its private part
 * (everything but the keyed state, plus the list of files). A failed or cancelled upload deletes
 * the new files that landed (Flink's cleanup of a cancelled AsyncSnapshotCallable); placeholders
 * are never deleted, they belong to earlier checkpoints.
 *
 * @param privatePart - the subtask's stored state without its keyed state
 */
export function uploadIncremental(
  context: UploadContext,
  strategy: IncrementalSnapshotStrategy,
  checkpointId: number,
  privateKey: string,
  privatePart: (part: IncrementalPart) => { readonly value: unknown; readonly sizeBytes: number },
  keyed: KeyedStateSnapshot,
  done: (result: StorageResult<UploadedSnapshot>) => void,
): void {
  const planned = strategy.plan(checkpointId, keyed, true);
  const references = planned.map((file) => file.reference);
  const uploads = planned.filter((file) => file.content !== undefined);
  const landed: string[] = [];
  let outstanding = uploads.length;
  let failure: string | undefined;
  const afterSharedFiles = (): void => {
    if (failure === undefined) strategy.recordUploaded(checkpointId, references);
    if (failure !== undefined || context.cancelled()) {
      context.storage.discard(landed);
      return done({ ok: false, error: failure ?? `snapshot ${checkpointId} was cancelled` });
    }
    const stored = privatePart({ files: references, stateNames: Object.keys(keyed).sort() });
    context.storage.write(context.node, privateKey, stored.value, stored.sizeBytes, (result) => {
      if (!result.ok) context.storage.discard(landed);
      done(result.ok ? { ok: true, value: { handle: result.value, sharedState: references.map((reference) => reference.handle) } } : result);
    });
  };
  if (outstanding === 0) return afterSharedFiles();
  for (const file of uploads) {
    const handle = file.reference.handle;
    context.storage.write(context.node, handle.key, file.content, handle.sizeBytes, (result) => {
      if (result.ok) landed.push(handle.key);
      else failure ??= result.error;
      if (--outstanding === 0) afterSharedFiles();
    });
  }
}

/** Deletes what an upload left when its snapshot turned out not to be wanted: the private part and its new files. */
export function discardUploaded(storage: CheckpointStorage, uploaded: UploadedSnapshot): void {
  storage.discard([uploaded.handle.key, ...(uploaded.sharedState ?? []).filter((handle) => !handle.placeholder).map((handle) => handle.key)]);
}

/**
 * Reads the shared files of a restored incremental snapshot, one after another, and puts its
 * keyed state back together, every registered state included (an empty one as an empty table);
 * the first file that cannot be read fails the restore.
 */
export function readIncremental(storage: CheckpointStorage, node: SimNode, part: IncrementalPart, done: (result: StorageResult<KeyedStateSnapshot>) => void): void {
  const keyed: Record<string, Record<string, unknown>> = {};
  // Registered states come back even when they have no entries in any file (Flink restores the meta info first).
  for (const name of part.stateNames) keyed[name] = {};
  const next = (index: number): void => {
    const reference = part.files[index];
    if (reference === undefined) return done({ ok: true, value: sortedSnapshot(keyed) });
    storage.read(node, reference.handle.key, (result) => {
      if (!result.ok) return done(result);
      const content = result.value as SharedFileContent;
      for (const [name, entries] of Object.entries(content.entries)) Object.assign((keyed[name] ??= {}), structuredClone(entries));
      next(index + 1);
    });
  };
  next(0);
}

function sortedSnapshot(keyed: Record<string, Record<string, unknown>>): KeyedStateSnapshot {
  const result: KeyedStateSnapshot = {};
  for (const name of Object.keys(keyed).sort()) {
    const table = keyed[name] as Record<string, unknown>;
    const entries: Record<string, unknown> = {};
    for (const key of Object.keys(table).sort()) entries[key] = table[key];
    result[name] = entries;
  }
  return result;
}
