import { isAcknowledgeCheckpointEvent, whenAllSettled, type EventSendResult, type OperatorEvent } from './operator-event.js';
import type { CoordinatorCheckpointResult, OperatorCoordinator, OperatorCoordinatorContext } from './operator-coordinator.js';
import { SubtaskGateway, type SubtaskAccess } from './subtask-gateway.js';

/** How the holder deviates from Flink when a planted bug is on (names from the planted-bug catalogue). */
export interface HolderBugs {
  /**
   * FLINK-21996 before its fix: the snapshot completes without waiting for events in flight, and a
   * lost event does not fail its subtask over.
   */
  readonly ignoresInflightEvents?: boolean;
  /** FLINK-16986 before its fix: the gateways never close, so no event is held back. */
  readonly gatewayNeverCloses?: boolean;
}

/** An event send not yet settled, with what the holder reports of it. */
interface TrackedSend {
  readonly result: EventSendResult;
  readonly task: string;
  readonly attempt: number;
  readonly kind: string;
}

/** What the holder reports for the oracle (no effect on the protocol). */
export interface HolderObserver {
  /**
   * A coordinator checkpoint took over the sends still unsettled: it waits for them, and they are
   * no longer tracked for any later checkpoint (Flink's getCurrentIncompleteAndReset).
   */
  eventsAwaited(checkpointId: number, events: readonly { readonly task: string; readonly attempt: number; readonly kind: string }[]): void;
}

/**
 * Flink's OperatorCoordinatorHolder: wraps one operator's coordinator on the JobMaster with the
 * machinery that keeps its events consistent with checkpoints.
 *
 * - Checkpointing: mark every subtask gateway for the checkpoint, take the coordinator's
 *   snapshot, close the gateways (the event valve), then wait until every event sent so far is
 *   confirmed. Only then is the snapshot handed to the checkpoint coordinator: an event still in
 *   flight might be lost, and the subtasks' snapshots would miss what the coordinator's counts as
 *   delivered. A failed event fails the snapshot (and, in the gateway, fails its subtask over).
 * - Reopening: a subtask's AcknowledgeCheckpointEvent (sent once its barrier is out) reopens its
 *   gateway; completion or abort of the checkpoint reopens all; a reset opens everything.
 */
export class OperatorCoordinatorHolder {
  private readonly gateways = new Map<number, SubtaskGateway>();
  /** Sends not yet settled since the last snapshot (Flink's IncompleteFuturesTracker). */
  private incomplete: TrackedSend[] = [];
  private started = false;
  /** The coordinator failed the job since the last reset: later requests are the same failure. */
  private failed = false;
  readonly coordinator: OperatorCoordinator;
  private readonly context: OperatorCoordinatorContext;

  /**
   * @param create - builds the coordinator with its context (Flink's OperatorCoordinator.Provider);
   *   the context it gets fails the job once per reset, as Flink's LazyInitializedCoordinatorContext.
   */
  constructor(
    create: (context: OperatorCoordinatorContext) => OperatorCoordinator,
    context: OperatorCoordinatorContext,
    private readonly bugs: HolderBugs = {},
    private readonly observer?: HolderObserver,
  ) {
    const holder = this;
    this.context = {
      operatorName: context.operatorName,
      parallelism: context.parallelism,
      get nowUs() {
        return context.nowUs;
      },
      schedule: (delayUs, action) => context.schedule(delayUs, action),
      failJob: (cause) => holder.failJob(cause, context),
      step: (name, detail) => context.step(name, detail),
    };
    this.coordinator = create(this.context);
  }

  private failJob(cause: string, context: OperatorCoordinatorContext): void {
    if (this.failed) return;
    this.failed = true;
    context.failJob(cause);
  }

  get operatorName(): string {
    return this.context.operatorName;
  }

  /** The gateway of a subtask's current attempt (for tests and reports). */
  gateway(subtask: number): SubtaskGateway | undefined {
    return this.gateways.get(subtask);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.coordinator.start();
  }

  close(): void {
    this.coordinator.close();
  }

  /**
   * A new attempt of a subtask was deployed: its gateway replaces the old attempt's. Events the
   * old gateway still holds go out to the old attempt, which is gone, so they fail and nothing
   * waits for them.
   */
  setupSubtaskGateway(access: SubtaskAccess): void {
    this.gateways.get(access.subtask)?.openGatewayAndUnmarkAllCheckpoint();
    this.gateways.set(access.subtask, new SubtaskGateway(access, {
      track: (result, event, task, attempt) => {
        if (!result.settled) this.incomplete.push({ result, task, attempt, kind: event.kind });
      },
      valveChanged: (taskName, change, checkpointId) => this.context.step(`coordinator.gateway-${change}`, { task: taskName, checkpointId }),
    }, { neverCloses: this.bugs.gatewayNeverCloses === true, keepsLostEvents: this.bugs.ignoresInflightEvents === true }));
  }

  /** The attempt switched to RUNNING: the coordinator may now send to it. */
  executionAttemptRunning(subtask: number, attempt: number): void {
    const gateway = this.gateways.get(subtask);
    if (gateway === undefined || gateway.attempt !== attempt || !gateway.access.isStillRunning()) return;
    this.guarded(() => this.coordinator.executionAttemptReady(subtask, attempt, gateway));
  }

