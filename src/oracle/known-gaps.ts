import type { CheckpointingMode } from '../cluster/checkpoint/types.js';
import type { JobGraph } from '../cluster/jobgraph/job-graph.js';
import type { Observation } from '../cluster/observations.js';
import type { Violation } from './violation.js';

/**
 * Known guarantee gaps: violations that the protocol itself allows under the given setup, as
 * Flink documents or behaves. A violation explained by one is reported as an expected gap, kept
 * apart from violations that mean a broken protocol (or a broken harness).
 */
export interface KnownGap {
  readonly name: string;
  readonly description: string;
}

export const knownGaps = {
  stopWithSavepointFailover: {
    name: 'stop-with-savepoint-failover',
    description:
      "a JobMaster failover after a stop-with-savepoint savepoint completed (before the job finished) restarts the job from the latest checkpoint, not the savepoint, so records the savepoint already committed are committed again (Flink 1.20 keeps savepoints out of the completed checkpoint store, which is all a new JobMaster recovers). With a FileSink, a part file in progress at that checkpoint may have been committed since (the savepoint's notification commits what it closed), and the FileSink refuses to resume an in-progress file committed since (the RecoverableWriter's temporary file is gone; Flink's FileSink documentation, Important Note 3): every restore fails, and the job FAILS once its restart strategy gives up",
  },
  transactionTimeout: {
    name: 'transaction-timeout',
    description:
      "a pre-committed transaction outlived the sink store's transaction timeout before it was committed (its checkpoint was slow, or completed but its notification was lost and no later checkpoint completed in time), so its records were discarded (Kafka's transaction.timeout.ms; Flink 1.20's Kafka sinks give up on a commit that finds the transaction gone, and its documentation asks for a transaction timeout above the longest checkpoint plus restart). Under AT_LEAST_ONCE the restore also replays records: duplicates beside the loss",
  },
  nonTransactionalSink: {
    name: 'non-transactional-sink',
    description: 'a non-transactional sink writes records before their checkpoint completes, so a restore replays records it already wrote: duplicates under any checkpointing mode',
  },
  stopWithSavepointLostNotification: {
    name: 'stop-with-savepoint-lost-notification',
    description:
      'a notifyCheckpointComplete of the stop-with-savepoint savepoint was lost; periodic checkpoints are stopped by then, so no later notification repairs it, and the tasks wait for it forever (Flink waits for the executions to terminate without a timeout)',
  },
  possiblyStoredCheckpointRestored: {
    name: 'possibly-stored-checkpoint-restored',
    description:
      "a checkpoint's HA write failed after it may have landed (Flink's PossibleInconsistentStateException), so the checkpoint was aborted but left in HA; a restore to an older checkpoint then aborted its transactions as lingering, and a later JobMaster recovered it from HA and restored it: its records were in transactions that no longer exist, and are lost (the sink cannot commit an aborted transaction). With a FileSink the restore to the older checkpoint resumed an in-progress part file the possibly stored checkpoint had already closed for commit, truncating and rewriting it; the recovered checkpoint then commits that file with the later attempt's records: some lost, some duplicated. With Sink V2's Kafka writer the restore to the older checkpoint reopened transactional ids at or below the possibly stored checkpoint; restoring that checkpoint, the writer aborts only the ids above it (TransactionAborter starts at the restored id + 1) and the committer's commit with the checkpoint's producer epoch is fenced (KafkaCommitter gives up on a ProducerFencedException), so the records are lost and the reopened transaction stays open until the broker's transaction timeout aborts it",
  },
  savepointRestoredAfterRollback: {
    name: 'savepoint-restored-after-rollback',
    description:
      "a plain savepoint completed, then a failover restored an older checkpoint, which aborted the savepoint's pre-committed transactions as lingering (a plain savepoint is never notified, so nothing had committed them); the job was later resumed from that savepoint, whose records were in transactions that no longer exist, and are lost (Flink 1.20's two-phase-commit sinks give up on a recovered transaction the broker aborted). With a FileSink the restore of the older checkpoint resumed a part file the savepoint had closed for commit (still at its in-progress path, as nothing committed it) and truncated it to that checkpoint's length; resuming the savepoint, its committer's commitAfterRecovery finds the file shorter than the savepoint's committable and throws (LocalRecoverableFsDataOutputStream: Missing data in tmp file), at every restore, so the job FAILS once its restart strategy gives up. Resume from a snapshot taken after the failover instead",
  },
  possiblyStoredSharedState: {
    name: 'possibly-stored-shared-state',
    description:
      "a checkpoint's HA write failed after it may have landed, so it stays in HA but never went into the completed store; Flink 1.20's SharedStateRegistry registered its shared files on acknowledgement and unregisters them like an aborted checkpoint's once a later checkpoint completes without them, so a JobMaster that recovers it from HA would find files missing (Flink leaves such a checkpoint to manual cleanup and protects only its private state)",
  },
  atLeastOnceMode: {
    name: 'at-least-once-mode',
    description: 'AT_LEAST_ONCE checkpoints do not align barriers, so a snapshot may include records after the barrier and a restore replays them: duplicates',
  },
} as const satisfies Record<string, KnownGap>;

