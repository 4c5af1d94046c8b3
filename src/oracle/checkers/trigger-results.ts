import type { Observation, TriggerKind } from '../../cluster/observations.js';
import { FirstViolation, type Checker, type CheckerContext, type FinalState } from './checker.js';
import { RequestIdSet } from './request-id-set.js';

/**
 * Flink 1.20's CheckpointFailureReason names: a failed trigger must carry one of these. Written
 * out here, not imported from the runtime, so a runtime that invents a reason is caught.
 */
export const flinkCheckpointFailureReasons: ReadonlySet<string> = new Set([
  'PERIODIC_SCHEDULER_SHUTDOWN',
  'TOO_MANY_CHECKPOINT_REQUESTS',
  'MINIMUM_TIME_BETWEEN_CHECKPOINTS',
  'NOT_ALL_REQUIRED_TASKS_RUNNING',
  'IO_EXCEPTION',
  'BLOCKING_OUTPUT_EXIST',
  'CHECKPOINT_ASYNC_EXCEPTION',
  'CHANNEL_STATE_SHARED_STREAM_EXCEPTION',
  'CHECKPOINT_EXPIRED',
  'CHECKPOINT_SUBSUMED',
  'CHECKPOINT_DECLINED',
  'CHECKPOINT_DECLINED_TASK_NOT_READY',
  'CHECKPOINT_DECLINED_TASK_CLOSING',
  'CHECKPOINT_DECLINED_SUBSUMED',
  'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER',
  'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM',
  'CHECKPOINT_COORDINATOR_SHUTDOWN',
  'CHECKPOINT_COORDINATOR_SUSPEND',
  'JOB_FAILOVER_REGION',
  'TASK_FAILURE',
  'TASK_CHECKPOINT_FAILURE',
  'UNKNOWN_TASK_CHECKPOINT_NOTIFICATION_FAILURE',
  'FINALIZE_CHECKPOINT_FAILURE',
  'TRIGGER_CHECKPOINT_FAILURE',
]);

/** The snapshot type a successful trigger of each kind must name. */
const snapshotTypeOf: Readonly<Record<TriggerKind, string>> = {
  periodic: 'checkpoint',
  manual: 'checkpoint',
  savepoint: 'savepoint',
  'stop-with-savepoint': 'sync-savepoint',
};

/**
 * trigger-results: what a caller is told about its trigger is true.
 *
 * - Every trigger request (checkpoint-trigger-requested) is answered exactly once
 *   (checkpoint-trigger-answered): never twice, never without a request, and none is left
 *   unanswered when a new JobMaster starts (the old coordinator answered all it had) or when the
 *   job reached a terminal status.
 * - A success names a checkpoint of the requested kind that is completed and durable when the
 *   answer is given: a checkpoint still in the completed store, or a completed savepoint, with
 *   none of its state discarded.
 * - A failure carries one of Flink's CheckpointFailureReasons, and its checkpoint never completes
 *   and is never restored, except one whose HA write may have landed
 *   (checkpoint-store-write-failed, possiblyStored): Flink fails that trigger yet a later
 *   JobMaster may recover the checkpoint from HA.
 */
export function createTriggerResultsChecker(context: CheckerContext): Checker {
  void context;
  const checker = new TriggerResults(new FirstViolation('trigger-results'));
  return { property: 'trigger-results', observe: (observation) => checker.observe(observation), finish: (final) => checker.finish(final) };
}

interface CompletedSnapshot {
  readonly type: string;
  readonly handles: readonly string[];
  inStore: boolean;
  /** The first of its keys discarded from storage, if any. */
  lost: string | undefined;
}

const terminalStatuses: ReadonlySet<string> = new Set(['FINISHED', 'FAILED', 'CANCELED']);

class TriggerResults {
  /** Requests not yet answered: id -> kind. */
  private readonly open = new Map<string, TriggerKind>();
  /**
   * Requests the current JobMaster's coordinator answered, to catch a second answer. Cleared when
   * a JobMaster starts: an answer to an earlier one's request is then "never made", still caught.
   */
  private readonly answered = new RequestIdSet();
  /** Completed checkpoints still in the store, and completed savepoints. */
  private readonly completed = new Map<number, CompletedSnapshot>();
  /** Storage key -> the completed checkpoint owning it, to notice its discard. */
  private readonly owners = new Map<string, number>();
  /** Checkpoints whose trigger was answered with a failure: id -> reason. */
  private readonly failed = new Map<number, string>();
  private readonly possiblyStored = new Set<number>();

  constructor(private readonly violation: FirstViolation) {}

