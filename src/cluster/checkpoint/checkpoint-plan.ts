import { bugOn } from '../planted-bugs.js';
import type { ExecutionView } from './ports.js';
import type { CheckpointFailureReason } from './types.js';

/** One subtask's current attempt, as a checkpoint plan names it. */
export interface TaskAttempt {
  readonly taskName: string;
  readonly attempt: number;
}

/**
 * Flink's CheckpointPlan: which subtasks get the trigger RPC, which must acknowledge, and which
 * had already finished (and are therefore acknowledged in advance, without state).
 */
export interface CheckpointPlan {
  /** RUNNING subtasks with no RUNNING upstream subtask: normally the sources. */
  readonly tasksToTrigger: readonly TaskAttempt[];
  /** Every subtask that has not finished; these are also the tasks notified of the outcome. */
  readonly tasksToWaitFor: readonly TaskAttempt[];
  /** FINISHED subtasks, acknowledged in advance. */
  readonly finishedTasks: readonly string[];
  /** Every subtask name in the graph's order: the order a completed checkpoint lists its states in. */
  readonly taskOrder: readonly string[];
}

/** The plan, or why no checkpoint can be taken now. */
export type CheckpointPlanResult =
  | { readonly ok: true; readonly plan: CheckpointPlan }
  | { readonly ok: false; readonly reason: CheckpointFailureReason; readonly detail: string };

/**
 * Flink's DefaultCheckpointPlanCalculator over the graph's current attempts.
 *
 * A subtask that is neither RUNNING nor FINISHED (deploying, restarting, failed) fails the attempt
 * with NOT_ALL_REQUIRED_TASKS_RUNNING, and so does any FINISHED subtask when checkpoints after
 * tasks finish are off. When every subtask has finished there is nothing left to checkpoint;
 * Flink fails that attempt (its PendingCheckpoint refuses an empty wait list) with
 * TRIGGER_CHECKPOINT_FAILURE, and so does this.
 *
 * @param executions - every subtask's current attempt, in the graph's fixed order
 * @param checkpointsAfterTasksFinish - Flink's `execution.checkpointing.checkpoints-after-tasks-finish`
 */
export function calculateCheckpointPlan(
  executions: readonly ExecutionView[],
  checkpointsAfterTasksFinish: boolean,
  plantedBugs: readonly string[] = [],
): CheckpointPlanResult {
  const byName = indexByName(executions);
  const blocking = executions.find((execution) => !isRunning(execution) && !isFinished(execution));
  if (blocking !== undefined && !bugOn(plantedBugs, 'coordinator-triggers-with-tasks-not-running')) {
    const detail = `task ${blocking.taskName} attempt ${blocking.attempt} is ${blocking.state}`;
    return { ok: false, reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING', detail };
  }
  const finished = executions.filter(isFinished);
  if (finished.length > 0 && !checkpointsAfterTasksFinish) {
    const detail = `task ${finished[0]?.taskName} finished and checkpoints after tasks finish are off`;
    return { ok: false, reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING', detail };
  }
  const running = executions.filter(isRunning);
  if (running.length === 0) {
    return { ok: false, reason: 'TRIGGER_CHECKPOINT_FAILURE', detail: 'every task has finished' };
  }
  const tasksToTrigger = running.filter((execution) => !hasRunningUpstream(execution, byName));
  return {
    ok: true,
    plan: {
      tasksToTrigger: tasksToTrigger.map(toTaskAttempt),
      tasksToWaitFor: (finished.length > 0 && bugOn(plantedBugs, 'coordinator-waits-for-finished-tasks') ? [...running, ...finished] : running).map(toTaskAttempt),
      finishedTasks: finished.map((execution) => execution.taskName),
      taskOrder: executions.map((execution) => execution.taskName),
    },
  };
}

function indexByName(executions: readonly ExecutionView[]): Map<string, ExecutionView> {
  const byName = new Map<string, ExecutionView>();
  for (const execution of executions) {
    if (byName.has(execution.taskName)) {
      throw new Error(`execution graph lists task ${execution.taskName} twice`);
    }
    byName.set(execution.taskName, execution);
  }
  return byName;
}

function hasRunningUpstream(execution: ExecutionView, byName: ReadonlyMap<string, ExecutionView>): boolean {
  return execution.upstream.some((upstreamName) => {
    const upstream = byName.get(upstreamName);
    if (upstream === undefined) {
      throw new Error(`task ${execution.taskName} reads from unknown task ${upstreamName}`);
    }
    return isRunning(upstream);
  });
}

function isRunning(execution: ExecutionView): boolean {
  return execution.state === 'RUNNING';
}

function isFinished(execution: ExecutionView): boolean {
  return execution.state === 'FINISHED';
}

function toTaskAttempt(execution: ExecutionView): TaskAttempt {
  return { taskName: execution.taskName, attempt: execution.attempt };
}