/** A violation together with the known gap that explains it. */
export interface ExpectedGap {
  readonly gap: KnownGap;
  readonly violation: Violation;
}

/** Collects, from observations, the facts the gap rules need. Streaming; memory bounded by the run's transactions. */
export class GapFacts {
  private syncSavepointCompleted = false;
  /**
   * A JobMaster failover after the stop-with-savepoint savepoint completed, before the job
   * finished. A task failure there fails the job and the run resumes from the savepoint (Flink
   * 1.20, FLINK-26783), so only a JobMaster failover restores an older checkpoint.
   */
  failoverAfterSyncSavepoint = false;
  failovers = 0;
  commitsLostToTimeout = 0;
  /**
   * Records held by the transactions whose commit found them timed out, by transaction (a restore
   * that tries again reports the same transaction, with nothing left in it). Infinite when some
   * such commit did not say how many records it lost: the loss is then not bounded.
   */
  private readonly timedOutRecords = new Map<string, number>();
  private syncSavepointId: number | undefined;
  private readonly savepointNotificationsPending = new Set<string>();
  /** Checkpoints aborted after an HA write that may have landed. */
  private readonly possiblyStored = new Set<number>();
  /** Sink tasks that, restoring, failed to commit a transaction because it had been aborted. */
  private readonly recommitFailed = new Set<string>();
  /** A restore of a possibly stored checkpoint found some of its transactions already aborted. */
  restoredAbortedPossiblyStored = false;
  /** When each possibly stored checkpoint's HA write failed. */
  private readonly possiblyStoredAtUs = new Map<number, number>();
  /** Transactions a restore aborted as lingering: a later commit of one is fenced (Kafka) or refused. */
  private readonly abortedAsLingering = new Set<string>();
  /** Open Sink V2 transactions with the checkpoint id their transactional id names; forgotten once finished. */
  private readonly openKafkaTransactions = new Map<string, { readonly task: string; readonly idCheckpointId: number; readonly begunUs: number }>();
  /**
   * Sink V2 transactions that a restore of a possibly stored checkpoint K left open: begun after
   * K's HA write failed (by an attempt that restored an older checkpoint) under a transactional
   * id at or below K, which a writer restored from K never aborts.
   */
  readonly strandedByPossiblyStoredRestore = new Set<string>();
  /**
   * The checkpoint each transaction was first pre-committed for, and the transactions a later
   * attempt pre-committed again for another checkpoint: a FileSink part file that a restore to an
   * older checkpoint resumed (truncated and rewrote) after it had been closed for commit. Bounded
   * by the run's transactions, as the two-phase-commit checker's own bookkeeping.
   */
  private readonly firstPreCommit = new Map<string, number>();
  private readonly rewritten = new Set<string>();
  /** Commits (`transactionId|checkpointId`) of a rewritten part file restored with a possibly stored checkpoint. */
  readonly rewrittenPossiblyStoredCommits = new Set<string>();
  /** Part files in progress in each checkpoint's FileSink writer snapshots, and the transactions (part files) committed. */
  private readonly inProgressFiles = new Map<number, string[]>();
  private readonly committed = new Set<string>();
  /** Checkpoints a JobMaster failover after the stop-with-savepoint savepoint restored. */
  private readonly restoredAfterSyncSavepoint = new Set<number>();
  /** Why the job FAILED, when it did. */
  private failedCause: string | undefined;
  /** Plain savepoints that completed, and those of them a later restore went back before. */
  private readonly plainSavepoints = new Set<number>();
  private readonly rolledBackSavepoints = new Set<number>();
  /** A resume from a rolled-back savepoint found some of its transactions already aborted. */
  restoredAbortedRolledBackSavepoint = false;
  /**
   * Part files pending in a rolled-back plain savepoint that the rollback's restore resumed in
   * progress (and truncated): the savepoint's committer can no longer commit them.
   */
  private readonly truncatedSavepointFiles = new Set<string>();
  /** The job FAILED because a restored committer could not commit such a file. */
  failedCommittingTruncatedSavepointFile = false;

