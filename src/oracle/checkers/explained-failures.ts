import type { Observation } from '../../cluster/observations.js';
import { FirstViolation, formatTime, type Checker, type CheckerContext, type FinalState } from './checker.js';

/**
 * Decline reasons the protocol itself gives, with the explanation this checker names. Any other
 * decline (CHECKPOINT_DECLINED, CHECKPOINT_ASYNC_EXCEPTION, ...) needs a fault or an operation.
 */
export const protocolDeclineReasons: Readonly<Record<string, string>> = {
  CHECKPOINT_DECLINED_TASK_NOT_READY: 'a task not running yet, or no longer',
  CHECKPOINT_DECLINED_TASK_CLOSING: 'a task finishing',
  CHECKPOINT_DECLINED_INPUT_END_OF_STREAM: 'a task whose input ended',
  CHECKPOINT_DECLINED_SUBSUMED: 'a newer checkpoint subsuming it',
};

/**
 * explained-failures: nothing goes wrong without a reason. Every task failure, job failover (a
 * failover, or the job RESTARTING, FAILING or FAILED), checkpoint expiry and checkpoint decline is
 * explained by an injected fault (`fault-injected`, published by the fault injector before the
 * fault acts), an operation (`job-operation-requested`), or a protocol reason named here:
 *
 * - a decline for a task not ready, closing, at end of input, or subsumed by a newer checkpoint
 *   ({@link protocolDeclineReasons});
 * - any decline of a checkpoint already declined or aborted: another task's decline travels
 *   downstream as a cancellation barrier, and an abort disposes the checkpoint's storage location,
 *   failing the uploads still under way (CHECKPOINT_ASYNC_EXCEPTION);
 * - the expiry of a checkpoint one of whose acknowledgements the shared-state registry refused
 *   (Flink 1.20: an incremental snapshot refers by placeholder to a file the registry unregistered
 *   when a concurrent checkpoint subsumed the one that uploaded it; the JobMaster logs the
 *   IllegalStateException and drops the acknowledgement, so the checkpoint can only expire). What
 *   the expiry brings (the failure manager's failover) follows from it. Whether the refusal itself
 *   was Flink's is coordinator-invariants' to judge.
 *
 * The observations do not say which fault caused what, so a fault explains what comes after it;
 * a case without faults or operations has no expired checkpoint, no task failure and no failover.
 * A decline is judged when its task sends it (checkpoint-decline-sent), in causal order: the
 * declines of two tasks travel on different connections, so the coordinator may receive the
 * decline a cancellation barrier caused before the one that sent the barrier. Implementations that
 * publish no checkpoint-decline-sent are judged on receipt.
 */
export function createExplainedFailuresChecker(context: CheckerContext): Checker {
  void context;
  const checker = new ExplainedFailures(new FirstViolation('explained-failures'));
  return { property: 'explained-failures', observe: (observation) => checker.observe(observation), finish: (final) => checker.finish(final) };
}

class ExplainedFailures {
  /** The first fault or operation, once one happened. */
  private disturbance: string | undefined;
  /** Checkpoints some task declined or the coordinator aborted: a cancellation barrier for them is explained. */
  private readonly cancelled = new Set<number>();
  /** Declines judged when sent (`task/checkpointId`): their receipt is not judged again. */
  private readonly sent = new Set<string>();
  /** Checkpoints with an acknowledgement the shared-state registry refused: they can only expire. */
  private readonly refusedAcknowledgement = new Set<number>();

  constructor(private readonly violation: FirstViolation) {}

  observe(observation: Observation): void {
    if (this.violation.found) return;
    if (this.disturbance !== undefined) return;
    if (observation.type === 'fault-injected') {
      this.disturbance = `fault ${observation.index} (${observation.kind})`;
      return;
    }
    if (observation.type === 'job-operation-requested') {
      this.disturbance = `operation ${observation.operation}`;
      return;
    }
    switch (observation.type) {
      case 'task-failed':
        return this.unexplained(`${observation.task} (attempt ${observation.attempt}) failed (${observation.cause})`, observation.timeUs);
      case 'failover':
        return this.unexplained(`a ${observation.scope} failover of ${observation.tasks.length} task(s) happened (${observation.cause})`, observation.timeUs);
      case 'job-status':
        if (observation.status === 'RESTARTING' || observation.status === 'FAILING' || observation.status === 'FAILED') {
          this.unexplained(`the job went ${observation.status}${observation.cause === undefined ? '' : ` (${observation.cause})`}`, observation.timeUs);
        }
        return;
      case 'shared-state-registration-failed':
        this.refusedAcknowledgement.add(observation.checkpointId);
        return;
      case 'checkpoint-aborted':
        this.cancelled.add(observation.checkpointId);
        if (observation.reason === 'CHECKPOINT_EXPIRED' && this.refusedAcknowledgement.has(observation.checkpointId)) {
          this.disturbance = `the expiry of ${observation.checkpointType} ${observation.checkpointId}, whose acknowledgement the shared-state registry refused`;
          return;
        }
        if (observation.reason === 'CHECKPOINT_EXPIRED') this.unexplained(`${observation.checkpointType} ${observation.checkpointId} expired`, observation.timeUs);
        return;
      case 'checkpoint-decline-sent':
        this.sent.add(`${observation.task}/${observation.checkpointId}`);
        return this.declined(observation);
      case 'checkpoint-declined':
        if (this.sent.has(`${observation.task}/${observation.checkpointId}`)) {
          this.cancelled.add(observation.checkpointId);
          return;
        }
        return this.declined(observation);
      default:
        return;
    }
  }

  private declined(observation: Extract<Observation, { type: 'checkpoint-declined' | 'checkpoint-decline-sent' }>): void {
    const { checkpointId, task, reason, timeUs } = observation;
    // Once a checkpoint is declined or aborted, later declines of it follow from that: another
    // task's decline travels downstream as a cancellation barrier, and the abort disposes the
    // checkpoint's storage location, failing uploads still under way.
    const explained = protocolDeclineReasons[reason] !== undefined || this.cancelled.has(checkpointId);
    this.cancelled.add(checkpointId);
    if (!explained) this.unexplained(`${task} declined checkpoint ${checkpointId} with ${reason}`, timeUs);
  }

  private unexplained(what: string, timeUs: number): void {
    this.violation.report(`${what} at ${formatTime(timeUs)}, with no injected fault, operation or protocol reason to explain it`, timeUs, { what });
  }

  finish(final: FinalState): ReturnType<Checker['finish']> {
    void final;
    return this.violation.list();
  }
}
