import type { SnapshotType } from '../../cluster/checkpoint/types.js';
import type { Observation } from '../../cluster/observations.js';
import { RunMap } from '../../sim/run-map.js';
import { FirstViolation, formatTime, type Checker, type CheckerContext, type FinalState } from './checker.js';
import { SharedFileLedger } from './shared-files.js';
import { knownGaps } from '../known-gaps.js';

/**
 * coordinator-invariants: the CheckpointCoordinator's protocol rules, from its observations.
 *
 * - Ids: checkpoint-triggered ids are non-negative integers and strictly increase over the whole
 *   run, across JobMaster failovers and job runs.
 * - Each checkpoint ends once: completed or aborted, only while pending (triggered by the current
 *   JobMaster, not yet ended); a new JobMaster starts with nothing pending.
 * - Acks: no checkpoint-completed before every task of its tasksToWaitFor, except the
 *   pre-acknowledged (finished) ones, has a SUCCESS checkpoint-acknowledged for it.
 * - Max concurrent: a checkpoint is triggered only while fewer than maxConcurrentCheckpoints are
 *   pending (savepoints count as pending, as in Flink). Forced triggers are exempt: savepoints
 *   when unaligned checkpoints are off.
 * - Min pause: a periodic checkpoint is triggered no sooner than minPauseBetweenCheckpoints after
 *   the latest completion (of any type) of the same JobMaster before its trigger timestamp (when
 *   Flink's request decider let it go: a completion while its asynchronous trigger chain runs
 *   comes after the decision); manual checkpoints and savepoints
 *   are exempt, as in Flink 1.20's CheckpointRequestDecider. A trigger whose `requestKind` is not
 *   given counts as periodic when it is a plain checkpoint.
 * - Periodic checkpoints only while the job runs: a periodic checkpoint is never created (its
 *   PendingCheckpoint, checkpoint-triggered) while the job's latest status is other than RUNNING.
 *   Flink's CheckpointCoordinatorDeActivator stops the periodic scheduler when the job leaves
 *   RUNNING, and a trigger chain already under way re-checks the scheduler after taking its id
 *   (FLINK-13969), so it fails with PERIODIC_SCHEDULER_SHUTDOWN instead.
 * - Savepoints in each checkpointing mode (CheckpointRequestDecider, CheckpointOptions): with
 *   unaligned checkpoints off, savepoints are forced past max concurrent; with them on, a
 *   savepoint waits like any checkpoint (FLINK-17342); and a savepoint is always taken aligned,
 *   never unaligned, whatever the mode.
 * - One trigger chain at a time (Flink's isTriggering): a request's chain starts only once the
 *   chain before it ended, whoever asked (periodic, by hand, savepoint); a request that comes
 *   while a chain runs waits in the request queue (FLINK-27162: a request made by hand started
 *   its own chain beside the periodic one's).
 * - Expiry: a checkpoint still pending checkpointTimeout after its PendingCheckpoint was created
 *   is aborted then (Flink's CheckpointCanceller, scheduled as the PendingCheckpoint is created):
 *   none is pending later than that. A JobMaster that crashes takes its pending checkpoints and
 *   their cancellers with it.
 * - Savepoints are never aborted with CHECKPOINT_SUBSUMED.
 * - Notifications: kind 'complete' only for checkpoints that completed (and never for a plain
 *   savepoint, which is not notified), kind 'aborted' only for ones that aborted.
 * - Storage: at the end, every key left in checkpoint storage belongs to a checkpoint the runtime
 *   still owns (FinalState.retainedCheckpoints), and each of those completed; every file a
 *   retained checkpoint or savepoint refers to (shared files of incremental checkpoints included)
 *   exists. Shared files follow Flink 1.20's SharedStateRegistry, with its deliberate exceptions
 *   (see {@link SharedFileLedger}): no file outlives every reference unless no JobMaster
 *   registered it, a NO_CLAIM restore keeps it, or its registry has not unregistered past its
 *   last use; a retained checkpoint may miss a file only a later run claimed.
 * - Shared state: the registry never refuses an acknowledgement (Flink's IllegalStateException
 *   on a placeholder for a file it does not hold, or two files under one key), except for a
 *   placeholder of a file it had registered and then unregistered: Flink 1.20's own race with
 *   concurrent checkpoints (see {@link SharedFileLedger.refusedAfterUnregistering}), whose
 *   checkpoint then expires.
 */
