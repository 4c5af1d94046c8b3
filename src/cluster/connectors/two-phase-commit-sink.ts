import { bugOn } from '../planted-bugs.js';
import type { StreamRecord } from '../jobgraph/records.js';
import type { OperatorContext, OperatorSnapshot, StreamOperator } from '../task/operator.js';
import { elementOwnersField, previousParallelismField } from '../rescaling/state-assignment-operation.js';

interface PendingTransaction {
  readonly checkpointId: number;
  readonly transactionId: string;
}

/**
 * Flink's TwoPhaseCommitSinkFunction over the transactional store:
 * - snapshotState: pre-commit the current transaction, record it as pending under the checkpoint
 *   id, begin a new one, and persist the pending list and the open transaction;
 * - notifyCheckpointComplete(N): commit every pending transaction with id <= N, so a lost or
 *   reordered notification is healed by the next one; notifyCheckpointAborted: nothing;
 * - restore: commit every pending transaction in the restored state (commit is idempotent),
 *   abort the restored open one and any lingering transaction of this subtask opened after it;
 *   after a rescale, of the old subtasks whose State elements it received (rescaling/);
 * - start without state (a failover before any checkpoint completed): abort every lingering
 *   transaction of this subtask, as Flink's Kafka sink does at every start, so none of an earlier
 *   attempt stays open.
 */
export class TwoPhaseCommitSink implements StreamOperator {
  readonly stateful = true;
  private context!: OperatorContext;
  private current = '';
  private pending: PendingTransaction[] = [];
  private sequence = 0;
  /** Records written into the current transaction. */
  private currentRecords = 0;

  open(context: OperatorContext, restored: OperatorSnapshot | undefined): void {
    this.context = context;
    if (restored !== undefined) this.recover(restored);
    else this.abortLingering(new Set(), [], 'lingering at a start without state');
    this.beginTransaction();
  }

  processElement(record: StreamRecord): void {
    this.currentRecords++;
    const written = this.context.sinkStore.write(this.current, [{ key: record.key, value: record.value, origin: record.origin }]);
    if (!written) throw new Error(`${this.context.taskName}: write to transaction ${this.current} refused (timed out or aborted)`);
  }

  snapshotState(checkpointId: number): OperatorSnapshot {
    if (this.currentRecords === 0) {
      // As Flink's KafkaSink: an empty transaction has nothing to commit; it stays open for more.
      return { keyed: undefined, operator: { pending: this.pending.map((entry) => ({ ...entry })), open: this.current } };
    }
    const store = this.context.sinkStore;
    if (!store.preCommit(this.current)) {
      throw new Error(`${this.context.taskName}: pre-commit of ${this.current} failed (timed out or aborted)`);
    }
    this.context.observe({ type: 'transaction-pre-committed', task: this.context.taskName, transactionId: this.current, checkpointId });
    this.pending.push({ checkpointId, transactionId: this.current });
    if (bugOn(this.context.plantedBugs, 'sink-commits-on-snapshot')) this.notifyCheckpointComplete(checkpointId);
    this.beginTransaction();
    return {
      keyed: undefined,
      operator: { pending: this.pending.map((entry) => ({ ...entry })), open: this.current },
    };
  }

  notifyCheckpointComplete(checkpointId: number): void {
    const remaining: PendingTransaction[] = [];
    for (const entry of this.pending) {
      const due = bugOn(this.context.plantedBugs, 'sink-commits-only-exact-id') ? entry.checkpointId === checkpointId : entry.checkpointId <= checkpointId;
      if (due) this.commit(entry);
      else remaining.push(entry);
    }
    this.pending = remaining;
  }

  notifyCheckpointAborted(): void {}

  endInput(): void {}

  /** The task finished: the open transaction can only be empty now, and is aborted (Flink's close). */
  close(): void {
    if (bugOn(this.context.plantedBugs, 'sink-leaves-transaction-open-on-close')) return;
    if (this.context.sinkStore.abort(this.current)) {
      this.context.observe({ type: 'transaction-aborted', task: this.context.taskName, transactionId: this.current, cause: 'closed with the task' });
    }
  }

  private recover(restored: OperatorSnapshot): void {
    const pending = (restored.operator['pending'] ?? []) as PendingTransaction[];
    // After a rescale (rescaling/) `open` is a list: the open transactions of the State elements received.
    const restoredOpen = restored.operator['open'] as string | readonly string[] | undefined;
    const open = restoredOpen === undefined ? [] : typeof restoredOpen === 'string' ? [restoredOpen] : restoredOpen;
    if (!bugOn(this.context.plantedBugs, 'sink-skips-recommit-on-restore')) for (const entry of pending) this.commit(entry);
    const keep = new Set(pending.map((entry) => entry.transactionId));
    this.abortLingering(keep, open, 'lingering after restore', rescaledLingering(restored, this.context));
  }

