import type { ObservationBus } from '../observations.js';
import type { SharedStatePort } from '../storage/shared-state/shared-state-lifecycle.js';
import type { RuntimeHooks } from '../hooks.js';
import type {
  CheckpointBarrier,
  CompletedCheckpoint,
  StateHandle,
} from './types.js';

/**
 * What the CheckpointCoordinator needs from the rest of the JobMaster, as narrow interfaces so
 * the coordinator can be driven by unit tests without a cluster.
 *
 * No Promises anywhere: simulated code completes asynchronous work through callbacks invoked
 * from simulation events, because a Promise continuation would run outside the event order.
 */

/** Flink's ExecutionState. */
export type ExecutionState =
  | 'CREATED'
  | 'SCHEDULED'
  | 'DEPLOYING'
  | 'INITIALIZING'
  | 'RUNNING'
  | 'FINISHED'
  | 'CANCELING'
  | 'CANCELED'
  | 'FAILED';

/** The coordinator's view of the current attempt of one subtask. */
export interface ExecutionView {
  /** `vertex#index`, e.g. 'count#1'. */
  readonly taskName: string;
  readonly attempt: number;
  readonly state: ExecutionState;
  /** Subtasks this one reads from, by task name (empty for sources). */
  readonly upstream: readonly string[];
}

/** The execution graph as the coordinator sees it: every subtask's current attempt, in a fixed order. */
export interface ExecutionGraphView {
  executions(): readonly ExecutionView[];
}

/** A timer the coordinator can cancel. */
export interface CancellableTimer {
  cancel(): void;
}

/**
 * Virtual time and timers. Timers belong to the JobMaster's current incarnation: a JM crash
 * drops them, as it drops the coordinator.
 */
export interface CoordinatorClock {
  readonly nowUs: number;
  schedule(delayUs: number, name: string, action: () => void): CancellableTimer;
  /** A uniform integer in [low, high], from the coordinator's seeded stream. */
  randomBetween(low: number, high: number): number;
}

/** RPCs from the coordinator to tasks (they may be lost, delayed or duplicated). */
export interface CheckpointGateway {
  /**
   * Sends triggerCheckpoint to a trigger task, as Flink's ask: `onFailure` runs if the RPC cannot
   * be sent (the task's executor is unknown or gone) or its answer does not come within the RPC
   * timeout (the request or the answer lost), which aborts the checkpoint with
   * TRIGGER_CHECKPOINT_FAILURE. The notifications are tells.
   */
  triggerCheckpoint(task: string, attempt: number, barrier: CheckpointBarrier, onFailure: (cause: string) => void): void;
  notifyCheckpointComplete(task: string, attempt: number, checkpointId: number, timestampUs: number): void;
  notifyCheckpointAborted(task: string, attempt: number, checkpointId: number, latestCompletedCheckpointId: number): void;
}

/** Checkpoint storage as the coordinator uses it. */
export interface CheckpointStoragePort {
  /** Creates the checkpoint's directory; returns its location (a key prefix). */
  initializeLocation(checkpointId: number, isSavepoint: boolean): string;
  /**
   * Writes the checkpoint's metadata file after every ack arrived; completes through `done` after
   * the storage's latency with the metadata handle, or with an error (FINALIZE_CHECKPOINT_FAILURE).
   */
  finalizeMetadata(
    location: string,
    checkpointId: number,
    stateHandles: readonly StateHandle[],
    done: (result: { ok: true; handle: StateHandle } | { ok: false; error: string }) => void,
  ): void;
  /**
   * Deletes state: a discarded checkpoint must leave nothing behind. A key without '/' is a whole
   * location (as returned by initializeLocation): everything under it goes, and later writes
   * into it fail.
   */
  discard(keys: readonly string[]): void;
}

/**
 * A small durable key-value store (the HA services' ZooKeeper or ConfigMap). Survives JM crashes.
 * Values go in and come out as copies, as if serialised: `put` keeps a deep copy of what it is
 * given and `get` returns a fresh one, so neither side's later changes reach the other.
 */
export interface DurableKeyValue {
  get(key: string): unknown;
  put(key: string, value: unknown): void;
  remove(key: string): void;
  /** Keys under `prefix`, sorted. */
  keys(prefix: string): string[];
}

