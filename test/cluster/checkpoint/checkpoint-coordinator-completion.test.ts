import { describe, expect, it } from 'vitest';
import { HaCompletedCheckpointStore } from '../../../src/cluster/checkpoint/completed-checkpoint-store.js';
import { RuntimeHooks } from '../../../src/cluster/hooks.js';
import { FakeStorage, InMemoryDurableKeyValue, acknowledgeAll, harness, observed, stateFor, triggerOne } from './fakes.js';

describe('CheckpointCoordinator completion', () => {
  it('completes after every ack: finalize, store, then notify every task, in that order', () => {
    const h = harness();
    h.clock.advanceTo(100);
    const id = triggerOne(h);
    h.clock.advanceTo(700);
    acknowledgeAll(h, id);
    expect(h.results).toEqual(['ok:1']);
    const latest = h.store.latest();
    expect(latest).toMatchObject({ checkpointId: 1, type: 'checkpoint', triggerTimestampUs: 100, completionTimestampUs: 700 });
    expect(latest?.metadataHandle.key).toBe('chk-1/_metadata');
    expect(h.gateway.completes).toEqual(['1:source#0@0:t100', '1:map#0@0:t100', '1:sink#0@0:t100']);
    expect(h.steps.map((step) => step.name)).toEqual([
      // The trigger chain's steps, then the trigger RPCs.
      'coordinator.checkpoint-id-taken',
      'coordinator.pending-checkpoint-created',
      'coordinator.location-initialized',
      'coordinator.coordinators-checkpointed',
      'coordinator.checkpoint-triggered',
      'coordinator.acknowledge-received',
      'coordinator.acknowledge-received',
      'coordinator.acknowledge-received',
      'coordinator.all-acknowledged',
      'coordinator.checkpoint-completed',
    ]);
    expect(h.observations.map((o) => o.type).slice(-6)).toEqual([
      'checkpoint-acknowledged',
      'checkpoint-completed',
      'checkpoint-trigger-answered',
      'checkpoint-notification-sent',
      'checkpoint-notification-sent',
      'checkpoint-notification-sent',
    ]);
    expect(observed(h, 'checkpoint-completed')[0]).toMatchObject({
      acknowledgedTasks: ['source#0', 'map#0', 'sink#0'],
      awaitedTasks: ['source#0', 'map#0', 'sink#0'],
      stateHandles: ['chk-1/source#0/operator', 'chk-1/map#0/operator', 'chk-1/sink#0/operator'],
    });
    expect(h.coordinator.counts).toEqual({ triggered: 1, completed: 1, aborted: 0 });
    expect(h.clock.liveTimers()).toEqual([]);
    expect(h.storage.discarded).toEqual([]);
  });

  it('does not complete without every awaited ack', () => {
    const h = harness();
    const id = triggerOne(h);
    h.coordinator.receiveAcknowledgeMessage('source#0', 0, id, stateFor('source#0', id));
    h.coordinator.receiveAcknowledgeMessage('map#0', 0, id, stateFor('map#0', id));
    expect(h.results).toEqual([]);
    expect(h.store.latest()).toBeUndefined();
  });

  it('duplicate acks are DUPLICATE: no second completion, nothing discarded', () => {
    const h = harness();
    const id = triggerOne(h);
    expect(h.coordinator.receiveAcknowledgeMessage('map#0', 0, id, stateFor('map#0', id))).toBe('SUCCESS');
    expect(h.coordinator.receiveAcknowledgeMessage('map#0', 0, id, stateFor('map#0', id))).toBe('DUPLICATE');
    acknowledgeAll(h, id);
    expect(h.coordinator.receiveAcknowledgeMessage('sink#0', 0, id, stateFor('sink#0', id))).toBe('DUPLICATE');
    expect(h.results).toEqual(['ok:1']);
    expect(observed(h, 'checkpoint-completed')).toHaveLength(1);
    expect(h.storage.discarded).toEqual([]);
  });

  it('an ack from an attempt that is not awaited is UNKNOWN and its state is discarded', () => {
    const h = harness();
    const id = triggerOne(h);
    expect(h.coordinator.receiveAcknowledgeMessage('map#0', 7, id, stateFor('map#0', id, true))).toBe('UNKNOWN');
    expect(h.storage.discarded).toEqual(['chk-1/map#0/operator', 'chk-1/map#0/channel']);
    expect(h.coordinator.pendingCheckpointIds).toEqual([id]);
  });

  it('an ack for an unknown checkpoint is UNKNOWN and its state is discarded', () => {
    const h = harness();
    expect(h.coordinator.receiveAcknowledgeMessage('map#0', 0, 99, stateFor('map#0', 99))).toBe('UNKNOWN');
    expect(h.storage.discarded).toEqual(['chk-99/map#0/operator']);
  });

  it('a late ack for an expired checkpoint is DISCARDED and its state is discarded', () => {
    const h = harness({ config: { timeoutUs: 1_000 } });
    const id = triggerOne(h);
    h.clock.advanceTo(1_000);
    expect(h.storage.discarded).toEqual(['chk-1']);
    expect(h.coordinator.receiveAcknowledgeMessage('sink#0', 0, id, stateFor('sink#0', id))).toBe('DISCARDED');
    expect(h.storage.discarded).toEqual(['chk-1', 'chk-1/sink#0/operator']);
  });

  it('a repeated ack for a completed checkpoint is DUPLICATE and keeps the completed state', () => {
    const h = harness();
    const id = triggerOne(h);
    acknowledgeAll(h, id);
    expect(h.coordinator.receiveAcknowledgeMessage('map#0', 0, id, stateFor('map#0', id))).toBe('DUPLICATE');
    expect(h.storage.discarded).toEqual([]);
  });

  it('a repeated ack for a checkpoint already subsumed from the store does not discard its state a second time', () => {
    const h = harness({ config: { retainedCheckpoints: 1 } });
    acknowledgeAll(h, triggerOne(h));
    h.clock.advanceBy(0);
    acknowledgeAll(h, triggerOne(h));
    const discardedAfterSubsumption = [...h.storage.discarded];
    expect(discardedAfterSubsumption).toContain('chk-1/map#0/operator');
    expect(h.coordinator.receiveAcknowledgeMessage('map#0', 0, 1, stateFor('map#0', 1))).toBe('DUPLICATE');
    expect(h.storage.discarded).toEqual(discardedAfterSubsumption);
  });

  it('a newer completed checkpoint aborts older pending checkpoints as CHECKPOINT_SUBSUMED and discards their state', () => {
    const h = harness({ config: { maxConcurrentCheckpoints: 2 } });
    const older = triggerOne(h);
    const newer = triggerOne(h);
    h.coordinator.receiveAcknowledgeMessage('source#0', 0, older, stateFor('source#0', older));
    acknowledgeAll(h, newer);
    // As in Flink, the completed checkpoint's caller hears first, then older ones are dropped.
    expect(h.results).toEqual(['ok:2', 'fail:CHECKPOINT_SUBSUMED']);
    expect(h.coordinator.pendingCheckpointIds).toEqual([]);
    expect(h.storage.discarded).toEqual(['chk-1/source#0/operator', 'chk-1']);
    expect(h.gateway.aborts).toEqual(['1:source#0@0:latest2', '1:map#0@0:latest2', '1:sink#0@0:latest2']);
    expect(h.failJobCauses).toEqual([]);
  });

  it('a pending savepoint survives a newer checkpoint completing', () => {
    const h = harness({ config: { maxConcurrentCheckpoints: 2 } });
    h.coordinator.triggerSavepoint(h.record);
    const checkpoint = triggerOne(h);
    expect(h.coordinator.pendingCheckpointIds).toEqual([1, checkpoint]);
    acknowledgeAll(h, checkpoint);
    expect(h.coordinator.pendingCheckpointIds).toEqual([1]);
    acknowledgeAll(h, 1);
    expect(h.results).toEqual(['ok:2', 'ok:1']);
  });

  it('retention: the store keeps the configured count, the subsumed checkpoint is removed and its state discarded', () => {
    const h = harness({ config: { retainedCheckpoints: 2 } });
    for (let round = 0; round < 3; round++) {
      const id = triggerOne(h);
      acknowledgeAll(h, id);
      h.clock.advanceBy(0);
    }
    expect(h.store.all().map((checkpoint) => checkpoint.checkpointId)).toEqual([2, 3]);
    expect(observed(h, 'checkpoint-removed-from-store').map((o) => o.checkpointId)).toEqual([1]);
    expect(h.storage.discarded).toEqual(['chk-1/source#0/operator', 'chk-1/map#0/operator', 'chk-1/sink#0/operator', 'chk-1/_metadata']);
  });

  it('a plain savepoint is not stored and not notified, but its caller gets it', () => {
    const h = harness();
    let savepointId: number | undefined;
    h.coordinator.triggerSavepoint((result) => {
      if (result.ok) savepointId = result.checkpoint.checkpointId;
    });
    acknowledgeAll(h, 1);
    expect(savepointId).toBe(1);
    expect(h.store.all()).toEqual([]);
    expect(h.gateway.completes).toEqual([]);
    expect(observed(h, 'checkpoint-completed').map((o) => o.checkpointType)).toEqual(['savepoint']);
  });

  it('stop-with-savepoint: the synchronous savepoint completes, notifies the tasks and subsumes older checkpoints', () => {
    const h = harness({ config: { maxConcurrentCheckpoints: 2 } });
    const checkpoint = triggerOne(h);
    h.coordinator.triggerSynchronousSavepoint(h.record);
    expect(h.gateway.triggers[1]?.barrier.options.type).toBe('sync-savepoint');
    acknowledgeAll(h, 2);
    expect(h.results).toEqual(['ok:2', 'fail:CHECKPOINT_SUBSUMED']);
    expect(h.gateway.completes).toEqual(['2:source#0@0:t0', '2:map#0@0:t0', '2:sink#0@0:t0']);
    expect(h.store.all()).toEqual([]);
    expect(checkpoint).toBe(1);
  });

  it('a failed finalize aborts with FINALIZE_CHECKPOINT_FAILURE, discards the state and counts', () => {
    const storage = new FakeStorage();
    storage.failFinalize = true;
    const h = harness({ storage });
    const id = triggerOne(h);
    acknowledgeAll(h, id);
    expect(h.results).toEqual(['fail:FINALIZE_CHECKPOINT_FAILURE']);
    expect(h.store.all()).toEqual([]);
    expect(h.storage.discarded).toEqual(['chk-1/source#0/operator', 'chk-1/map#0/operator', 'chk-1/sink#0/operator', 'chk-1']);
    expect(h.failJobCauses).toHaveLength(1);
  });

  it('a failed HA write aborts with FINALIZE_CHECKPOINT_FAILURE and discards the metadata too', () => {
    const durable = new InMemoryDurableKeyValue();
    const h = harness({ store: new HaCompletedCheckpointStore(durable, 1), config: { tolerableCheckpointFailures: 1 } });
    const id = triggerOne(h);
    durable.failPuts = true;
    acknowledgeAll(h, id);
    expect(h.results).toEqual(['fail:FINALIZE_CHECKPOINT_FAILURE']);
    expect([...h.storage.discarded].sort()).toEqual(['chk-1', 'chk-1/_metadata', 'chk-1/map#0/operator', 'chk-1/sink#0/operator', 'chk-1/source#0/operator']);
    expect(h.gateway.aborts).toHaveLength(3);
    expect(h.failJobCauses).toEqual([]);
  });

  it('a duplicated late ack of a checkpoint whose HA write may have landed keeps its state, so a new JobMaster can restore it', () => {
    const durable = new InMemoryDurableKeyValue();
    const haHooks = new RuntimeHooks();
    haHooks.interceptHaWrites(() => 'ambiguous');
    const h = harness({ store: new HaCompletedCheckpointStore(durable, 1, undefined, haHooks), config: { tolerableCheckpointFailures: 5 } });
    const id = triggerOne(h);
    acknowledgeAll(h, id);
    expect(h.results).toEqual(['fail:FINALIZE_CHECKPOINT_FAILURE']);
    expect(h.storage.discarded).toEqual([]);
    // The network delivers one ack a second time, after the abort.
    expect(h.coordinator.receiveAcknowledgeMessage('map#0', 0, id, stateFor('map#0', id))).toBe('DISCARDED');
    expect(h.storage.discarded).toEqual([]);
    // A new JobMaster recovers the checkpoint from HA: every key it names is still there.
    const recovered = new HaCompletedCheckpointStore(durable, 1).latest();
    expect(recovered?.checkpointId).toBe(id);
    expect(recovered?.subtaskStates.get('map#0')?.operatorState?.key).toBe(`chk-${id}/map#0/operator`);
  });

  it('an abort while the metadata is being written wins: the finalize result is ignored and the metadata discarded', () => {
    const storage = new FakeStorage();
    storage.mode = 'deferred';
    const h = harness({ storage, config: { intervalUs: 1_000 } });
    h.coordinator.startCheckpointScheduler();
    h.clock.advanceTo(0);
    acknowledgeAll(h, 1);
    expect(storage.deferred).toHaveLength(1);
    h.coordinator.stopCheckpointScheduler();
    expect(observed(h, 'checkpoint-aborted').map((o) => o.reason)).toEqual(['CHECKPOINT_COORDINATOR_SUSPEND']);
    storage.completeNextFinalize();
    expect(h.store.all()).toEqual([]);
    expect(observed(h, 'checkpoint-completed')).toEqual([]);
    expect(storage.discarded).toContain('chk-1/_metadata');
    expect(h.gateway.completes).toEqual([]);
  });

  it('acks arriving while the metadata is written are duplicates and do not finalize twice', () => {
    const storage = new FakeStorage();
    storage.mode = 'deferred';
    const h = harness({ storage });
    const id = triggerOne(h);
    acknowledgeAll(h, id);
    acknowledgeAll(h, id);
    expect(storage.deferred).toHaveLength(1);
    storage.completeNextFinalize();
    expect(h.results).toEqual(['ok:1']);
  });
});
