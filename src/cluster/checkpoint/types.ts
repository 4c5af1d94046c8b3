import { bugOn } from '../planted-bugs.js';
import type { SharedStateHandle } from '../storage/shared-state/handles.js';

/**
 * Checkpoint vocabulary shared by the coordinator, the tasks and the observers, in Flink's terms.
 */

/** What a checkpoint is for. A 'sync-savepoint' is the savepoint of stop-with-savepoint. */
export type SnapshotType = 'checkpoint' | 'savepoint' | 'sync-savepoint';

/** The checkpointing guarantee of the job. */
export type CheckpointingMode = 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';

/** How barriers of one checkpoint are handled by the tasks (Flink's CheckpointOptions.AlignmentType). */
export type AlignmentType = 'aligned' | 'unaligned' | 'forced-aligned' | 'at-least-once';

/** Options that travel with a trigger RPC and inside every barrier of the checkpoint. */
export interface CheckpointOptions {
  readonly type: SnapshotType;
  readonly alignment: AlignmentType;
  /**
   * Aligned-with-timeout: once alignment has lasted this long (measured from the trigger
   * timestamp) the checkpoint switches to unaligned. 0 means never (pure aligned).
   */
  readonly alignedTimeoutUs: number;
  /**
   * Only on the savepoint of stop-with-savepoint --drain (Flink's SavepointType.shouldDrain):
   * sources end their input (MAX_WATERMARK, end of data) before they take it.
   */
  readonly drain?: true;
  /**
   * Only on a checkpoint or savepoint asked for by hand (not by the periodic scheduler): Flink's
   * barrier carries the snapshot type of a manual trigger too (SavepointType, or
   * CheckpointType.FULL_CHECKPOINT). A task may see one while a stop-with-savepoint stands.
   */
  readonly manual?: true;
}

/** Flink's CheckpointBarrier: the marker a checkpoint flows through the dataflow with. */
export interface CheckpointBarrier {
  readonly checkpointId: number;
  readonly timestampUs: number;
  readonly options: CheckpointOptions;
}

/** Flink's CheckpointFailureReason, the subset this runtime produces. */
export type CheckpointFailureReason =
  | 'PERIODIC_SCHEDULER_SHUTDOWN'
  | 'TOO_MANY_CHECKPOINT_REQUESTS'
  | 'MINIMUM_TIME_BETWEEN_CHECKPOINTS'
  | 'NOT_ALL_REQUIRED_TASKS_RUNNING'
  | 'IO_EXCEPTION'
  | 'CHECKPOINT_ASYNC_EXCEPTION'
  | 'CHECKPOINT_DECLINED'
  | 'CHECKPOINT_EXPIRED'
  | 'CHECKPOINT_SUBSUMED'
  | 'CHECKPOINT_COORDINATOR_SUSPEND'
  | 'CHECKPOINT_COORDINATOR_SHUTDOWN'
  | 'TRIGGER_CHECKPOINT_FAILURE'
  | 'FINALIZE_CHECKPOINT_FAILURE'
  | 'JOB_FAILOVER_REGION'
  | 'CHECKPOINT_DECLINED_TASK_NOT_READY'
  | 'CHECKPOINT_DECLINED_TASK_CLOSING'
  | 'CHECKPOINT_DECLINED_SUBSUMED'
  | 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER'
  | 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM'
  | 'TASK_FAILURE'
  | 'TASK_CHECKPOINT_FAILURE';

/**
 * Reasons the CheckpointFailureManager counts towards the tolerable-failure limit. Flink counts
 * exactly these five and ignores the rest (a task not ready, a cancellation barrier, a subsumed
 * or failover-aborted checkpoint), which are not the checkpoint's own fault.
 */
