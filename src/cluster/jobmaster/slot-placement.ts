import type { RandomStream } from '../../sim/index.js';
import type { ExecutionState } from '../checkpoint/ports.js';
import type { TaskExecutor } from '../executor/task-executor.js';

/** Whether an execution in `state` occupies its slot (a finished one keeps it until the job ends). */
export function holdsSlot(state: ExecutionState): boolean {
  return state === 'DEPLOYING' || state === 'INITIALIZING' || state === 'RUNNING' || state === 'FINISHED';
}

/** Where an execution of the graph runs now. */
export interface PlacedExecution {
  readonly taskName: string;
  readonly state: ExecutionState;
  readonly executor: TaskExecutor | undefined;
}

/**
 * The scheduler's slot assignment: an executor with a free slot for each of `tasks`, the least
 * loaded among the live registered ones, ties broken by a seeded draw; undefined when the slots
 * do not suffice (the scheduler retries until its slot request times out). Slots held by the
 * other executions count as taken; `tasks`' own current ones are being given up.
 */
export function placeTasks(tasks: readonly string[], registered: readonly TaskExecutor[], executions: readonly PlacedExecution[], random: RandomStream): Map<string, TaskExecutor> | undefined {
  const load = new Map<string, number>();
  const live = registered.filter((executor) => executor.node.alive);
  for (const executor of live) load.set(executor.name, 0);
  const moving = new Set(tasks);
  for (const execution of executions) {
    if (moving.has(execution.taskName) || execution.executor === undefined || !holdsSlot(execution.state)) continue;
    const current = load.get(execution.executor.name);
    if (current !== undefined) load.set(execution.executor.name, current + 1);
  }
  const placement = new Map<string, TaskExecutor>();
  for (const task of tasks) {
    const candidates = live.filter((executor) => (load.get(executor.name) as number) < executor.slots);
    if (candidates.length === 0) return undefined;
    const lowest = Math.min(...candidates.map((executor) => load.get(executor.name) as number));
    const least = candidates.filter((executor) => load.get(executor.name) === lowest);
    const chosen = random.pick(least);
    placement.set(task, chosen);
    load.set(chosen.name, lowest + 1);
  }
  return placement;
}
