import type { AcknowledgeResult } from '../observations.js';
import type { CheckpointDone } from './checkpoint-result.js';
import type { CheckpointPlan, TaskAttempt } from './checkpoint-plan.js';
import type { CompletedCheckpointWithMasterStates, MasterHookState } from './master-hook-states.js';
import type { CancellableTimer, OperatorCoordinatorState } from './ports.js';
import type { CheckpointFailureReason, SnapshotType, StateHandle, SubtaskStateSnapshot } from './types.js';

/** Where a pending checkpoint is in its life. */
export type PendingCheckpointPhase = 'collecting' | 'finalizing' | 'disposed';

/** Everything a {@link PendingCheckpoint} is created from. */
export interface PendingCheckpointInit {
  readonly checkpointId: number;
  readonly type: SnapshotType;
  /** True for requests from the periodic scheduler. */
  readonly isPeriodic: boolean;
  readonly triggerTimestampUs: number;
  readonly plan: CheckpointPlan;
  /** Identifiers of the master hooks whose state this checkpoint needs. */
  readonly masterHookIdentifiers: readonly string[];
  /** Called once with the outcome; absent for fire-and-forget triggers. */
  readonly done: CheckpointDone | undefined;
}

/**
 * Flink's PendingCheckpoint: a checkpoint that has been triggered and is collecting
 * acknowledgements. It owns the acknowledged subtask states until it either completes (then they
 * belong to the completed checkpoint) or is disposed (then the caller discards them).
 */
export class PendingCheckpoint {
  readonly checkpointId: number;
  readonly type: SnapshotType;
  readonly isPeriodic: boolean;
  readonly triggerTimestampUs: number;
  readonly plan: CheckpointPlan;
  readonly done: CheckpointDone | undefined;
  /** The storage location (key prefix) once initialised. */
  storageLocation: string | undefined = undefined;
  /** Why the checkpoint was disposed, when it was aborted. */
  failureReason: CheckpointFailureReason | undefined = undefined;

  private phase: PendingCheckpointPhase = 'collecting';
  private canceller: CancellableTimer | undefined = undefined;
  /** Task name -> the attempt whose acknowledgement is still awaited. */
  private readonly notYetAcknowledged = new Map<string, number>();
  /** Task name -> acknowledged attempt (pre-acknowledged finished tasks have none). */
  private readonly acknowledgedAttempts = new Map<string, number>();
  private readonly acknowledgedStates = new Map<string, SubtaskStateSnapshot>();
  private readonly notYetAcknowledgedMasterHooks: Set<string>;
  private readonly masterStates: MasterHookState[] = [];
  private readonly coordinatorStates: OperatorCoordinatorState[] = [];

  constructor(init: PendingCheckpointInit) {
    if (init.plan.tasksToWaitFor.length === 0) {
      throw new Error(`checkpoint ${init.checkpointId} has no task to wait for`);
    }
    this.checkpointId = init.checkpointId;
    this.type = init.type;
    this.isPeriodic = init.isPeriodic;
    this.triggerTimestampUs = init.triggerTimestampUs;
    this.plan = init.plan;
    this.done = init.done;
    for (const task of init.plan.tasksToWaitFor) this.notYetAcknowledged.set(task.taskName, task.attempt);
    for (const taskName of init.plan.finishedTasks) {
      this.acknowledgedStates.set(taskName, { taskName, operatorState: undefined, channelState: undefined, finished: true });
    }
    this.notYetAcknowledgedMasterHooks = new Set(init.masterHookIdentifiers);
  }

  /** The subtasks that must acknowledge, with the attempt each must acknowledge from. */
  get tasksToWaitFor(): readonly TaskAttempt[] {
    return this.plan.tasksToWaitFor;
  }

  /** Aborted or completed: it takes no more acknowledgements and owns no state. */
  get isDisposed(): boolean {
    return this.phase === 'disposed';
  }

  /** Every ack is in and the metadata is being written. */
  get isFinalizing(): boolean {
    return this.phase === 'finalizing';
  }

  /** Savepoints are never subsumed by a newer checkpoint (Flink's canBeSubsumed). */
  get canBeSubsumed(): boolean {
    return this.type === 'checkpoint';
  }

  /** Every awaited task and master hook has acknowledged, and the checkpoint is still alive. */
  get isFullyAcknowledged(): boolean {
    return !this.isDisposed && this.notYetAcknowledged.size === 0 && this.notYetAcknowledgedMasterHooks.size === 0;
  }

  /** How many awaited tasks have not acknowledged yet. */
  /** Tasks (with the awaited attempt) whose acknowledgement is still missing, in plan order. */
  unacknowledgedTasks(): Array<[string, number]> {
    return [...this.notYetAcknowledged.entries()];
  }

  get numberOfNonAcknowledgedTasks(): number {
    return this.notYetAcknowledged.size;
  }

