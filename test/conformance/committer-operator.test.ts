/**
 * Conformance with Flink 1.20's CommitterOperatorTestBase (flink-streaming-java,
 * org.apache.flink.streaming.runtime.operators.sink), through ckptsim's Sink V2 CommitterOperator
 * (a KafkaCommitter over the TransactionalStore). Flink's test sink counts commits; here a commit
 * is a `transaction-committed` observation that made records visible. Committables are real
 * pre-committed transactions of the store, so the committer has something to commit.
 *
 * ckptsim has no post-commit topology (the committer emits nothing downstream), no batch mode and
 * no streaming job without checkpointing: of the parameterized methods only the variants without
 * those are ported (testEmitCommittables without a post-commit topology,
 * testEmitAllCommittablesOnEndOfInput in streaming mode, testHandleEndInputInStreamingMode with
 * checkpointing), and the committables Flink's post-commit topology re-emits are not asserted
 * (the commits are).
 *
 * Flink methods: 6. Skipped as not behaviour: 0.
 * Ported and todo counts: test/conformance/README.md (generated).
 */
import { describe, expect, it } from 'vitest';
import { endOfInputCheckpointId, type ObservationBody } from '../../src/cluster/observations.js';
import { CommitterOperator, type CommittableMessage, type KafkaCommittable } from '../../src/cluster/connectors/sink-v2/index.js';
import { TransactionalStore } from '../../src/cluster/storage/transactional-store.js';
import type { OperatorContext } from '../../src/cluster/task/operator.js';

/** A hand-made operator context: observations, timers and injected (retriable) commit failures are kept. */
class CommitterContext implements OperatorContext {
  readonly jobRun = 1;
  readonly attempt = 0;
  readonly plantedBugs: string[] = [];
  readonly emitted: unknown[] = [];
  readonly observations: ObservationBody[] = [];
  readonly timers: Array<() => void> = [];
  readonly failingCommits = new Set<string>();

  constructor(
    readonly sinkStore: TransactionalStore,
    readonly subtaskIndex = 0,
  ) {}

  get taskName(): string {
    return `committer#${this.subtaskIndex}`;
  }

  ownsKey(): boolean {
    return true;
  }

  emit(value: unknown): void {
    this.emitted.push(value);
  }

  externalFails(operation: string, detail: string): boolean {
    return operation === 'commit' && this.failingCommits.has(detail);
  }

  observe(body: ObservationBody): void {
    this.observations.push(body);
  }

  scheduleTimer(_delayUs: number, action: () => void): void {
    this.timers.push(action);
  }

  runTimers(): void {
    for (const action of this.timers.splice(0)) action();
  }

  /** Flink's commitCounter: commits that made their transaction's records visible. */
  commits(): string[] {
    return this.observations.flatMap((body) => (body.type === 'transaction-committed' && !body.alreadyCommitted ? [body.transactionId] : []));
  }
}

function newStore(): TransactionalStore {
  return new TransactionalStore(() => 0, 1_000_000_000);
}

/** A writer subtask's flushed transaction holding one record: what a committable commits. */
function preCommitted(store: TransactionalStore, name: string): KafkaCommittable {
  const transactionalId = `writer#0/${name}`;
  const { epoch } = store.initProducer(transactionalId);
  const transactionId = store.beginWithProducer(transactionalId, epoch) as string;
  store.write(transactionId, [{ key: name, value: name, origin: { partition: 0, offset: 0 } }]);
  store.preCommit(transactionId);
  return { transactionalId, epoch, transactionId };
}

function summary(subtask: number, checkpointId: number, numberOfCommittables: number): { key: string; value: CommittableMessage; origin: { partition: number; offset: number } } {
  return { key: 's', value: { kind: 'summary', checkpointId, subtask, numberOfSubtasks: 1, numberOfCommittables }, origin: { partition: 0, offset: 0 } };
}

function withLineage(subtask: number, checkpointId: number, committable: KafkaCommittable): { key: string; value: CommittableMessage; origin: { partition: number; offset: number } } {
  return { key: 'c', value: { kind: 'committable', checkpointId, subtask, committable }, origin: { partition: 0, offset: 0 } };
}

function openCommitter(store: TransactionalStore): { committer: CommitterOperator; context: CommitterContext } {
  const context = new CommitterContext(store);
  const committer = new CommitterOperator();
  committer.open(context, undefined);
  return { committer, context };
}