/** Flink's CheckpointIDCounter. */
export interface CheckpointIdCounter {
  getAndIncrement(): number;
  get(): number;
  setCount(next: number): void;
}

/**
 * A write of a completed checkpoint to the HA store that failed. `possiblyStored` is Flink's
 * PossibleInconsistentStateException: the write may have landed (ZooKeeper lost the connection
 * after the request went out), so the checkpoint may be recovered later and its state must stay.
 */
export class CheckpointStoreWriteError extends Error {
  override readonly name = 'CheckpointStoreWriteError';

  constructor(
    message: string,
    readonly possiblyStored: boolean,
  ) {
    super(message);
  }
}

/**
 * An I/O failure (Flink's IOException) thrown by a port in the trigger chain: the id counter or a
 * master hook. Flink fails the trigger with IO_EXCEPTION for it, which the failure manager counts;
 * any other error fails it with TRIGGER_CHECKPOINT_FAILURE, which it does not.
 */
export class CheckpointIoError extends Error {
  override readonly name = 'CheckpointIoError';
}

/** Flink's CompletedCheckpointStore. */
export interface CompletedCheckpointStore {
  /**
   * Adds a completed checkpoint and subsumes the oldest beyond the retained count, never the
   * latest; returns the subsumed ones so their state can be discarded. Throws when the write to
   * HA fails (the coordinator turns that into FINALIZE_CHECKPOINT_FAILURE).
   */
  addCheckpointAndSubsumeOldest(checkpoint: CompletedCheckpoint): CompletedCheckpoint[];
  latest(): CompletedCheckpoint | undefined;
  all(): readonly CompletedCheckpoint[];
}

/** What a master hook's trigger came to: its state (undefined or null: none), or why it failed. */
export type MasterHookResult = { readonly ok: true; readonly state: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * Flink's MasterTriggerRestoreHook: coordinator-side state taken with each checkpoint. Its trigger
 * is asynchronous, as in Flink (a future of the state, run on the I/O executor): the hook calls
 * `done` once, synchronously or from a later simulation event; a throw counts as a failure. A
 * failed hook fails the checkpoint's trigger (TRIGGER_CHECKPOINT_FAILURE, or IO_EXCEPTION for a
 * CheckpointIoError).
 */
export interface MasterHook {
  readonly identifier: string;
  triggerCheckpoint(checkpointId: number, timestampUs: number, done: (result: MasterHookResult) => void): void;
  restoreCheckpoint(checkpointId: number, state: unknown): void;
  /** Called instead of a restore when there is no checkpoint to restore (Flink's reset). */
  reset?(): void;
  /** Called once when the coordinator shuts down (Flink's close). */
  close?(): void;
}

/**
 * The steps of the asynchronous trigger chain (Flink 1.20's startTriggeringCheckpoint), each run
 * by the {@link TriggerChainExecutor} on the thread Flink runs it on: the JobMaster's main thread
 * or the coordinator's timer thread for 'calculate-plan', 'create-pending-checkpoint',
 * 'acknowledge-coordinators', 'acknowledge-master-state' and 'trigger-request'; the I/O executor
 * for 'take-checkpoint-id' (an HA write), 'initialize-location' and 'trigger-master-hook'.
 */
export type TriggerChainStep =
  | 'calculate-plan'
  | 'take-checkpoint-id'
  | 'create-pending-checkpoint'
  | 'initialize-location'
  | 'acknowledge-coordinators'
  | 'trigger-master-hook'
  | 'acknowledge-master-state'
  | 'trigger-request';

/** Runs the trigger chain's steps: the JobMaster runs each as a simulation event after a seeded latency. */
export interface TriggerChainExecutor {
  /** Runs `action` as `step`: later, from its own event, or at once. */
  execute(step: TriggerChainStep, action: () => void): void;
}

/** Runs every step at once, inside the call that reached it: the whole chain in one event (unit tests). */
export const directTriggerChainExecutor: TriggerChainExecutor = {
  execute: (_step, action) => action(),
};

/** The state one operator coordinator returned for a checkpoint (Flink's coordinator state in OperatorState). */
export interface OperatorCoordinatorState {
  /** The coordinator's operator, unique among the job's coordinators. */
  readonly operatorId: string;
  readonly state: unknown;
}

/** How the checkpointing of every operator coordinator ended: their states, or why it failed. */
export type OperatorCoordinatorCheckpointResult =
  | { readonly ok: true; readonly states: readonly OperatorCoordinatorState[] }
  | { readonly ok: false; readonly error: unknown };

