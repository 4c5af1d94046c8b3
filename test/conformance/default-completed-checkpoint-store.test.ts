/**
 * Conformance with Flink 1.20's DefaultCompletedCheckpointStoreTest (flink-runtime,
 * org.apache.flink.runtime.checkpoint), through ckptsim's HaCompletedCheckpointStore over an
 * in-memory HA store.
 *
 * Flink methods: 11. Skipped as not behaviour: 0.
 * Ported and todo counts: test/conformance/README.md (generated).
 */
import { describe, expect, it } from 'vitest';
import { HaCompletedCheckpointStore } from '../../src/cluster/checkpoint/completed-checkpoint-store.js';
import type { CompletedCheckpoint, SnapshotType } from '../../src/cluster/checkpoint/types.js';
import { InMemoryDurableKeyValue, stateFor } from '../cluster/checkpoint/fakes.js';

function completed(checkpointId: number, type: SnapshotType = 'checkpoint'): CompletedCheckpoint {
  return {
    checkpointId,
    type,
    triggerTimestampUs: checkpointId,
    completionTimestampUs: checkpointId + 1,
    subtaskStates: new Map([['source#0', stateFor('source#0', checkpointId)]]),
    metadataHandle: { key: `chk-${checkpointId}/_metadata`, sizeBytes: 100 },
  };
}

const ids = (checkpoints: readonly CompletedCheckpoint[]): number[] => checkpoints.map((checkpoint) => checkpoint.checkpointId);

/** Flink's testCheckpointRetention: add all, then the store retains exactly `expected`. */
function retention(retained: number, added: CompletedCheckpoint[], expected: number[]): void {
  const durable = new InMemoryDurableKeyValue();
  const store = new HaCompletedCheckpointStore(durable, retained);
  for (const checkpoint of added) store.addCheckpointAndSubsumeOldest(checkpoint);
  expect(ids(store.all())).toEqual(expected);
  // The HA store holds exactly what is retained.
  expect(ids(new HaCompletedCheckpointStore(durable, retained).all())).toEqual(expected);
}

describe('DefaultCompletedCheckpointStoreTest (Flink 1.20)', () => {
  it('testAtLeastOneCheckpointRetained', () => {
    retention(1, [completed(1), completed(2), completed(3, 'savepoint'), completed(4, 'savepoint'), completed(5, 'savepoint')], [2, 5]);
  });

  it('testOlderSavepointSubsumed', () => {
    retention(1, [completed(1), completed(2, 'savepoint'), completed(3)], [3]);
  });

  it('testSubsumeAfterStoppingWithSavepoint', () => {
    retention(1, [completed(1), completed(2, 'savepoint'), completed(3, 'sync-savepoint')], [3]);
  });

  it('testNotSubsumedIfNotNeeded', () => {
    retention(3, [completed(1), completed(2), completed(3)], [1, 2, 3]);
  });

  it('testRecoverSortedCheckpoints', () => {
    const durable = new InMemoryDurableKeyValue();
    const writer = new HaCompletedCheckpointStore(durable, 10);
    for (const id of [3, 1, 2, 10]) writer.addCheckpointAndSubsumeOldest(completed(id));
    const recovered = new HaCompletedCheckpointStore(durable, 10);
    expect(ids(recovered.all())).toEqual([1, 2, 3, 10]);
    expect(recovered.latest()?.checkpointId).toBe(10);
  });

  it('testCorruptDataInStateHandleStoreShouldNotBeSkipped', () => {
    const durable = new InMemoryDurableKeyValue();
    new HaCompletedCheckpointStore(durable, 10).addCheckpointAndSubsumeOldest(completed(1));
    durable.put('completed-checkpoint/0000000000000002', { garbage: true });
    expect(() => new HaCompletedCheckpointStore(durable, 10)).toThrow();
  });

  it('testAddCheckpointSuccessfullyShouldRemoveOldOnes', () => {
    const durable = new InMemoryDurableKeyValue();
    const store = new HaCompletedCheckpointStore(durable, 1);
    store.addCheckpointAndSubsumeOldest(completed(1));
    expect(ids(store.addCheckpointAndSubsumeOldest(completed(100)))).toEqual([1]);
    expect(ids(store.all())).toEqual([100]);
    expect(durable.keys('completed-checkpoint/')).toEqual(['completed-checkpoint/0000000000000100']);
  });

  it('testAddCheckpointFailedShouldNotRemoveOldOnes', () => {
    const durable = new InMemoryDurableKeyValue();
    const store = new HaCompletedCheckpointStore(durable, 1);
    store.addCheckpointAndSubsumeOldest(completed(1));
    durable.failPuts = true;
    expect(() => store.addCheckpointAndSubsumeOldest(completed(100))).toThrow();
    expect(ids(store.all())).toEqual([1]);
    expect(durable.keys('completed-checkpoint/')).toEqual(['completed-checkpoint/0000000000000001']);
  });

  it.todo('testShutdownShouldDiscardStateHandleWhenJobIsGloballyTerminalState: needs the store shutdown at job termination (ckptsim keeps retained checkpoints after the job ends)');
  it.todo('testShutdownShouldNotDiscardStateHandleWhenJobIsNotGloballyTerminalState: needs the store shutdown at job termination');
  it.todo('testShutdownFailsAnyFutureCallsToAddCheckpoint: needs the store shutdown at job termination');
});
