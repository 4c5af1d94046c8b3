/**
 * The handles of incremental checkpoints, in Flink's terms: an incremental snapshot of a keyed
 * backend (Flink's IncrementalRemoteKeyedStateHandle) is a private part, written into the
 * checkpoint's own location, plus shared files under `shared/`, each an immutable file holding
 * the state of one key-group range. A later snapshot refers to a file an earlier one uploaded
 * instead of uploading it again.
 */

/** Where shared files live in checkpoint storage (Flink's `shared/` directory of a job). */
export const sharedDirectory = 'shared/';

/**
 * One shared file an incremental snapshot refers to (Flink's HandleAndLocalPath over a
 * StreamStateHandle or a PlaceholderStreamStateHandle).
 *
 * - `key`: the file's physical key in checkpoint storage (Flink's PhysicalStateHandleID), unique
 *   per upload: the same content uploaded twice is two files.
 * - `localName`: the file's name on the task's local disk (RocksDB's SST file name); the same for
 *   every upload of one local file. Here: the subtask, the key-group range and the content digest.
 * - `placeholder`: the task did not upload it for this snapshot but refers to a file uploaded for
 *   a checkpoint it knows is complete; the registry swaps in the registered handle.
 */
export interface SharedStateHandle {
  readonly key: string;
  readonly localName: string;
  readonly sizeBytes: number;
  readonly placeholder: boolean;
}

/** The key-group range one shared file covers, inclusive at both ends. */
export interface KeyGroupSpan {
  readonly start: number;
  readonly end: number;
}

/** What a shared file holds: the keyed state of the keys of one key-group range, state name -> key -> value. */
export interface SharedFileContent {
  readonly range: KeyGroupSpan;
  readonly entries: Record<string, Record<string, unknown>>;
}

/** A file of a snapshot's private part names its shared files with their ranges, so a restore can read them back. */
export interface SharedFileReference {
  readonly range: KeyGroupSpan;
  readonly handle: SharedStateHandle;
}

/** True for a key of a shared file (rather than a checkpoint's private state or metadata). */
export function isSharedKey(key: string): boolean {
  return key.startsWith(sharedDirectory);
}

/** A placeholder for `handle`: the same file, referred to without uploading it (Flink's PlaceholderStreamStateHandle). */
export function placeholderFor(handle: SharedStateHandle): SharedStateHandle {
  return { key: handle.key, localName: handle.localName, sizeBytes: handle.sizeBytes, placeholder: true };
}