  /** How many records the timed-out commits lost in all: the most a transaction timeout can explain. */
  get recordsLostToTimeout(): number {
    let total = 0;
    for (const records of this.timedOutRecords.values()) total += records;
    return total;
  }

  /** A notification of the stop-with-savepoint savepoint was sent and never arrived. */
  get lostSyncSavepointNotification(): boolean {
    return this.savepointNotificationsPending.size > 0;
  }

  /** A restore of `restoredId` (or of nothing) goes back before every plain savepoint newer than it. */
  private rolledBackBefore(restoredId: number | undefined): void {
    for (const id of this.plainSavepoints) {
      if (restoredId !== undefined && id <= restoredId) continue;
      this.rolledBackSavepoints.add(id);
      // A FileSink part file in progress in the restored checkpoint that the savepoint closed for commit: the restore resumes and truncates it.
      for (const path of restoredId === undefined ? [] : (this.inProgressFiles.get(restoredId) ?? [])) {
        if (this.firstPreCommit.get(path) === id && !this.committed.has(path)) this.truncatedSavepointFiles.add(path);
      }
    }
  }

  observe(observation: Observation): void {
    switch (observation.type) {
      case 'checkpoint-completed':
        if (observation.checkpointType === 'savepoint') this.plainSavepoints.add(observation.checkpointId);
        if (observation.checkpointType === 'sync-savepoint') {
          this.syncSavepointCompleted = true;
          this.syncSavepointId = observation.checkpointId;
        }
        return;
      case 'checkpoint-notification-sent':
        if (observation.kind === 'complete' && observation.checkpointId === this.syncSavepointId) this.savepointNotificationsPending.add(observation.task);
        return;
      case 'checkpoint-notification-received':
        if (observation.kind === 'complete' && observation.checkpointId === this.syncSavepointId) this.savepointNotificationsPending.delete(observation.task);
        return;
      case 'jobmaster-started':
        // A new leader recovers only the completed store, which holds no savepoint: the same gap.
        if (observation.leaderEpoch > 1 && observation.recoveredCheckpointIds.length > 0) this.rolledBackBefore(Math.max(...observation.recoveredCheckpointIds));
        if (observation.leaderEpoch > 1) {
          // A JobMaster failover restarts every task from the completed store: a restore like any other.
          this.failovers++;
          if (this.syncSavepointCompleted) {
            this.failoverAfterSyncSavepoint = true;
            if (observation.recoveredCheckpointIds.length > 0) this.restoredAfterSyncSavepoint.add(Math.max(...observation.recoveredCheckpointIds));
          }
        }
        return;
      case 'snapshot-taken': {
        const inProgress = observation.content.operator?.['inProgress'];
        if (!Array.isArray(inProgress) || inProgress.length === 0) return;
        const paths = this.inProgressFiles.get(observation.checkpointId) ?? [];
        for (const file of inProgress as { readonly path?: unknown }[]) if (typeof file.path === 'string') paths.push(file.path);
        this.inProgressFiles.set(observation.checkpointId, paths);
        return;
      }
      case 'failover':
        this.rolledBackBefore(observation.restoreCheckpointId);
        this.failovers++;
        return;
      case 'job-status':
        // A new run resumes from the savepoint (after FINISHED, or FAILED while stopping): later
        // failovers are ordinary ones.
        if (observation.status === 'FINISHED' || observation.status === 'FAILED') this.syncSavepointCompleted = false;
        if (observation.status === 'FAILED') {
          this.failedCause = observation.cause ?? '';
          for (const path of this.truncatedSavepointFiles) if (observation.cause?.includes(`commit of ${path} failed: no such pending file`) === true) this.failedCommittingTruncatedSavepointFile = true;
        }
        return;
      case 'transaction-pre-committed': {
        const first = this.firstPreCommit.get(observation.transactionId);
        if (first === undefined) this.firstPreCommit.set(observation.transactionId, observation.checkpointId);
        else if (first !== observation.checkpointId) this.rewritten.add(observation.transactionId);
        return;
      }
      case 'transaction-begun':
        if (observation.idCheckpointId !== undefined) this.openKafkaTransactions.set(observation.transactionId, { task: observation.task, idCheckpointId: observation.idCheckpointId, begunUs: observation.timeUs });
        return;
      case 'transaction-committed':
        this.openKafkaTransactions.delete(observation.transactionId);
        this.committed.add(observation.transactionId);
        // The restored committer of a possibly stored checkpoint commits a part file that a
        // restore to an older checkpoint resumed and rewrote since (Flink's commitAfterRecovery
        // renames whatever the in-progress file holds): the checkpoint's records in it are gone.
        if (this.possiblyStored.has(observation.checkpointId) && this.rewritten.has(observation.transactionId)) {
          this.rewrittenPossiblyStoredCommits.add(`${observation.transactionId}|${observation.checkpointId}`);
        }
        return;
      case 'transaction-aborted':
        this.openKafkaTransactions.delete(observation.transactionId);
        if (observation.cause.includes('timed-out')) {
          this.commitsLostToTimeout++;
          const records = observation.records ?? Number.POSITIVE_INFINITY;
          this.timedOutRecords.set(observation.transactionId, Math.max(records, this.timedOutRecords.get(observation.transactionId) ?? 0));
        }
        if (observation.cause.startsWith('lingering')) this.abortedAsLingering.add(observation.transactionId);
        // The sink commits the restored state's transactions before the task reports its restore.
        // Sink V2's committer finds a transaction a restore aborted as lingering fenced: the
        // aborting writer's initTransactions bumped the producer epoch the committable holds.
        if (observation.cause === 'commit failed: aborted' || (observation.cause === 'commit failed: fenced' && this.abortedAsLingering.has(observation.transactionId))) {
          this.recommitFailed.add(observation.task);
        }
        return;
      case 'checkpoint-store-write-failed':
        if (observation.possiblyStored) {
          this.possiblyStored.add(observation.checkpointId);
          this.possiblyStoredAtUs.set(observation.checkpointId, observation.timeUs);
        }
        return;
      case 'task-restored':
        this.noteStrandedTransactions(observation.task, observation.checkpointId);
        if (!this.recommitFailed.delete(observation.task)) return;
        if (this.possiblyStored.has(observation.checkpointId)) this.restoredAbortedPossiblyStored = true;
        if (this.rolledBackSavepoints.has(observation.checkpointId)) this.restoredAbortedRolledBackSavepoint = true;
        return;
      default:
        return;
    }
  }

