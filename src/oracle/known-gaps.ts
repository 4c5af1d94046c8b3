import type { CheckpointingMode } from '../cluster/checkpoint/types.js';
import type { JobGraph } from '../cluster/jobgraph/job-graph.js';
import type { GapFacts } from './gap-facts.js';
import type { Violation } from './violation.js';

export { GapFacts } from './gap-facts.js';

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
  operatorEventUntrackedAfterAbort: {
    name: 'operator-event-untracked-after-abort',
    description:
      "an AddSplitEvent from the source coordinator to a reader was lost; the coordinator checkpoint that waited for it was aborted before the loss was known, and Flink 1.20's OperatorCoordinatorHolder had already taken the unconfirmed events out of its tracker for that checkpoint (IncompleteFuturesTracker.getCurrentIncompleteAndReset), so a later checkpoint or savepoint completed without waiting for it: its enumerator state counts the split as assigned and no reader holds it. The lost send fails the reader over to that checkpoint, and the enumerator gives back only the splits assigned after it (SplitAssignmentTracker), so the split is never read; a stop-with-savepoint or rescale that ends the run first leaves the same hole in its savepoint. FLINK-23233 reported this loss after a failed event and FLINK-29217 withdrew the guarantee for concurrent checkpoints; Flink 1.20's holder keeps the reset",
  },
  savepointDuringStop: {
    name: 'savepoint-during-stop',
    description:
      "a savepoint or manual checkpoint was triggered while a stop-with-savepoint was ending the job, after some of its tasks had finished: Flink 1.20's checkpoint plan records a FINISHED task as finished (DefaultCheckpointPlan.fulfillFinishedTaskStatus), though it stopped at the stop's savepoint rather than at the end of its input, so the snapshot holds neither the splits its source readers still had nor their records after the stop, and a job restored from it never reads them (SchedulerBase.triggerSavepoint has no guard against a stop in progress). Resume from the stop's own savepoint instead",
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
  // A split lost through an AddSplitEvent no checkpoint waited for any more: in no snapshot from
  // the first checkpoint that completed without it, and its records missing there downstream.
  if (violation.property === 'split-ownership' && violation.message.includes('is in no snapshot') && facts.lostUntracked(violation.details['partition'], violation.details['checkpointId'])) {
    return knownGaps.operatorEventUntrackedAfterAbort;
  }
  if (violation.property === 'consistent-snapshot' && violation.message.includes('misses') && facts.lostUntracked(violation.details['partition'], violation.details['checkpointId'])) {
    return knownGaps.operatorEventUntrackedAfterAbort;
  }
  // A savepoint taken while a stop-with-savepoint ends the job records the stopped readers as
  // finished: their splits are in no snapshot, and the records after the stop missing downstream.
  if ((violation.property === 'split-ownership' && violation.message.includes('is in no snapshot')) || (violation.property === 'consistent-snapshot' && violation.message.includes('misses'))) {
    if (facts.stoppedReaderRecordedFinished(violation.details['partition'], violation.details['checkpointId'])) return knownGaps.savepointDuringStop;
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
    // The records of a split no snapshot holds since an untracked AddSplitEvent was lost are never read.
    if (facts.splitsLostUntracked.size > 0 && (extra === 0 || duplicatesGap(facts, context) !== undefined)) return knownGaps.operatorEventUntrackedAfterAbort;
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