export function createCoordinatorInvariantsChecker(context: CheckerContext): Checker {
  const invariants = new CoordinatorInvariants(context, new FirstViolation('coordinator-invariants'));
  return {
    property: 'coordinator-invariants',
    observe: (observation) => invariants.observe(observation),
    finish: (final) => invariants.finish(final),
  };
}

interface PendingCheckpoint {
  readonly type: SnapshotType;
  /** Tasks whose SUCCESS acknowledgement the completion needs. */
  readonly awaited: ReadonlySet<string>;
  readonly acknowledged: Set<string>;
}

/** The latest of ascending `timesUs` at or before `limitUs`. */
function latestAtOrBefore(timesUs: readonly number[], limitUs: number): number | undefined {
  for (let index = timesUs.length - 1; index >= 0; index--) {
    const timeUs = timesUs[index] as number;
    if (timeUs <= limitUs) return timeUs;
  }
  return undefined;
}

/** How many completion times the min-pause rule keeps: more than can land during one trigger chain. */
const maxCompletionTimes = 16;

class CoordinatorInvariants {
  private lastTriggeredId: number | undefined;
  private readonly pending = new Map<number, PendingCheckpoint>();
  /** When each pending checkpoint of the live JobMaster must have expired by. */
  private readonly expiryDeadlinesUs = new Map<number, number>();
  /** The job's latest status since the current JobMaster started; undefined before it published one. */
  private jobStatus: string | undefined;
  /** Completion times of the current JobMaster's latest checkpoints, ascending (bounded: the min-pause rule needs only recent ones). */
  private readonly completionTimesUs: number[] = [];
  /** Ended checkpoints: id -> `outcome/type`, as runs of ids (a long run of completions is one). */
  private readonly endings = new RunMap<string>();
  /** Checkpoints aborted after an HA write that may have landed: the HA store may legitimately keep them. */
  private readonly possiblyStored = new Set<number>();
  private readonly sharedFiles = new SharedFileLedger();
  /** The request whose trigger chain is in flight in the current JobMaster, if any. */
  private chainInFlight: string | undefined;

  constructor(private readonly context: CheckerContext, private readonly violation: FirstViolation) {}

