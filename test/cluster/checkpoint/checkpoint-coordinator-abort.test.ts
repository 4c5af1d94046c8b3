import { describe, expect, it } from 'vitest';
import { acknowledgeAll, harness, observed, stateFor, triggerOne } from './fakes.js';

describe('CheckpointCoordinator aborts', () => {
  it('a checkpoint that outlives the timeout is aborted as CHECKPOINT_EXPIRED, exactly at the timeout', () => {
    const h = harness({ config: { timeoutUs: 10_000, tolerableCheckpointFailures: 5 } });
    h.clock.advanceTo(500);
    const id = triggerOne(h);
    h.coordinator.receiveAcknowledgeMessage('source#0', 0, id, stateFor('source#0', id));
    h.clock.advanceTo(10_499);
    expect(h.coordinator.pendingCheckpointIds).toEqual([id]);
    h.clock.advanceTo(10_500);
    expect(h.coordinator.pendingCheckpointIds).toEqual([]);
    expect(observed(h, 'checkpoint-aborted')).toEqual([
      { type: 'checkpoint-aborted', timeUs: 10_500, checkpointId: id, checkpointType: 'checkpoint', reason: 'CHECKPOINT_EXPIRED' },
    ]);
    expect(h.results).toEqual(['fail:CHECKPOINT_EXPIRED']);
    expect(h.storage.discarded).toEqual(['chk-1/source#0/operator', 'chk-1']);
    expect(h.coordinator.continuousFailureCount).toBe(1);
  });

  it('a decline aborts the whole checkpoint, discards acked state and notifies aborted with the latest completed id', () => {
    const h = harness({ config: { tolerableCheckpointFailures: 5 } });
    const first = triggerOne(h);
    acknowledgeAll(h, first);
    h.clock.advanceBy(0);
    const second = triggerOne(h);
    h.coordinator.receiveAcknowledgeMessage('source#0', 0, second, stateFor('source#0', second));
    h.coordinator.receiveDeclineMessage('map#0', 0, second, 'CHECKPOINT_DECLINED');
    expect(h.results).toEqual(['ok:1', 'fail:CHECKPOINT_DECLINED']);
    expect(h.gateway.aborts).toEqual(['2:source#0@0:latest1', '2:map#0@0:latest1', '2:sink#0@0:latest1']);
    expect(h.storage.discarded).toEqual(['chk-2/source#0/operator', 'chk-2']);
    expect(observed(h, 'checkpoint-declined')).toMatchObject([{ checkpointId: 2, task: 'map#0', reason: 'CHECKPOINT_DECLINED' }]);
    expect(h.steps.filter((step) => step.checkpointId === 2).map((step) => step.name)).toEqual([
      // The trigger chain's steps, then the trigger RPCs.
      'coordinator.checkpoint-id-taken',
      'coordinator.pending-checkpoint-created',
      'coordinator.location-initialized',
      'coordinator.coordinators-checkpointed',
      'coordinator.checkpoint-triggered',
      'coordinator.acknowledge-received',
      'coordinator.decline-received',
      'coordinator.checkpoint-aborted',
    ]);
    h.coordinator.receiveDeclineMessage('sink#0', 0, second, 'CHECKPOINT_DECLINED');
    expect(observed(h, 'checkpoint-aborted')).toHaveLength(1);
  });

  it('notifications go to the current attempt of each task, not to finished or failed ones', () => {
    const h = harness({ config: { maxConcurrentCheckpoints: 1 } });
    const id = triggerOne(h);
    h.graph.set('map#0', 'RUNNING', 4);
    h.graph.set('sink#0', 'FAILED');
    h.coordinator.abortPendingCheckpoints('JOB_FAILOVER_REGION');
    expect(h.gateway.aborts).toEqual([`${id}:source#0@0:latest0`, `${id}:map#0@4:latest0`]);
  });

  it('tolerance 0: the first counted failure fails the job', () => {
    const h = harness({ config: { tolerableCheckpointFailures: 0 } });
    const id = triggerOne(h);
    h.coordinator.receiveDeclineMessage('sink#0', 0, id, 'CHECKPOINT_ASYNC_EXCEPTION');
    expect(h.failJobCauses).toHaveLength(1);
    expect(h.failJobCauses[0]).toContain('CHECKPOINT_ASYNC_EXCEPTION');
  });

  it('tolerance N tolerates N consecutive expiries and fails the job on the next', () => {
    const h = harness({ config: { tolerableCheckpointFailures: 2, timeoutUs: 100 } });
    for (let round = 1; round <= 2; round++) {
      triggerOne(h);
      h.clock.advanceBy(100);
    }
    expect(h.failJobCauses).toEqual([]);
    triggerOne(h);
    h.clock.advanceBy(100);
    expect(h.failJobCauses).toHaveLength(1);
  });

  it('a completed checkpoint resets the count of consecutive failures', () => {
    const h = harness({ config: { tolerableCheckpointFailures: 1, timeoutUs: 100 } });
    triggerOne(h);
    h.clock.advanceBy(100);
    acknowledgeAll(h, triggerOne(h));
    expect(h.coordinator.continuousFailureCount).toBe(0);
    triggerOne(h);
    h.clock.advanceBy(100);
    expect(h.failJobCauses).toEqual([]);
    expect(h.coordinator.continuousFailureCount).toBe(1);
  });

  it('a failure of a checkpoint at or below the last success is ignored', () => {
    const h = harness({ config: { tolerableCheckpointFailures: 0, maxConcurrentCheckpoints: 2 } });
    const older = triggerOne(h);
    const newer = triggerOne(h);
    h.coordinator.triggerSavepoint(h.record);
    acknowledgeAll(h, 3);
    // Savepoint 3 completed, so declines of checkpoints 1 and 2 fall below the last success.
    h.coordinator.receiveDeclineMessage('map#0', 0, older, 'CHECKPOINT_DECLINED');
    h.coordinator.receiveDeclineMessage('map#0', 0, newer, 'CHECKPOINT_DECLINED');
    expect(observed(h, 'checkpoint-aborted').map((o) => o.checkpointId)).toEqual([older, newer]);
    expect(h.failJobCauses).toEqual([]);
  });

  it('uncounted reasons never fail the job, even with tolerance 0', () => {
    const h = harness({ config: { tolerableCheckpointFailures: 0 } });
    h.coordinator.receiveDeclineMessage('map#0', 0, triggerOne(h), 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM');
    h.clock.advanceBy(0);
    h.coordinator.abortPendingCheckpoints('JOB_FAILOVER_REGION');
    triggerOne(h);
    h.coordinator.abortPendingCheckpoints('JOB_FAILOVER_REGION');
    expect(observed(h, 'checkpoint-aborted').map((o) => o.reason)).toEqual(['CHECKPOINT_DECLINED_INPUT_END_OF_STREAM', 'JOB_FAILOVER_REGION']);
    expect(h.failJobCauses).toEqual([]);
  });

  it('a declined synchronous savepoint fails the job even with a large tolerance', () => {
    const h = harness({ config: { tolerableCheckpointFailures: 100 } });
    h.coordinator.triggerSynchronousSavepoint(h.record);
    h.coordinator.receiveDeclineMessage('sink#0', 0, 1, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER');
    expect(h.results).toEqual(['fail:CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER']);
    expect(h.failJobCauses).toHaveLength(1);
    expect(h.failJobCauses[0]).toContain('synchronous savepoint 1');
  });

  it('an expired synchronous savepoint does not fail the job (a coordinator-side savepoint failure)', () => {
    const h = harness({ config: { timeoutUs: 100 } });
    h.coordinator.triggerSynchronousSavepoint(h.record);
    h.clock.advanceBy(100);
    expect(h.results).toEqual(['fail:CHECKPOINT_EXPIRED']);
    expect(h.failJobCauses).toEqual([]);
  });

  it('abortPendingCheckpoints aborts every pending checkpoint, oldest first, and lets queued requests run', () => {
    const h = harness({ config: { maxConcurrentCheckpoints: 2 } });
    triggerOne(h);
    triggerOne(h);
    h.coordinator.triggerCheckpoint(false, h.record);
    h.coordinator.abortPendingCheckpoints('JOB_FAILOVER_REGION');
    expect(h.results).toEqual(['fail:JOB_FAILOVER_REGION', 'fail:JOB_FAILOVER_REGION']);
    h.clock.advanceBy(0);
    expect(h.coordinator.pendingCheckpointIds).toEqual([3]);
    expect(h.coordinator.counts).toEqual({ triggered: 3, completed: 0, aborted: 2 });
  });

  it('shutdown aborts queued and pending requests with CHECKPOINT_COORDINATOR_SHUTDOWN and refuses new ones', () => {
    const h = harness();
    triggerOne(h);
    h.coordinator.triggerCheckpoint(false, h.record);
    h.coordinator.shutdown();
    expect(h.results).toEqual(['fail:CHECKPOINT_COORDINATOR_SHUTDOWN', 'fail:CHECKPOINT_COORDINATOR_SHUTDOWN']);
    h.coordinator.triggerCheckpoint(false, h.record);
    expect(h.results[2]).toBe('fail:CHECKPOINT_COORDINATOR_SHUTDOWN');
    expect(h.coordinator.receiveAcknowledgeMessage('map#0', 0, 1, stateFor('map#0', 1))).toBe('DISCARDED');
    expect(h.clock.liveTimers()).toEqual([]);
  });
});
