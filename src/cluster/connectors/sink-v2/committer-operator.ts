import { bugOn } from '../../planted-bugs.js';
import { endOfInputCheckpointId } from '../../observations.js';
import type { StreamRecord } from '../../jobgraph/records.js';
import type { OperatorContext, OperatorSnapshot, StreamOperator } from '../../task/operator.js';
import { isCommittableMessage, isFileSinkCommittable, type Committable, type FileSinkCommittable } from './committables.js';

/** Flink's CommitRequestState: a request is finished once committed or failed. */
type CommitRequestState = 'received' | 'retry' | 'committed' | 'failed';

/** Flink's CommitRequestImpl: one committable, its retry count and state. */
interface CommitRequest {
  readonly committable: Committable;
  readonly subtask: number;
  retries: number;
  state: CommitRequestState;
}

/** Flink's CheckpointCommittableManager for one checkpoint (one writer subtask: the edge is forward). */
interface CheckpointCommittables {
  readonly checkpointId: number;
  /** From the CommittableSummary; undefined until it arrived. */
  expected: number | undefined;
  readonly requests: CommitRequest[];
}

/** Flink's CommitterOperator.RETRY_DELAY (1 s), in virtual microseconds. */
export const commitRetryDelayUs = 1_000_000;

/** Bound on the end-of-input retry loop, which Flink runs without one (its comment warns the job may hang). */
const maxEndOfInputRounds = 1_000;

/**
 * Flink 1.20's CommitterOperator with a KafkaCommitter, as its own vertex after the writer:
 * - committables arrive as records and are collected per checkpoint (committer state);
 * - notifyCheckpointComplete(N) commits every collected checkpoint <= N; the newest one only when
 *   its summary says all its committables arrived (they may trail the notification with
 *   unaligned checkpoints: a committable arriving for a checkpoint already complete is committed
 *   on arrival). After end of input, the notification of the final checkpoint (the first one
 *   this committer snapshotted after end of input) commits everything, end-of-input committables
 *   included, and retries until all are done. Flink 1.20 commits them at the first notification
 *   after end of input, even of a checkpoint taken before it that does not hold them, so a
 *   failover before the final checkpoint writes their records again: a deviation kept on
 *   purpose (see the README's Fidelity section);
 * - a commit failing with a retriable error (an injected store fault) is retried after
 *   RETRY_DELAY (Flink's CommitRequestImpl.retryLater, counted, without a bound in 1.20); a
 *   transaction fenced, aborted or timed out is given up (KafkaCommitter logs the data loss and
 *   signals a known failure); an unknown transaction fails the task (signalFailedWithUnknownReason);
 * - on restore from checkpoint K the collected committables are committed at once (K is
 *   complete): a repeat of a commit made before the failure finds it already committed; after a
 *   rescale, the collectors of the old subtasks it received are merged by checkpoint first.
 */
export class CommitterOperator implements StreamOperator {
  readonly stateful = false;
  private context!: OperatorContext;
  private readonly checkpoints = new Map<number, CheckpointCommittables>();
  private lastCompletedCheckpointId = 0;
  private endInputSeen = false;
  /** The first checkpoint this committer snapshotted after end of input: its completion commits everything. */
  private finalCheckpointId: number | undefined;
  private retryScheduled = false;

  open(context: OperatorContext, restored: OperatorSnapshot | undefined): void {
    this.context = context;
    if (restored === undefined) return;
    const restoredId = restored.operator['checkpointId'] as number;
    const entries = (restored.operator['checkpoints'] ?? []) as CheckpointCommittables[];
    if (bugOn(context.plantedBugs, 'committer-loses-recovered-committables')) return;
    // After a rescale down (rescaling/) the collectors of several old subtasks arrive, each with
    // its own entry per checkpoint: merged as Flink's CommittableCollector.merge does (by
    // checkpoint, expected counts added, requests joined), never one replacing another.
    for (const entry of entries) {
      const merged = this.checkpoints.get(entry.checkpointId);
      const requests = entry.requests.map((request): CommitRequest => ({ ...request, state: 'received' }));
      if (merged === undefined) this.checkpoints.set(entry.checkpointId, { checkpointId: entry.checkpointId, expected: entry.expected, requests });
      else {
        if (entry.expected !== undefined) merged.expected = (merged.expected ?? 0) + entry.expected;
        merged.requests.push(...requests);
      }
    }
    this.lastCompletedCheckpointId = restoredId;
    this.commitAndEmitCheckpoints();
  }

  processElement(record: StreamRecord): void {
    const message = record.value;
    if (!isCommittableMessage(message)) throw new Error(`${this.context.taskName}: received a record that is no committable`);
    const entry = this.entryFor(message.checkpointId);
    if (message.kind === 'summary') entry.expected = (entry.expected ?? 0) + message.numberOfCommittables;
    else entry.requests.push({ committable: message.committable, subtask: message.subtask, retries: 0, state: 'received' });
    // With unaligned checkpoints the notification may come before the committables.
    if (message.checkpointId <= this.lastCompletedCheckpointId) this.commitAndEmitCheckpoints();
  }

  snapshotState(checkpointId: number): OperatorSnapshot {
    if (this.endInputSeen && this.finalCheckpointId === undefined) this.finalCheckpointId = checkpointId;
    const checkpoints = [...this.checkpoints.values()].map((entry) => ({
      checkpointId: entry.checkpointId,
      expected: entry.expected,
      requests: entry.requests.filter((request) => !finished(request)).map((request) => ({ ...request })),
    }));
    return { keyed: undefined, operator: { checkpointId, checkpoints } };
  }