  /**
   * Aborts this subtask's transactions still open or pre-committed, except `keep`, and `open` (the
   * restored ones). After a rescale, `candidates` are the lingering ones that are this subtask's
   * to abort (see {@link rescaledLingering}).
   */
  private abortLingering(keep: ReadonlySet<string>, open: readonly string[], cause: string, candidates?: string[]): void {
    const store = this.context.sinkStore;
    const lingering = bugOn(this.context.plantedBugs, 'sink-leaves-lingering-transactions') ? [] : (candidates ?? lingeringPrefixes(this.context, store).flatMap((prefix) => store.lingering(prefix))).filter((transactionId) => !keep.has(transactionId));
    for (const transactionId of open) if (!lingering.includes(transactionId)) lingering.push(transactionId);
    for (const transactionId of lingering) {
      if (store.abort(transactionId)) this.context.observe({ type: 'transaction-aborted', task: this.context.taskName, transactionId, cause });
    }
  }

  private commit(entry: PendingTransaction): void {
    if (this.context.externalFails('commit', entry.transactionId)) {
      // The task fails; its restore commits the transaction again (commit is idempotent).
      throw new Error(`commit of ${entry.transactionId} failed (injected)`);
    }
    const records = this.context.sinkStore.entryCount(entry.transactionId);
    const result = this.context.sinkStore.commit(entry.transactionId);
    if (result === 'committed' || result === 'already-committed') {
      this.context.observe({
        type: 'transaction-committed',
        task: this.context.taskName,
        transactionId: entry.transactionId,
        checkpointId: entry.checkpointId,
        records: result === 'committed' ? records : 0,
        alreadyCommitted: result === 'already-committed',
      });
      return;
    }
    // Flink's Kafka sink logs and goes on when a commit finds its transaction gone: the data is lost.
    this.context.observe({ type: 'transaction-aborted', task: this.context.taskName, transactionId: entry.transactionId, cause: `commit failed: ${result}`, records });
  }

  private transactionPrefix(): string {
    return `${this.context.taskName}/`;
  }

  private beginTransaction(): void {
    this.current = `${this.transactionPrefix()}${this.context.jobRun}.${this.context.attempt}.${this.sequence++}`;
    this.currentRecords = 0;
    this.context.sinkStore.begin(this.current);
    this.context.observe({ type: 'transaction-begun', task: this.context.taskName, transactionId: this.current });
  }
}

/**
 * For a restore at another parallelism: the lingering transactions this subtask aborts, or
 * undefined for a restore at the snapshot's parallelism (its own State only). As Flink's
 * TwoPhaseCommitSinkFunction, it finishes the transaction context of every State element it
 * received: FlinkKafkaProducer aborts that context's transactional ids except the ones it just
 * committed or aborted, and only those. An old subtask's pending transactions travel whole in its
 * element, maybe to another new subtask than the one of its index, which commits them: aborting
 * them by index would lose them. So it aborts:
 * - under the prefix of each old subtask whose element it received, what earlier runs left (the
 *   current run's transactions under that name are a new subtask's own: Flink's new transactional
 *   ids never clash with the old ones);
 * - under its own prefix and those it probes after a rescale down (`subtask + k * parallelism`),
 *   what the current run's earlier attempts left, and what earlier runs left under a name no old
 *   subtask had (no snapshot holds those).
 */
function rescaledLingering(restored: OperatorSnapshot, context: OperatorContext): string[] | undefined {
  const owners = restored.operator[elementOwnersField] as readonly string[] | undefined;
  const previousParallelism = restored.operator[previousParallelismField] as number | undefined;
  if (owners === undefined || previousParallelism === undefined) return undefined;
  const store = context.sinkStore;
  const result: string[] = [];
  for (const owner of owners) for (const transactionId of store.lingering(`${owner}/`)) if (runOf(transactionId) < context.jobRun) result.push(transactionId);
  for (const prefix of lingeringPrefixes(context, store)) {
    const oldName = Number(prefix.slice(prefix.lastIndexOf('#') + 1, -1)) < previousParallelism;
    for (const transactionId of store.lingering(prefix)) {
      if ((!oldName || runOf(transactionId) >= context.jobRun) && !result.includes(transactionId)) result.push(transactionId);
    }
  }
  return result;
}

/** The job run that began `transactionId` (`<task>/<run>.<attempt>.<sequence>`, see beginTransaction). */
function runOf(transactionId: string): number {
  return Number(transactionId.slice(transactionId.lastIndexOf('/') + 1).split('.')[0]);
}

/** Subtask prefixes past the last one probed: a bound, as no job has more subtasks than its max parallelism. */
const maxProbedSubtasks = 128;

/**
 * The transaction prefixes a subtask aborts the lingering transactions of: its own and, after a
 * rescale down, those of the subtasks `subtask + k * parallelism` (k >= 1) that no longer exist,
 * probed until one has none, as Flink's Kafka producers do (FlinkKafkaProducer's
 * abortTransactions over the id range, KafkaSink's TransactionAborter).
 */
export function lingeringPrefixes(context: OperatorContext, store: { lingering(prefix: string): string[] }): string[] {
  const vertex = context.taskName.slice(0, context.taskName.lastIndexOf('#'));
  const prefixes = [`${context.taskName}/`];
  const parallelism = context.numberOfParallelSubtasks;
  if (parallelism === undefined) return prefixes;
  for (let subtask = context.subtaskIndex + parallelism; subtask < maxProbedSubtasks; subtask += parallelism) {
    const prefix = `${vertex}#${subtask}/`;
    if (store.lingering(prefix).length === 0) break;
    prefixes.push(prefix);
  }
  return prefixes;
}
