import type { CompletedCheckpoint } from '../checkpoint/types.js';
import { consumersOf, producerSubtasks, taskName, type JobGraph, type JobVertex } from '../jobgraph/job-graph.js';
import { bugOn } from '../planted-bugs.js';
import { rescaledRestoreFor } from '../rescaling/state-assignment-operation.js';
import type { TaskDeployment } from '../task/task-environment.js';

/** The subtask attempt a deployment is for. */
export interface DeployedAttempt {
  readonly vertex: JobVertex;
  readonly subtaskIndex: number;
  readonly taskName: string;
  readonly attempt: number;
}

/**
 * Flink's TaskDeploymentDescriptorFactory: what a TaskExecutor needs to run one subtask attempt.
 * Its input channels name the producers' current attempts (`currentAttempt`), its outputs the
 * consumer subtasks, and its restore the subtask's state in `restore`: its own handle, or, for a
 * vertex restored at another parallelism than the snapshot's (rescaling/), the old subtasks'
 * handles it reads; a subtask finished in the snapshot (FLIP-147) is restored finished.
 */
export function taskDeploymentFor(
  job: JobGraph,
  jobRun: number,
  execution: DeployedAttempt,
  currentAttempt: (task: string) => number,
  restore: CompletedCheckpoint | undefined,
  plantedBugs: readonly string[],
): TaskDeployment {
  const { vertex, subtaskIndex } = execution;
  const parallelismOf = (name: string): number => (job.vertices.find((candidate) => candidate.name === name) as JobVertex).parallelism;
  const subtaskState = restore?.subtaskStates.get(execution.taskName);
  const rescaled = restore === undefined ? undefined : rescaledRestoreFor(vertex, subtaskIndex, restore, plantedBugs);
  return {
    jobRun,
    vertex,
    subtaskIndex,
    taskName: execution.taskName,
    attempt: execution.attempt,
    inputs: vertex.inputs.flatMap((edges, gate) =>
      edges.flatMap((edge) =>
        producerSubtasks(edge, parallelismOf(edge.source), subtaskIndex).map((producer) => {
          const producerTask = taskName(edge.source, producer);
          return { gate, producerTask, producerAttempt: currentAttempt(producerTask) };
        }),
      ),
    ),
    outputs: consumersOf(job, vertex.name).map(({ vertex: consumer, edge }) => ({
      consumer,
      edge,
      consumerTasks:
        edge.partitioner.kind === 'forward'
          ? [taskName(consumer.name, subtaskIndex)]
          : Array.from({ length: consumer.parallelism }, (_, index) => taskName(consumer.name, index)),
    })),
    restore:
      restore === undefined
        ? undefined
        : rescaled !== undefined
          ? { checkpointId: restore.checkpointId, stateKey: undefined, finished: rescaled.fullyFinished, rescaled }
          : // The bug's switch is read only where it changes the restore: a subtask that had finished.
            { checkpointId: restore.checkpointId, stateKey: subtaskState?.operatorState?.key, finished: (subtaskState?.finished ?? false) && !bugOn(plantedBugs, 'restore-drops-finished-flag') },
  };
}
