import type { SinkEntry, TransactionalStore } from './transactional-store.js';

/**
 * A file system as Flink's FileSink writes to it through a RecoverableWriter: part files are
 * in progress (hidden, being written), then pending (closed for commit, still hidden), then
 * committed (renamed into place, visible to readers). An in-progress file can be persisted at a
 * length and resumed there after a failure (what was written past that length is truncated away,
 * as RecoverableFsDataOutputStream's recovery does). Committing is idempotent: committing a file
 * already committed (a repeat after recovery) succeeds without a second copy.
 *
 * Committed files are what readers see: their records go to the cluster's read-committed view
 * (the transactional store's, which the exactly-once property judges), so a job may write to
 * either system or both. Nothing here times out: a file left in progress or pending stays hidden
 * forever (Flink leaves such files to the user), and is reported by {@link leftBehind}.
 */

/** Flink's file states, in the order a part file goes through them. */
export type FileState = 'in-progress' | 'pending' | 'committed';

/** The result of a commit: done, done before, or no such pending file. */
export type FileCommitResult = 'committed' | 'already-committed' | 'unknown';

interface PartFile {
  state: FileState;
  entries: SinkEntry[];
}

export class FileStore {
  private readonly files = new Map<string, PartFile>();

  /** @param readView - where committed files become visible (the cluster's read-committed view). */
  constructor(private readonly readView: TransactionalStore) {}

  /** Opens a new in-progress part file (a path never used before). */
  create(path: string): void {
    if (this.files.has(path)) throw new Error(`part file ${path} exists already`);
    this.files.set(path, { state: 'in-progress', entries: [] });
  }

  /** Appends to an in-progress file; false when it is not in progress. */
  write(path: string, entries: readonly SinkEntry[]): boolean {
    const file = this.files.get(path);
    if (file?.state !== 'in-progress') return false;
    file.entries.push(...entries);
    return true;
  }

  /** How many records the file holds (its length, for persisting an in-progress file). */
  length(path: string): number {
    return this.files.get(path)?.entries.length ?? 0;
  }

  /**
   * Resumes a file persisted in progress at `length` after a failure: what was written past it is
   * truncated, and a file an earlier attempt closed for commit since is in progress again (it is
   * still at its in-progress path until committed). False when it cannot be resumed (gone,
   * committed, or shorter than `length`).
   */
  resume(path: string, length: number): boolean {
    const file = this.files.get(path);
    if (file === undefined || file.state === 'committed' || file.entries.length < length) return false;
    file.entries.length = length;
    file.state = 'in-progress';
    return true;
  }

  /** Closes an in-progress file for commit (RecoverableFsDataOutputStream.closeForCommit): it is pending. */
  closeForCommit(path: string): boolean {
    const file = this.files.get(path);
    if (file?.state !== 'in-progress') return false;
    file.state = 'pending';
    return true;
  }

  /** Commits a pending file (the rename into place); idempotent. */
  commit(path: string): FileCommitResult {
    const file = this.files.get(path);
    if (file === undefined || file.state === 'in-progress') return 'unknown';
    if (file.state === 'committed') return 'already-committed';
    file.state = 'committed';
    this.readView.append(file.entries);
    file.entries = [];
    return 'committed';
  }

  /** Deletes an in-progress file that nothing will resume (Flink's cleanupRecoverableState). */
  discard(path: string): boolean {
    const file = this.files.get(path);
    if (file?.state !== 'in-progress') return false;
    this.files.delete(path);
    return true;
  }

  /** The state of a file, or undefined. */
  stateOf(path: string): FileState | undefined {
    return this.files.get(path)?.state;
  }

  /** Files under `prefix` in `state`, sorted. */
  filesIn(prefix: string, state: FileState): string[] {
    const result: string[] = [];
    for (const [path, file] of this.files) if (file.state === state && path.startsWith(prefix)) result.push(path);
    return result.sort();
  }

  /** Files still hidden (in progress or pending) with records in them, sorted: what a finished job left behind. */
  leftBehind(): string[] {
    const result: string[] = [];
    for (const [path, file] of this.files) if (file.state !== 'committed' && file.entries.length > 0) result.push(path);
    return result.sort();
  }
}
