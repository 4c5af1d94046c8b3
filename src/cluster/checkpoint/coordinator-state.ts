import type { CheckpointFailure, CheckpointFailureManager } from './checkpoint-failure-manager.js';
import { acknowledgedTasksOf, checkpointKeys, keysOf, triggerKindOf } from './coordinator-helpers.js';
import type { PendingCheckpoint } from './pending-checkpoint.js';
import { noOperatorCoordinators, type CoordinatorPorts, type ExecutionState, type ExecutionView, type OperatorCoordinatorCheckpointing } from './ports.js';
import { RecentCheckpoints } from './recent-checkpoints.js';
import type { CheckpointConfig, CheckpointFailureReason, CompletedCheckpoint } from './types.js';

/** Execution states whose attempt holds a slot and can still receive checkpoint notifications. */
const notifiableStates: ReadonlySet<ExecutionState> = new Set<ExecutionState>(['DEPLOYING', 'INITIALIZING', 'RUNNING', 'CANCELING']);

/**
 * The coordinator's steps that one of its modules (trigger chain, acknowledgement and completion,
 * abort) asks of another; the CheckpointCoordinator wires them once its modules exist.
 */
export interface CoordinatorSteps {
  /** The one way a pending checkpoint ends without completing (see CheckpointAborts). */
  abortPendingCheckpoint(pending: PendingCheckpoint, reason: CheckpointFailureReason, declinedBy: CheckpointFailure['declinedBy'], keepState?: boolean, unreported?: boolean): void;
  /** Hands a failure to the failure manager, published first. */
  reportFailure(failure: CheckpointFailure): void;
  /** Every acknowledgement is in: finalize and store the checkpoint. */
  completePendingCheckpoint(pending: PendingCheckpoint): void;
  /** Runs the request queue again soon (Flink's scheduleTriggerRequest). */
  scheduleTriggerRequest(): void;
  /** A pending checkpoint was aborted: the trigger chain still running for it ends. */
  onPendingCheckpointAborted(pending: PendingCheckpoint): void;
}

/**
 * The state the CheckpointCoordinator's modules share (pending checkpoints, recent outcomes,
 * counters, the flags of its life cycle), with the effects more than one of them needs: telling
 * tasks an outcome, discarding state, publishing a trigger or a completion.
 */
export class CoordinatorState {
  readonly pendingById = new Map<number, PendingCheckpoint>();
  /** Ids of stop-with-savepoint --drain savepoints: their barriers carry the drain flag. */
  readonly drainingSavepoints = new Set<number>();
  readonly recent = new RecentCheckpoints();
  /** Checkpoints whose trigger was answered before they were stored (planted bug coordinator-answers-before-store). */
  readonly answeredEarly = new Set<number>();
  periodicScheduling = false;
  shutDown = false;
  /** Flink's isTriggering: a trigger chain is in flight, so no other request starts. */
  triggering = false;
  lastCompletionUs: number | undefined = undefined;
  triggeredCount = 0;
  completedCount = 0;
  abortedCount = 0;

  /**
   * @param config - Flink's checkpoint configuration
   * @param ports - everything the coordinator talks to
   * @param bugs - planted bugs switched on
   * @param baseIntervalUs - the periodic interval, raised to the min pause; 0 when periodic checkpoints are off
   * @param failureManager - judges failed checkpoints
   * @param steps - the modules' steps, wired by the coordinator
   */
  constructor(
    readonly config: CheckpointConfig,
    readonly ports: CoordinatorPorts,
    readonly bugs: readonly string[],
    readonly baseIntervalUs: number,
    readonly failureManager: CheckpointFailureManager,
    readonly steps: CoordinatorSteps,
  ) {
    this.operatorCoordinators = ports.operatorCoordinators ?? noOperatorCoordinators;
  }

  /** The job's operator coordinators (none by default). */
  readonly operatorCoordinators: OperatorCoordinatorCheckpointing;

  /** The id of the latest checkpoint in the completed store (savepoints are not stored). */
  get latestCompletedCheckpointId(): number | undefined {
    return this.ports.store.latest()?.checkpointId;
  }

