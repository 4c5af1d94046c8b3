import type { SnapshotType } from '../../cluster/checkpoint/types.js';
import type { Observation } from '../../cluster/observations.js';
import { RunMap } from '../../sim/run-map.js';
import { AbortedAlignmentRule } from './aborted-alignment.js';
import { CancellationDeclineRule } from './cancellation-declines.js';
import { NotReadyTriggerRule } from './not-ready-triggers.js';
import { FirstViolation, type Checker, type CheckerContext, type FinalState } from './checker.js';

/**
 * notification-order: what reaches a task about checkpoints comes in Flink's order.
 *
 * - Per task attempt, the checkpoints it takes (snapshot-taken: a trigger or its barriers) have
 *   strictly increasing ids; per input channel, barriers arrive with strictly increasing ids
 *   (channels are FIFO; a channel starts afresh when either end is deployed again).
 * - A complete notification a task acts on (not ignored) names a checkpoint that completed, and
 *   never a plain savepoint (which is not notified).
 * - Each checkpoint's abort notification is acted on at most once per task attempt.
 * - No notification is acted on by a task whose latest attempt finished, failed or was canceled:
 *   its operator is closed (FLINK-16383).
 * - Until a fault or a task failure, every producer sends on each channel each checkpoint it took
 *   up, barrier or cancellation marker, before a newer aligned barrier, so an aborted checkpoint's
 *   alignment ends by its markers, not by a newer barrier (FLINK-18238, {@link AbortedAlignmentRule}).
 * - A trigger reaching a task attempt that is not running is declined at once (FLINK-3261,
 *   {@link NotReadyTriggerRule}).
 * - A decline on a cancellation barrier names a checkpoint a cancellation barrier the attempt
 *   processed cancels, never a newer one being aligned (FLINK-23201, {@link CancellationDeclineRule}).
 */
export function createNotificationOrderChecker(context: CheckerContext): Checker {
  void context;
  const violation = new FirstViolation('notification-order');
  const checker = new NotificationOrder(violation);
  const abortedAlignment = new AbortedAlignmentRule(violation);
  const notReadyTriggers = new NotReadyTriggerRule(violation);
  const cancellationDeclines = new CancellationDeclineRule(violation);
  return {
    property: 'notification-order',
    observe: (observation) => {
      if (!violation.found) abortedAlignment.observe(observation);
      if (!violation.found) notReadyTriggers.observe(observation);
      if (!violation.found) cancellationDeclines.observe(observation);
      checker.observe(observation);
    },
    finish: (final) => {
      if (!violation.found) notReadyTriggers.finish();
      return checker.finish(final);
    },
  };
}

interface TaskView {
  attempt: number;
  /** Why the latest attempt no longer runs, or undefined while it does. */
  closed: string | undefined;
  lastTakenId: number;
  readonly abortsActedOn: Set<number>;
}

class NotificationOrder {
  private readonly tasks = new Map<string, TaskView>();
  /** Last barrier id per channel `producer->consumer`. */
  private readonly lastBarrier = new Map<string, number>();
  /** Per channel: the highest checkpoint id whose barrier arrived as a priority (unaligned) event. */
  private readonly highestPriorityBarrier = new Map<string, number>();
  /** Completed checkpoints: id -> type, as runs. */
  private readonly completed = new RunMap<SnapshotType>();

  constructor(private readonly violation: FirstViolation) {}

  observe(observation: Observation): void {
    if (this.violation.found) return;
    switch (observation.type) {
      case 'task-deployed':
        this.tasks.set(observation.task, { attempt: observation.attempt, closed: undefined, lastTakenId: Number.NEGATIVE_INFINITY, abortsActedOn: new Set() });
        for (const channel of [...this.lastBarrier.keys()]) {
          const [producer, consumer] = channel.split('->');
          if (producer === observation.task || consumer === observation.task) {
            this.lastBarrier.delete(channel);
            this.highestPriorityBarrier.delete(channel);
          }
        }
        return;
      case 'task-finished':
      case 'task-failed':
      case 'task-canceled': {
        const view = this.tasks.get(observation.task);
        if (view !== undefined && view.attempt === observation.attempt) view.closed = observation.type.slice('task-'.length);
        return;
      }
      case 'checkpoint-completed':
        this.completed.set(observation.checkpointId, observation.checkpointType);
        return;
      case 'snapshot-taken':
        return this.taken(observation);
      case 'barrier-received':
        return this.barrier(observation);
      case 'checkpoint-notification-received':
        return this.notified(observation);
      default:
        return;
    }
  }

  private taken(observation: Extract<Observation, { type: 'snapshot-taken' }>): void {
    const { task, attempt, checkpointId, timeUs } = observation;
    const view = this.tasks.get(task);
    if (view === undefined || view.attempt !== attempt) return;
    if (checkpointId <= view.lastTakenId) {
      return this.violation.report(`${task} (attempt ${attempt}) took checkpoint ${checkpointId} after checkpoint ${view.lastTakenId}: ids must increase per task`, timeUs, {
        task,
        checkpointId,
        previousCheckpointId: view.lastTakenId,
      });
    }
    view.lastTakenId = checkpointId;
  }

  private barrier(observation: Extract<Observation, { type: 'barrier-received' }>): void {
    const { channel, checkpointId, task, timeUs } = observation;
    const last = this.lastBarrier.get(channel);
    if (observation.priority === true) this.highestPriorityBarrier.set(channel, Math.max(checkpointId, this.highestPriorityBarrier.get(channel) ?? 0));
    // An unaligned checkpoint's barrier is a priority event: it overtakes everything queued in the
    // channel, an older checkpoint's aligned barrier (a savepoint's, one aborted meanwhile)
    // included, as in Flink. That older barrier then arrives late, and the handler drops it.
    if (last !== undefined && checkpointId < last && checkpointId < (this.highestPriorityBarrier.get(channel) ?? 0)) return;
    if (last !== undefined && checkpointId <= last) {
      return this.violation.report(`${task} received the barrier of checkpoint ${checkpointId} on ${channel} after that of checkpoint ${last}: barriers arrive in id order`, timeUs, {
        task,
        channel,
        checkpointId,
        previousCheckpointId: last,
      });
    }
    this.lastBarrier.set(channel, checkpointId);
  }

  private notified(observation: Extract<Observation, { type: 'checkpoint-notification-received' }>): void {
    const { task, checkpointId, kind, ignored, timeUs } = observation;
    if (ignored) return;
    const view = this.tasks.get(task);
    const details = { task, checkpointId, kind };
    if (view?.closed !== undefined) {
      return this.violation.report(`${task} acted on a '${kind}' notification for checkpoint ${checkpointId} after its attempt ${view.attempt} ${view.closed}: its operator is closed`, timeUs, details);
    }
    if (kind === 'complete') {
      const type = this.completed.get(checkpointId);
      if (type === undefined) return this.violation.report(`${task} acted on a 'complete' notification for checkpoint ${checkpointId}, which never completed`, timeUs, details);
      if (type === 'savepoint') return this.violation.report(`${task} acted on a 'complete' notification for savepoint ${checkpointId}: plain savepoints are not notified`, timeUs, details);
      return;
    }
    if (view === undefined) return;
    if (view.abortsActedOn.has(checkpointId)) {
      return this.violation.report(`${task} (attempt ${view.attempt}) acted on the abort of checkpoint ${checkpointId} twice`, timeUs, details);
    }
    view.abortsActedOn.add(checkpointId);
  }

  finish(final: FinalState): ReturnType<Checker['finish']> {
    void final;
    return this.violation.list();
  }
}
