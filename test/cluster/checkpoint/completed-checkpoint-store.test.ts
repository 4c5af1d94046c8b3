import { describe, expect, it } from 'vitest';
import { subsumeOldest } from '../../../src/cluster/checkpoint/checkpoint-subsume-helper.js';
import { HaCompletedCheckpointStore, StandaloneCompletedCheckpointStore } from '../../../src/cluster/checkpoint/completed-checkpoint-store.js';
import type { CompletedCheckpoint, SnapshotType } from '../../../src/cluster/checkpoint/types.js';
import { InMemoryDurableKeyValue, stateFor } from './fakes.js';

function completed(checkpointId: number, type: SnapshotType = 'checkpoint'): CompletedCheckpoint {
  return {
    checkpointId,
    type,
    triggerTimestampUs: checkpointId * 100,
    completionTimestampUs: checkpointId * 100 + 50,
    subtaskStates: new Map([
      ['source#0', stateFor('source#0', checkpointId)],
      ['sink#0', stateFor('sink#0', checkpointId, true)],
    ]),
    metadataHandle: { key: `chk-${checkpointId}/_metadata`, sizeBytes: 100 },
  };
}

const ids = (checkpoints: readonly CompletedCheckpoint[]): number[] => checkpoints.map((checkpoint) => checkpoint.checkpointId);

describe('subsumeOldest', () => {
  it('drops the oldest beyond the retained count', () => {
    const { retained, subsumed } = subsumeOldest([completed(1), completed(2), completed(3), completed(4)], 2);
    expect(ids(retained)).toEqual([3, 4]);
    expect(ids(subsumed)).toEqual([1, 2]);
  });

  it('never drops the latest entry nor the latest checkpoint that is not a savepoint', () => {
    const { retained, subsumed } = subsumeOldest([completed(1), completed(2), completed(3, 'savepoint')], 1);
    expect(ids(retained)).toEqual([2, 3]);
    expect(ids(subsumed)).toEqual([1]);
  });

  it('may drop the latest checkpoint when the latest entry is a synchronous savepoint', () => {
    const { retained } = subsumeOldest([completed(1), completed(2, 'sync-savepoint')], 1);
    expect(ids(retained)).toEqual([2]);
  });

  it('drops older savepoints too: they count towards the limit', () => {
    const { retained, subsumed } = subsumeOldest([completed(1, 'savepoint'), completed(2), completed(3)], 2);
    expect(ids(retained)).toEqual([2, 3]);
    expect(ids(subsumed)).toEqual([1]);
  });
});

describe('StandaloneCompletedCheckpointStore', () => {
  it('retains the configured count, returns the subsumed ones and keeps the latest', () => {
    const store = new StandaloneCompletedCheckpointStore(2);
    expect(store.addCheckpointAndSubsumeOldest(completed(1))).toEqual([]);
    expect(store.addCheckpointAndSubsumeOldest(completed(2))).toEqual([]);
    expect(ids(store.addCheckpointAndSubsumeOldest(completed(3)))).toEqual([1]);
    expect(ids(store.all())).toEqual([2, 3]);
    expect(store.latest()?.checkpointId).toBe(3);
  });

  it('with retention 1 keeps only the newest', () => {
    const store = new StandaloneCompletedCheckpointStore(1);
    store.addCheckpointAndSubsumeOldest(completed(1));
    expect(ids(store.addCheckpointAndSubsumeOldest(completed(2)))).toEqual([1]);
    expect(ids(store.all())).toEqual([2]);
  });

  it('refuses a retention below 1', () => {
    expect(() => new StandaloneCompletedCheckpointStore(0)).toThrow(/at least 1/);
  });
});

describe('HaCompletedCheckpointStore', () => {
  it('persists each checkpoint under its own key and removes subsumed ones', () => {
    const durable = new InMemoryDurableKeyValue();
    const store = new HaCompletedCheckpointStore(durable, 2);
    for (const id of [1, 2, 3]) store.addCheckpointAndSubsumeOldest(completed(id));
    expect(durable.keys('completed-checkpoint/')).toEqual(['completed-checkpoint/0000000000000002', 'completed-checkpoint/0000000000000003']);
  });

  it('a new store over the same durable store recovers the checkpoints sorted by numeric id, with their state maps', () => {
    const durable = new InMemoryDurableKeyValue();
    const store = new HaCompletedCheckpointStore(durable, 3);
    for (const id of [9, 10, 11]) store.addCheckpointAndSubsumeOldest(completed(id));
    const recovered = new HaCompletedCheckpointStore(durable, 3);
    expect(ids(recovered.all())).toEqual([9, 10, 11]);
    const latest = recovered.latest();
    expect(latest).toEqual(completed(11));
    expect(latest?.subtaskStates).toBeInstanceOf(Map);
    expect([...(latest?.subtaskStates.keys() ?? [])]).toEqual(['source#0', 'sink#0']);
  });

  it('keeps extra fields such as master hook states across recovery', () => {
    const durable = new InMemoryDurableKeyValue();
    const withHooks = { ...completed(1), masterHookStates: [{ identifier: 'h', state: { offset: 7 } }] };
    new HaCompletedCheckpointStore(durable, 1).addCheckpointAndSubsumeOldest(withHooks);
    expect(new HaCompletedCheckpointStore(durable, 1).latest()).toEqual(withHooks);
  });

  it('detaches what it stores: changing the original later does not change the durable copy', () => {
    const durable = new InMemoryDurableKeyValue();
    const original = completed(1);
    new HaCompletedCheckpointStore(durable, 1).addCheckpointAndSubsumeOldest(original);
    (original.subtaskStates as Map<string, unknown>).clear();
    expect(new HaCompletedCheckpointStore(durable, 1).latest()?.subtaskStates.size).toBe(2);
  });

  it('a failing HA write throws and leaves the store unchanged', () => {
    const durable = new InMemoryDurableKeyValue();
    const store = new HaCompletedCheckpointStore(durable, 1);
    store.addCheckpointAndSubsumeOldest(completed(1));
    durable.failPuts = true;
    expect(() => store.addCheckpointAndSubsumeOldest(completed(2))).toThrow(/HA write/);
    expect(ids(store.all())).toEqual([1]);
    expect(durable.keys('completed-checkpoint/')).toEqual(['completed-checkpoint/0000000000000001']);
  });

  it('refuses a durable entry that is not a checkpoint record', () => {
    const durable = new InMemoryDurableKeyValue();
    durable.put('completed-checkpoint/0000000000000001', 'garbage');
    expect(() => new HaCompletedCheckpointStore(durable, 1)).toThrow(/does not hold a completed checkpoint record/);
  });
});
