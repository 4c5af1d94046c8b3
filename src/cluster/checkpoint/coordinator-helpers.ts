import { bugOn } from '../planted-bugs.js';
import type { TriggerKind } from '../observations.js';
import { CheckpointIoError } from './ports.js';
import { countedFailureReasons, type CheckpointConfig, type CheckpointFailureReason, type CompletedCheckpoint, type SnapshotType, type SubtaskStateSnapshot } from './types.js';

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

/** The failure manager's counted reasons: as configured, less or more under the planted bugs that change them. */
export function countedReasonsOption(configured: ReadonlySet<CheckpointFailureReason> | undefined, bugs: readonly string[]): { countedReasons?: ReadonlySet<CheckpointFailureReason> } {
  const ignored = new Set<CheckpointFailureReason>();
  if (bugOn(bugs, 'failure-manager-ignores-expired')) ignored.add('CHECKPOINT_EXPIRED');
  if (bugOn(bugs, 'failure-manager-ignores-finalize-failures')) ignored.add('FINALIZE_CHECKPOINT_FAILURE');
  if (bugOn(bugs, 'failure-manager-ignores-task-failures')) for (const reason of ['CHECKPOINT_DECLINED', 'CHECKPOINT_ASYNC_EXCEPTION'] as const) ignored.add(reason);
  if (bugOn(bugs, 'failure-manager-ignores-io-exceptions')) ignored.add('IO_EXCEPTION');
  const added: CheckpointFailureReason[] = bugOn(bugs, 'failure-manager-counts-pre-flight-failures') ? ['TOO_MANY_CHECKPOINT_REQUESTS', 'NOT_ALL_REQUIRED_TASKS_RUNNING', 'MINIMUM_TIME_BETWEEN_CHECKPOINTS'] : [];
  if (ignored.size === 0 && added.length === 0) return configured === undefined ? {} : { countedReasons: configured };
  return { countedReasons: new Set([...(configured ?? countedFailureReasons), ...added].filter((reason) => !ignored.has(reason))) };
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
