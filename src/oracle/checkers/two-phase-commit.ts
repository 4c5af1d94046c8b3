import { endOfInputCheckpointId, type Observation } from '../../cluster/observations.js';
import { SequencedIdMap } from '../../sim/run-map.js';
import { FirstViolation, type Checker, type CheckerContext, type FinalState } from './checker.js';

/**
 * two-phase-commit: the sink's transactions are committed once, only when a completed checkpoint
 * holds them, and all of them once the job finished.
 *
 * - At most once: a transaction-committed with alreadyCommitted false appears at most once per
 *   transaction (a repeated commit reporting alreadyCommitted true is the idempotent retry).
 * - Only when durable: a transaction pre-committed by a task attempt for checkpoint N may be
 *   committed only after some checkpoint M >= N completed in which that same attempt took the
 *   task's snapshot (so M's state lists the transaction; its data precedes M's barrier). This is
 *   "its checkpoint completed", generalised the way Flink's sink commits: a transaction
 *   pre-committed for a checkpoint that was then aborted is legitimately committed with the next
 *   completed one. The attempt is the one of the snapshot-taken that follows the pre-commit.
 *   A commit whose pre-commit was never observed needs a completed checkpoint >= N.
 * - Nothing left: when the job FINISHED, every transaction pre-committed for a completed
 *   checkpoint by the attempt that took that checkpoint's snapshot was committed. A transaction
 *   of a synchronous savepoint that a later restore of the same run went back before is lost to
 *   the known stop-with-savepoint-failover gap (Flink keeps savepoints out of the completed
 *   store): it is named only when no other transaction is lost, with details.knownGap set.
 *   A plain savepoint is never notified (Flink's CheckpointCoordinator notifies checkpoints and
 *   synchronous savepoints only), so its own completion requires nothing: its transactions are
 *   committed with the next completed checkpoint that the same attempt took part in (then they
 *   are required), or aborted by a restore that goes back before it.
 * - Sink V2: the writer pre-commits (prepares a committable) and a committer task commits it; the
 *   rules above hold with the writer's snapshots deciding durability (a completed checkpoint with
 *   the writer's snapshot holds the committable in the committer's state or channel state). A
 *   committable prepared at end of input carries the end-of-input id; it is judged as belonging
 *   to the checkpoint of the writer's next snapshot (the final checkpoint), and any completed
 *   checkpoint at or after that one with the same writer attempt requires it committed.
 */
export function createTwoPhaseCommitChecker(context: CheckerContext): Checker {
  void context;
  const model = new TransactionModel(new FirstViolation('two-phase-commit'));
  return {
    property: 'two-phase-commit',
    observe: (observation) => model.observe(observation),
    finish: (final) => model.finish(final),
  };
}

interface Transaction {
  readonly task: string;
  readonly checkpointId: number;
  /** The checkpoint that must complete to cover it: its own, or for an end-of-input committable the writer's next snapshot. */
  coverId: number;
  /** The attempt that pre-committed it: the one of the task's next snapshot-taken for that checkpoint. */
  attempt: number | undefined;
  /** A completed checkpoint holds it: committing it is safe. */
  covered: boolean;
  /** Its own checkpoint completed with this attempt's snapshot: it must be committed by the end. */
  required: boolean;
}

class TransactionModel {
  /** Pre-committed transactions not yet committed. */
  private readonly open = new Map<string, Transaction>();
  /** Committed transaction ids; sinks number theirs `<writer>.<sequence>`, so this holds runs, not ids. */
  private readonly committed = new SequencedIdMap<true>();
  /** `task|checkpointId` -> transactions pre-committed there (a FileSink closes several part files per checkpoint), waiting for its snapshot-taken. */
  private readonly awaitingSnapshot = new Map<string, string[]>();
  /** Per pending checkpoint, the attempt of each task's snapshot. */
  private readonly snapshotAttempts = new Map<number, Map<string, number>>();
  private maxCompletedId = 0;
  /** Synchronous savepoints of the current job run, and those a later restore of the same run went back before. */
  private readonly runSyncSavepoints = new Set<number>();
  private readonly rolledBackSavepoints = new Set<number>();
  /** Plain savepoints that completed: their transactions wait for the next notified checkpoint. */
  private readonly plainSavepoints = new Set<number>();

