import { describe, expect, it } from 'vitest';
import { HaCheckpointIdCounter } from '../../../src/cluster/checkpoint/checkpoint-id-counter.js';
import { FakeGraph, InMemoryDurableKeyValue, RecordingMasterHook, acknowledgeAll, harness, observed, stateFor, triggerOne } from './fakes.js';

describe('CheckpointCoordinator triggering', () => {
  it('triggers the sources with a barrier carrying id, trigger time and options, after plan, id, pending, location and hooks', () => {
    const hook = new RecordingMasterHook('offsets');
    const h = harness({ masterHooks: [hook] });
    h.clock.advanceTo(5_000);
    let rpcsAtStep = -1;
    h.hooks.onStep((step) => {
      if (step.name === 'coordinator.checkpoint-triggered') rpcsAtStep = h.gateway.triggers.length;
    });
    const id = triggerOne(h);
    expect(id).toBe(1);
    expect(rpcsAtStep).toBe(0);
    expect(h.storage.locations).toEqual(['chk-1']);
    expect(h.gateway.triggers.map((trigger) => [trigger.task, trigger.attempt, trigger.barrier])).toEqual([
      ['source#0', 0, { checkpointId: 1, timestampUs: 5_000, options: { type: 'checkpoint', alignment: 'aligned', alignedTimeoutUs: 0, manual: true } }],
    ]);
    expect(observed(h, 'checkpoint-triggered')).toEqual([
      {
        type: 'checkpoint-triggered',
        timeUs: 5_000,
        checkpointId: 1,
        checkpointType: 'checkpoint',
        timestampUs: 5_000,
        tasksToWaitFor: ['source#0', 'map#0', 'sink#0'],
        preAcknowledged: [],
        requestKind: 'manual',
      },
    ]);
    expect(h.clock.liveTimers()).toEqual(['checkpoint-coordinator.canceller@600005000']);
  });

  it('NOT_ALL_REQUIRED_TASKS_RUNNING: a deploying task fails the attempt before an id is taken', () => {
    const h = harness();
    h.graph.set('map#0', 'DEPLOYING', 1);
    h.coordinator.triggerCheckpoint(false, h.record);
    expect(h.results).toEqual(['fail:NOT_ALL_REQUIRED_TASKS_RUNNING']);
    expect(h.idCounter.get()).toBe(1);
    expect(h.gateway.triggers).toEqual([]);
    expect(observed(h, 'checkpoint-trigger-failed').map((o) => o.reason)).toEqual(['NOT_ALL_REQUIRED_TASKS_RUNNING']);
    expect(h.failJobCauses).toEqual([]);
    expect(h.coordinator.counts).toEqual({ triggered: 0, completed: 0, aborted: 0 });
  });

  it('publishes each trigger request and its answer, naming the request, its kind and the checkpoint', () => {
    const h = harness();
    h.graph.set('map#0', 'DEPLOYING', 1);
    const refused = h.coordinator.triggerSavepoint(h.record);
    h.graph.set('map#0', 'RUNNING', 1);
    const manual = h.coordinator.triggerCheckpoint(false, h.record);
    const id = h.coordinator.pendingCheckpointIds[0] as number;
    acknowledgeAll(h, id);
    expect(observed(h, 'checkpoint-trigger-requested')).toMatchObject([
      { requestId: refused, kind: 'savepoint' },
      { requestId: manual, kind: 'manual' },
    ]);
    expect(observed(h, 'checkpoint-trigger-answered')).toMatchObject([
      { requestId: refused, kind: 'savepoint', checkpointId: undefined, outcome: 'failure', reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' },
      { requestId: manual, kind: 'manual', checkpointId: id, outcome: 'success', reason: undefined },
    ]);
    expect(refused).not.toBe(manual);
  });

  it('finished tasks are pre-acknowledged and the first running tasks behind them are triggered', () => {
    const h = harness();
    h.graph.set('source#0', 'FINISHED');
    const id = triggerOne(h);
    expect(h.gateway.triggeredTasks(id)).toEqual(['map#0']);
    expect(observed(h, 'checkpoint-triggered')[0]?.preAcknowledged).toEqual(['source#0']);
    acknowledgeAll(h, id);
    expect(h.results).toEqual([`ok:${id}`]);
    const states = h.store.latest()?.subtaskStates;
    expect(states?.get('source#0')?.finished).toBe(true);
    expect([...(states?.keys() ?? [])]).toEqual(['source#0', 'map#0', 'sink#0']);
    expect(h.gateway.completes).toEqual([`${id}:map#0@0:t0`, `${id}:sink#0@0:t0`]);
  });

  it('with checkpoints after tasks finish off, a finished task fails the attempt', () => {
    const h = harness({ config: { checkpointsAfterTasksFinish: false } });
    h.graph.set('source#0', 'FINISHED');
    h.coordinator.triggerCheckpoint(false, h.record);
    expect(h.results).toEqual(['fail:NOT_ALL_REQUIRED_TASKS_RUNNING']);
  });

  it('a failed trigger RPC aborts with TRIGGER_CHECKPOINT_FAILURE (not counted) and sends no further triggers', () => {
    const graph = new FakeGraph([
      { taskName: 'source#0', attempt: 0, state: 'RUNNING', upstream: [] },
      { taskName: 'source#1', attempt: 0, state: 'RUNNING', upstream: [] },
    ]);
    const h = harness({ graph });
    h.gateway.unreachableTasks.add('source#0');
    h.coordinator.triggerCheckpoint(false, h.record);
    expect(h.gateway.triggers.map((trigger) => trigger.task)).toEqual(['source#0']);
    expect(h.results).toEqual(['fail:TRIGGER_CHECKPOINT_FAILURE']);
    expect(observed(h, 'checkpoint-aborted').map((o) => [o.checkpointId, o.reason])).toEqual([[1, 'TRIGGER_CHECKPOINT_FAILURE']]);
    expect(h.coordinator.pendingCheckpointIds).toEqual([]);
    expect(h.failJobCauses).toEqual([]);
  });

  it('a trigger RPC failure reported later aborts the checkpoint then, and is ignored once it is gone', () => {
    const h = harness();
    const id = triggerOne(h);
    const trigger = h.gateway.triggers[0];
    if (trigger === undefined) throw new Error('no trigger sent');
    trigger.onFailure('executor lost');
    trigger.onFailure('executor lost');
    expect(h.results).toEqual(['fail:TRIGGER_CHECKPOINT_FAILURE']);
    expect(observed(h, 'checkpoint-aborted').map((o) => o.checkpointId)).toEqual([id]);
  });

  it('a storage location that cannot be created aborts with IO_EXCEPTION, which counts', () => {
    const h = harness();
    h.storage.failLocation = true;
    h.coordinator.triggerCheckpoint(false, h.record);
    expect(h.results).toEqual(['fail:IO_EXCEPTION']);
    expect(h.gateway.triggers).toEqual([]);
    expect(h.failJobCauses).toHaveLength(1);
  });

  it('an id counter that cannot persist fails the attempt with TRIGGER_CHECKPOINT_FAILURE and the next attempt works', () => {
    const durable = new InMemoryDurableKeyValue();
    const h = harness({ idCounter: new HaCheckpointIdCounter(durable) });
    durable.failPuts = true;
    h.coordinator.triggerCheckpoint(false, h.record);
    expect(h.results).toEqual(['fail:TRIGGER_CHECKPOINT_FAILURE']);
    expect(h.coordinator.pendingCheckpointIds).toEqual([]);
    durable.failPuts = false;
    expect(triggerOne(h)).toBe(1);
  });

  it('a failing master hook aborts with TRIGGER_CHECKPOINT_FAILURE before any trigger RPC', () => {
    const failing = new RecordingMasterHook('broken');
    failing.triggerCheckpoint = () => {
      throw new Error('hook down');
    };
    const h = harness({ masterHooks: [failing] });
    h.coordinator.triggerCheckpoint(false, h.record);
    expect(h.results).toEqual(['fail:TRIGGER_CHECKPOINT_FAILURE']);
    expect(observed(h, 'checkpoint-aborted').map((o) => o.checkpointId)).toEqual([1]);
    expect(h.gateway.triggers).toEqual([]);
  });

  it('max concurrent 1: a second request waits until the first completes, then runs', () => {
    const h = harness();
    const first = triggerOne(h);
    h.coordinator.triggerCheckpoint(false, h.record);
    expect(h.coordinator.pendingCheckpointIds).toEqual([first]);
    expect(h.coordinator.numberOfQueuedRequests).toBe(1);
    acknowledgeAll(h, first);
    expect(h.coordinator.numberOfQueuedRequests).toBe(1);
    h.clock.advanceBy(0);
    expect(h.coordinator.pendingCheckpointIds).toEqual([2]);
    expect(h.coordinator.numberOfQueuedRequests).toBe(0);
  });

  it('max concurrent 2 allows two pending checkpoints and queues the third', () => {
    const h = harness({ config: { maxConcurrentCheckpoints: 2 } });
    triggerOne(h);
    triggerOne(h);
    h.coordinator.triggerCheckpoint(false, h.record);
    expect(h.coordinator.pendingCheckpointIds).toEqual([1, 2]);
    expect(h.coordinator.numberOfQueuedRequests).toBe(1);
  });

  it('savepoints are forced past max concurrent when unaligned checkpoints are off', () => {
    const h = harness();
    triggerOne(h);
    h.coordinator.triggerSavepoint(h.record);
    expect(h.coordinator.pendingCheckpointIds).toEqual([1, 2]);
    expect(h.gateway.triggers[1]?.barrier.options).toEqual({ type: 'savepoint', alignment: 'forced-aligned', alignedTimeoutUs: 0, manual: true });
    expect(h.storage.locations).toEqual(['chk-1', 'savepoint-2']);
  });

  it('savepoints wait for max concurrent when unaligned checkpoints are on', () => {
    const h = harness({ config: { unaligned: true } });
    triggerOne(h);
    h.coordinator.triggerSavepoint(h.record);
    expect(h.coordinator.pendingCheckpointIds).toEqual([1]);
    expect(h.coordinator.numberOfQueuedRequests).toBe(1);
  });

  it('the queue is bounded: overflow fails the newest user request with TOO_MANY_CHECKPOINT_REQUESTS', () => {
    const h = harness({ coordinatorOptions: { maxQueuedRequests: 2 } });
    triggerOne(h);
    for (let index = 0; index < 3; index++) h.coordinator.triggerCheckpoint(false, h.record);
    expect(h.results).toEqual(['fail:TOO_MANY_CHECKPOINT_REQUESTS']);
    expect(h.coordinator.numberOfQueuedRequests).toBe(2);
  });

  it('a full queue of requests that all fail at once drains in one go', () => {
    const h = harness();
    const first = triggerOne(h);
    for (let index = 0; index < 1_000; index++) h.coordinator.triggerCheckpoint(false, h.record);
    acknowledgeAll(h, first);
    h.graph.set('map#0', 'DEPLOYING', 1);
    h.clock.advanceBy(0);
    expect(h.results).toHaveLength(1_001);
    expect(h.results.filter((result) => result === 'fail:NOT_ALL_REQUIRED_TASKS_RUNNING')).toHaveLength(1_000);
    expect(h.coordinator.numberOfQueuedRequests).toBe(0);
  });

  it('master hooks are triggered with the checkpoint and their states kept in the completed checkpoint', () => {
    const hook = new RecordingMasterHook('offsets');
    const h = harness({ masterHooks: [hook] });
    const id = triggerOne(h);
    acknowledgeAll(h, id);
    expect(h.store.latest()).toMatchObject({ masterHookStates: [{ identifier: 'offsets', state: 'offsets-state-1' }] });
  });

  it('a task acknowledging with another task\'s state is a programmer error', () => {
    const h = harness();
    const id = triggerOne(h);
    expect(() => h.coordinator.receiveAcknowledgeMessage('map#0', 0, id, stateFor('sink#0', id))).toThrow(/with the state of sink#0/);
  });
});
