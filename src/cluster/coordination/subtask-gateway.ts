import { EventSendResult, type OperatorEvent } from './operator-event.js';

/**
 * What a gateway needs of one execution attempt of a subtask (Flink's SubtaskAccess): a way to
 * put an event on the wire now, whether the attempt still runs, and a way to fail it over.
 */
export interface SubtaskAccess {
  readonly subtask: number;
  readonly attempt: number;
  /** `vertex#index`, for messages and steps. */
  readonly taskName: string;
  /** Sends `event` over RPC now; `result` settles with the task's answer or the send's failure. */
  sendNow(event: OperatorEvent, result: EventSendResult): void;
  /** True while this attempt is the subtask's current one and is not finished, failed or canceled. */
  isStillRunning(): boolean;
  /** Fails this attempt over (a regional failover of the subtask), as after a lost event. */
  triggerTaskFailover(cause: string): void;
}

/** What the gateway reports back to its holder. */
export interface GatewayListener {
  /** Every send's result while it is incomplete (Flink's IncompleteFuturesTracker), with the event and where it goes. */
  track(result: EventSendResult, event: OperatorEvent, taskName: string, attempt: number): void;
  /** The valve closed or opened (a protocol step). */
  valveChanged(taskName: string, change: 'closed' | 'opened', checkpointId: number): void;
}

/** One event held back by a closed gateway. */
interface BlockedEvent {
  readonly event: OperatorEvent;
  readonly result: EventSendResult;
}

/**
 * Flink's SubtaskGatewayImpl: the coordinator's way to send events to one attempt of one subtask,
 * with the event valve. Between the coordinator's snapshot of a checkpoint and that subtask's
 * barrier, events must not reach the subtask (they would land before the barrier while the
 * coordinator's state already counts them as sent), so the gateway is closed for the checkpoint
 * and holds them; it reopens when the subtask acknowledges the checkpoint, or the checkpoint
 * completes or is aborted, and then sends what it held, in order.
 *
 * A failed send of an attempt that still runs fails that attempt over: the receiver may have
 * missed an event the coordinator counts as delivered, and only a restore makes them agree again.
 */
export class SubtaskGateway {
  /** Held events per checkpoint the gateway is closed for, ids ascending. */
  private readonly blocked = new Map<number, BlockedEvent[]>();
  /** Checkpoints marked and not yet unmarked (Flink's currentMarkedCheckpointIds), ascending. */
  private readonly marked: number[] = [];
  private latestAttemptedCheckpointId = Number.NEGATIVE_INFINITY;

  constructor(
    readonly access: SubtaskAccess,
    private readonly listener: GatewayListener,
    private readonly bugs: { readonly neverCloses?: boolean; readonly keepsLostEvents?: boolean } = {},
  ) {}

  get subtask(): number {
    return this.access.subtask;
  }

  get attempt(): number {
    return this.access.attempt;
  }

  /** True while some checkpoint holds this gateway closed. */
  get closed(): boolean {
    return this.blocked.size > 0;
  }

  /** Events held back right now. */
  get blockedEventCount(): number {
    let count = 0;
    for (const events of this.blocked.values()) count += events.length;
    return count;
  }

  /** Sends an event, or holds it while the gateway is closed. */
  sendEvent(event: OperatorEvent): EventSendResult {
    const result = new EventSendResult();
    result.whenSettled((outcome) => {
      if (!outcome.ok && this.access.isStillRunning() && this.bugs.keepsLostEvents !== true) {
        this.access.triggerTaskFailover(`an operator event from the coordinator to ${this.access.taskName} was lost (${outcome.cause}): failing the task over to restore consistency`);
      }
    });
    const newest = this.newestBlocked();
    if (newest !== undefined) newest.push({ event, result });
    else this.access.sendNow(event, result);
    this.listener.track(result, event, this.access.taskName, this.access.attempt);
    return result;
  }

  /** Remembers that the coordinator is snapshotting `checkpointId`: only that id may close the gateway. */
  markForCheckpoint(checkpointId: number): void {
    if (checkpointId <= this.latestAttemptedCheckpointId) {
      throw new Error(`regressing checkpoint ids at the gateway of ${this.access.taskName}: ${this.latestAttemptedCheckpointId} then ${checkpointId}`);
    }
    this.marked.push(checkpointId);
    this.latestAttemptedCheckpointId = checkpointId;
  }

  /** Closes the gateway for a marked checkpoint; false when it was unmarked meanwhile (aborted). */
  tryCloseGateway(checkpointId: number): boolean {
    if (!this.marked.includes(checkpointId)) return false;
    if (this.bugs.neverCloses === true) return true;
    if (!this.blocked.has(checkpointId)) {
      this.blocked.set(checkpointId, []);
      this.listener.valveChanged(this.access.taskName, 'closed', checkpointId);
    }
    return true;
  }

  /**
   * Reopens the gateway for one checkpoint. Events it held go out if no older checkpoint still
   * holds the gateway; otherwise they wait behind the older one's, in order.
   */
  openGatewayAndUnmarkCheckpoint(checkpointId: number): void {
    // Flink throws for a checkpoint this gateway never saw; here a new attempt's gateway can hear
    // of an older attempt's checkpoint being aborted, which closed nothing of its own.
    if (checkpointId > this.latestAttemptedCheckpointId) return;
    const index = this.marked.indexOf(checkpointId);
    // An acknowledgement or notification for a checkpoint already aborted or done: nothing to do.
    if (index < 0) return;
    const events = this.blocked.get(checkpointId);
    if (events !== undefined) {
      this.blocked.delete(checkpointId);
      const older = this.olderBlocked(checkpointId);
      if (older === undefined) {
        this.listener.valveChanged(this.access.taskName, 'opened', checkpointId);
        for (const held of events) this.access.sendNow(held.event, held.result);
      } else older.push(...events);
    }
    this.marked.splice(index, 1);
  }

  /** Opens the gateway for every checkpoint, sending everything held (a reset). */
  openGatewayAndUnmarkAllCheckpoint(): void {
    const ids = [...this.blocked.keys()].sort((a, b) => a - b);
    for (const checkpointId of ids) {
      const events = this.blocked.get(checkpointId) as BlockedEvent[];
      this.listener.valveChanged(this.access.taskName, 'opened', checkpointId);
      for (const held of events) this.access.sendNow(held.event, held.result);
    }
    this.blocked.clear();
    this.marked.length = 0;
  }

  /** Opens the gateway for the newest marked checkpoint, if any (a trigger that was given up). */
  openGatewayAndUnmarkLastCheckpointIfAny(): void {
    const last = this.marked[this.marked.length - 1];
    if (last !== undefined) this.openGatewayAndUnmarkCheckpoint(last);
  }

  private newestBlocked(): BlockedEvent[] | undefined {
    let newest: number | undefined;
    for (const id of this.blocked.keys()) if (newest === undefined || id > newest) newest = id;
    return newest === undefined ? undefined : this.blocked.get(newest);
  }

  private olderBlocked(checkpointId: number): BlockedEvent[] | undefined {
    let best: number | undefined;
    for (const id of this.blocked.keys()) if (id < checkpointId && (best === undefined || id > best)) best = id;
    return best === undefined ? undefined : this.blocked.get(best);
  }
}
