import type { StreamRecord } from '../jobgraph/records.js';
import type { OperatorContext, OperatorSnapshot, StreamOperator } from '../task/operator.js';

const stateless: OperatorSnapshot = { keyed: undefined, operator: {} };

/**
 * The at-least-once sink: writes each record straight to the store, visible at once. A restore
 * replays records written after the checkpoint: duplicates, never loss.
 */
export class AtLeastOnceSink implements StreamOperator {
  readonly stateful = true;
  private context!: OperatorContext;

  open(context: OperatorContext): void {
    this.context = context;
  }

  processElement(record: StreamRecord): void {
    this.context.sinkStore.append([{ key: record.key, value: record.value, origin: record.origin }]);
  }

  snapshotState(): OperatorSnapshot {
    return stateless;
  }

  notifyCheckpointComplete(): void {}
  notifyCheckpointAborted(): void {}
  endInput(): void {}
}

/**
 * The idempotent upsert sink: writes by key, the last write wins. Replays rewrite the same
 * values, so the final upsert view is exactly-once even though writes are not transactional.
 */
export class UpsertSink implements StreamOperator {
  readonly stateful = true;
  private context!: OperatorContext;

  open(context: OperatorContext): void {
    this.context = context;
  }

  processElement(record: StreamRecord): void {
    if (record.key === undefined) throw new Error(`${this.context.taskName}: the upsert sink needs keyed records (keyBy before it)`);
    this.context.sinkStore.upsert({ key: record.key, value: record.value, origin: record.origin });
  }

  snapshotState(): OperatorSnapshot {
    return stateless;
  }

  notifyCheckpointComplete(): void {}
  notifyCheckpointAborted(): void {}
  endInput(): void {}
}
