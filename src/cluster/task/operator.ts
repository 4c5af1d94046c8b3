import type { ObservationBody } from '../observations.js';
import type { StreamRecord } from '../jobgraph/records.js';
import type { TransactionalStore } from '../storage/transactional-store.js';
import type { FileStore } from '../storage/file-store.js';
import type { KeyedStateSnapshot } from './state-backend.js';

/** An operator's state as its synchronous snapshot part captures it. */
export interface OperatorSnapshot {
  readonly keyed: KeyedStateSnapshot | undefined;
  readonly operator: Record<string, unknown>;
}

/** What the task gives an operator: identity, output, the sink's external system, observations. */
export interface OperatorContext {
  readonly taskName: string;
  readonly subtaskIndex: number;
  /** The vertex's parallelism in this run (absent in hand-made contexts): sinks abort what subtasks gone since a rescale left. */
  readonly numberOfParallelSubtasks?: number;
  readonly attempt: number;
  /** Which run of the job this is (stop-with-savepoint and resume starts a new run). */
  readonly jobRun: number;
  /** True when `key` belongs to this subtask's key-group range. */
  ownsKey(key: string): boolean;
  /** Emits a record downstream; it inherits the origin of the record being processed. */
  emit(value: unknown, key?: string): void;
  readonly sinkStore: TransactionalStore;
  /** The file system a FileSink writes part files to (absent in hand-made contexts). */
  readonly fileStore?: FileStore;
  /** Asks the hook point whether an operation on the sink's store fails now (an injected fault). */
  externalFails(operation: string, detail: string): boolean;
  /** Planted bugs switched on for this run (cluster/planted-bugs.ts); built-in operators consult it. */
  readonly plantedBugs: readonly string[];
  observe(body: ObservationBody): void;
  /**
   * Runs `action` in the task's mailbox after `delayUs` of virtual time (Flink's processing-time
   * service), unless the task ended meanwhile. Optional so hand-made contexts need not offer it.
   */
  scheduleTimer?(delayUs: number, action: () => void): void;
}

/**
 * Flink's StreamOperator, reduced to what checkpointing touches. Implement it to plug in an
 * operator of your own. Any method may throw: the task then fails, a reported outcome.
 */
export interface StreamOperator {
  /** Whether the operator's state absorbs records (its lineage is then tracked and checked). */
  readonly stateful: boolean;
  open(context: OperatorContext, restored: OperatorSnapshot | undefined): void;
  /** One record from input gate `gate`. */
  processElement(record: StreamRecord, gate: number): void;
  /**
   * Flink's prepareSnapshotPreBarrier: runs before the barrier goes downstream, so what it emits
   * precedes the barrier (a Sink V2 writer emits its committables here).
   */
  prepareSnapshotPreBarrier?(checkpointId: number): void;
  /** The synchronous snapshot part: capture state for `checkpointId` (2PC sinks pre-commit here). */
  snapshotState(checkpointId: number): OperatorSnapshot;
  notifyCheckpointComplete(checkpointId: number): void;
  notifyCheckpointAborted(checkpointId: number): void;
  /**
   * Flink's processWatermark: event time advanced to `watermark` at this task (the minimum over
   * its inputs); fire the event-time timers due, before the watermark goes downstream. Optional:
   * operators without timers just let it pass.
   */
  processWatermark?(watermark: number): void;
  /** All inputs reached end of data. */
  endInput(): void;
  /** The task finishes normally (Flink's close after finish): release what is still open. */
  close?(): void;
}
