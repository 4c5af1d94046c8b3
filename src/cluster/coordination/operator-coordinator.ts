import type { EventSendResult, OperatorEvent } from './operator-event.js';

/** The coordinator's handle to one running attempt of one subtask (Flink's OperatorCoordinator.SubtaskGateway). */
export interface CoordinatorSubtaskGateway {
  readonly subtask: number;
  readonly attempt: number;
  /** Sends an event to this attempt; the result settles with the task's answer or the failure. */
  sendEvent(event: OperatorEvent): EventSendResult;
}

/** The result of a coordinator's snapshot: its state, or why it could not take one. */
export type CoordinatorCheckpointResult = { readonly ok: true; readonly state: unknown } | { readonly ok: false; readonly cause: string };

/**
 * What a coordinator may ask of the JobMaster (Flink's OperatorCoordinator.Context): time, timers
 * on the JobMaster, and failing the job. Timers die with the JobMaster that made them.
 */
export interface OperatorCoordinatorContext {
  readonly operatorName: string;
  readonly parallelism: number;
  readonly nowUs: number;
  /** Runs `action` after `delayUs` on the JobMaster, unless it died meanwhile. */
  schedule(delayUs: number, action: () => void): void;
  /** A global failure of the job (Flink's failJob), restarting it from the latest checkpoint. */
  failJob(cause: string): void;
  /** Announces a protocol step of this coordinator (a hook point for faults and tests). */
  step(name: string, detail?: { readonly task?: string; readonly checkpointId?: number }): void;
}

/**
 * Flink's OperatorCoordinator: a component on the JobMaster that belongs to one operator, talks
 * to its subtasks through operator events, and is checkpointed before the subtasks are triggered.
 * Every method runs on the JobMaster's main thread, one at a time.
 */
export interface OperatorCoordinator {
  start(): void;
  close(): void;
  handleEventFromOperator(subtask: number, attempt: number, event: OperatorEvent): void;
  /**
   * Takes the coordinator's snapshot for `checkpointId` and hands it to `result`, at once or later.
   * Events sent before `result` runs land before the subtasks' barriers; those sent after, after.
   */
  checkpointCoordinator(checkpointId: number, result: (outcome: CoordinatorCheckpointResult) => void): void;
  notifyCheckpointComplete(checkpointId: number): void;
  notifyCheckpointAborted(checkpointId: number): void;
  /**
   * A global failover (or a JobMaster failover): go back to the state of `checkpointId`, or to the
   * initial state when there is none (`state` undefined).
   */
  resetToCheckpoint(checkpointId: number | undefined, state: unknown): void;
  /** A regional failover restores this subtask from `checkpointId` (undefined: from nothing). */
  subtaskReset(subtask: number, checkpointId: number | undefined): void;
  /** An attempt of a subtask failed (called for every failover, regional or global). */
  executionAttemptFailed(subtask: number, attempt: number, reason: string): void;
  /** An attempt switched to running: events can be sent to it through `gateway`. */
  executionAttemptReady(subtask: number, attempt: number, gateway: CoordinatorSubtaskGateway): void;
}