  constructor(private readonly violation: FirstViolation) {}

  observe(observation: Observation): void {
    if (this.violation.found) return;
    switch (observation.type) {
      case 'jobmaster-started':
        this.snapshotAttempts.clear();
        this.restoredAfterSavepoints();
        return;
      case 'failover':
        this.restoredAfterSavepoints();
        return;
      case 'job-status':
        // A finished run (or one failed while stopping) is over: the next JobMaster starts a new
        // run from the savepoint.
        if (observation.status === 'FINISHED' || observation.status === 'FAILED') this.runSyncSavepoints.clear();
        return;
      case 'checkpoint-triggered':
        this.snapshotAttempts.set(observation.checkpointId, new Map());
        return;
      case 'task-deployed':
        return this.redeployed(observation.task);
      case 'checkpoint-aborted':
        this.snapshotAttempts.delete(observation.checkpointId);
        return;
      case 'transaction-pre-committed':
        this.open.set(observation.transactionId, { task: observation.task, checkpointId: observation.checkpointId, coverId: observation.checkpointId, attempt: undefined, covered: false, required: false });
      {
        const key = `${observation.task}|${observation.checkpointId}`;
        const waiting = this.awaitingSnapshot.get(key);
        if (waiting === undefined) this.awaitingSnapshot.set(key, [observation.transactionId]);
        else waiting.push(observation.transactionId);
        return;
      }
      case 'snapshot-taken':
        return this.snapshotTaken(observation.task, observation.checkpointId, observation.attempt);
      case 'checkpoint-completed':
        if (observation.checkpointType === 'sync-savepoint') this.runSyncSavepoints.add(observation.checkpointId);
        if (observation.checkpointType === 'savepoint') this.plainSavepoints.add(observation.checkpointId);
        return this.completed(observation.checkpointId, observation.checkpointType !== 'savepoint');
      case 'checkpoint-store-write-failed':
        // Its HA write may have landed: a later JobMaster may restore it and commit its
        // transactions, which is then legitimate; nothing requires them committed, though.
        if (observation.possiblyStored) this.completed(observation.checkpointId, false);
        return;
      case 'transaction-committed':
        return this.transactionCommitted(observation);
      case 'transaction-aborted': {
        // An aborted transaction its checkpoint needed stays open: the end check names it as lost.
        const transaction = this.open.get(observation.transactionId);
        if (transaction !== undefined && !transaction.required) this.open.delete(observation.transactionId);
        return;
      }
      default:
        return;
    }
  }

  /**
   * A new attempt of `task`: what an earlier attempt pre-committed and never took a snapshot
   * after (end-of-input committables waiting for the final checkpoint) can no longer be covered
   * by that attempt's snapshot, and is not required (the restore goes back before it; a FileSink
   * leaves such part files hidden). The next snapshot is the new attempt's, not theirs.
   */
  private redeployed(task: string): void {
    for (const key of [...this.awaitingSnapshot.keys()]) {
      if (!key.startsWith(`${task}|`)) continue;
      for (const transactionId of this.awaitingSnapshot.get(key) ?? []) if (this.open.get(transactionId)?.required === false) this.open.delete(transactionId);
      this.awaitingSnapshot.delete(key);
    }
  }

  /** A restore in the same run after a synchronous savepoint completed goes back before it (savepoints are not stored). */
  private restoredAfterSavepoints(): void {
    for (const checkpointId of this.runSyncSavepoints) this.rolledBackSavepoints.add(checkpointId);
  }

  private snapshotTaken(task: string, checkpointId: number, attempt: number): void {
    this.snapshotAttempts.get(checkpointId)?.set(task, attempt);
    const key = `${task}|${checkpointId}`;
    for (const transactionId of this.awaitingSnapshot.get(key) ?? []) {
      const transaction = this.open.get(transactionId);
      if (transaction !== undefined) transaction.attempt = attempt;
    }
    this.awaitingSnapshot.delete(key);
    const endOfInputKey = `${task}|${endOfInputCheckpointId}`;
    for (const transactionId of this.awaitingSnapshot.get(endOfInputKey) ?? []) {
      const transaction = this.open.get(transactionId);
      if (transaction === undefined) continue;
      transaction.attempt = attempt;
      transaction.coverId = checkpointId;
    }
    this.awaitingSnapshot.delete(endOfInputKey);
  }

