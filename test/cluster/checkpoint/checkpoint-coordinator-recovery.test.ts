import { describe, expect, it } from 'vitest';
import { HaCheckpointIdCounter } from '../../../src/cluster/checkpoint/checkpoint-id-counter.js';
import { HaCompletedCheckpointStore } from '../../../src/cluster/checkpoint/completed-checkpoint-store.js';
import type { CompletedCheckpoint } from '../../../src/cluster/checkpoint/types.js';
import { InMemoryDurableKeyValue, RecordingMasterHook, acknowledgeAll, harness, stateFor, triggerOne, type Harness } from './fakes.js';

/** A coordinator over HA components kept in `durable`, as a JobMaster would build it. */
function haHarness(durable: InMemoryDurableKeyValue, hook: RecordingMasterHook): Harness {
  return harness({
    config: { retainedCheckpoints: 2 },
    idCounter: new HaCheckpointIdCounter(durable),
    store: new HaCompletedCheckpointStore(durable, 2),
    masterHooks: [hook],
  });
}

describe('CheckpointCoordinator recovery', () => {
  it('HA: a new coordinator over the same durable store sees the completed checkpoints and continues ids strictly above', () => {
    const durable = new InMemoryDurableKeyValue();
    const before = haHarness(durable, new RecordingMasterHook('offsets'));
    for (let round = 0; round < 3; round++) {
      acknowledgeAll(before, triggerOne(before));
      before.clock.advanceBy(0);
    }
    const lost = triggerOne(before);
    expect(lost).toBe(4);
    // The JobMaster crashes: its coordinator, pending checkpoint 4 and timers are gone.
    const hook = new RecordingMasterHook('offsets');
    const after = haHarness(durable, hook);
    expect(after.coordinator.latestCompletedCheckpointId).toBe(3);
    expect(after.store.all().map((checkpoint) => checkpoint.checkpointId)).toEqual([2, 3]);
    const restored = after.coordinator.restoreLatestCheckpointedState();
    expect(restored?.checkpointId).toBe(3);
    expect(restored?.subtaskStates.get('map#0')).toEqual(stateFor('map#0', 3));
    expect(hook.restored).toEqual([{ checkpointId: 3, state: 'offsets-state-3' }]);
    expect(triggerOne(after)).toBe(5);
  });

  it('HA: a late duplicate ack for a recovered checkpoint does not discard the state it owns', () => {
    const durable = new InMemoryDurableKeyValue();
    const before = haHarness(durable, new RecordingMasterHook('offsets'));
    acknowledgeAll(before, triggerOne(before));
    const after = haHarness(durable, new RecordingMasterHook('offsets'));
    expect(after.coordinator.receiveAcknowledgeMessage('map#0', 0, 1, stateFor('map#0', 1))).toBe('UNKNOWN');
    expect(after.storage.discarded).toEqual([]);
    expect(after.coordinator.receiveAcknowledgeMessage('map#0', 0, 1, stateFor('map#0', 1, true))).toBe('UNKNOWN');
    expect(after.storage.discarded).toEqual(['chk-1/map#0/channel']);
  });

  it('restoring without any completed checkpoint returns undefined and calls no hook', () => {
    const hook = new RecordingMasterHook('offsets');
    const h = harness({ masterHooks: [hook] });
    expect(h.coordinator.restoreLatestCheckpointedState()).toBeUndefined();
    expect(hook.restored).toEqual([]);
  });

  it('restoring from a savepoint stores it, moves the id counter above it and restores from it', () => {
    const source = harness({ masterHooks: [new RecordingMasterHook('offsets')] });
    let savepoint: CompletedCheckpoint | undefined;
    source.idCounter.setCount(40);
    source.coordinator.triggerSavepoint((result) => {
      if (result.ok) savepoint = result.checkpoint;
    });
    acknowledgeAll(source, 40);
    if (savepoint === undefined) throw new Error('the savepoint did not complete');
    const hook = new RecordingMasterHook('offsets');
    const h = harness({ masterHooks: [hook] });
    expect(h.coordinator.restoreSavepoint(savepoint)?.checkpointId).toBe(40);
    expect(h.idCounter.get()).toBe(41);
    expect(h.coordinator.restoreLatestCheckpointedState()?.checkpointId).toBe(40);
    expect(hook.restored).toEqual([
      { checkpointId: 40, state: 'offsets-state-40' },
      { checkpointId: 40, state: 'offsets-state-40' },
    ]);
    expect(triggerOne(h)).toBe(41);
  });

  it('restoring from an older savepoint never moves the id counter down', () => {
    const h = harness();
    h.idCounter.setCount(100);
    const savepoint: CompletedCheckpoint = {
      checkpointId: 7,
      type: 'savepoint',
      triggerTimestampUs: 0,
      completionTimestampUs: 1,
      subtaskStates: new Map([['map#0', stateFor('map#0', 7)]]),
      metadataHandle: { key: 'savepoint-7/_metadata', sizeBytes: 1 },
    };
    h.coordinator.restoreSavepoint(savepoint);
    expect(h.idCounter.get()).toBe(100);
  });

  it('a restored savepoint later pushed out of the store keeps its state: it belongs to the user', () => {
    const h = harness();
    const savepoint: CompletedCheckpoint = {
      checkpointId: 7,
      type: 'savepoint',
      triggerTimestampUs: 0,
      completionTimestampUs: 1,
      subtaskStates: new Map([['map#0', stateFor('map#0', 7)]]),
      metadataHandle: { key: 'savepoint-7/_metadata', sizeBytes: 1 },
    };
    h.coordinator.restoreSavepoint(savepoint);
    acknowledgeAll(h, triggerOne(h));
    expect(h.store.all().map((checkpoint) => checkpoint.checkpointId)).toEqual([8]);
    expect(h.storage.discarded).toEqual([]);
  });
});