  /**
   * Part files in progress in a checkpoint that a JobMaster failover after the stop-with-savepoint
   * savepoint restored, and committed (by that savepoint's notification, before or after the
   * failover: a notification already in a task's mailbox still runs before the old task is
   * cancelled): the FileSink cannot resume them.
   */
  get unresumableAfterSyncSavepoint(): ReadonlySet<string> {
    const paths = new Set<string>();
    for (const restoredId of this.restoredAfterSyncSavepoint) for (const path of this.inProgressFiles.get(restoredId) ?? []) if (this.committed.has(path)) paths.add(path);
    return paths;
  }

  /** The job FAILED because a restored FileWriter could not resume such a part file. */
  get failedResumingCommittedFile(): boolean {
    const cause = this.failedCause;
    if (cause === undefined || !this.failoverAfterSyncSavepoint) return false;
    for (const path of this.unresumableAfterSyncSavepoint) if (cause.includes(`cannot resume in-progress file ${path} at length`)) return true;
    return false;
  }

  /**
   * A writer task restored possibly stored checkpoint `restoredId`: its open transactions begun
   * since that checkpoint's HA write failed, under ids at or below it, stay open (the restored
   * writer aborts the ids above `restoredId` only).
   */
  private noteStrandedTransactions(task: string, restoredId: number): void {
    const failedUs = this.possiblyStoredAtUs.get(restoredId);
    if (failedUs === undefined) return;
    for (const [transactionId, open] of this.openKafkaTransactions) {
      if (open.task === task && open.idCheckpointId <= restoredId && open.begunUs > failedUs) this.strandedByPossiblyStoredRestore.add(transactionId);
    }
  }
}

