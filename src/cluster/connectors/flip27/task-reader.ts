import type { PartitionedLog } from '../../storage/partitioned-log.js';
import type { TaskEnvironment } from '../../task/task-environment.js';
import type { ObservationBody } from '../../observations.js';
import type { SourcePartitionExtent } from '../../task/event-time/index.js';
import { Flip27SourceReader } from './source-reader.js';

export { Flip27SourceReader };

/** The task a FLIP-27 reader runs in, as the reader's wiring needs it. */
export interface ReaderTask {
  readonly taskName: string;
  readonly attempt: number;
  observe(body: ObservationBody): void;
  /** Event time of the task: the partitions of added splits get watermark generators. */
  readonly eventTime: { addSourcePartitions(partitions: readonly SourcePartitionExtent[], offsets: Readonly<Record<string, number>>): void };
}

/** The partitions' global numbers and lengths, as the watermark generators need them. */
export function extentsOf(log: PartitionedLog, partitions: readonly number[]): SourcePartitionExtent[] {
  return partitions.map((partition) => ({ partition, length: log.endOffset(partition - log.firstPartition) }));
}

/**
 * Builds and opens the FLIP-27 reader of a source task (Flink's SourceOperator.initReader and
 * open): restored splits first, then registration with the enumerator, then a split request if
 * it restored none. Its events go to the coordinator through the task's executor.
 */
export function openFlip27Reader(log: PartitionedLog, task: ReaderTask, environment: TaskEnvironment, restored: Readonly<Record<string, number>> | undefined): Flip27SourceReader {
  const hooks = environment.hooks;
  const step = (name: string): void => {
    if (hooks.hasStepListeners) hooks.step({ name, task: task.taskName, executor: environment.executorName });
  };
  const reader = new Flip27SourceReader(
    log,
    {
      sendEventToCoordinator: (event) => {
        step('task.operator-event-sent');
        environment.sendOperatorEventToCoordinator(task.taskName, task.attempt, event);
      },
      splitFinished: (split) => task.observe({ type: 'split-finished', task: task.taskName, attempt: task.attempt, partition: split.partition, endOffset: split.offset }),
      splitsAdded: (splits) => {
        step('task.operator-event-received');
        task.observe({ type: 'splits-added', task: task.taskName, attempt: task.attempt, splits: splits.map((split) => ({ partition: split.partition, offset: split.offset })) });
        const offsets: Record<string, number> = {};
        for (const split of splits) offsets[String(split.partition)] = split.offset;
        task.eventTime.addSourcePartitions(extentsOf(log, splits.map((split) => split.partition)), offsets);
      },
    },
    (partition) => !hooks.external('source-log', 'read', String(partition)).fail,
  );
  if (restored !== undefined) reader.restore(restored);
  reader.open();
  return reader;
}
