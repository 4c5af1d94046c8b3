import type { Observation } from '../cluster/observations.js';

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
  /** Splits assigned to a reader attempt (`task|attempt`) that it has not taken yet: their AddSplitEvent is in flight or lost. */
  private readonly splitsInFlight = new Map<string, Set<number>>();
  /** The reader attempts whose AddSplitEvents each coordinator checkpoint took over and waits for. */
  private readonly eventsAwaitedBy = new Map<number, string[]>();
  /** Reader attempts with AddSplitEvents no checkpoint waits for any more: the checkpoint that took them over was aborted. */
  private readonly untrackedEvents = new Set<string>();
  /** Each split whose untracked AddSplitEvent never arrived, with the first checkpoint that completed without it. */
  readonly splitsLostUntracked = new Map<number, number>();
  /** Tasks that finished after the stop-with-savepoint savepoint completed, while the stop ends the run. */
  private readonly finishedByStop = new Set<string>();
  /** Checkpoints triggered while some of a stop's tasks had finished, with those tasks. */
  private readonly triggeredDuringStop = new Map<number, ReadonlySet<string>>();
  /** The reader that last took each split (a rescaled run may have more or fewer readers). */
  private readonly splitReader = new Map<number, string>();
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
      case 'splits-assigned': {
        const key = `${observation.operator}#${observation.subtask}|${observation.attempt}`;
        const partitions = this.splitsInFlight.get(key) ?? new Set<number>();
        for (const split of observation.splits) partitions.add(split.partition);
        this.splitsInFlight.set(key, partitions);
        return;
      }
      case 'splits-added': {
        for (const split of observation.splits) this.splitReader.set(split.partition, observation.task);
        const partitions = this.splitsInFlight.get(`${observation.task}|${observation.attempt}`);
        for (const split of observation.splits) partitions?.delete(split.partition);
        return;
      }
      case 'coordinator-events-awaited':
        this.eventsAwaitedBy.set(observation.checkpointId, observation.events.filter((event) => event.kind === 'add-splits').map((event) => `${event.task}|${event.attempt}`));
        return;
      case 'checkpoint-aborted':
        for (const key of this.eventsAwaitedBy.get(observation.checkpointId) ?? []) if ((this.splitsInFlight.get(key)?.size ?? 0) > 0) this.untrackedEvents.add(key);
        this.eventsAwaitedBy.delete(observation.checkpointId);
        return;
      case 'task-finished':
        if (this.syncSavepointCompleted) this.finishedByStop.add(observation.task);
        return;
      case 'checkpoint-triggered':
        if (this.finishedByStop.size > 0) this.triggeredDuringStop.set(observation.checkpointId, new Set(this.finishedByStop));
        return;
      case 'checkpoint-completed':
        this.eventsAwaitedBy.delete(observation.checkpointId);
        this.noteSplitsLostUntracked(observation.checkpointId);
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
        if (observation.status === 'FINISHED' || observation.status === 'FAILED') {
          this.syncSavepointCompleted = false;
          this.finishedByStop.clear();
        }
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

  /** Checkpoint `checkpointId` completed: splits of untracked AddSplitEvents not taken yet are in none of its snapshots. */
  private noteSplitsLostUntracked(checkpointId: number): void {
    for (const key of this.untrackedEvents) {
      const partitions = this.splitsInFlight.get(key);
      if (partitions === undefined || partitions.size === 0) {
        this.untrackedEvents.delete(key);
        continue;
      }
      for (const partition of partitions) if (!this.splitsLostUntracked.has(partition)) this.splitsLostUntracked.set(partition, checkpointId);
    }
  }

  /** Split `partition` went missing, from checkpoint `checkpointId` on, through an untracked AddSplitEvent. */
  lostUntracked(partition: unknown, checkpointId: unknown): boolean {
    if (typeof partition !== 'number' || typeof checkpointId !== 'number') return false;
    const since = this.splitsLostUntracked.get(partition);
    return since !== undefined && since <= checkpointId;
  }

  /** Checkpoint `checkpointId` was triggered after the reader of split `partition` finished at a stop-with-savepoint. */
  stoppedReaderRecordedFinished(partition: unknown, checkpointId: unknown): boolean {
    if (typeof partition !== 'number' || typeof checkpointId !== 'number') return false;
    const reader = this.splitReader.get(partition);
    return reader !== undefined && this.triggeredDuringStop.get(checkpointId)?.has(reader) === true;
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