  executionAttemptFailed(subtask: number, attempt: number, reason: string): void {
    this.guarded(() => this.coordinator.executionAttemptFailed(subtask, attempt, reason));
  }

  /** A regional failover restores `subtask` from `checkpointId`. */
  subtaskReset(subtask: number, checkpointId: number | undefined): void {
    this.guarded(() => this.coordinator.subtaskReset(subtask, checkpointId));
  }

  /** A global failover: every gateway opens, then the coordinator goes back to the checkpoint. */
  resetToCheckpoint(checkpointId: number | undefined, state: unknown): void {
    for (const gateway of this.gatewaysInOrder()) gateway.openGatewayAndUnmarkAllCheckpoint();
    this.incomplete = [];
    this.failed = false;
    this.guarded(() => this.coordinator.resetToCheckpoint(checkpointId, state));
  }

  handleEventFromOperator(subtask: number, attempt: number, event: OperatorEvent): void {
    if (isAcknowledgeCheckpointEvent(event)) {
      this.gateways.get(subtask)?.openGatewayAndUnmarkCheckpoint(event.checkpointId);
      return;
    }
    this.guarded(() => this.coordinator.handleEventFromOperator(subtask, attempt, event));
  }

  /**
   * Takes the coordinator's part of checkpoint `checkpointId`; `done` runs once, when the
   * snapshot is taken, the gateways are closed and every event sent before is confirmed.
   */
  checkpointCoordinator(checkpointId: number, done: (outcome: CoordinatorCheckpointResult) => void): void {
    this.context.step('coordinator.operator-snapshot-started', { checkpointId });
    try {
      for (const gateway of this.gatewaysInOrder()) gateway.markForCheckpoint(checkpointId);
      this.coordinator.checkpointCoordinator(checkpointId, (outcome) => {
        if (!outcome.ok) return done(outcome);
        if (!this.closeGateways(checkpointId)) return done({ ok: false, cause: 'cannot close the gateways: the checkpoint was aborted before' });
        this.completeOnceEventsAreDone(checkpointId, outcome.state, done);
      });
    } catch (error) {
      done({ ok: false, cause: describe(error) });
      this.context.failJob(`the coordinator of ${this.operatorName} failed to checkpoint: ${describe(error)}`);
    }
  }

  notifyCheckpointComplete(checkpointId: number): void {
    for (const gateway of this.gatewaysInOrder()) gateway.openGatewayAndUnmarkCheckpoint(checkpointId);
    this.guarded(() => this.coordinator.notifyCheckpointComplete(checkpointId));
  }

  notifyCheckpointAborted(checkpointId: number): void {
    for (const gateway of this.gatewaysInOrder()) gateway.openGatewayAndUnmarkCheckpoint(checkpointId);
    this.guarded(() => this.coordinator.notifyCheckpointAborted(checkpointId));
  }

  /** The trigger was given up before the tasks were triggered: reopen what it closed. */
  abortCurrentTriggering(): void {
    for (const gateway of this.gatewaysInOrder()) gateway.openGatewayAndUnmarkLastCheckpointIfAny();
  }

  private closeGateways(checkpointId: number): boolean {
    let closed = 0;
    const gateways = this.gatewaysInOrder();
    for (const gateway of gateways) if (gateway.tryCloseGateway(checkpointId)) closed++;
    if (closed !== 0 && closed !== gateways.length) throw new Error(`some gateways of ${this.operatorName} closed for checkpoint ${checkpointId} and others could not`);
    // With no subtask at all there is nothing to close, and nothing to hold back either.
    return closed !== 0 || gateways.length === 0;
  }

  private completeOnceEventsAreDone(checkpointId: number, state: unknown, done: (outcome: CoordinatorCheckpointResult) => void): void {
    // Flink's getCurrentIncompleteAndReset: this checkpoint takes the unsettled sends over, and no
    // later one waits for them, even when this one is aborted before they settle.
    const pending = this.incomplete.filter((send) => !send.result.settled);
    this.incomplete = [];
    const finish = (): void => {
      this.context.step('coordinator.operator-snapshot-finished', { checkpointId });
      done({ ok: true, state });
    };
    if (pending.length === 0 || this.bugs.ignoresInflightEvents === true) return finish();
    this.observer?.eventsAwaited(checkpointId, pending.map(({ task, attempt, kind }) => ({ task, attempt, kind })));
    whenAllSettled(pending.map((send) => send.result), (outcome) => {
      if (outcome.ok) return finish();
      done({ ok: false, cause: `operator events sent to ${this.operatorName} before checkpoint ${checkpointId} were not received: ${outcome.cause}` });
    });
  }

  private gatewaysInOrder(): SubtaskGateway[] {
    return [...this.gateways.keys()].sort((a, b) => a - b).map((subtask) => this.gateways.get(subtask) as SubtaskGateway);
  }

  /** A coordinator that throws fails the job, as Flink's holder hands it to the global failure handler. */
  private guarded(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.context.failJob(`the coordinator of ${this.operatorName} failed: ${describe(error)}`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
