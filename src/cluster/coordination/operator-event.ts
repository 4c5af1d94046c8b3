/**
 * Operator events: the messages between an operator coordinator on the JobMaster and the
 * subtasks of its operator (Flink's OperatorEvent). They travel over the lossy RPC, so each send
 * has an outcome the sender learns later: acknowledged by the receiving task, or failed (the task
 * is not running, or no answer came within the RPC timeout).
 */

/** One operator event. `kind` names it; the rest is the payload of that kind. */
export interface OperatorEvent {
  readonly kind: string;
}

/**
 * Flink's AcknowledgeCheckpointEvent: a subtask tells its coordinator that it has taken its
 * snapshot of `checkpointId` (sent right after the barrier went out), so the coordinator's gateway
 * to that subtask can reopen: what it sends now lands after the subtask's barrier.
 */
export interface AcknowledgeCheckpointEvent extends OperatorEvent {
  readonly kind: 'acknowledge-checkpoint';
  readonly checkpointId: number;
}

/** Narrows an event to an {@link AcknowledgeCheckpointEvent}. */
export function isAcknowledgeCheckpointEvent(event: OperatorEvent): event is AcknowledgeCheckpointEvent {
  return event.kind === 'acknowledge-checkpoint';
}

/** The outcome of one event send: delivered to the task (it answered), or why not. */
export type EventSendOutcome = { readonly ok: true } | { readonly ok: false; readonly cause: string };

/**
 * The result of one send, settled once (our stand-in for the CompletableFuture Flink returns from
 * sendEvent; simulated code has no Promises). Listeners added after it settled run at once.
 */
export class EventSendResult {
  private outcome: EventSendOutcome | undefined;
  private readonly listeners: Array<(outcome: EventSendOutcome) => void> = [];

  get settled(): boolean {
    return this.outcome !== undefined;
  }

  /** The outcome, once settled. */
  get result(): EventSendOutcome | undefined {
    return this.outcome;
  }

  /** Settles the result; later calls are ignored (a duplicated answer, or an answer after the timeout). */
  settle(outcome: EventSendOutcome): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    for (const listener of this.listeners.splice(0)) listener(outcome);
  }

  /** Runs `listener` with the outcome once there is one. */
  whenSettled(listener: (outcome: EventSendOutcome) => void): void {
    if (this.outcome !== undefined) listener(this.outcome);
    else this.listeners.push(listener);
  }
}

/**
 * Waits for every result in `results`, then calls `done` once: ok when all succeeded, otherwise
 * with the first failure's cause (Flink's FutureUtils.waitForAll, as the holder uses it).
 */
export function whenAllSettled(results: readonly EventSendResult[], done: (outcome: EventSendOutcome) => void): void {
  let remaining = results.length;
  if (remaining === 0) {
    done({ ok: true });
    return;
  }
  let failure: EventSendOutcome | undefined;
  for (const result of results) {
    result.whenSettled((outcome) => {
      if (!outcome.ok && failure === undefined) failure = outcome;
      remaining--;
      if (remaining === 0) done(failure ?? { ok: true });
    });
  }
}
