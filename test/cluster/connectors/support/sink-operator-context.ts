import type { ObservationBody } from '../../../../src/cluster/observations.js';
import { TransactionalStore } from '../../../../src/cluster/storage/transactional-store.js';
import type { OperatorContext } from '../../../../src/cluster/task/operator.js';

/**
 * A hand-made operator context for driving a sink operator by hand, as Flink's test harnesses do:
 * one subtask over a shared transactional store, keeping what the operator emitted and observed.
 * The subtask index is read from the task name (`sink#2` is subtask 2).
 */
export class SinkOperatorContext implements OperatorContext {
  readonly plantedBugs: string[] = [];
  readonly emitted: unknown[] = [];
  readonly observations: ObservationBody[] = [];
  readonly taskName: string;
  readonly numberOfParallelSubtasks?: number;
  readonly jobRun: number;
  readonly attempt: number;

  constructor(
    readonly sinkStore: TransactionalStore,
    options: { readonly taskName?: string; readonly parallelism?: number; readonly jobRun?: number; readonly attempt?: number } = {},
  ) {
    this.taskName = options.taskName ?? 'sink#0';
    if (options.parallelism !== undefined) this.numberOfParallelSubtasks = options.parallelism;
    this.jobRun = options.jobRun ?? 1;
    this.attempt = options.attempt ?? 0;
  }

  get subtaskIndex(): number {
    return Number(this.taskName.slice(this.taskName.lastIndexOf('#') + 1));
  }

  ownsKey(): boolean {
    return true;
  }

  emit(value: unknown): void {
    this.emitted.push(value);
  }

  externalFails(): boolean {
    return false;
  }

  observe(body: ObservationBody): void {
    this.observations.push(body);
  }
}

/** A transactional store whose transactions never time out within a test. */
export function newTransactionalStore(): TransactionalStore {
  return new TransactionalStore(() => 0, 1_000_000_000);
}