  observe(observation: Observation): void {
    if (this.violation.found) return;
    this.sharedFiles.observe(observation);
    if (this.expiryDeadlinesUs.size > 0) this.checkExpiry(observation.timeUs);
    if (this.violation.found) return;
    switch (observation.type) {
      case 'fault-injected':
        // The crashed JobMaster's pending checkpoints and cancellers are gone with it.
        if (observation.kind === 'crash-jobmaster') this.expiryDeadlinesUs.clear();
        return;
      case 'shared-state-registration-failed':
        if (this.sharedFiles.refusedAfterUnregistering(observation.key)) return;
        return this.violation.report(`the shared-state registry refused ${observation.task}'s acknowledgement of checkpoint ${observation.checkpointId}: ${observation.reason}`, observation.timeUs, {
          checkpointId: observation.checkpointId,
          task: observation.task,
          key: observation.key,
        });
      case 'trigger-chain-started':
        if (this.chainInFlight !== undefined) {
          return this.violation.report(`the trigger chain of ${observation.kind} request ${observation.requestId} started while request ${this.chainInFlight}'s was still in flight (one at a time, as Flink's isTriggering)`, observation.timeUs, {
            requestId: observation.requestId,
            inFlight: this.chainInFlight,
          });
        }
        this.chainInFlight = observation.requestId;
        return;
      case 'trigger-chain-ended':
        if (this.chainInFlight === observation.requestId) this.chainInFlight = undefined;
        return;
      case 'jobmaster-started':
        this.chainInFlight = undefined;
        this.pending.clear();
        this.expiryDeadlinesUs.clear();
        this.completionTimesUs.length = 0;
        this.jobStatus = undefined;
        return;
      case 'job-status':
        this.jobStatus = observation.status;
        return;
      case 'checkpoint-triggered':
        return this.triggered(observation);
      case 'checkpoint-acknowledged':
        if (observation.result === 'SUCCESS') this.pending.get(observation.checkpointId)?.acknowledged.add(observation.task);
        return;
      case 'checkpoint-completed':
        return this.completed(observation);
      case 'checkpoint-aborted':
        return this.aborted(observation);
      case 'checkpoint-store-write-failed':
        if (observation.possiblyStored) this.possiblyStored.add(observation.checkpointId);
        return;
      case 'checkpoint-notification-sent':
        return this.notified(observation);
      case 'snapshot-taken': {
        const type = this.pending.get(observation.checkpointId)?.type;
        if (observation.unaligned && type !== undefined && type !== 'checkpoint') {
          this.violation.report(`${observation.task} took ${type} ${observation.checkpointId} unaligned: savepoints are always aligned`, observation.timeUs, { checkpointId: observation.checkpointId, task: observation.task });
        }
        return;
      }
      default:
        return;
    }
  }

  private triggered(observation: Extract<Observation, { type: 'checkpoint-triggered' }>): void {
    const { checkpointId, checkpointType, timeUs } = observation;
    if (!Number.isSafeInteger(checkpointId) || checkpointId < 0) {
      return this.violation.report(`checkpoint id ${checkpointId} was triggered: ids are non-negative integers`, timeUs, { checkpointId });
    }
    if (this.lastTriggeredId !== undefined && checkpointId <= this.lastTriggeredId) {
      return this.violation.report(`checkpoint ${checkpointId} was triggered after checkpoint ${this.lastTriggeredId}: ids must strictly increase`, timeUs, {
        checkpointId,
        previousCheckpointId: this.lastTriggeredId,
      });
    }
    this.lastTriggeredId = checkpointId;
    const config = this.context.checkpoint;
    const forced = checkpointType !== 'checkpoint' && !config.unaligned;
    if (!forced && this.pending.size >= config.maxConcurrentCheckpoints) {
      const pendingIds = [...this.pending.keys()].sort((a, b) => a - b);
      return this.violation.report(
        `${checkpointType} ${checkpointId} was triggered while ${this.pending.size} checkpoint(s) [${pendingIds.join(', ')}] were pending (max concurrent ${config.maxConcurrentCheckpoints})`,
        timeUs,
        { checkpointId, pendingCheckpointIds: pendingIds, maxConcurrentCheckpoints: config.maxConcurrentCheckpoints },
      );
    }
    const minPauseUs = config.minPauseBetweenCheckpointsUs;
    const periodic = observation.requestKind === undefined ? checkpointType === 'checkpoint' : observation.requestKind === 'periodic';
    if (periodic && this.jobStatus !== undefined && this.jobStatus !== 'RUNNING') {
      return this.violation.report(`periodic checkpoint ${checkpointId} was created while the job was ${this.jobStatus}: the periodic scheduler is stopped outside RUNNING`, timeUs, { checkpointId, jobStatus: this.jobStatus });
    }
    const lastCompletionUs = latestAtOrBefore(this.completionTimesUs, observation.timestampUs);
    if (periodic && minPauseUs > 0 && lastCompletionUs !== undefined && observation.timestampUs < lastCompletionUs + minPauseUs) {
      return this.violation.report(
        `checkpoint ${checkpointId} was triggered at ${formatTime(observation.timestampUs)}, ${observation.timestampUs - lastCompletionUs} us after the last completion at ${formatTime(lastCompletionUs)} (min pause ${minPauseUs} us)`,
        timeUs,
        { checkpointId, triggerTimestampUs: observation.timestampUs, lastCompletionUs, minPauseBetweenCheckpointsUs: minPauseUs },
      );
    }
    const preAcknowledged = new Set(observation.preAcknowledged);
    const awaited = new Set(observation.tasksToWaitFor.filter((task) => !preAcknowledged.has(task)));
    this.pending.set(checkpointId, { type: checkpointType, awaited, acknowledged: new Set() });
    this.expiryDeadlinesUs.set(checkpointId, timeUs + config.timeoutUs);
  }

