import { bugOn } from '../../planted-bugs.js';
import { endOfInputCheckpointId } from '../../observations.js';
import type { StreamRecord } from '../../jobgraph/records.js';
import type { OperatorContext, OperatorSnapshot, StreamOperator } from '../../task/operator.js';
import type { CommittableMessage, KafkaCommittable } from './committables.js';
import { lingeringPrefixes } from '../two-phase-commit-sink.js';

/** The writer's open transaction: its transactional id, producer epoch and store transaction. */
interface OpenTransaction extends KafkaCommittable {
  readonly checkpointId: number;
  records: number;
}

/**
 * Flink's SinkWriterOperator running an exactly-once KafkaWriter (Sink V2):
 * - transactional ids are `<prefix><checkpointId>` with the prefix naming the subtask
 *   (`<task>/`), so the transaction written between checkpoints N-1 and N has id N. Each id gets
 *   a fresh producer (Kafka's initTransactions), which fences any older producer of that id.
 * - prepareSnapshotPreBarrier(N) (before the barrier goes downstream): flush the open
 *   transaction and emit a CommittableSummary and, when it holds records, its
 *   CommittableWithLineage for N; snapshotState(N) then opens the transaction of N+1 and persists
 *   the writer state (the checkpoint id, from which the next transactional id follows).
 * - endInput: flush and emit the last committables with the end-of-input checkpoint id; no more
 *   transactions are opened.
 * - open with restored state of checkpoint K: abort the lingering transactions of this prefix
 *   with ids above K (earlier attempts opened or flushed them after K; the committer holds those
 *   at or below K), as the Kafka sink does on recovery; without state, every id of the prefix.
 */
export class SinkWriterOperator implements StreamOperator {
  readonly stateful = true;
  private context!: OperatorContext;
  private current: OpenTransaction | undefined;
  /** The checkpoint whose transaction is open (ids start at 1). */
  private nextCheckpointId = 1;
  private endOfInput = false;

  open(context: OperatorContext, restored: OperatorSnapshot | undefined): void {
    this.context = context;
    const restoredCheckpointId = restored === undefined ? 0 : (restored.operator['checkpointId'] as number);
    this.abortLingering(restoredCheckpointId);
    this.nextCheckpointId = restoredCheckpointId + 1;
    this.beginTransaction();
  }

  processElement(record: StreamRecord): void {
    const current = this.current;
    if (current === undefined) throw new Error(`${this.context.taskName}: a record after end of input`);
    const store = this.context.sinkStore;
    if (store.isFenced(current.transactionalId, current.epoch)) {
      throw new Error(`${this.context.taskName}: producer of ${current.transactionalId} (epoch ${current.epoch}) was fenced by a newer one`);
    }
    if (!store.write(current.transactionId, [{ key: record.key, value: record.value, origin: record.origin }])) {
      throw new Error(`${this.context.taskName}: write to transaction ${current.transactionId} refused (timed out or aborted)`);
    }
    current.records++;
  }

  prepareSnapshotPreBarrier(checkpointId: number): void {
    if (this.endOfInput) return;
    if (bugOn(this.context.plantedBugs, 'sink-writer-emits-committables-after-barrier')) return;
    this.prepareCommit(checkpointId);
  }

  snapshotState(checkpointId: number): OperatorSnapshot {
    if (!this.endOfInput) {
      if (bugOn(this.context.plantedBugs, 'sink-writer-emits-committables-after-barrier')) this.prepareCommit(checkpointId);
      this.nextCheckpointId = checkpointId + 1;
      this.beginTransaction();
    }
    return { keyed: undefined, operator: { checkpointId } };
  }

  notifyCheckpointComplete(): void {}

  notifyCheckpointAborted(): void {}

  endInput(): void {
    if (this.endOfInput) return;
    this.prepareCommit(endOfInputCheckpointId);
    this.endOfInput = true;
  }

  /** The task finished: an open transaction can only be empty (Flink closes the producer). */
  close(): void {
    if (this.current !== undefined) this.abortCurrent('closed with the task');
  }

  /** Flink's SinkWriter.prepareCommit plus emitCommittables: flush, hand the committable downstream. */
  private prepareCommit(checkpointId: number): void {
    const current = this.current;
    if (current === undefined) return;
    this.current = undefined;
    const committables: KafkaCommittable[] = [];
    if (current.records === 0) {
      // Nothing to commit: the empty transaction is dropped (Kafka recycles the producer).
      this.abortTransaction(current.transactionId, 'empty at prepareCommit');
    } else {
      if (!this.context.sinkStore.preCommit(current.transactionId)) {
        throw new Error(`${this.context.taskName}: flush of ${current.transactionId} failed (fenced, timed out or aborted)`);
      }
      this.context.observe({ type: 'transaction-pre-committed', task: this.context.taskName, transactionId: current.transactionId, checkpointId });
      committables.push({ transactionalId: current.transactionalId, epoch: current.epoch, transactionId: current.transactionId });
    }
    const subtask = this.context.subtaskIndex;
    const summary: CommittableMessage = { kind: 'summary', checkpointId, subtask, numberOfSubtasks: 1, numberOfCommittables: committables.length };
    this.context.emit(summary);
    for (const committable of committables) this.context.emit({ kind: 'committable', checkpointId, subtask, committable } satisfies CommittableMessage);
  }

  private prefix(): string {
    return `${this.context.taskName}/`;
  }

  /** Kafka's TransactionAborter: a new producer for each id of the prefix above `checkpointId` aborts what it left. */
  private abortLingering(checkpointId: number): void {
    const store = this.context.sinkStore;
    // After a rescale down, also the ids of the subtasks `subtask + k * parallelism` gone since (TransactionAborter).
    for (const prefix of [this.prefix(), ...lingeringPrefixes(this.context, store).slice(1)]) {
      for (const transactionalId of store.producerIds(prefix)) {
        const id = Number(transactionalId.slice(prefix.length));
        if (id <= checkpointId) continue;
        const { aborted } = store.initProducer(transactionalId);
        if (aborted !== undefined) this.context.observe({ type: 'transaction-aborted', task: this.context.taskName, transactionId: aborted, cause: 'lingering after restore' });
      }
    }
  }

  private beginTransaction(): void {
    const store = this.context.sinkStore;
    const transactionalId = `${this.prefix()}${this.nextCheckpointId}`;
    const { epoch, aborted } = store.initProducer(transactionalId);
    if (aborted !== undefined) this.context.observe({ type: 'transaction-aborted', task: this.context.taskName, transactionId: aborted, cause: 'fenced by a new producer' });
    const transactionId = store.beginWithProducer(transactionalId, epoch) as string;
    this.current = { transactionalId, epoch, transactionId, checkpointId: this.nextCheckpointId, records: 0 };
    this.context.observe({ type: 'transaction-begun', task: this.context.taskName, transactionId, idCheckpointId: this.nextCheckpointId });
  }

  private abortCurrent(cause: string): void {
    const current = this.current;
    this.current = undefined;
    if (current !== undefined) this.abortTransaction(current.transactionId, cause);
  }

  private abortTransaction(transactionId: string, cause: string): void {
    if (this.context.sinkStore.abort(transactionId)) this.context.observe({ type: 'transaction-aborted', task: this.context.taskName, transactionId, cause });
  }
}