  /**
   * Records `task`'s acknowledgement from `attempt`. SUCCESS: the state is now held here.
   * DUPLICATE: that attempt had already acknowledged. UNKNOWN: the task or attempt is not awaited.
   * DISCARDED: the checkpoint is disposed. Only SUCCESS transfers ownership of `state`.
   */
  acknowledgeTask(task: string, attempt: number, state: SubtaskStateSnapshot): AcknowledgeResult {
    if (this.isDisposed) return 'DISCARDED';
    const awaitedAttempt = this.notYetAcknowledged.get(task);
    if (awaitedAttempt === attempt) {
      this.notYetAcknowledged.delete(task);
      this.acknowledgedAttempts.set(task, attempt);
      this.acknowledgedStates.set(task, state);
      return 'SUCCESS';
    }
    return this.acknowledgedAttempts.get(task) === attempt ? 'DUPLICATE' : 'UNKNOWN';
  }

  /** The state `task` acknowledged with (finished tasks: their pre-acknowledged empty state). */
  acknowledgedState(task: string): SubtaskStateSnapshot | undefined {
    return this.acknowledgedStates.get(task);
  }

  /**
   * Records a master hook's state; ignored once disposed or for a hook that is not awaited. A hook
   * that returned no state (null or undefined) counts as acknowledged but leaves no entry, as in
   * Flink's PendingCheckpoint.acknowledgeMasterState.
   */
  acknowledgeMasterState(identifier: string, state: unknown): void {
    if (this.isDisposed) return;
    if (!this.notYetAcknowledgedMasterHooks.delete(identifier)) return;
    if (state !== undefined && state !== null) this.masterStates.push({ identifier, state });
  }

  /**
   * Records the operator coordinators' states (Flink's acknowledgeCoordinatorState, for all of
   * them at once); false when the checkpoint is disposed, so they are not taken.
   */
  acknowledgeCoordinatorStates(states: readonly OperatorCoordinatorState[]): boolean {
    if (this.isDisposed) return false;
    this.coordinatorStates.push(...states);
    return true;
  }

  /** Attaches the expiry timer; a checkpoint disposed already cancels it at once. */
  setCanceller(timer: CancellableTimer): void {
    if (this.canceller !== undefined) throw new Error(`checkpoint ${this.checkpointId} already has a canceller`);
    if (this.isDisposed) {
      timer.cancel();
      return;
    }
    this.canceller = timer;
  }

  /** Marks that the metadata is being written; acknowledgements are complete from here on. */
  startFinalizing(): void {
    if (this.phase !== 'collecting') throw new Error(`checkpoint ${this.checkpointId} cannot finalize while ${this.phase}`);
    if (!this.isFullyAcknowledged) throw new Error(`checkpoint ${this.checkpointId} finalized before every ack`);
    this.phase = 'finalizing';
  }

  /** Every state handle held, in task order (operator state before channel state). */
  stateHandles(): StateHandle[] {
    const handles: StateHandle[] = [];
    for (const taskName of this.plan.taskOrder) {
      const state = this.acknowledgedStates.get(taskName);
      if (state === undefined) continue;
      if (state.operatorState !== undefined) handles.push(state.operatorState);
      if (state.channelState !== undefined) handles.push(state.channelState);
    }
    return handles;
  }

  /** Names of the tasks that acknowledged by message (not the pre-acknowledged finished ones), in task order. */
  acknowledgedTaskNames(): string[] {
    return this.plan.taskOrder.filter((taskName) => this.acknowledgedAttempts.has(taskName));
  }

  /** Builds the completed checkpoint; the pending one must be finalizing. */
  toCompletedCheckpoint(completionTimestampUs: number, metadataHandle: StateHandle): CompletedCheckpointWithMasterStates {
    if (this.phase !== 'finalizing') throw new Error(`checkpoint ${this.checkpointId} completed while ${this.phase}`);
    const subtaskStates = new Map<string, SubtaskStateSnapshot>();
    for (const taskName of this.plan.taskOrder) {
      const state = this.acknowledgedStates.get(taskName);
      if (state !== undefined) subtaskStates.set(taskName, state);
    }
    return {
      checkpointId: this.checkpointId,
      type: this.type,
      triggerTimestampUs: this.triggerTimestampUs,
      completionTimestampUs,
      subtaskStates,
      metadataHandle,
      masterHookStates: [...this.masterStates],
      ...(this.coordinatorStates.length === 0 ? {} : { operatorCoordinatorStates: [...this.coordinatorStates] }),
    };
  }

  /**
   * Disposes an aborted checkpoint: stops its canceller and returns the keys of every state handle
   * it held, which the caller must discard. Disposing twice is a programmer error.
   */
  dispose(reason: CheckpointFailureReason): string[] {
    if (this.isDisposed) throw new Error(`checkpoint ${this.checkpointId} disposed twice`);
    const keys = this.stateHandles().map((handle) => handle.key);
    this.failureReason = reason;
    this.release();
    return keys;
  }

  /** Disposes a checkpoint that completed: its states now belong to the completed checkpoint. */
  disposeAfterCompletion(): void {
    if (this.phase !== 'finalizing') throw new Error(`checkpoint ${this.checkpointId} completed while ${this.phase}`);
    this.release();
  }

  private release(): void {
    this.phase = 'disposed';
    this.canceller?.cancel();
    this.canceller = undefined;
    this.notYetAcknowledged.clear();
    this.acknowledgedAttempts.clear();
    this.acknowledgedStates.clear();
  }
}