  /** The pending checkpoints, oldest first. */
  pendingInIdOrder(): PendingCheckpoint[] {
    return [...this.pendingById.values()].sort((left, right) => left.checkpointId - right.checkpointId);
  }

  /**
   * Discards `keys`, except those a retained checkpoint, a completed savepoint or a checkpoint
   * that may be in the HA store still owns. A late or duplicated ack names the same keys as the
   * ack the checkpoint was built from; Flink keeps such state alive (a registered state handle
   * outlives a late message's discard, and a possibly stored checkpoint is never cleaned up).
   */
  discardState(keys: readonly string[]): void {
    if (keys.length === 0) return;
    const live = new Set<string>();
    for (const checkpoint of [...this.ports.store.all(), ...this.recent.completedSavepoints(), ...this.recent.possiblyStored()]) {
      for (const key of checkpointKeys(checkpoint)) live.add(key);
    }
    const doomed = [...new Set(keys)].filter((key) => !live.has(key));
    if (doomed.length > 0) this.ports.storage.discard(doomed);
  }

  /** Tells the checkpoint's tasks, then the operator coordinators, that it completed (Flink's sendAcknowledgeMessages). */
  sendCompleteMessages(pending: PendingCheckpoint, checkpointId: number): void {
    for (const execution of this.notifiableExecutions(pending)) {
      this.ports.gateway.notifyCheckpointComplete(execution.taskName, execution.attempt, checkpointId, pending.triggerTimestampUs);
      this.ports.observations.publish({ type: 'checkpoint-notification-sent', checkpointId, kind: 'complete', task: execution.taskName });
    }
    this.operatorCoordinators.notifyComplete(checkpointId);
  }

  /** Tells the checkpoint's tasks, then the operator coordinators, that it was aborted. */
  sendAbortedMessages(pending: PendingCheckpoint): void {
    const latestCompletedId = this.latestCompletedCheckpointId ?? 0;
    for (const execution of this.notifiableExecutions(pending)) {
      this.ports.gateway.notifyCheckpointAborted(execution.taskName, execution.attempt, pending.checkpointId, latestCompletedId);
      this.ports.observations.publish({ type: 'checkpoint-notification-sent', checkpointId: pending.checkpointId, kind: 'aborted', task: execution.taskName });
    }
    this.operatorCoordinators.notifyAborted(pending.checkpointId);
  }

  /** The current attempts (as Flink, not the planned ones) of the checkpoint's tasks that can still be told. */
  private notifiableExecutions(pending: PendingCheckpoint): ExecutionView[] {
    const current = new Map(this.ports.graph.executions().map((execution) => [execution.taskName, execution] as const));
    const executions: ExecutionView[] = [];
    for (const task of pending.tasksToWaitFor) {
      const execution = current.get(task.taskName);
      if (execution !== undefined && notifiableStates.has(execution.state)) executions.push(execution);
    }
    return executions;
  }

  /** Publishes that a checkpoint got its id and PendingCheckpoint. */
  publishTriggered(pending: PendingCheckpoint): void {
    if (!this.ports.observations.active) return;
    this.ports.observations.publish({
      type: 'checkpoint-triggered',
      checkpointId: pending.checkpointId,
      checkpointType: pending.type,
      timestampUs: pending.triggerTimestampUs,
      tasksToWaitFor: pending.tasksToWaitFor.map((task) => task.taskName),
      preAcknowledged: [...pending.plan.finishedTasks],
      requestKind: triggerKindOf(pending.type, pending.isPeriodic),
    });
  }

  /** Publishes a completed checkpoint with the state it holds. */
  publishCompleted(pending: PendingCheckpoint, completed: CompletedCheckpoint): void {
    if (!this.ports.observations.active) return;
    this.ports.observations.publish({
      type: 'checkpoint-completed',
      checkpointId: completed.checkpointId,
      checkpointType: completed.type,
      acknowledgedTasks: acknowledgedTasksOf(completed),
      awaitedTasks: pending.tasksToWaitFor.map((task) => task.taskName),
      stateHandles: [...completed.subtaskStates.values()].flatMap(keysOf),
    });
  }
}