/**
 * The job's operator coordinators (Flink's OperatorCoordinatorCheckpointContext, one per
 * coordinator, behind OperatorCoordinatorCheckpoints) as the CheckpointCoordinator drives them.
 * This is the port an OperatorCoordinator implementation plugs into; the JobMaster passes it in
 * {@link CoordinatorPorts.operatorCoordinators}, and without one {@link noOperatorCoordinators}
 * applies.
 *
 * The contract, as in Flink 1.20's trigger chain:
 * - {@link OperatorCoordinatorCheckpointing.checkpointAll} is one asynchronous step of the trigger
 *   chain, after the storage location is initialised and before the master hooks and the tasks'
 *   trigger RPCs. It must call `done` exactly once, from a simulation event or synchronously; a
 *   failure (or an error that is a CheckpointIoError, counted as IO_EXCEPTION) fails the trigger
 *   with TRIGGER_CHECKPOINT_FAILURE. The checkpoint may be aborted (expired, suspended, declined)
 *   before `done` comes: the coordinator then ignores the states, and a `done` that never comes
 *   leaves the checkpoint to expire, as in Flink. From the coordinator snapshot on, the
 *   implementation holds its events to each subtask until that subtask has passed the
 *   checkpoint's barrier (Flink 1.20's subtask gateways, reopened by the subtask's
 *   AcknowledgeCheckpointEvent), or the checkpoint completes or aborts.
 * - {@link OperatorCoordinatorCheckpointing.abortCurrentTriggering} is called when a trigger chain
 *   fails after `checkpointAll` may have been called (Flink's onTriggerFailure).
 * - notifyComplete / notifyAborted follow the checkpoint's outcome, for checkpoints whose
 *   coordinator states were taken; resetToCheckpoint hands the states of the checkpoint being
 *   restored back (undefined: no checkpoint, reset to the initial state).
 */
export interface OperatorCoordinatorCheckpointing {
  checkpointAll(checkpointId: number, done: (result: OperatorCoordinatorCheckpointResult) => void): void;
  abortCurrentTriggering(): void;
  notifyComplete(checkpointId: number): void;
  notifyAborted(checkpointId: number): void;
  resetToCheckpoint(checkpointId: number | undefined, states: readonly OperatorCoordinatorState[]): void;
}

/** A job without operator coordinators: every checkpoint's coordinator step succeeds at once with no state. */
export const noOperatorCoordinators: OperatorCoordinatorCheckpointing = {
  checkpointAll: (_checkpointId, done) => done({ ok: true, states: [] }),
  abortCurrentTriggering: () => {},
  notifyComplete: () => {},
  notifyAborted: () => {},
  resetToCheckpoint: () => {},
};

/** What the coordinator asks of the JobMaster. */
export interface CoordinatorCallbacks {
  /** The failure manager's tolerance was exceeded, or a synchronous savepoint was declined. */
  failJob(cause: string): void;
  /**
   * The tolerance was exceeded by a task's decline: fail the job only while that attempt is still
   * INITIALIZING or RUNNING (Flink's failGlobalIfExecutionIsStillRunning).
   */
  failJobDueToTaskFailure(cause: string, task: string, attempt: number): void;
}

/** Everything the coordinator is built from. */
export interface CoordinatorPorts {
  readonly clock: CoordinatorClock;
  readonly graph: ExecutionGraphView;
  readonly gateway: CheckpointGateway;
  readonly storage: CheckpointStoragePort;
  readonly idCounter: CheckpointIdCounter;
  readonly store: CompletedCheckpointStore;
  readonly callbacks: CoordinatorCallbacks;
  readonly observations: ObservationBus;
  readonly hooks: RuntimeHooks;
  readonly masterHooks: readonly MasterHook[];
  /** Where the trigger chain's steps run; {@link directTriggerChainExecutor} (all at once) when absent. */
  readonly triggerChain?: TriggerChainExecutor;
  /** The job's operator coordinators; {@link noOperatorCoordinators} when absent. */
  readonly operatorCoordinators?: OperatorCoordinatorCheckpointing;
  /** Incremental checkpoints: the completed store's SharedStateRegistry side; absent when no state is shared. */
  readonly sharedState?: SharedStatePort;
}
