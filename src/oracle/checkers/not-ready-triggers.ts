import type { Observation } from '../../cluster/observations.js';
import { formatTime, type FirstViolation } from './checker.js';

/** A trigger that reached an attempt not running, still to be declined. */
interface Unanswered {
  readonly task: string;
  readonly attempt: number;
  readonly checkpointId: number;
  readonly atUs: number;
  readonly why: string;
}

/** Where one task's latest attempt is in its lifecycle, as observed. */
interface AttemptView {
  readonly attempt: number;
  /** 'deployed' until it runs; then 'running'; then how it ended. */
  phase: 'deployed' | 'running' | 'finished' | 'failed' | 'canceled';
}

/**
 * A trigger that reaches a task attempt which is not running (not yet, or no more: finished,
 * failed, canceled, or superseded by a newer attempt) is declined at once, by the attempt or by
 * its task executor (Flink 1.20's Task.triggerCheckpointBarrier declines
 * CHECKPOINT_DECLINED_TASK_NOT_READY when the execution state is not RUNNING; FLINK-3261: a task
 * that ignored such a trigger left the checkpoint waiting until it expired). Receipt and decline
 * are both observed at the executor, so the rule holds whatever faults do to the messages after:
 * the decline must be sent before anything later happens. Memory: the triggers of the current
 * instant still unanswered, and each task's latest attempt.
 */
export class NotReadyTriggerRule {
  private readonly attempts = new Map<string, AttemptView>();
  private readonly unanswered = new Map<string, Unanswered>();

  constructor(private readonly violation: FirstViolation) {}

  observe(observation: Observation): void {
    const first = this.unanswered.values().next().value;
    if (first !== undefined && observation.timeUs > first.atUs) return this.report(first);
    switch (observation.type) {
      case 'task-deployed':
        this.attempts.set(observation.task, { attempt: observation.attempt, phase: 'deployed' });
        return;
      case 'task-running':
      case 'task-finished':
      case 'task-failed':
      case 'task-canceled': {
        const view = this.attempts.get(observation.task);
        if (view?.attempt === observation.attempt) view.phase = observation.type === 'task-running' ? 'running' : (observation.type.slice('task-'.length) as AttemptView['phase']);
        return;
      }
      case 'checkpoint-trigger-received': {
        const view = this.attempts.get(observation.task);
        const why = view === undefined ? 'never deployed' : view.attempt !== observation.attempt ? `superseded by attempt ${view.attempt}` : view.phase === 'running' ? undefined : view.phase === 'deployed' ? 'not running yet' : view.phase;
        if (why === undefined) return;
        const { task, attempt, checkpointId, timeUs } = observation;
        this.unanswered.set(`${task}@${attempt}#${checkpointId}`, { task, attempt, checkpointId, atUs: timeUs, why });
        return;
      }
      case 'checkpoint-decline-sent':
        this.unanswered.delete(`${observation.task}@${observation.attempt}#${observation.checkpointId}`);
        return;
      default:
        return;
    }
  }

  /** The run ended: a trigger of its last instant must have been declined too. */
  finish(): void {
    const first = this.unanswered.values().next().value;
    if (first !== undefined) this.report(first);
  }

  private report(trigger: Unanswered): void {
    this.unanswered.clear();
    this.violation.report(
      `${trigger.task} attempt ${trigger.attempt} (${trigger.why}) received the trigger of checkpoint ${trigger.checkpointId} at ${formatTime(trigger.atUs)} and did not decline it: a task that is not running declines a trigger at once (CHECKPOINT_DECLINED_TASK_NOT_READY), or the checkpoint waits until it expires`,
      trigger.atUs,
      { task: trigger.task, attempt: trigger.attempt, checkpointId: trigger.checkpointId },
    );
  }
}
