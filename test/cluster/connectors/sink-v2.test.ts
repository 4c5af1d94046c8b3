import { describe, expect, it } from 'vitest';
import { endOfInputCheckpointId, type ObservationBody } from '../../../src/cluster/observations.js';
import { CommitterOperator, SinkWriterOperator, commitRetryDelayUs, type CommittableMessage } from '../../../src/cluster/connectors/sink-v2/index.js';
import { TransactionalStore } from '../../../src/cluster/storage/transactional-store.js';
import type { OperatorContext, OperatorSnapshot } from '../../../src/cluster/task/operator.js';
import type { StreamRecord } from '../../../src/cluster/jobgraph/records.js';

/** A hand-made operator context: emitted values, observations, timers and injected commit failures are kept for the test. */
class FakeContext implements OperatorContext {
  readonly subtaskIndex = 0;
  readonly jobRun = 1;
  readonly plantedBugs: string[] = [];
  readonly emitted: unknown[] = [];
  readonly observations: ObservationBody[] = [];
  readonly timers: Array<{ delayUs: number; action: () => void }> = [];
  /** Transactions whose next commits fail with a retriable error, with how many. */
  readonly failingCommits = new Map<string, number>();

  constructor(
    readonly sinkStore: TransactionalStore,
    readonly taskName = 'sink#0',
    readonly attempt = 0,
  ) {}

  ownsKey(): boolean {
    return true;
  }

  emit(value: unknown): void {
    this.emitted.push(value);
  }

  externalFails(operation: string, detail: string): boolean {
    const left = this.failingCommits.get(detail) ?? 0;
    if (operation !== 'commit' || left === 0) return false;
    this.failingCommits.set(detail, left - 1);
    return true;
  }

  observe(body: ObservationBody): void {
    this.observations.push(body);
  }

  scheduleTimer(delayUs: number, action: () => void): void {
    this.timers.push({ delayUs, action });
  }

  /** Runs the timers due so far (as the task's mailbox would, later). */
  runTimers(): void {
    const due = this.timers.splice(0);
    for (const timer of due) timer.action();
  }

  ofType<T extends ObservationBody['type']>(type: T): Array<Extract<ObservationBody, { type: T }>> {
    return this.observations.filter((body): body is Extract<ObservationBody, { type: T }> => body.type === type);
  }
}

function record(value: string, offset: number): StreamRecord {
  return { key: value, value, origin: { partition: 0, offset } };
}

function newStore(): TransactionalStore {
  return new TransactionalStore(() => 0, 1_000_000_000);
}

/** A writer that wrote `count` records and took checkpoint `checkpointId`: its committable messages and state. */
function checkpointedWriter(context: FakeContext, checkpointId: number, count: number, restored?: OperatorSnapshot): { writer: SinkWriterOperator; messages: CommittableMessage[]; state: OperatorSnapshot } {
  const writer = new SinkWriterOperator();
  writer.open(context, restored);
  for (let index = 0; index < count; index++) writer.processElement(record(`w${index}`, index));
  const before = context.emitted.length;
  writer.prepareSnapshotPreBarrier(checkpointId);
  const state = writer.snapshotState(checkpointId);
  return { writer, messages: context.emitted.slice(before) as CommittableMessage[], state };
}

describe('transactional store: producers, epochs and fencing (Kafka transactional ids)', () => {
  it('a newer producer of the same transactional id aborts what the old one left open and fences its commit', () => {
    const store = newStore();
    const old = store.initProducer('sink#0/1');
    const transactionId = store.beginWithProducer('sink#0/1', old.epoch) as string;
    expect(store.write(transactionId, [{ key: 'a', value: 1, origin: { partition: 0, offset: 0 } }])).toBe(true);
    expect(store.preCommit(transactionId)).toBe(true);
    const fresh = store.initProducer('sink#0/1');
    expect(fresh).toEqual({ epoch: old.epoch + 1, aborted: transactionId });
    expect(store.isFenced('sink#0/1', old.epoch)).toBe(true);
    expect(store.commitWithProducer('sink#0/1', old.epoch, transactionId)).toBe('fenced');
    expect(store.beginWithProducer('sink#0/1', old.epoch)).toBeUndefined();
    expect(store.committedDigest().count).toBe(0);
  });

  it('a commit made before the fence stays made, and repeating it is harmless', () => {
    const store = newStore();
    const { epoch } = store.initProducer('sink#0/1');
    const transactionId = store.beginWithProducer('sink#0/1', epoch) as string;
    store.write(transactionId, [{ key: 'a', value: 1, origin: { partition: 0, offset: 0 } }]);
    store.preCommit(transactionId);
    expect(store.commitWithProducer('sink#0/1', epoch, transactionId)).toBe('committed');
    expect(store.commitWithProducer('sink#0/1', epoch, transactionId)).toBe('already-committed');
    store.initProducer('sink#0/1');
    expect(store.commitWithProducer('sink#0/1', epoch, transactionId)).toBe('already-committed');
    expect(store.producerIds('sink#0/')).toEqual(['sink#0/1']);
    expect(store.producerIds('sink#1/')).toEqual([]);
  });
});