  /** A checkpoint pending past its timeout: its canceller did not expire it. */
  private checkExpiry(nowUs: number): void {
    for (const [checkpointId, deadlineUs] of this.expiryDeadlinesUs) {
      if (nowUs <= deadlineUs) continue;
      return this.violation.report(
        `checkpoint ${checkpointId} is still pending at ${formatTime(nowUs)}, past its timeout of ${this.context.checkpoint.timeoutUs} us at ${formatTime(deadlineUs)}: it was never expired`,
        nowUs,
        { checkpointId, deadlineUs, timeoutUs: this.context.checkpoint.timeoutUs },
      );
    }
  }

  private completed(observation: Extract<Observation, { type: 'checkpoint-completed' }>): void {
    const { checkpointId, timeUs } = observation;
    const pending = this.pending.get(checkpointId);
    if (pending === undefined) return this.notPending('completed', checkpointId, timeUs);
    for (const task of pending.awaited) {
      if (pending.acknowledged.has(task)) continue;
      return this.violation.report(`checkpoint ${checkpointId} completed without a SUCCESS acknowledgement from ${task}`, timeUs, {
        checkpointId,
        task,
        acknowledged: [...pending.acknowledged].sort(),
      });
    }
    this.pending.delete(checkpointId);
    this.expiryDeadlinesUs.delete(checkpointId);
    this.endings.set(checkpointId, `completed/${observation.checkpointType}`);
    this.completionTimesUs.push(timeUs);
    if (this.completionTimesUs.length > maxCompletionTimes) this.completionTimesUs.shift();
  }

  private aborted(observation: Extract<Observation, { type: 'checkpoint-aborted' }>): void {
    const { checkpointId, checkpointType, reason, timeUs } = observation;
    if (checkpointType !== 'checkpoint' && reason === 'CHECKPOINT_SUBSUMED') {
      return this.violation.report(`${checkpointType} ${checkpointId} was aborted as CHECKPOINT_SUBSUMED: savepoints are never subsumed`, timeUs, { checkpointId, checkpointType });
    }
    if (!this.pending.has(checkpointId)) return this.notPending('aborted', checkpointId, timeUs);
    this.pending.delete(checkpointId);
    this.expiryDeadlinesUs.delete(checkpointId);
    this.endings.set(checkpointId, `aborted/${checkpointType}`);
  }

  private notPending(outcome: 'completed' | 'aborted', checkpointId: number, timeUs: number): void {
    const ended = this.ended(checkpointId);
    const why = ended !== undefined ? `it had already ${ended.outcome}` : 'the current JobMaster never triggered it';
    this.violation.report(`checkpoint ${checkpointId} ${outcome} while not pending: ${why}`, timeUs, { checkpointId, outcome, earlierOutcome: ended?.outcome });
  }

  private notified(observation: Extract<Observation, { type: 'checkpoint-notification-sent' }>): void {
    const { checkpointId, kind, task, timeUs } = observation;
    const ended = this.ended(checkpointId);
    const wanted = kind === 'complete' ? 'completed' : 'aborted';
    if (ended?.outcome !== wanted) {
      const state = ended === undefined ? (this.pending.has(checkpointId) ? 'is still pending' : 'is unknown') : `${ended.outcome}`;
      return this.violation.report(`${task} was sent a '${kind}' notification for checkpoint ${checkpointId}, which ${state}`, timeUs, { checkpointId, kind, task });
    }
    if (kind === 'complete' && ended.type === 'savepoint') {
      this.violation.report(`${task} was sent a 'complete' notification for savepoint ${checkpointId}: plain savepoints are not notified`, timeUs, { checkpointId, kind, task });
    }
  }