/** What the rules need to know about the case besides observations. */
export interface GapContext {
  readonly job: JobGraph;
  readonly mode: CheckpointingMode;
}

/** Splits violations into unexplained ones and expected gaps. */
export function classifyViolations(violations: readonly Violation[], facts: GapFacts, context: GapContext): { violations: Violation[]; gaps: ExpectedGap[] } {
  const unexplained: Violation[] = [];
  const gaps: ExpectedGap[] = [];
  for (const violation of violations) {
    const gap = explain(violation, facts, context);
    if (gap === undefined) unexplained.push(violation);
    else gaps.push({ gap, violation });
  }
  return { violations: unexplained, gaps };
}

function explain(violation: Violation, facts: GapFacts, context: GapContext): KnownGap | undefined {
  // A run stopped by an exception is never an expected gap.
  if (violation.details['outcome'] === 'event-threw') return undefined;
  // Checkers that recognise a gap themselves tag the violation (recovery, two-phase commit).
  if (violation.details['knownGap'] === knownGaps.stopWithSavepointFailover.name && facts.failoverAfterSyncSavepoint) return knownGaps.stopWithSavepointFailover;
  if (violation.details['knownGap'] === knownGaps.possiblyStoredSharedState.name) return knownGaps.possiblyStoredSharedState;
  // A rewritten part file committed for the possibly stored checkpoint it was first closed for:
  // the two-phase-commit check sees it pre-committed for the later checkpoint too.
  if (violation.property === 'two-phase-commit' && violation.message.includes('but pre-committed for checkpoint')) {
    const key = `${String(violation.details['transactionId'])}|${String(violation.details['checkpointId'])}`;
    if (facts.rewrittenPossiblyStoredCommits.has(key)) return knownGaps.possiblyStoredCheckpointRestored;
  }
  // A transaction the store timed out can never be committed: the two-phase-commit check sees it too.
  if (violation.property === 'two-phase-commit' && violation.message.includes('was never committed') && facts.commitsLostToTimeout > 0) {
    return knownGaps.transactionTimeout;
  }
  // The job FAILED restoring, again and again, a part file the stop-with-savepoint savepoint's
  // notification committed while a JobMaster failover went back to an older checkpoint (the
  // FileWriter's failure names the file it cannot resume); no checkpoint completes after it either.
  if ((violation.property === 'job-finishes' || violation.property === 'liveness') && violation.details['jobStatus'] === 'FAILED' && facts.failedResumingCommittedFile) {
    return knownGaps.stopWithSavepointFailover;
  }
  // The job FAILED committing, at every restore of a rolled-back savepoint, a part file the
  // rollback's restore had resumed and truncated; no checkpoint completes after it either.
  if ((violation.property === 'job-finishes' || violation.property === 'liveness') && violation.details['jobStatus'] === 'FAILED' && facts.failedCommittingTruncatedSavepointFile) {
    return knownGaps.savepointRestoredAfterRollback;
  }
  // Every transaction open at the end is one a restore of a possibly stored checkpoint left open.
  if (violation.property === 'external-hygiene' && strandedByPossiblyStoredRestore(violation, facts)) return knownGaps.possiblyStoredCheckpointRestored;
  if ((violation.property === 'job-finishes' || violation.property === 'liveness') && facts.lostSyncSavepointNotification) {
    return knownGaps.stopWithSavepointLostNotification;
  }
  // Windowed output lists lost and duplicated window results as exactly-once lists records.
  if (violation.property !== 'exactly-once' && violation.property !== 'windowed-output') return undefined;
  const missing = (violation.details['missing'] as unknown[] | undefined)?.length ?? 0;
  const extra = (violation.details['extra'] as unknown[] | undefined)?.length ?? 0;
  if (missing > 0) {
    // Records of timed-out transactions are lost whatever the mode; under AT_LEAST_ONCE the
    // restore that found them gone also replays records, so duplicates may come beside the loss.
    // The loss must fit in what the timed-out transactions held.
    if (facts.commitsLostToTimeout > 0 && lostRecords(violation) <= facts.recordsLostToTimeout && (extra === 0 || duplicatesGap(facts, context) !== undefined)) {
      return knownGaps.transactionTimeout;
    }
    // The rewritten part file holds the later attempt's records in place of the checkpoint's:
    // those are lost, and the ones replayed again after the restore are duplicated.
    if (facts.rewrittenPossiblyStoredCommits.size > 0) return knownGaps.possiblyStoredCheckpointRestored;
    const lossGap = facts.restoredAbortedPossiblyStored ? knownGaps.possiblyStoredCheckpointRestored : facts.restoredAbortedRolledBackSavepoint ? knownGaps.savepointRestoredAfterRollback : undefined;
    if (lossGap === undefined) return undefined;
    // Records lost to the restore of a snapshot whose transactions were aborted; duplicates too
    // only when a duplicating gap explains them.
    return extra === 0 || duplicatesGap(facts, context) !== undefined ? lossGap : undefined;
  }
  return extra === 0 ? undefined : duplicatesGap(facts, context);
}