describe('Sink V2 writer', () => {
  it('prepares the committable before the barrier, tagged with checkpoint and subtask, and opens the next transactional id in the snapshot', () => {
    const context = new FakeContext(newStore());
    const { messages, state } = checkpointedWriter(context, 1, 3);
    expect(messages).toEqual([
      { kind: 'summary', checkpointId: 1, subtask: 0, numberOfSubtasks: 1, numberOfCommittables: 1 },
      { kind: 'committable', checkpointId: 1, subtask: 0, committable: { transactionalId: 'sink#0/1', epoch: 0, transactionId: 'sink#0/1.0' } },
    ]);
    expect(context.ofType('transaction-pre-committed')).toEqual([{ type: 'transaction-pre-committed', task: 'sink#0', transactionId: 'sink#0/1.0', checkpointId: 1 }]);
    expect(context.sinkStore.status('sink#0/1.0')).toBe('pre-committed');
    expect(context.sinkStore.status('sink#0/2.0')).toBe('open');
    expect(state.operator).toEqual({ checkpointId: 1 });
  });

  it('drops an empty transaction and still sends the summary (no committable)', () => {
    const context = new FakeContext(newStore());
    const { messages } = checkpointedWriter(context, 1, 0);
    expect(messages).toEqual([{ kind: 'summary', checkpointId: 1, subtask: 0, numberOfSubtasks: 1, numberOfCommittables: 0 }]);
    expect(context.sinkStore.status('sink#0/1.0')).toBe('aborted');
    expect(context.ofType('transaction-pre-committed')).toEqual([]);
  });

  it('on restore from checkpoint K aborts the lingering transactions above K, and leaves those at or below K to the committer', () => {
    const store = newStore();
    const first = new FakeContext(store);
    const { writer, state } = checkpointedWriter(first, 1, 2);
    writer.processElement(record('x', 10));
    writer.prepareSnapshotPreBarrier(2);
    writer.snapshotState(2); // checkpoint 2 never completes; sink#0/2.0 is pre-committed, sink#0/3.0 open
    const second = new FakeContext(store, 'sink#0', 1);
    new SinkWriterOperator().open(second, state);
    expect(store.status('sink#0/1.0')).toBe('pre-committed');
    expect(store.status('sink#0/2.0')).toBe('aborted');
    expect(store.status('sink#0/3.0')).toBe('aborted');
    expect(second.ofType('transaction-aborted').map((body) => body.transactionId)).toEqual(['sink#0/2.0', 'sink#0/3.0']);
    // The aborter's producer took epoch 1; the writer's own producer for id 2 takes epoch 2.
    expect(store.status('sink#0/2.2')).toBe('open');
  });

  it('fences a zombie: the old attempt can no longer write once the restored one took its transactional id', () => {
    const store = newStore();
    const { writer: zombie, state } = checkpointedWriter(new FakeContext(store), 1, 1);
    new SinkWriterOperator().open(new FakeContext(store, 'sink#0', 1), state);
    expect(() => zombie.processElement(record('late', 5))).toThrow(/fenced by a newer one/);
  });

  it('at end of input prepares its last committable with the end-of-input id and opens no more transactions', () => {
    const context = new FakeContext(newStore());
    const writer = new SinkWriterOperator();
    writer.open(context, undefined);
    writer.processElement(record('a', 0));
    writer.endInput();
    expect(context.emitted.at(-1)).toEqual({ kind: 'committable', checkpointId: endOfInputCheckpointId, subtask: 0, committable: { transactionalId: 'sink#0/1', epoch: 0, transactionId: 'sink#0/1.0' } });
    const before = context.emitted.length;
    writer.prepareSnapshotPreBarrier(5);
    expect(writer.snapshotState(5).operator).toEqual({ checkpointId: 5 });
    writer.close();
    expect(context.emitted.length).toBe(before);
    expect(context.sinkStore.lingering('sink#0/')).toEqual(['sink#0/1.0']);
  });
});