  /** How checkpoint `checkpointId` ended, or undefined while it has not. */
  private ended(checkpointId: number): { outcome: 'completed' | 'aborted'; type: SnapshotType } | undefined {
    const ending = this.endings.get(checkpointId);
    if (ending === undefined) return undefined;
    const slash = ending.indexOf('/');
    return { outcome: ending.slice(0, slash) as 'completed' | 'aborted', type: ending.slice(slash + 1) as SnapshotType };
  }

  finish(final: FinalState): ReturnType<Checker['finish']> {
    if (!this.violation.found) this.checkStorage(final);
    return this.violation.list();
  }

  private checkStorage(final: FinalState): void {
    const owned = new Set<string>();
    const stored = new Set(final.storageKeys);
    /** A possibly stored checkpoint missing shared files: Flink 1.20's gap, reported only when nothing else is wrong. */
    let possiblyStoredGap: { checkpointId: number; missing: string[] } | undefined;
    for (const retained of final.retainedCheckpoints) {
      // A checkpoint whose HA write may have landed stays in HA, as in Flink (left to manual cleanup).
      const possiblyStored = retained.type === 'checkpoint' && this.possiblyStored.has(retained.checkpointId);
      if (this.ended(retained.checkpointId)?.outcome !== 'completed' && !possiblyStored) {
        return this.violation.report(`the runtime retains ${retained.type} ${retained.checkpointId}, which never completed`, final.endUs, { checkpointId: retained.checkpointId });
      }
      for (const handle of retained.handles) owned.add(handle);
      const missing = retained.handles.filter((handle) => !stored.has(handle) && this.sharedFiles.excuseForMissing(handle, retained.checkpointId) === undefined);
      if (missing.length === 0) continue;
      // Flink's registry knows nothing of a checkpoint that never went into the store: its files
      // are unregistered like an aborted checkpoint's, though HA may hold it.
      if (possiblyStored && this.ended(retained.checkpointId)?.outcome !== 'completed' && missing.every((key) => key.startsWith('shared/'))) {
        possiblyStoredGap ??= { checkpointId: retained.checkpointId, missing };
        continue;
      }
      return this.violation.report(`the runtime retains ${retained.type} ${retained.checkpointId}, but its state ${missing[0]} is gone from storage${missing.length > 1 ? ` (${missing.length} keys missing)` : ''}`, final.endUs, {
        checkpointId: retained.checkpointId,
        missingKeys: missing.slice(0, 20),
      });
    }
    const leaked = final.storageKeys.filter((key) => !owned.has(key) && this.sharedFiles.excuseForLeftover(key) === undefined).sort();
    if (leaked.length > 0) {
      const retainedIds = final.retainedCheckpoints.map((checkpoint) => checkpoint.checkpointId);
      return this.violation.report(
        `storage key ${leaked[0]} is left behind: no retained checkpoint [${retainedIds.join(', ')}] owns it${leaked.length > 1 ? ` (${leaked.length} keys leaked)` : ''}`,
        final.endUs,
        { leakedKeys: leaked.slice(0, 20), leakedCount: leaked.length, retainedCheckpointIds: retainedIds },
      );
    }
    if (possiblyStoredGap !== undefined) {
      const { checkpointId, missing } = possiblyStoredGap;
      this.violation.report(`checkpoint ${checkpointId}, possibly stored in HA, has lost its shared file ${missing[0]}${missing.length > 1 ? ` (${missing.length} keys missing)` : ''}: the registry unregistered it like an aborted checkpoint's`, final.endUs, {
        checkpointId,
        missingKeys: missing.slice(0, 20),
        knownGap: knownGaps.possiblyStoredSharedState.name,
      });
    }
  }
}