  /** @param required - the checkpoint surely completed: its own transactions must end committed */
  private completed(checkpointId: number, required: boolean): void {
    this.maxCompletedId = Math.max(this.maxCompletedId, checkpointId);
    const attempts = this.snapshotAttempts.get(checkpointId);
    this.snapshotAttempts.delete(checkpointId);
    if (attempts === undefined) return;
    for (const transaction of this.open.values()) {
      if (transaction.coverId > checkpointId || transaction.attempt === undefined) continue;
      if (attempts.get(transaction.task) !== transaction.attempt) continue;
      transaction.covered = true;
      // The notification of `checkpointId` commits its own transactions and those of the plain
      // savepoints before it that the same attempt pre-committed.
      // An end-of-input committable is required by any completed checkpoint covering it: the
      // committer commits everything once a checkpoint taken after end of input completes.
      const endOfInput = transaction.checkpointId === endOfInputCheckpointId;
      if (required && (endOfInput || transaction.coverId === checkpointId || this.plainSavepoints.has(transaction.coverId))) transaction.required = true;
    }
  }

  private transactionCommitted(observation: Extract<Observation, { type: 'transaction-committed' }>): void {
    const { transactionId, task, checkpointId, alreadyCommitted, timeUs } = observation;
    const details = { transactionId, task, checkpointId };
    if (!alreadyCommitted) {
      if (this.committed.has(transactionId)) {
        return this.violation.report(`transaction ${transactionId} of ${task} was committed a second time (checkpoint ${checkpointId})`, timeUs, details);
      }
      this.committed.set(transactionId, true);
    }
    const transaction = this.open.get(transactionId);
    this.open.delete(transactionId);
    if (transaction === undefined) {
      if (!alreadyCommitted && checkpointId > this.maxCompletedId) {
        this.violation.report(`transaction ${transactionId} of ${task} was committed for checkpoint ${checkpointId} before any checkpoint at or after it completed`, timeUs, details);
      }
      return;
    }
    if (transaction.checkpointId !== checkpointId) {
      return this.violation.report(`transaction ${transactionId} of ${task} was committed as part of checkpoint ${checkpointId} but pre-committed for checkpoint ${transaction.checkpointId}`, timeUs, details);
    }
    if (!transaction.covered && !alreadyCommitted) {
      this.violation.report(
        `transaction ${transactionId} of ${task} was committed for checkpoint ${checkpointId}, but no completed checkpoint at or after ${checkpointId} holds it (latest completed: ${this.maxCompletedId || 'none'})`,
        timeUs,
        { ...details, preCommitAttempt: transaction.attempt, maxCompletedCheckpointId: this.maxCompletedId },
      );
    }
  }

  finish(final: FinalState): ReturnType<Checker['finish']> {
    if (!this.violation.found && final.jobStatus === 'FINISHED') {
      // Transactions lost to a known gap are named only when no other transaction is lost.
      const isGap = (transaction: Transaction): boolean => this.rolledBackSavepoints.has(transaction.coverId);
      const lost = [...this.open.entries()]
        .filter(([, transaction]) => transaction.required)
        .sort((a, b) => Number(isGap(a[1])) - Number(isGap(b[1])) || a[1].coverId - b[1].coverId);
      const first = lost[0];
      if (first !== undefined) {
        const [transactionId, transaction] = first;
        this.violation.report(
          `transaction ${transactionId} of ${transaction.task}, pre-committed for completed checkpoint ${transaction.checkpointId}, was never committed although the job finished`,
          final.endUs,
          {
            transactionId,
            task: transaction.task,
            checkpointId: transaction.checkpointId,
            uncommitted: lost.map(([id]) => id).slice(0, 20),
            // A restore went back before this synchronous savepoint (Flink keeps savepoints out of the store).
            ...(isGap(transaction) ? { knownGap: 'stop-with-savepoint-failover' } : {}),
          },
        );
      }
    }
    return this.violation.list();
  }
}