describe('Sink V2 committer', () => {
  /** A writer's committables for checkpoints 1 and 2, fed to a fresh committer. */
  function committerWithTwoCheckpoints(): { store: TransactionalStore; context: FakeContext; committer: CommitterOperator } {
    const store = newStore();
    const writerContext = new FakeContext(store);
    const writer = new SinkWriterOperator();
    writer.open(writerContext, undefined);
    for (const checkpointId of [1, 2]) {
      writer.processElement(record(`r${checkpointId}`, checkpointId));
      writer.prepareSnapshotPreBarrier(checkpointId);
      writer.snapshotState(checkpointId);
    }
    const context = new FakeContext(store, 'sink-committer#0');
    const committer = new CommitterOperator();
    committer.open(context, undefined);
    for (const [offset, message] of writerContext.emitted.entries()) committer.processElement({ key: undefined, value: message, origin: { partition: 0, offset } });
    return { store, context, committer };
  }

  it('commits only the checkpoints at or below the notified one', () => {
    const { store, context, committer } = committerWithTwoCheckpoints();
    expect(context.ofType('transaction-committed')).toEqual([]);
    committer.notifyCheckpointComplete(1);
    expect(context.ofType('transaction-committed').map((body) => [body.transactionId, body.checkpointId, body.records])).toEqual([['sink#0/1.0', 1, 1]]);
    expect(store.status('sink#0/2.0')).toBe('pre-committed');
    committer.notifyCheckpointComplete(2);
    expect(store.status('sink#0/2.0')).toBe('committed');
  });

  it('retries a retriable failure after Flink\'s retry delay, counting the retries', () => {
    const { store, context, committer } = committerWithTwoCheckpoints();
    context.failingCommits.set('sink#0/1.0', 2);
    committer.notifyCheckpointComplete(2);
    expect(store.status('sink#0/1.0')).toBe('pre-committed');
    expect(store.status('sink#0/2.0')).toBe('committed');
    expect(context.timers.map((timer) => timer.delayUs)).toEqual([commitRetryDelayUs]);
    const retrying = committer.snapshotState(3).operator['checkpoints'] as Array<{ checkpointId: number; requests: Array<{ retries: number }> }>;
    expect(retrying.map((entry) => [entry.checkpointId, entry.requests[0]?.retries])).toEqual([[1, 1]]);
    context.runTimers();
    expect(store.status('sink#0/1.0')).toBe('pre-committed');
    context.runTimers();
    expect(store.status('sink#0/1.0')).toBe('committed');
    expect(context.timers).toEqual([]);
  });

  it('gives up a fenced committable (the data is lost, as KafkaCommitter reports) and fails the task on an unknown one', () => {
    const { store, context, committer } = committerWithTwoCheckpoints();
    store.initProducer('sink#0/1');
    committer.notifyCheckpointComplete(1);
    expect(context.ofType('transaction-aborted')).toEqual([{ type: 'transaction-aborted', task: 'sink-committer#0', transactionId: 'sink#0/1.0', cause: 'commit failed: fenced', records: 0 }]);
    expect(context.timers).toEqual([]);
    const orphan = new CommitterOperator();
    const orphanContext = new FakeContext(newStore(), 'sink-committer#1');
    const restored: OperatorSnapshot = { keyed: undefined, operator: { checkpointId: 4, checkpoints: [{ checkpointId: 4, expected: 1, requests: [{ committable: { transactionalId: 'sink#1/4', epoch: 0, transactionId: 'sink#1/4.0' }, subtask: 1, retries: 0, state: 'received' }] }] } };
    expect(() => orphan.open(orphanContext, restored)).toThrow(/does not know it/);
  });

  it('on restore commits the committables of its state at once, and a repeat of a commit already made is idempotent', () => {
    const { store, context, committer } = committerWithTwoCheckpoints();
    const state = committer.snapshotState(2);
    committer.notifyCheckpointComplete(1); // checkpoint 1 committed, then the task fails before 2 is notified
    const restoredContext = new FakeContext(store, 'sink-committer#0', 1);
    new CommitterOperator().open(restoredContext, state);
    expect(restoredContext.ofType('transaction-committed').map((body) => [body.transactionId, body.alreadyCommitted])).toEqual([
      ['sink#0/1.0', true],
      ['sink#0/2.0', false],
    ]);
    expect(context.ofType('transaction-committed').length).toBe(1);
  });

  it('commits end-of-input committables only when a checkpoint it took after end of input is notified', () => {
    const store = newStore();
    const writerContext = new FakeContext(store);
    const writer = new SinkWriterOperator();
    writer.open(writerContext, undefined);
    writer.processElement(record('last', 0));
    writer.endInput();
    const context = new FakeContext(store, 'sink-committer#0');
    const committer = new CommitterOperator();
    committer.open(context, undefined);
    for (const message of writerContext.emitted) committer.processElement({ key: undefined, value: message, origin: { partition: 0, offset: 0 } });
    committer.endInput();
    committer.notifyCheckpointComplete(3); // taken before end of input: does not hold the committable
    expect(store.status('sink#0/1.0')).toBe('pre-committed');
    committer.snapshotState(4);
    committer.notifyCheckpointComplete(4);
    expect(context.ofType('transaction-committed').map((body) => [body.transactionId, body.checkpointId])).toEqual([['sink#0/1.0', endOfInputCheckpointId]]);
  });

  it('commits a committable that arrives after its checkpoint was notified (unaligned checkpoints)', () => {
    const store = newStore();
    const writerContext = new FakeContext(store);
    checkpointedWriter(writerContext, 1, 1);
    const context = new FakeContext(store, 'sink-committer#0');
    const committer = new CommitterOperator();
    committer.open(context, undefined);
    committer.notifyCheckpointComplete(1);
    for (const message of writerContext.emitted) committer.processElement({ key: undefined, value: message, origin: { partition: 0, offset: 0 } });
    expect(store.status('sink#0/1.0')).toBe('committed');
  });

  it('rejects a record that is no committable', () => {
    const committer = new CommitterOperator();
    committer.open(new FakeContext(newStore(), 'sink-committer#0'), undefined);
    expect(() => committer.processElement(record('data', 0))).toThrow(/no committable/);
  });
});
