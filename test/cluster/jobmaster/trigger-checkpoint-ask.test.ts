import { describe, expect, it } from 'vitest';
import { runWithFaults, ofType } from '../../faults/run-with-faults.js';
import type { Fault } from '../../../src/faults/plan.js';

/**
 * Flink's Execution.triggerCheckpoint is an ask: TaskExecutor.triggerCheckpoint answers at once,
 * and when the request or the answer is lost the future fails after the RPC timeout, and
 * CheckpointCoordinator.triggerCheckpointRequest aborts the checkpoint with
 * TRIGGER_CHECKPOINT_FAILURE, which CheckpointFailureManager does not count.
 */
describe('triggerCheckpoint is an ask', () => {
  const dropTrigger = (method: string): Fault => ({ kind: 'rpc', action: 'drop', method, task: 'source#0', checkpointId: 3, count: 1, when: { atUs: 0 } }) as unknown as Fault;

  it('a lost trigger aborts its checkpoint with TRIGGER_CHECKPOINT_FAILURE after the RPC timeout, and the job goes on without a failover', () => {
    // A checkpoint timeout far above the RPC timeout, and no tolerated failures: an expiry would fail the job.
    const config = { checkpoint: { timeoutUs: 600_000_000, tolerableCheckpointFailures: 0 } };
    const { result, observations } = runWithFaults('wordcount', 3, [dropTrigger('triggerCheckpoint')], config);
    const triggered = ofType(observations, 'checkpoint-triggered').find((observation) => observation.checkpointId === 3);
    const aborted = ofType(observations, 'checkpoint-aborted').find((observation) => observation.checkpointId === 3);
    expect(aborted?.reason).toBe('TRIGGER_CHECKPOINT_FAILURE');
    expect((aborted?.timeUs ?? 0) - (triggered?.timeUs ?? 0)).toBeLessThan(5_000_000);
    expect(ofType(observations, 'failover')).toEqual([]);
    expect(result.violations).toEqual([]);
    expect(result.jobStatus).toBe('FINISHED');
  });

  it('negative control: a lost acknowledgement (a tell in Flink) leaves the checkpoint to expire', () => {
    const config = { checkpoint: { timeoutUs: 20_000_000, tolerableCheckpointFailures: 5 } };
    const { observations } = runWithFaults('wordcount', 3, [dropTrigger('acknowledgeCheckpoint')], config);
    expect(ofType(observations, 'checkpoint-aborted').find((observation) => observation.checkpointId === 3)?.reason).toBe('CHECKPOINT_EXPIRED');
  });
});