describe('CommitterOperatorTestBase (Flink 1.20)', () => {
  it('testEmitCommittables', () => {
    // Without a post-commit topology: the committable is committed, nothing is emitted.
    const store = newStore();
    const { committer, context } = openCommitter(store);
    const first = preCommitted(store, '1');
    committer.processElement(summary(1, 1, 1));
    committer.processElement(withLineage(1, 1, first));
    committer.notifyCheckpointComplete(1);
    expect(context.commits()).toEqual([first.transactionId]);
    expect(context.emitted).toEqual([]);
  });

  it('testWaitForCommittablesOfLatestCheckpointBeforeCommitting', () => {
    // The summary announces two committables; only one has arrived when checkpoint 1 completes.
    const store = newStore();
    const { committer, context } = openCommitter(store);
    const first = preCommitted(store, '1');
    const second = preCommitted(store, '2');
    committer.processElement(summary(1, 1, 2));
    committer.processElement(withLineage(1, 1, first));
    committer.notifyCheckpointComplete(1);
    expect(context.commits()).toEqual([]);
    committer.processElement(withLineage(1, 1, second));
    // Flink commits at its retry timer; ckptsim on arrival of the last one (then the timer finds nothing left).
    context.runTimers();
    expect(context.commits()).toEqual([first.transactionId, second.transactionId]);
  });

  it('testImmediatelyCommitLateCommittables', () => {
    // The notification comes before the committable (unaligned checkpoints): it is committed on arrival.
    const store = newStore();
    const { committer, context } = openCommitter(store);
    committer.processElement(summary(1, 1, 1));
    committer.notifyCheckpointComplete(1);
    expect(context.commits()).toEqual([]);
    const first = preCommitted(store, '1');
    committer.processElement(withLineage(1, 1, first));
    expect(context.commits()).toEqual([first.transactionId]);
  });

  it('testEmitAllCommittablesOnEndOfInput', () => {
    // Streaming mode: the committables of end of input (Flink's null checkpoint id) from two
    // writer subtasks wait for the final checkpoint, whose completion commits them all.
    const store = newStore();
    const { committer, context } = openCommitter(store);
    const first = preCommitted(store, 'a');
    const second = preCommitted(store, 'b');
    committer.processElement(summary(1, endOfInputCheckpointId, 1));
    committer.processElement(summary(2, endOfInputCheckpointId, 1));
    committer.processElement(withLineage(1, endOfInputCheckpointId, first));
    committer.processElement(withLineage(2, endOfInputCheckpointId, second));
    committer.endInput();
    expect(context.commits()).toEqual([]);
    // The final checkpoint: snapshotted after end of input (Flink's harness skips the snapshot), then complete.
    committer.snapshotState(1);
    committer.notifyCheckpointComplete(1);
    expect(context.commits()).toEqual([first.transactionId, second.transactionId]);
  });

  it('testStateRestore', () => {
    // Committables of one checkpoint from two writer subtasks, snapshotted; the commit after the
    // notification fails (retriable) and the committer goes away before its retry.
    const store = newStore();
    const before = new CommitterContext(store, 0);
    const committer = new CommitterOperator();
    committer.open(before, undefined);
    const first = preCommitted(store, '1');
    const second = preCommitted(store, '2');
    committer.processElement(summary(0, 1, 1));
    committer.processElement(withLineage(0, 1, first));
    committer.processElement(summary(1, 1, 1));
    committer.processElement(withLineage(1, 1, second));
    const snapshot = committer.snapshotState(1);
    before.failingCommits.add(first.transactionId).add(second.transactionId);
    committer.notifyCheckpointComplete(1);
    expect(before.commits()).toEqual([]);
    // Restored at another subtask index (9 of 10): the restored checkpoint is complete, so its
    // committables are committed at once, both of them.
    const after = new CommitterContext(store, 9);
    new CommitterOperator().open(after, snapshot);
    expect(after.commits()).toEqual([first.transactionId, second.transactionId]);
    expect(after.observations.filter((body) => body.type === 'transaction-committed').map((body) => (body as { checkpointId: number }).checkpointId)).toEqual([1, 1]);
  });

  it('testHandleEndInputInStreamingMode', () => {
    // With checkpointing: end of input commits nothing by itself; checkpoint 1's completion commits
    // its committable, and later notifications and a second end of input commit nothing more.
    const store = newStore();
    const { committer, context } = openCommitter(store);
    const first = preCommitted(store, '1');
    committer.processElement(summary(1, 1, 1));
    committer.processElement(withLineage(1, 1, first));
    committer.endInput();
    expect(context.commits()).toEqual([]);
    committer.notifyCheckpointComplete(1);
    expect(context.commits()).toEqual([first.transactionId]);
    committer.notifyCheckpointComplete(2);
    committer.endInput();
    expect(context.commits()).toEqual([first.transactionId]);
  });
});
