import { bugOn } from '../../planted-bugs.js';
import { endOfInputCheckpointId } from '../../observations.js';
import type { StreamRecord } from '../../jobgraph/records.js';
import type { FileStore } from '../../storage/file-store.js';
import type { OperatorContext, OperatorSnapshot, StreamOperator } from '../../task/operator.js';
import type { CommittableMessage, FileSinkCommittable } from '../sink-v2/committables.js';

/** Flink's DefaultRollingPolicy part size, in records here: a part file reaching it is rolled. */
export const partSizeRecords = 64;

/** An in-progress part file as the writer's state holds it: the path and the length persisted at the checkpoint. */
interface InProgressFile {
  readonly path: string;
  readonly length: number;
}

/**
 * Flink 1.20's FileWriter (Sink V2) with one bucket per subtask, a row format and the
 * DefaultRollingPolicy, over the file store's RecoverableWriter:
 * - write: into the in-progress part file; one that reached the part size is closed for commit
 *   (pending) and a new part file is rolled;
 * - prepareCommit (before the barrier, and at end of input): the in-progress file is closed too
 *   when it reached the part size (shouldRollOnCheckpoint) or at end of input; every pending file
 *   becomes a FileSinkCommittable, emitted to the committer like Kafka's;
 * - snapshotState: the in-progress file is persisted (its path and length: a resumable) in the
 *   writer's state (FileWriterBucketState);
 * - restore: the in-progress file is resumed at the persisted length, truncating what an earlier
 *   attempt wrote past the checkpoint; after a rescale several may come back: all but the first
 *   are closed for commit at once (FileWriter's bucket merge). Part files an earlier attempt
 *   rolled after the checkpoint stay hidden (in progress or pending, never committed), as Flink
 *   leaves them.
 * Files are named `<task>/part-<run>.<attempt>-<n>`, so no attempt reuses another's path.
 */
export class FileWriterOperator implements StreamOperator {
  readonly stateful = true;
  private context!: OperatorContext;
  private files!: FileStore;
  private inProgress: string | undefined;
  private readonly pending: string[] = [];
  private counter = 0;
  private endOfInput = false;

  open(context: OperatorContext, restored: OperatorSnapshot | undefined): void {
    this.context = context;
    if (context.fileStore === undefined) throw new Error(`${context.taskName}: a FileSink needs the cluster's file system`);
    this.files = context.fileStore;
    const value = restored?.operator['inProgress'];
    const restoredFiles = (value === undefined ? [] : Array.isArray(value) ? value : [value]) as InProgressFile[];
    restoredFiles.forEach((file, index) => {
      // Planted bug file-writer-resumes-without-truncate: the file is taken as it is, records past the checkpoint included.
      const resumed = bugOn(context.plantedBugs, 'file-writer-resumes-without-truncate') ? this.files.resume(file.path, this.files.length(file.path)) : this.files.resume(file.path, file.length);
      if (!resumed) throw new Error(`${context.taskName}: cannot resume in-progress file ${file.path} at length ${file.length}`);
      if (index === 0) this.inProgress = file.path;
      else this.closeForCommit(file.path);
    });
  }

  processElement(record: StreamRecord): void {
    if (this.endOfInput) throw new Error(`${this.context.taskName}: a record after end of input`);
    if (this.inProgress === undefined || this.files.length(this.inProgress) >= partSizeRecords) this.rollPartFile();
    if (!this.files.write(this.inProgress as string, [{ key: record.key, value: record.value, origin: record.origin }])) {
      throw new Error(`${this.context.taskName}: write to part file ${this.inProgress} refused`);
    }
  }

  prepareSnapshotPreBarrier(checkpointId: number): void {
    if (!this.endOfInput) this.prepareCommit(checkpointId, false);
  }

  snapshotState(checkpointId: number): OperatorSnapshot {
    const inProgress: InProgressFile[] = this.inProgress === undefined ? [] : [{ path: this.inProgress, length: this.files.length(this.inProgress) }];
    return { keyed: undefined, operator: { checkpointId, inProgress } };
  }

  notifyCheckpointComplete(): void {}

  notifyCheckpointAborted(): void {}

  endInput(): void {
    if (this.endOfInput) return;
    this.prepareCommit(endOfInputCheckpointId, true);
    this.endOfInput = true;
  }

  /** Flink's FileWriter.prepareCommit: close what must roll, hand every pending file to the committer. */
  private prepareCommit(checkpointId: number, endOfInput: boolean): void {
    const current = this.inProgress;
    if (current !== undefined && (endOfInput || this.files.length(current) >= partSizeRecords)) {
      this.inProgress = undefined;
      this.closeForCommit(current);
    }
    const committables: FileSinkCommittable[] = this.pending.splice(0).map((pendingFile) => ({ pendingFile }));
    for (const { pendingFile } of committables) {
      this.context.observe({ type: 'transaction-pre-committed', task: this.context.taskName, transactionId: pendingFile, checkpointId });
    }
    const subtask = this.context.subtaskIndex;
    this.context.emit({ kind: 'summary', checkpointId, subtask, numberOfSubtasks: 1, numberOfCommittables: committables.length } satisfies CommittableMessage);
    for (const committable of committables) this.context.emit({ kind: 'committable', checkpointId, subtask, committable } satisfies CommittableMessage);
  }

  private closeForCommit(path: string): void {
    if (this.files.length(path) === 0) {
      // An empty part file is dropped, never committed.
      this.files.discard(path);
      this.context.observe({ type: 'transaction-aborted', task: this.context.taskName, transactionId: path, cause: 'empty part file' });
      return;
    }
    if (!this.files.closeForCommit(path)) throw new Error(`${this.context.taskName}: close for commit of ${path} failed`);
    this.pending.push(path);
  }

  private rollPartFile(): void {
    if (this.inProgress !== undefined) this.closeForCommit(this.inProgress);
    const path = `${this.context.taskName}/part-${this.context.jobRun}.${this.context.attempt}-${this.counter++}`;
    this.files.create(path);
    this.inProgress = path;
    this.context.observe({ type: 'transaction-begun', task: this.context.taskName, transactionId: path });
  }
}
