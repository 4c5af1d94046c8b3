import type { TriggerKind } from '../observations.js';
import { CheckpointIoError } from './ports.js';
import { type CheckpointConfig, type CheckpointFailureReason, type CompletedCheckpoint, type SnapshotType, type SubtaskStateSnapshot } from './types.js';

/**
 * Small pure functions the CheckpointCoordinator's modules share: naming a trigger, reading the
 * keys a checkpoint owns, and checking the configuration.
 */

/** Who asked, from the snapshot type and whether the scheduler asked. */
export function triggerKindOf(type: SnapshotType, isPeriodic: boolean): TriggerKind {
  if (type === 'savepoint') return 'savepoint';
  if (type === 'sync-savepoint') return 'stop-with-savepoint';
  return isPeriodic ? 'periodic' : 'manual';
}

/** Flink's getCheckpointException for the trigger chain: an I/O failure is IO_EXCEPTION, anything else TRIGGER_CHECKPOINT_FAILURE. */
export function triggerFailureReason(error: unknown): CheckpointFailureReason {
  return error instanceof CheckpointIoError ? 'IO_EXCEPTION' : 'TRIGGER_CHECKPOINT_FAILURE';
}

/** The tasks whose snapshot a completed checkpoint holds (finished tasks acknowledged nothing). */
export function acknowledgedTasksOf(completed: CompletedCheckpoint): string[] {
  return [...completed.subtaskStates.values()].filter((state) => !state.finished).map((state) => state.taskName);
}

/** The keys of a subtask state's handles. */
export function keysOf(state: SubtaskStateSnapshot): string[] {
  const keys: string[] = [];
  if (state.operatorState !== undefined) keys.push(state.operatorState.key);
  if (state.channelState !== undefined) keys.push(state.channelState.key);
  return keys;
}

/** Every key a completed checkpoint owns: its subtasks' handles and its metadata. */
export function checkpointKeys(checkpoint: CompletedCheckpoint): string[] {
  return [...[...checkpoint.subtaskStates.values()].flatMap(keysOf), checkpoint.metadataHandle.key];
}


/** Throws naming every out-of-range field of `config`. */
export function assertValidConfig(config: CheckpointConfig): void {
  const problems: string[] = [];
  if (!(config.intervalUs >= 0)) problems.push(`intervalUs=${config.intervalUs}`);
  if (!(config.timeoutUs > 0)) problems.push(`timeoutUs=${config.timeoutUs}`);
  if (!(config.maxConcurrentCheckpoints >= 1)) problems.push(`maxConcurrentCheckpoints=${config.maxConcurrentCheckpoints}`);
  if (!(config.minPauseBetweenCheckpointsUs >= 0)) problems.push(`minPauseBetweenCheckpointsUs=${config.minPauseBetweenCheckpointsUs}`);
  if (!(config.tolerableCheckpointFailures >= 0)) problems.push(`tolerableCheckpointFailures=${config.tolerableCheckpointFailures}`);
  if (!(config.retainedCheckpoints >= 1)) problems.push(`retainedCheckpoints=${config.retainedCheckpoints}`);
  if (problems.length > 0) throw new Error(`invalid checkpoint configuration: ${problems.join(', ')}`);
}