/**
 * How many records a violation says were lost in all: the checkers' own count (exactly-once and
 * the interleaving search: `lostRecords`; windowed output: `missingCount`), else what the listed
 * missing entries lack (hand-built violations list every one).
 */
function lostRecords(violation: Violation): number {
  const counted = violation.details['lostRecords'] ?? violation.details['missingCount'];
  if (typeof counted === 'number') return counted;
  let total = 0;
  for (const entry of (violation.details['missing'] as unknown[] | undefined) ?? []) {
    const { expected, committed } = entry as { expected?: unknown; committed?: unknown };
    total += typeof expected === 'number' && typeof committed === 'number' ? expected - committed : 1;
  }
  return total;
}

/** The gap that explains duplicated records after a restore, if any. */
function duplicatesGap(facts: GapFacts, context: GapContext): KnownGap | undefined {
  if (facts.failovers === 0) return undefined;
  const directSink = context.job.vertices.some((vertex) => vertex.operator.kind === 'sink' && vertex.operator.sink === 'at-least-once');
  if (directSink) return knownGaps.nonTransactionalSink;
  if (context.mode === 'AT_LEAST_ONCE') return knownGaps.atLeastOnceMode;
  if (facts.failoverAfterSyncSavepoint) return knownGaps.stopWithSavepointFailover;
  return undefined;
}

/** An external-hygiene violation whose open transactions (all of them) a possibly stored restore stranded. */
function strandedByPossiblyStoredRestore(violation: Violation, facts: GapFacts): boolean {
  const open = violation.details['openTransactions'] as readonly string[] | undefined;
  if (open === undefined || open.length === 0 || violation.details['openCount'] !== open.length) return false;
  return open.every((transactionId) => facts.strandedByPossiblyStoredRestore.has(transactionId));
}
