import { describe, expect, it } from 'vitest';
import { ofType, runWithFaults } from './run-with-faults.js';

/**
 * For each kind of fault: it fires exactly where it is aimed, it has the effect it should, and
 * the runtime recovers (the job finishes and every property holds).
 */
describe('each fault kind fires where aimed and the runtime recovers', () => {
  it('crash-executor: when count#1 has aligned checkpoint 2, its executor dies; the job restarts and finishes', () => {
    const { result, observations } = runWithFaults('wordcount', 3, [
      { kind: 'crash-executor', executor: 'taskexecutor-1', restartAfterUs: 200_000, replacement: false, when: { onStep: 'task.alignment-completed', task: 'count#1', checkpointId: 2 } },
    ]);
    const aligned = ofType(observations, 'alignment-completed').find((observation) => observation.task === 'count#1' && observation.checkpointId === 2);
    expect(aligned).toBeDefined();
    expect(result.faults).toEqual([expect.objectContaining({ kind: 'crash-executor', applied: true, firedAtUs: aligned?.timeUs })]);
    expect(ofType(observations, 'failover').length).toBeGreaterThan(0);
    expect(result.verdict).toBe('pass');
    expect(result.jobStatus).toBe('FINISHED');
  });

  it('crash-executor while sink#0 uploads its snapshot, replaced by a new executor', () => {
    const { result, observations } = runWithFaults('wordcount', 4, [
      { kind: 'crash-executor', executor: 'taskexecutor-0', restartAfterUs: 100_000, replacement: true, when: { onStep: 'task.async-upload-started', task: 'sink#0', checkpointId: 2 } },
    ]);
    const snapshot = ofType(observations, 'snapshot-taken').find((observation) => observation.task === 'sink#0' && observation.checkpointId === 2);
    expect(result.faults[0]).toMatchObject({ applied: true, firedAtUs: snapshot?.timeUs });
    expect(ofType(observations, 'task-deployed').some((observation) => observation.executor === 'taskexecutor-2')).toBe(true);
    expect(result.verdict).toBe('pass');
  });

  it('fail-task: an operator exception at 120 ms fails count#0, which is restored from the latest checkpoint', () => {
    const { result, observations } = runWithFaults('wordcount', 5, [{ kind: 'fail-task', task: 'count#0', when: { atUs: 120_000 } }]);
    const failed = ofType(observations, 'task-failed');
    expect(failed[0]).toMatchObject({ task: 'count#0', timeUs: 120_000, cause: 'injected failure of count#0' });
    const failover = ofType(observations, 'failover')[0];
    const latestBefore = ofType(observations, 'checkpoint-completed').filter((observation) => observation.timeUs <= 120_000).at(-1);
    expect(failover?.restoreCheckpointId).toBe(latestBefore?.checkpointId);
    expect(result.verdict).toBe('pass');
  });

  it('crash-jobmaster: a new JobMaster recovers the completed checkpoints and id counter from HA', () => {
    const { result, observations } = runWithFaults('diamond', 6, [{ kind: 'crash-jobmaster', recoverAfterUs: 300_000, when: { onStep: 'coordinator.checkpoint-completed', checkpointId: 2 } }]);
    const started = ofType(observations, 'jobmaster-started');
    expect(started).toHaveLength(2);
    expect(started[1]?.recoveredCheckpointIds).toContain(2);
    const ids = ofType(observations, 'checkpoint-triggered').map((observation) => observation.checkpointId);
    expect([...ids].sort((left, right) => left - right)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(result.verdict).toBe('pass');
  });

  it('rpc drop: the 2nd acknowledgeCheckpoint from taskexecutor-1 is lost, the checkpoint expires, the job recovers', () => {
    const { result, observations } = runWithFaults('wordcount', 7, [
      { kind: 'rpc', action: 'drop', method: 'acknowledgeCheckpoint', source: 'taskexecutor-1', count: 1, when: { onStep: 'rpc.acknowledgeCheckpoint', executor: 'taskexecutor-1', occurrence: 1 } },
    ]);
    expect(result.faults[0]?.applied).toBe(true);
    expect(ofType(observations, 'checkpoint-aborted').some((observation) => observation.reason === 'CHECKPOINT_EXPIRED')).toBe(true);
    expect(result.verdict).toBe('pass');
  });

  it('rpc duplicate: a duplicated notifyCheckpointComplete is ignored by the task the second time', () => {
    const { result, observations } = runWithFaults('wordcount', 8, [
      { kind: 'rpc', action: 'duplicate', method: 'notifyCheckpointComplete', task: 'sink#1', checkpointId: 2, count: 1, delayUs: 100, when: { atUs: 0 } },
    ]);
    const received = ofType(observations, 'checkpoint-notification-received').filter((observation) => observation.task === 'sink#1' && observation.checkpointId === 2 && observation.kind === 'complete');
    expect(received.map((observation) => observation.ignored)).toEqual([false, true]);
    expect(result.verdict).toBe('pass');
  });

  it('rpc delay: a late triggerCheckpoint still lets the job finish correctly', () => {
    const { result } = runWithFaults('fan-in-skew', 9, [
      { kind: 'rpc', action: 'delay', method: 'triggerCheckpoint', task: 'source#3', count: 2, delayUs: 30_000, when: { atUs: 0 } },
    ]);
    expect(result.faults[0]?.applied).toBe(true);
    expect(result.verdict).toBe('pass');
  });

  it('right after notifyCheckpointComplete 3 reaches taskexecutor-1, that executor crashes', () => {
    const { result, observations } = runWithFaults('wordcount', 10, [
      { kind: 'crash-executor', executor: 'taskexecutor-1', restartAfterUs: 50_000, replacement: false, when: { onStep: 'executor.notify-complete-received', executor: 'taskexecutor-1', checkpointId: 3 } },
    ]);
    expect(result.faults[0]?.applied).toBe(true);
    expect(ofType(observations, 'failover').length).toBeGreaterThan(0);
    expect(result.verdict).toBe('pass');
  });

  it('partition: jobmaster and taskexecutor-0 cut off for 8 s; the executor is declared lost and its tasks restart', () => {
    const { result, observations } = runWithFaults('wordcount', 11, [{ kind: 'partition', nodes: ['jobmaster', 'taskexecutor-0'], oneWay: false, durationUs: 8_000_000, when: { atUs: 110_000 } }]);
    expect(ofType(observations, 'executor-lost')[0]).toMatchObject({ executor: 'taskexecutor-0' });
    expect(result.verdict).toBe('pass');
  });

  it('channel-stall: a slow link into the hot keyed task lengthens alignment, and the job still finishes', () => {
    const stalled = runWithFaults('fan-in-skew', 12, [{ kind: 'channel-stall', channel: 'enrich#2->total#0', extraUs: 20_000, durationUs: 200_000, when: { onStep: 'task.running', task: 'enrich#2' } }]);
    const calm = runWithFaults('fan-in-skew', 12, []);
    const longest = (observations: typeof calm.observations) => Math.max(...ofType(observations, 'alignment-completed').filter((observation) => observation.task === 'total#0').map((observation) => observation.alignmentDurationUs));
    expect(stalled.result.faults[0]?.applied).toBe(true);
    expect(longest(stalled.observations)).toBeGreaterThan(longest(calm.observations));
    expect(stalled.result.verdict).toBe('pass');
  });

  it('slow-task: a consumer 20x slower builds backpressure, and the job still finishes correctly', () => {
    const slow = runWithFaults('fan-in-skew', 13, [{ kind: 'slow-task', task: 'total#1', factor: 20, durationUs: 100_000, when: { onStep: 'task.running', task: 'total#1' } }]);
    const calm = runWithFaults('fan-in-skew', 13, []);
    expect(slow.result.faults[0]?.applied).toBe(true);
    expect(slow.result.stats.virtualTimeUs).toBeGreaterThan(calm.result.stats.virtualTimeUs);
    expect(slow.result.verdict).toBe('pass');
  });

  it('storage fail-writes: failed uploads decline the checkpoint (ASYNC_EXCEPTION), and the job recovers', () => {
    const { result, observations } = runWithFaults('wordcount', 14, [{ kind: 'storage', action: 'fail-writes', count: 2, when: { onStep: 'coordinator.checkpoint-triggered', checkpointId: 2 } }]);
    expect(ofType(observations, 'checkpoint-aborted').some((observation) => observation.checkpointId === 2 && observation.reason === 'CHECKPOINT_ASYNC_EXCEPTION')).toBe(true);
    expect(result.verdict).toBe('pass');
  });

  it('storage fail-finalize: the metadata write fails (FINALIZE_CHECKPOINT_FAILURE), and the job recovers', () => {
    const { result, observations } = runWithFaults('wordcount', 15, [{ kind: 'storage', action: 'fail-finalize', count: 1, when: { onStep: 'coordinator.checkpoint-triggered', checkpointId: 2 } }]);
    expect(ofType(observations, 'checkpoint-aborted').some((observation) => observation.checkpointId === 2 && observation.reason === 'FINALIZE_CHECKPOINT_FAILURE')).toBe(true);
    expect(result.verdict).toBe('pass');
  });

  it('ha-store fail-writes: the HA write of checkpoint 2 is refused; it aborts (FINALIZE_CHECKPOINT_FAILURE), its state is discarded, and the job finishes', () => {
    const { result, observations } = runWithFaults('wordcount', 1, [{ kind: 'ha-store', action: 'fail-writes', count: 1, when: { onStep: 'coordinator.all-acknowledged', checkpointId: 2 } }]);
    expect(ofType(observations, 'checkpoint-store-write-failed')).toEqual([expect.objectContaining({ checkpointId: 2, possiblyStored: false, stateKept: false })]);
    expect(ofType(observations, 'checkpoint-aborted').some((observation) => observation.checkpointId === 2 && observation.reason === 'FINALIZE_CHECKPOINT_FAILURE')).toBe(true);
    expect(ofType(observations, 'storage-discarded').some((observation) => observation.key.startsWith('chk-2/'))).toBe(true);
    expect(ofType(observations, 'checkpoint-completed').some((observation) => observation.checkpointId === 3)).toBe(true);
    expect(result.verdict).toBe('pass');
  });

  it('ha-store ambiguous-writes: checkpoint 2 lands in HA although its writer was told it failed; the state stays, and a new JobMaster recovers and restores it', () => {
    const { result, observations } = runWithFaults('wordcount', 1, [
      { kind: 'ha-store', action: 'ambiguous-writes', count: 1, when: { onStep: 'coordinator.all-acknowledged', checkpointId: 2 } },
      { kind: 'crash-jobmaster', recoverAfterUs: 20_000, when: { onStep: 'coordinator.checkpoint-aborted', checkpointId: 2 } },
    ]);
    expect(ofType(observations, 'checkpoint-store-write-failed')).toEqual([expect.objectContaining({ checkpointId: 2, possiblyStored: true, stateKept: true })]);
    expect(ofType(observations, 'checkpoint-aborted').some((observation) => observation.checkpointId === 2 && observation.reason === 'FINALIZE_CHECKPOINT_FAILURE')).toBe(true);
    expect(ofType(observations, 'jobmaster-started').at(-1)?.recoveredCheckpointIds).toEqual([1, 2]);
    const restored = ofType(observations, 'task-restored');
    expect(restored.length).toBeGreaterThan(0);
    expect(restored.every((observation) => observation.checkpointId === 2)).toBe(true);
    // Its state went only when a later checkpoint subsumed it, after the restore.
    const firstRestoreUs = restored[0]!.timeUs;
    expect(ofType(observations, 'storage-discarded').filter((observation) => observation.key.startsWith('chk-2/')).every((observation) => observation.timeUs > firstRestoreUs)).toBe(true);
    expect(result.verdict).toBe('pass');
    expect(result.jobStatus).toBe('FINISHED');
  });

  it('ha-store fail-writes on the id counter: the trigger after checkpoint 2 fails before it has an id (TRIGGER_CHECKPOINT_FAILURE, not counted), the next trigger takes id 3', () => {
    const { result, observations } = runWithFaults('wordcount', 1, [
      { kind: 'ha-store', action: 'fail-writes', target: 'id-counter', count: 1, when: { onStep: 'coordinator.checkpoint-completed', checkpointId: 2 } },
    ]);
    expect(result.faults[0]).toMatchObject({ applied: true });
    const failedTriggers = ofType(observations, 'checkpoint-trigger-failed').filter((observation) => observation.reason === 'TRIGGER_CHECKPOINT_FAILURE');
    expect(failedTriggers).toHaveLength(1);
    const triggered = ofType(observations, 'checkpoint-triggered').map((observation) => observation.checkpointId);
    expect(triggered.slice(0, 3)).toEqual([1, 2, 3]);
    // The coordinator does not count a trigger failure against the tolerable failures: no failover.
    expect(ofType(observations, 'failover')).toEqual([]);
    expect(ofType(observations, 'checkpoint-store-write-failed')).toEqual([]);
    expect(result.verdict).toBe('pass');
  });

  it('ha-store ambiguous-writes on the id counter: the increment lands but the trigger fails, so id 3 is skipped; a new JobMaster continues above it', () => {
    const { result, observations } = runWithFaults('wordcount', 1, [
      { kind: 'ha-store', action: 'ambiguous-writes', target: 'id-counter', count: 1, when: { onStep: 'coordinator.checkpoint-completed', checkpointId: 2 } },
      { kind: 'crash-jobmaster', recoverAfterUs: 10_000, when: { onStep: 'coordinator.checkpoint-completed', checkpointId: 4 } },
    ]);
    expect(result.faults.map((fault) => fault.applied)).toEqual([true, true]);
    expect(ofType(observations, 'checkpoint-trigger-failed').filter((observation) => observation.reason === 'TRIGGER_CHECKPOINT_FAILURE')).toHaveLength(1);
    const triggered = ofType(observations, 'checkpoint-triggered').map((observation) => observation.checkpointId);
    expect(triggered.slice(0, 3)).toEqual([1, 2, 4]);
    expect(triggered.every((id, index) => index === 0 || id > triggered[index - 1]!)).toBe(true);
    expect(ofType(observations, 'jobmaster-started').at(-1)?.recoveredCheckpointIds).toEqual([4]);
    expect(result.verdict).toBe('pass');
    expect(result.jobStatus).toBe('FINISHED');
  });

  it('ha-store does nothing without HA services (no HA store to fail)', () => {
    const { result } = runWithFaults('wordcount', 1, [{ kind: 'ha-store', action: 'fail-writes', count: 1, when: { atUs: 100_000 } }], { highAvailability: false });
    expect(result.faults[0]).toMatchObject({ kind: 'ha-store', applied: false });
    expect(result.verdict).toBe('pass');
  });

  it('storage slow-writes: uploads take 50 ms longer, checkpoints still complete', () => {
    const { result } = runWithFaults('wordcount', 16, [{ kind: 'storage', action: 'slow-writes', count: 6, extraUs: 50_000, when: { atUs: 100_000 } }]);
    expect(result.faults[0]?.applied).toBe(true);
    expect(result.stats.checkpoints.completed).toBeGreaterThan(0);
    expect(result.verdict).toBe('pass');
  });

  it('storage unreadable-handle: the first restore after a crash cannot read its state, the next one can', () => {
    const { result, observations } = runWithFaults('wordcount', 17, [
      { kind: 'storage', action: 'unreadable-handle', count: 1, when: { atUs: 0 } },
      { kind: 'fail-task', task: 'count#2', when: { onStep: 'coordinator.checkpoint-completed', checkpointId: 2 } },
    ]);
    expect(ofType(observations, 'task-failed').some((observation) => observation.cause.includes('is unreadable'))).toBe(true);
    expect(result.verdict).toBe('pass');
  });

  it('storage fail-location: the coordinator cannot initialise the next checkpoint\'s location, aborts it with IO_EXCEPTION and counts it, so a job tolerating no failure fails over', () => {
    const { result, observations } = runWithFaults('wordcount', 20, [{ kind: 'storage', action: 'fail-location', count: 1, when: { onStep: 'coordinator.checkpoint-completed', checkpointId: 1 } }]);
    expect(result.faults[0]?.applied).toBe(true);
    expect(ofType(observations, 'checkpoint-aborted').filter((observation) => observation.reason === 'IO_EXCEPTION')).toHaveLength(1);
    expect(ofType(observations, 'checkpoint-failure-reported').some((observation) => observation.reason === 'IO_EXCEPTION')).toBe(true);
    expect(ofType(observations, 'job-failure-requested')).toHaveLength(1);
    expect(result.verdict).toBe('pass');
  });

  it('sink-commit-failure: a failed commit fails the sink, whose restore commits the transaction again', () => {
    const { result, observations } = runWithFaults('wordcount', 18, [{ kind: 'sink-commit-failure', count: 1, when: { onStep: 'coordinator.checkpoint-completed', checkpointId: 2 } }]);
    const failed = ofType(observations, 'task-failed').find((observation) => observation.cause.includes('(injected)'));
    expect(failed).toBeDefined();
    const transaction = /commit of (\S+) failed/.exec(failed?.cause ?? '')?.[1];
    expect(ofType(observations, 'transaction-committed').some((observation) => observation.transactionId === transaction)).toBe(true);
    expect(result.verdict).toBe('pass');
  });

  it('source-unavailable: the source log is down for 100 ms; sources back off and resume', () => {
    const down = runWithFaults('wordcount', 19, [{ kind: 'source-unavailable', durationUs: 100_000, when: { atUs: 110_000 } }]);
    const calm = runWithFaults('wordcount', 19, []);
    expect(down.result.faults[0]?.applied).toBe(true);
    expect(down.result.stats.virtualTimeUs).toBeGreaterThan(calm.result.stats.virtualTimeUs + 50_000);
    expect(down.result.verdict).toBe('pass');
  });

  it('transaction-timeout: a checkpoint slower than the timeout loses its transaction, reported as the known gap', () => {
    const { result } = runWithFaults('wordcount', 20, [
      { kind: 'transaction-timeout', timeoutUs: 15_000, when: { atUs: 0 } },
      { kind: 'storage', action: 'slow-writes', count: 9, extraUs: 30_000, when: { onStep: 'coordinator.checkpoint-triggered', checkpointId: 2 } },
    ]);
    expect(result.faults[0]?.applied).toBe(true);
    expect(result.verdict).toBe('expected-gap');
    expect(result.gaps.map(({ gap }) => gap.name)).toContain('transaction-timeout');
  });

  it('transaction-timeout shorter than any transaction: every write is refused and the job fails once restarts run out', () => {
    const { result } = runWithFaults('wordcount', 20, [{ kind: 'transaction-timeout', timeoutUs: 3_000, when: { atUs: 0 } }]);
    expect(result.jobStatus).toBe('FAILED');
    expect(result.verdict).toBe('fail');
    expect(result.violations.find((violation) => violation.property === 'job-finishes')?.message).toContain('restart attempts (1000) exhausted');
  });
});