  notifyCheckpointComplete(checkpointId: number): void {
    const ignoresEndInput = bugOn(this.context.plantedBugs, 'committer-ignores-end-of-input');
    const final = this.finalCheckpointId !== undefined && checkpointId >= this.finalCheckpointId;
    if (final && !ignoresEndInput) this.lastCompletedCheckpointId = endOfInputCheckpointId;
    else if (bugOn(this.context.plantedBugs, 'committer-commits-incomplete-checkpoints')) this.lastCompletedCheckpointId = Math.max(this.lastCompletedCheckpointId, checkpointId + 1);
    else this.lastCompletedCheckpointId = Math.max(this.lastCompletedCheckpointId, checkpointId);
    this.commitAndEmitCheckpoints();
  }

  notifyCheckpointAborted(): void {}

  endInput(): void {
    this.endInputSeen = true;
  }

  /** Flink's commitAndEmitCheckpoints: commit what is due; retry at once after end of input, else later. */
  private commitAndEmitCheckpoints(): void {
    for (let round = 0; ; round++) {
      for (const entry of this.dueCheckpoints()) {
        const fullyReceived = this.lastCompletedCheckpointId !== endOfInputCheckpointId && entry.checkpointId === this.lastCompletedCheckpointId;
        if (fullyReceived && (entry.expected === undefined || entry.requests.length < entry.expected)) continue;
        for (const request of entry.requests) if (!finished(request)) this.commit(entry.checkpointId, request);
        if (entry.expected !== undefined && entry.requests.length >= entry.expected && entry.requests.every(finished)) this.checkpoints.delete(entry.checkpointId);
      }
      const unfinished = this.hasUnfinishedDue();
      if (!unfinished || this.lastCompletedCheckpointId !== endOfInputCheckpointId) break;
      if (round >= maxEndOfInputRounds) throw new Error(`${this.context.taskName}: committables still failing after ${maxEndOfInputRounds} retries at end of input`);
    }
    if (this.hasUnfinishedDue()) this.retryWithDelay();
  }

  private retryWithDelay(): void {
    if (this.retryScheduled || this.context.scheduleTimer === undefined) return;
    this.retryScheduled = true;
    this.context.scheduleTimer(commitRetryDelayUs, () => {
      this.retryScheduled = false;
      this.commitAndEmitCheckpoints();
    });
  }

  /** Flink's KafkaCommitter.commit (or FileCommitter.commit) for one request. */
  private commit(checkpointId: number, request: CommitRequest): void {
    const committable = request.committable;
    if (isFileSinkCommittable(committable)) return this.commitFile(checkpointId, request, committable);
    const { transactionalId, epoch, transactionId } = committable;
    if (this.context.externalFails('commit', transactionId)) {
      if (bugOn(this.context.plantedBugs, 'committer-drops-retriable-committables')) {
        request.state = 'failed';
        this.context.observe({ type: 'transaction-aborted', task: this.context.taskName, transactionId, cause: 'commit failed: retriable error not retried' });
        return;
      }
      // A retriable error (Kafka's RetriableException): retryLater.
      request.state = 'retry';
      request.retries++;
      return;
    }
    const store = this.context.sinkStore;
    const records = store.entryCount(transactionId);
    const result = store.commitWithProducer(transactionalId, epoch, transactionId);
    switch (result) {
      case 'committed':
      case 'already-committed':
        request.state = 'committed';
        this.context.observe({
          type: 'transaction-committed',
          task: this.context.taskName,
          transactionId,
          checkpointId,
          records: result === 'committed' ? records : 0,
          alreadyCommitted: result === 'already-committed',
        });
        return;
      case 'unknown':
        throw new Error(`${this.context.taskName}: commit of ${transactionId} failed: the store does not know it`);
      default:
        // Fenced, aborted or timed out: KafkaCommitter gives up (signalFailedWithKnownReason); the data is lost.
        request.state = 'failed';
        this.context.observe({ type: 'transaction-aborted', task: this.context.taskName, transactionId, cause: `commit failed: ${result}`, records });
    }
  }

  /**
   * Flink's FileCommitter.commit: the pending file is renamed into place (commitAfterRecovery). A file found committed
   * already is a repeat after recovery (commitAfterRecovery); one not found pending fails the task
   * (Flink's commit throws), as the rename of a missing file does.
   */
  private commitFile(checkpointId: number, request: CommitRequest, committable: FileSinkCommittable): void {
    const path = committable.pendingFile;
    // FileCommitter.commit throws its IOException: the task fails, and its restore commits again.
    if (this.context.externalFails('commit', path)) throw new Error(`commit of ${path} failed (injected)`);
    const files = this.context.fileStore;
    if (files === undefined) throw new Error(`${this.context.taskName}: a FileSink committable but no file system`);
    const records = files.length(path);
    const result = files.commit(path);
    if (result === 'unknown') throw new Error(`${this.context.taskName}: commit of ${path} failed: no such pending file`);
    request.state = 'committed';
    this.context.observe({ type: 'transaction-committed', task: this.context.taskName, transactionId: path, checkpointId, records: result === 'committed' ? records : 0, alreadyCommitted: result === 'already-committed' });
  }

  private dueCheckpoints(): CheckpointCommittables[] {
    return [...this.checkpoints.values()].filter((entry) => entry.checkpointId <= this.lastCompletedCheckpointId).sort((a, b) => a.checkpointId - b.checkpointId);
  }

  private hasUnfinishedDue(): boolean {
    return this.dueCheckpoints().some((entry) => entry.requests.some((request) => !finished(request)));
  }

  private entryFor(checkpointId: number): CheckpointCommittables {
    let entry = this.checkpoints.get(checkpointId);
    if (entry === undefined) this.checkpoints.set(checkpointId, (entry = { checkpointId, expected: undefined, requests: [] }));
    return entry;
  }
}

function finished(request: CommitRequest): boolean {
  return request.state === 'committed' || request.state === 'failed';
}
