import { describe, expect, it } from 'vitest';
import { CheckpointIoError, type MasterHook } from '../../../src/cluster/checkpoint/ports.js';
import { timedTriggerChainExecutor, triggerChainLatencyUs } from '../../../src/cluster/checkpoint/trigger-chain-timing.js';
import { deriveStream } from '../../../src/sim/random.js';
import { FakeGraph, ManualChainExecutor, RecordingOperatorCoordinators, acknowledgeAll, harness, observed } from './fakes.js';

function singleTask(): FakeGraph {
  return new FakeGraph([{ taskName: 'only#0', attempt: 0, state: 'RUNNING', upstream: [] }]);
}

describe('the asynchronous trigger chain', () => {
  it('runs its steps in Flink order, one at a time, announcing each', () => {
    const chain = new ManualChainExecutor();
    const coordinators = new RecordingOperatorCoordinators(true);
    const hook: MasterHook = { identifier: 'hook', triggerCheckpoint: (_id, _ts, done) => done({ ok: true, state: 'h' }), restoreCheckpoint: () => {} };
    const h = harness({ graph: singleTask(), triggerChain: chain, operatorCoordinators: coordinators, masterHooks: [hook] });
    h.coordinator.triggerCheckpoint(false, h.record);
    const steps: string[] = [];
    while (chain.waiting.length > 0) {
      steps.push(chain.waiting[0] as string);
      chain.runNext();
    }
    expect(steps).toEqual(['calculate-plan', 'take-checkpoint-id', 'create-pending-checkpoint', 'initialize-location', 'acknowledge-coordinators', 'trigger-master-hook', 'acknowledge-master-state', 'trigger-request']);
    expect(h.steps.map((step) => step.name)).toEqual([
      'coordinator.checkpoint-id-taken',
      'coordinator.pending-checkpoint-created',
      'coordinator.location-initialized',
      'coordinator.coordinators-checkpointed',
      'coordinator.master-states-acknowledged',
      'coordinator.checkpoint-triggered',
    ]);
    acknowledgeAll(h, 1);
    expect(h.results).toEqual(['ok:1']);
    const latest = h.store.latest() as unknown as { operatorCoordinatorStates: unknown[]; masterHookStates: unknown[] };
    expect(latest.operatorCoordinatorStates).toEqual([{ operatorId: 'source', state: 'enumerator-1' }]);
    expect(latest.masterHookStates).toEqual([{ identifier: 'hook', state: 'h' }]);
  });

  it('re-checks the scheduler after the id is taken: a stop meanwhile fails a periodic request, and its id stays used', () => {
    const chain = new ManualChainExecutor();
    const h = harness({ graph: singleTask(), triggerChain: chain, config: { intervalUs: 100_000 } });
    h.clock.chooseRandom = (_low, high) => high;
    h.coordinator.startCheckpointScheduler();
    h.coordinator.triggerCheckpoint(true, h.record);
    chain.runNext();
    chain.runNext();
    expect(chain.waiting).toEqual(['create-pending-checkpoint']);
    h.coordinator.stopCheckpointScheduler();
    chain.runAll();
    expect(h.results).toEqual(['fail:PERIODIC_SCHEDULER_SHUTDOWN']);
    expect(h.coordinator.counts.triggered).toBe(0);
    expect(h.coordinator.isTriggering).toBe(false);
    expect(h.idCounter.get()).toBe(2);
  });

  it('without the re-check (planted FLINK-13969) the stopped scheduler\'s checkpoint is created and triggered', () => {
    const chain = new ManualChainExecutor();
    const h = harness({ graph: singleTask(), triggerChain: chain, config: { intervalUs: 100_000 }, coordinatorOptions: { plantedBugs: ['trigger-chain-skips-recheck'] } });
    h.clock.chooseRandom = (_low, high) => high;
    h.coordinator.startCheckpointScheduler();
    h.coordinator.triggerCheckpoint(true, h.record);
    chain.runNext();
    chain.runNext();
    h.coordinator.stopCheckpointScheduler();
    chain.runAll();
    expect(h.gateway.triggers.map((trigger) => trigger.barrier.checkpointId)).toEqual([1]);
  });

  it('answers a request still before its PendingCheckpoint with CHECKPOINT_COORDINATOR_SHUTDOWN when the coordinator shuts down', () => {
    const chain = new ManualChainExecutor();
    const h = harness({ graph: singleTask(), triggerChain: chain });
    h.coordinator.triggerCheckpoint(false, h.record);
    chain.runNext();
    h.coordinator.shutdown();
    expect(h.results).toEqual(['fail:CHECKPOINT_COORDINATOR_SHUTDOWN']);
    chain.runAll();
    expect(h.results).toEqual(['fail:CHECKPOINT_COORDINATOR_SHUTDOWN']);
    expect(h.coordinator.counts.triggered).toBe(0);
  });

  it('fails the trigger when a master hook or the operator coordinators fail, IO_EXCEPTION for an I/O error', () => {
    const failing = (error: unknown): MasterHook => ({ identifier: 'failing', triggerCheckpoint: (_id, _ts, done) => done({ ok: false, error }), restoreCheckpoint: () => {} });
    const plain = harness({ graph: singleTask(), masterHooks: [failing(new Error('no'))] });
    plain.coordinator.triggerCheckpoint(false, plain.record);
    expect(plain.results).toEqual(['fail:TRIGGER_CHECKPOINT_FAILURE']);
    const io = harness({ graph: singleTask(), masterHooks: [failing(new CheckpointIoError('disk'))] });
    io.coordinator.triggerCheckpoint(false, io.record);
    expect(io.results).toEqual(['fail:IO_EXCEPTION']);
    const coordinators = new RecordingOperatorCoordinators(false);
    const chain = new ManualChainExecutor();
    const h = harness({ graph: singleTask(), operatorCoordinators: coordinators, triggerChain: chain });
    h.coordinator.triggerCheckpoint(false, h.record);
    chain.runAll();
    coordinators.unanswered.get(1)?.({ ok: false, error: new Error('enumerator failed') });
    chain.runAll();
    expect(h.results).toEqual(['fail:TRIGGER_CHECKPOINT_FAILURE']);
    expect(coordinators.calls).toEqual(['trigger 1', 'abort-triggering', 'aborted 1']);
    expect(h.gateway.triggers).toEqual([]);
    expect(observed(h, 'checkpoint-failure-reported').map((failure) => failure.reason)).toEqual(['TRIGGER_CHECKPOINT_FAILURE']);
  });

  it('reports a checkpoint aborted mid-chain to the failure manager once', () => {
    const chain = new ManualChainExecutor();
    const coordinators = new RecordingOperatorCoordinators(false);
    const h = harness({ graph: singleTask(), operatorCoordinators: coordinators, triggerChain: chain, config: { timeoutUs: 10 } });
    h.coordinator.triggerCheckpoint(false, h.record);
    chain.runAll();
    h.clock.advanceBy(10);
    chain.runAll();
    coordinators.unanswered.get(1)?.({ ok: true, states: [] });
    chain.runAll();
    expect(observed(h, 'checkpoint-failure-reported').map((failure) => failure.reason)).toEqual(['CHECKPOINT_EXPIRED']);
  });

  it('with the planted FLINK-18137 bug, a checkpoint discarded mid-chain leaves isTriggering set for good', () => {
    const chain = new ManualChainExecutor();
    const coordinators = new RecordingOperatorCoordinators(false);
    const h = harness({ graph: singleTask(), operatorCoordinators: coordinators, triggerChain: chain, config: { timeoutUs: 10 }, coordinatorOptions: { plantedBugs: ['trigger-chain-stuck-after-discard'] } });
    h.coordinator.triggerCheckpoint(false, h.record);
    chain.runAll();
    h.clock.advanceBy(10);
    chain.runAll();
    expect(h.coordinator.isTriggering).toBe(true);
    h.coordinator.triggerCheckpoint(false, h.record);
    chain.runAll();
    expect(h.coordinator.numberOfQueuedRequests).toBe(1);
  });

  it('with the planted FLINK-27162 bug, a manual request starts a second chain beside the one in flight', () => {
    const chain = new ManualChainExecutor();
    const h = harness({ graph: singleTask(), triggerChain: chain, config: { intervalUs: 100_000, maxConcurrentCheckpoints: 1 }, coordinatorOptions: { plantedBugs: ['trigger-chain-manual-ignores-triggering'] } });
    h.clock.chooseRandom = (_low, high) => high;
    h.coordinator.startCheckpointScheduler();
    h.coordinator.triggerCheckpoint(true, h.record);
    h.coordinator.triggerCheckpoint(false, h.record);
    expect(h.coordinator.numberOfQueuedRequests).toBe(0);
    chain.runAll();
    expect(h.coordinator.pendingCheckpointIds).toEqual([1, 2]);
  });

  it('draws each step\'s latency from its own stream, within the step\'s range, the same for the same seed', () => {
    const delays = (seed: number): number[] => {
      const drawn: number[] = [];
      const executor = timedTriggerChainExecutor((delayUs) => drawn.push(delayUs), deriveStream(seed, 'trigger-chain'));
      for (const step of Object.keys(triggerChainLatencyUs) as Array<keyof typeof triggerChainLatencyUs>) executor.execute(step, () => {});
      return drawn;
    };
    expect(delays(7)).toEqual(delays(7));
    const steps = Object.values(triggerChainLatencyUs);
    delays(7).forEach((delayUs, index) => {
      expect(delayUs).toBeGreaterThanOrEqual(steps[index]!.low);
      expect(delayUs).toBeLessThanOrEqual(steps[index]!.high);
    });
  });
});
