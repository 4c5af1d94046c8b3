import { describe, expect, it } from 'vitest';
import { acknowledgeAll, harness, observed } from './fakes.js';

/** Trigger times of every checkpoint so far, from the observations. */
function triggerTimes(h: ReturnType<typeof harness>): number[] {
  return observed(h, 'checkpoint-triggered').map((o) => o.timestampUs);
}

describe('CheckpointCoordinator periodic scheduling', () => {
  it('draws the first delay from [minPause, interval] and then triggers at a fixed rate', () => {
    const h = harness({ config: { intervalUs: 1_000, minPauseBetweenCheckpointsUs: 200 } });
    h.clock.chooseRandom = () => 350;
    h.clock.advanceTo(50);
    h.coordinator.jobStatusChanges('RUNNING');
    expect(h.clock.randomRequests).toEqual([[200, 1_000]]);
    expect(h.coordinator.nextPeriodicTriggerTimeUs).toBe(400);
    h.clock.advanceTo(400);
    expect(triggerTimes(h)).toEqual([400]);
    h.clock.advanceTo(500);
    acknowledgeAll(h, 1);
    h.clock.advanceTo(1_400);
    acknowledgeAll(h, 2);
    h.clock.advanceTo(2_400);
    expect(triggerTimes(h)).toEqual([400, 1_400, 2_400]);
  });

  it('keeps the fixed rate whatever the completions: completion times do not shift the next trigger', () => {
    const h = harness({ config: { intervalUs: 1_000, maxConcurrentCheckpoints: 2 } });
    h.coordinator.startCheckpointScheduler();
    h.clock.advanceTo(0);
    for (const id of [1, 2, 3]) {
      h.clock.advanceTo(id * 1_000 - 50);
      acknowledgeAll(h, id);
    }
    h.clock.advanceTo(3_000);
    expect(triggerTimes(h)).toEqual([0, 1_000, 2_000, 3_000]);
  });

  it('raises an interval below the min pause to the min pause', () => {
    const h = harness({ config: { intervalUs: 100, minPauseBetweenCheckpointsUs: 500 } });
    h.coordinator.startCheckpointScheduler();
    expect(h.clock.randomRequests).toEqual([[500, 500]]);
    h.clock.advanceTo(500);
    acknowledgeAll(h, 1);
    h.clock.advanceTo(1_000);
    expect(triggerTimes(h)).toEqual([500, 1_000]);
  });

  it('min pause: a periodic trigger too soon after a completion is dropped and the rate restarts at the end of the pause', () => {
    const h = harness({ config: { intervalUs: 1_000, minPauseBetweenCheckpointsUs: 600 } });
    h.clock.chooseRandom = () => 1_000;
    h.coordinator.startCheckpointScheduler();
    h.clock.advanceTo(1_000);
    h.clock.advanceTo(1_700);
    acknowledgeAll(h, 1);
    h.clock.advanceTo(2_000);
    expect(observed(h, 'checkpoint-trigger-failed').map((o) => [o.timeUs, o.reason])).toEqual([[2_000, 'MINIMUM_TIME_BETWEEN_CHECKPOINTS']]);
    expect(h.coordinator.nextPeriodicTriggerTimeUs).toBe(2_300);
    h.clock.advanceTo(2_400);
    acknowledgeAll(h, 2);
    h.clock.advanceTo(3_300);
    expect(triggerTimes(h)).toEqual([1_000, 2_300, 3_300]);
  });

  it('a periodic request queued behind a pending checkpoint is dropped once the pending one completes inside the pause', () => {
    const h = harness({ config: { intervalUs: 1_000, minPauseBetweenCheckpointsUs: 300 } });
    h.clock.chooseRandom = () => 1_000;
    h.coordinator.startCheckpointScheduler();
    h.clock.advanceTo(2_000);
    expect(h.coordinator.numberOfQueuedRequests).toBe(1);
    acknowledgeAll(h, 1);
    h.clock.advanceTo(2_000);
    expect(observed(h, 'checkpoint-trigger-failed').map((o) => o.reason)).toEqual(['MINIMUM_TIME_BETWEEN_CHECKPOINTS']);
    expect(h.coordinator.nextPeriodicTriggerTimeUs).toBe(2_300);
  });

  it('a job status other than RUNNING stops the scheduler and aborts pending and queued checkpoints with CHECKPOINT_COORDINATOR_SUSPEND', () => {
    const h = harness({ config: { intervalUs: 1_000 } });
    h.coordinator.jobStatusChanges('RUNNING');
    h.clock.advanceTo(0);
    h.coordinator.triggerCheckpoint(false, h.record);
    h.coordinator.jobStatusChanges('RESTARTING');
    expect(h.coordinator.isPeriodicCheckpointingStarted).toBe(false);
    expect(observed(h, 'checkpoint-aborted').map((o) => o.reason)).toEqual(['CHECKPOINT_COORDINATOR_SUSPEND']);
    expect(h.results).toEqual(['fail:CHECKPOINT_COORDINATOR_SUSPEND']);
    expect(h.clock.liveTimers()).toEqual([]);
    h.clock.advanceTo(10_000);
    expect(triggerTimes(h)).toEqual([0]);
    expect(h.failJobCauses).toEqual([]);
  });

  it('starting again while started restarts the schedule and aborts what was pending, as Flink does', () => {
    const h = harness({ config: { intervalUs: 1_000 } });
    h.coordinator.jobStatusChanges('RUNNING');
    h.clock.advanceTo(0);
    h.clock.advanceTo(400);
    h.coordinator.jobStatusChanges('RUNNING');
    expect(observed(h, 'checkpoint-aborted').map((o) => o.reason)).toEqual(['CHECKPOINT_COORDINATOR_SUSPEND']);
    expect(h.coordinator.nextPeriodicTriggerTimeUs).toBe(400);
  });

  it('without an interval, job status changes are ignored and starting the scheduler is refused', () => {
    const h = harness();
    h.coordinator.triggerCheckpoint(false, h.record);
    h.coordinator.jobStatusChanges('RUNNING');
    h.coordinator.jobStatusChanges('FAILING');
    expect(h.coordinator.pendingCheckpointIds).toEqual([1]);
    expect(() => h.coordinator.startCheckpointScheduler()).toThrow(/no checkpoint interval/);
  });

  it('a periodic request while the scheduler is stopped fails with PERIODIC_SCHEDULER_SHUTDOWN', () => {
    const h = harness({ config: { intervalUs: 1_000 } });
    h.coordinator.triggerCheckpoint(true, h.record);
    expect(h.results).toEqual(['fail:PERIODIC_SCHEDULER_SHUTDOWN']);
  });
});