export const countedFailureReasons: ReadonlySet<CheckpointFailureReason> = new Set<CheckpointFailureReason>([
  'IO_EXCEPTION',
  'CHECKPOINT_ASYNC_EXCEPTION',
  'CHECKPOINT_DECLINED',
  'CHECKPOINT_EXPIRED',
  'FINALIZE_CHECKPOINT_FAILURE',
]);

/** A reference to state written to checkpoint storage: the key it is stored under and its size. */
export interface StateHandle {
  readonly key: string;
  readonly sizeBytes: number;
}

/**
 * What one subtask acknowledges a checkpoint with: handles to its operator state and, for
 * unaligned checkpoints, its in-flight channel state. `finished` marks a subtask that had already
 * finished (pre-acknowledged, no state).
 */
export interface SubtaskStateSnapshot {
  readonly taskName: string;
  readonly operatorState: StateHandle | undefined;
  readonly channelState: StateHandle | undefined;
  readonly finished: boolean;
  /**
   * Incremental checkpoints only: the shared files the keyed state is in (new uploads, and
   * placeholders for files of a confirmed checkpoint); `operatorState` is then the private part.
   */
  readonly sharedState?: readonly SharedStateHandle[];
}

/** A checkpoint or savepoint the coordinator has completed, as kept in the completed store. */
export interface CompletedCheckpoint {
  readonly checkpointId: number;
  readonly type: SnapshotType;
  readonly triggerTimestampUs: number;
  readonly completionTimestampUs: number;
  /** Subtask states by task name (`vertex#index`), in task order. */
  readonly subtaskStates: ReadonlyMap<string, SubtaskStateSnapshot>;
  /** The metadata file written at finalisation. */
  readonly metadataHandle: StateHandle;
}

/** Coordinator configuration with Flink's defaults, durations in microseconds. */
export interface CheckpointConfig {
  /** Periodic interval; 0 turns periodic checkpoints off (Flink's default: no interval). */
  readonly intervalUs: number;
  readonly timeoutUs: number;
  readonly maxConcurrentCheckpoints: number;
  readonly minPauseBetweenCheckpointsUs: number;
  readonly tolerableCheckpointFailures: number;
  readonly retainedCheckpoints: number;
  readonly mode: CheckpointingMode;
  readonly unaligned: boolean;
  /** Aligned-checkpoint timeout (0 = pure aligned); only with unaligned on. */
  readonly alignedCheckpointTimeoutUs: number;
  readonly checkpointsAfterTasksFinish: boolean;
}

export const defaultCheckpointConfig: CheckpointConfig = {
  intervalUs: 0,
  timeoutUs: 600_000_000,
  maxConcurrentCheckpoints: 1,
  minPauseBetweenCheckpointsUs: 0,
  tolerableCheckpointFailures: 0,
  retainedCheckpoints: 1,
  mode: 'EXACTLY_ONCE',
  unaligned: false,
  alignedCheckpointTimeoutUs: 0,
  checkpointsAfterTasksFinish: true,
};

/** The options a checkpoint of `type` gets under `config` (Flink's CheckpointOptions.forConfig). */
export function checkpointOptionsFor(type: SnapshotType, config: CheckpointConfig, plantedBugs: readonly string[] = []): CheckpointOptions {
  if (config.mode === 'AT_LEAST_ONCE') return { type, alignment: 'at-least-once', alignedTimeoutUs: 0 };
  // Savepoints are always aligned: their state must be relocatable without channel state.
  if (type !== 'checkpoint' && !(config.unaligned && bugOn(plantedBugs, 'savepoint-taken-unaligned'))) return { type, alignment: 'forced-aligned', alignedTimeoutUs: 0 };
  if (!config.unaligned) return { type, alignment: 'aligned', alignedTimeoutUs: 0 };
  if (config.alignedCheckpointTimeoutUs > 0) {
    return { type, alignment: 'aligned', alignedTimeoutUs: config.alignedCheckpointTimeoutUs };
  }
  return { type, alignment: 'unaligned', alignedTimeoutUs: 0 };
}