  observe(observation: Observation): void {
    if (this.violation.found) return;
    switch (observation.type) {
      case 'checkpoint-trigger-requested':
        if (this.open.has(observation.requestId) || this.answered.has(observation.requestId)) {
          this.violation.report(`trigger request ${observation.requestId} was made twice: request ids must be unique`, observation.timeUs, { requestId: observation.requestId });
        }
        this.open.set(observation.requestId, observation.kind);
        return;
      case 'checkpoint-trigger-answered':
        return this.answer(observation);
      case 'checkpoint-completed':
        this.completed.set(observation.checkpointId, { type: observation.checkpointType, handles: observation.stateHandles, inStore: observation.checkpointType === 'checkpoint', lost: undefined });
        for (const handle of observation.stateHandles) this.owners.set(handle, observation.checkpointId);
        if (this.failed.has(observation.checkpointId)) {
          this.violation.report(`checkpoint ${observation.checkpointId} completed after its trigger was answered with failure ${this.failed.get(observation.checkpointId)}`, observation.timeUs, { checkpointId: observation.checkpointId });
        }
        return;
      case 'checkpoint-removed-from-store': {
        const completed = this.completed.get(observation.checkpointId);
        if (completed === undefined) return;
        completed.inStore = false;
        return;
      }
      case 'storage-discarded': {
        const owner = this.owners.get(observation.key);
        const completed = owner === undefined ? undefined : this.completed.get(owner);
        if (completed !== undefined) completed.lost ??= observation.key;
        return;
      }
      case 'checkpoint-store-write-failed':
        if (observation.possiblyStored) this.possiblyStored.add(observation.checkpointId);
        return;
      case 'jobmaster-started':
        for (const id of observation.recoveredCheckpointIds) {
          const completed = this.completed.get(id);
          if (completed !== undefined) completed.inStore = true;
        }
        this.requireAllAnswered('a new JobMaster started', observation.timeUs);
        this.answered.clear();
        return this.forgetUnretained();
      case 'task-restored':
        return this.restored(observation.checkpointId, observation.task, observation.timeUs);
      default:
        return;
    }
  }

  private answer(observation: Extract<Observation, { type: 'checkpoint-trigger-answered' }>): void {
    const { requestId, kind, checkpointId, outcome, reason, timeUs } = observation;
    if (this.answered.has(requestId)) {
      return this.violation.report(`trigger request ${requestId} (${kind}) was answered twice`, timeUs, { requestId, kind, checkpointId, outcome });
    }
    const requestedKind = this.open.get(requestId);
    if (requestedKind === undefined) {
      return this.violation.report(`trigger request ${requestId} (${kind}) was answered but never made`, timeUs, { requestId, kind });
    }
    this.open.delete(requestId);
    this.answered.add(requestId);
    if (requestedKind !== kind) {
      return this.violation.report(`trigger request ${requestId} was made as ${requestedKind} but answered as ${kind}`, timeUs, { requestId, requestedKind, kind });
    }
    if (outcome === 'success') return this.success(requestId, kind, checkpointId, timeUs);
    if (reason === undefined || !flinkCheckpointFailureReasons.has(reason)) {
      return this.violation.report(`trigger request ${requestId} (${kind}) failed with ${reason === undefined ? 'no reason' : `reason ${reason}, which is not one of Flink's CheckpointFailureReasons`}`, timeUs, { requestId, kind, reason });
    }
    if (checkpointId === undefined) return;
    if (this.completed.has(checkpointId)) {
      return this.violation.report(`trigger request ${requestId} (${kind}) failed with ${reason}, but its checkpoint ${checkpointId} had completed`, timeUs, { requestId, kind, checkpointId, reason });
    }
    this.failed.set(checkpointId, reason);
  }

  private success(requestId: string, kind: TriggerKind, checkpointId: number | undefined, timeUs: number): void {
    const completed = checkpointId === undefined ? undefined : this.completed.get(checkpointId);
    const details = { requestId, kind, checkpointId };
    if (checkpointId === undefined || completed === undefined) {
      return this.violation.report(`trigger request ${requestId} (${kind}) was answered with success for ${checkpointId === undefined ? 'no checkpoint' : `checkpoint ${checkpointId}, which never completed`}`, timeUs, details);
    }
    if (completed.type !== snapshotTypeOf[kind]) {
      return this.violation.report(`trigger request ${requestId} (${kind}) was answered with ${completed.type} ${checkpointId}, not a ${snapshotTypeOf[kind]}`, timeUs, details);
    }
    if (completed.type === 'checkpoint' && !completed.inStore) {
      return this.violation.report(`trigger request ${requestId} (${kind}) was answered with checkpoint ${checkpointId}, which is no longer in the completed store`, timeUs, details);
    }
    const lost = completed.lost;
    if (lost !== undefined) {
      this.violation.report(`trigger request ${requestId} (${kind}) was answered with ${completed.type} ${checkpointId}, whose state ${lost} was already discarded`, timeUs, { ...details, key: lost });
    }
  }

  /**
   * Forgets completed checkpoints that left the store before this JobMaster started (their
   * triggers were answered long ago), so memory follows what is retained, not the run's length.
   */
  private forgetUnretained(): void {
    for (const [id, completed] of [...this.completed]) {
      if (completed.type !== 'checkpoint' || completed.inStore) continue;
      this.completed.delete(id);
      for (const handle of completed.handles) if (this.owners.get(handle) === id) this.owners.delete(handle);
    }
  }

  private restored(checkpointId: number, task: string, timeUs: number): void {
    const reason = this.failed.get(checkpointId);
    if (reason === undefined || this.possiblyStored.has(checkpointId)) return;
    this.violation.report(`${task} restored checkpoint ${checkpointId}, whose trigger was answered with failure ${reason}`, timeUs, { checkpointId, task, reason });
  }

  private requireAllAnswered(when: string, timeUs: number): void {
    const [first] = [...this.open.entries()].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    if (first === undefined) return;
    this.violation.report(`trigger request ${first[0]} (${first[1]}) was never answered, and ${when}${this.open.size > 1 ? ` (${this.open.size} requests unanswered)` : ''}`, timeUs, {
      requestId: first[0],
      kind: first[1],
      unanswered: this.open.size,
    });
  }

  finish(final: FinalState): ReturnType<Checker['finish']> {
    if (!this.violation.found && terminalStatuses.has(final.jobStatus)) this.requireAllAnswered(`the job ended ${final.jobStatus}`, final.endUs);
    return this.violation.list();
  }
}
