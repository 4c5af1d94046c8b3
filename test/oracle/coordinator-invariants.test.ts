import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/cluster/observations.js';
import { createCoordinatorInvariantsChecker } from '../../src/oracle/checkers/index.js';
import { acknowledged, alignedCheckpoint, at, completed, countContent, finalState, judge, snapshot, tinyContext, tinyTasks, triggered } from './support/fixtures.js';

function notified(timeUs: number, checkpointId: number, kind: 'complete' | 'aborted', task = 'sink#0'): Observation {
  return at(timeUs, { type: 'checkpoint-notification-sent', checkpointId, kind, task });
}

function aborted(timeUs: number, checkpointId: number, reason: 'CHECKPOINT_EXPIRED' | 'CHECKPOINT_SUBSUMED', checkpointType: 'checkpoint' | 'savepoint' = 'checkpoint'): Observation {
  return at(timeUs, { type: 'checkpoint-aborted', checkpointId, checkpointType, reason });
}

const retained = (checkpointId: number) => ({ checkpointId, type: 'checkpoint' as const, handles: [...tinyTasks.map((task) => `chk-${checkpointId}/${task}@0`), `chk-${checkpointId}/_metadata`] });

describe('coordinator-invariants checker', () => {
  const correct: Observation[] = [
    at(0, { type: 'jobmaster-started', leaderEpoch: 1, recoveredCheckpointIds: [] }),
    ...alignedCheckpoint(1_000, 1, 1),
    notified(1_060, 1, 'complete'),
    triggered(2_000, 2),
    aborted(2_500, 2, 'CHECKPOINT_EXPIRED'),
    notified(2_500, 2, 'aborted'),
    ...alignedCheckpoint(3_000, 3, 2),
    notified(3_060, 3, 'complete'),
  ];

  it('stays silent on a correct coordinator with no storage left behind', () => {
    const final = finalState({ storageKeys: retained(3).handles, retainedCheckpoints: [retained(3)] });
    expect(judge(createCoordinatorInvariantsChecker(tinyContext()), correct, final)).toEqual([]);
  });

  it('names a checkpoint id that does not increase', () => {
    const stream = [...correct, triggered(4_000, 3)];
    const violations = judge(createCoordinatorInvariantsChecker(tinyContext()), stream);
    expect(violations[0]?.property).toBe('coordinator-invariants');
    expect(violations[0]?.message).toBe('checkpoint 3 was triggered after checkpoint 3: ids must strictly increase');
  });

  it('names a checkpoint id that is not a non-negative integer', () => {
    for (const checkpointId of [-1, 2.5]) {
      const violations = judge(createCoordinatorInvariantsChecker(tinyContext()), [triggered(1_000, checkpointId)]);
      expect(violations[0]?.message).toBe(`checkpoint id ${checkpointId} was triggered: ids are non-negative integers`);
    }
  });

  it('still knows how an early checkpoint ended after a thousand more (the history is held in runs)', () => {
    const stream: Observation[] = [at(0, { type: 'jobmaster-started', leaderEpoch: 1, recoveredCheckpointIds: [] })];
    for (let checkpointId = 1; checkpointId <= 1_000; checkpointId++) {
      if (checkpointId === 500) stream.push(triggered(checkpointId * 1_000, checkpointId), aborted(checkpointId * 1_000 + 500, checkpointId, 'CHECKPOINT_EXPIRED'));
      else stream.push(...alignedCheckpoint(checkpointId * 1_000, checkpointId, checkpointId));
    }
    expect(judge(createCoordinatorInvariantsChecker(tinyContext()), [...stream, notified(1_001_000, 7, 'complete'), notified(1_001_000, 500, 'aborted')])).toEqual([]);
    const late = judge(createCoordinatorInvariantsChecker(tinyContext()), [...stream, notified(1_001_000, 500, 'complete')]);
    expect(late[0]?.message).toBe("sink#0 was sent a 'complete' notification for checkpoint 500, which aborted");
    const twice = judge(createCoordinatorInvariantsChecker(tinyContext()), [...stream, completed(1_001_000, 7)]);
    expect(twice[0]?.message).toBe('checkpoint 7 completed while not pending: it had already completed');
  });

  it('names the task whose acknowledgement a completion did not wait for', () => {
    const stream = alignedCheckpoint(1_000, 1, 1).filter((observation) => !(observation.type === 'checkpoint-acknowledged' && observation.task === 'count#0'));
    const violations = judge(createCoordinatorInvariantsChecker(tinyContext()), stream);
    expect(violations[0]?.message).toBe('checkpoint 1 completed without a SUCCESS acknowledgement from count#0');
  });

  it('names a trigger beyond max concurrent checkpoints, but lets forced savepoints through', () => {
    const violations = judge(createCoordinatorInvariantsChecker(tinyContext()), [triggered(1_000, 1), triggered(1_100, 2)]);
    expect(violations[0]?.message).toBe('checkpoint 2 was triggered while 1 checkpoint(s) [1] were pending (max concurrent 1)');
    expect(judge(createCoordinatorInvariantsChecker(tinyContext()), [triggered(1_000, 1), triggered(1_100, 2, 'savepoint')])).toEqual([]);
  });

  it('names a checkpoint triggered within the min pause after the last completion', () => {
    const stream = [...alignedCheckpoint(1_000, 1, 1), triggered(1_500, 2)];
    const violations = judge(createCoordinatorInvariantsChecker(tinyContext({ minPauseBetweenCheckpointsUs: 1_000 })), stream);
    expect(violations[0]?.message).toBe('checkpoint 2 was triggered at 0.001500 s, 450 us after the last completion at 0.001050 s (min pause 1000 us)');
  });

  it('measures the min pause from the trigger timestamp: a completion while the trigger chain ran comes after the decision', () => {
    // Checkpoint 2's chain started at 1 500 us (its timestamp) and created it at 1 700 us; checkpoint
    // 1 completed at 1 600 us, in between (max concurrent 2). Flink's decider decided at 1 500 us.
    const context = tinyContext({ minPauseBetweenCheckpointsUs: 1_000, maxConcurrentCheckpoints: 2 });
    const chained = { ...triggered(1_700, 2), timestampUs: 1_500 } as Observation;
    const first = (completionUs: number): Observation[] => [triggered(1_000, 1), ...tinyTasks.map((task) => acknowledged(1_050, 1, task)), completed(completionUs, 1)];
    expect(judge(createCoordinatorInvariantsChecker(context), [...first(1_600), chained])).toEqual([]);
    // The same trigger decided after the completion is still held to the min pause.
    expect(judge(createCoordinatorInvariantsChecker(context), [...first(1_400), chained])[0]?.message).toBe('checkpoint 2 was triggered at 0.001500 s, 100 us after the last completion at 0.001400 s (min pause 1000 us)');
  });

  it('names a periodic checkpoint created while the job is not RUNNING (FLINK-13969), and lets manual ones and RUNNING jobs be', () => {
    const status = (timeUs: number, jobStatus: 'RUNNING' | 'RESTARTING'): Observation => at(timeUs, { type: 'job-status', status: jobStatus, cause: undefined });
    const kind = (observation: Observation, requestKind: 'periodic' | 'manual'): Observation => ({ ...observation, requestKind }) as Observation;
    const context = tinyContext();
    expect(judge(createCoordinatorInvariantsChecker(context), [status(500, 'RUNNING'), status(900, 'RESTARTING'), kind(triggered(1_000, 1), 'periodic')])[0]?.message).toBe(
      'periodic checkpoint 1 was created while the job was RESTARTING: the periodic scheduler is stopped outside RUNNING',
    );
    expect(judge(createCoordinatorInvariantsChecker(context), [status(500, 'RUNNING'), status(900, 'RESTARTING'), kind(triggered(1_000, 1), 'manual')])).toEqual([]);
    expect(judge(createCoordinatorInvariantsChecker(context), [status(500, 'RESTARTING'), status(900, 'RUNNING'), kind(triggered(1_000, 1), 'periodic')])).toEqual([]);
  });

  it('names a trigger chain started while another is in flight (FLINK-27162), and lets chains one after another be', () => {
    const started = (timeUs: number, requestId: string, kind: 'periodic' | 'manual'): Observation => at(timeUs, { type: 'trigger-chain-started', requestId, kind });
    const ended = (timeUs: number, requestId: string): Observation => at(timeUs, { type: 'trigger-chain-ended', requestId });
    const jobmaster = at(0, { type: 'jobmaster-started', leaderEpoch: 1, recoveredCheckpointIds: [] });
    expect(judge(createCoordinatorInvariantsChecker(tinyContext()), [jobmaster, started(1_000, 'jm1-0', 'periodic'), started(1_200, 'jm1-1', 'manual')])[0]?.message).toBe(
      "the trigger chain of manual request jm1-1 started while request jm1-0's was still in flight (one at a time, as Flink's isTriggering)",
    );
    // Negative controls: one after the other; and a chain left by a JobMaster that died.
    expect(judge(createCoordinatorInvariantsChecker(tinyContext()), [jobmaster, started(1_000, 'jm1-0', 'periodic'), ended(1_100, 'jm1-0'), started(1_200, 'jm1-1', 'manual')])).toEqual([]);
    const successor = at(1_150, { type: 'jobmaster-started', leaderEpoch: 2, recoveredCheckpointIds: [] });
    expect(judge(createCoordinatorInvariantsChecker(tinyContext()), [jobmaster, started(1_000, 'jm1-0', 'periodic'), successor, started(1_200, 'jm2-0', 'periodic')])).toEqual([]);
  });

  it('exempts manual checkpoints from the min pause, but not periodic ones', () => {
    const context = tinyContext({ minPauseBetweenCheckpointsUs: 1_000 });
    const kind = (observation: Observation, requestKind: 'periodic' | 'manual'): Observation => ({ ...observation, requestKind }) as Observation;
    expect(judge(createCoordinatorInvariantsChecker(context), [...alignedCheckpoint(1_000, 1, 1), kind(triggered(1_500, 2), 'manual')])).toEqual([]);
    expect(judge(createCoordinatorInvariantsChecker(context), [...alignedCheckpoint(1_000, 1, 1), kind(triggered(1_500, 2), 'periodic')])[0]?.message).toMatch(/^checkpoint 2 was triggered at 0.001500 s/);
  });

  it('with unaligned checkpoints on, holds savepoints to max concurrent like checkpoints (FLINK-17342)', () => {
    const violations = judge(createCoordinatorInvariantsChecker(tinyContext({ unaligned: true })), [triggered(1_000, 1), triggered(1_100, 2, 'savepoint')]);
    expect(violations[0]?.message).toBe('savepoint 2 was triggered while 1 checkpoint(s) [1] were pending (max concurrent 1)');
  });

  it('names a savepoint a task took unaligned', () => {
    const stream = [triggered(1_000, 1, 'savepoint'), snapshot(1_010, 1, 'count#0', countContent([0]), 0, true)];
    expect(judge(createCoordinatorInvariantsChecker(tinyContext({ unaligned: true })), stream)[0]?.message).toBe('count#0 took savepoint 1 unaligned: savepoints are always aligned');
    expect(judge(createCoordinatorInvariantsChecker(tinyContext({ unaligned: true })), [triggered(1_000, 1), snapshot(1_010, 1, 'count#0', countContent([0]), 0, true)])).toEqual([]);
  });

  it('names a savepoint aborted as subsumed', () => {
    const violations = judge(createCoordinatorInvariantsChecker(tinyContext()), [triggered(1_000, 1, 'savepoint'), aborted(1_100, 1, 'CHECKPOINT_SUBSUMED', 'savepoint')]);
    expect(violations[0]?.message).toBe('savepoint 1 was aborted as CHECKPOINT_SUBSUMED: savepoints are never subsumed');
  });

  it('names a complete notification for a checkpoint that did not complete', () => {
    const violations = judge(createCoordinatorInvariantsChecker(tinyContext()), [triggered(1_000, 1), notified(1_100, 1, 'complete', 'count#0')]);
    expect(violations[0]?.message).toBe("count#0 was sent a 'complete' notification for checkpoint 1, which is still pending");
  });

  it('names a checkpoint that ends twice', () => {
    const stream = [triggered(1_000, 1), ...tinyTasks.map((task) => acknowledged(1_010, 1, task)), completed(1_020, 1), aborted(1_030, 1, 'CHECKPOINT_EXPIRED')];
    const violations = judge(createCoordinatorInvariantsChecker(tinyContext()), stream);
    expect(violations[0]?.message).toBe('checkpoint 1 aborted while not pending: it had already completed');
  });

  it('names a storage key no retained checkpoint owns', () => {
    const final = finalState({ storageKeys: [...retained(3).handles, 'chk-2/count#0@0'], retainedCheckpoints: [retained(3)] });
    const violations = judge(createCoordinatorInvariantsChecker(tinyContext()), correct, final);
    expect(violations[0]?.message).toBe('storage key chk-2/count#0@0 is left behind: no retained checkpoint [3] owns it');
  });

  describe('expiry (CheckpointCanceller: none pending past its timeout)', () => {
    const check = (stream: readonly Observation[]) => judge(createCoordinatorInvariantsChecker(tinyContext({ timeoutUs: 1_000_000 })), stream);
    const jobRunning = at(10, { type: 'job-status', status: 'RUNNING', cause: undefined });
    const laterEvent = (timeUs: number) => at(timeUs, { type: 'task-running', task: 'count#0', attempt: 1 });

    it('names a checkpoint still pending after its timeout', () => {
      const [violation] = check([jobRunning, triggered(1_000, 1), laterEvent(1_001_001)]);
      expect(violation?.property).toBe('coordinator-invariants');
      expect(violation?.message).toBe('checkpoint 1 is still pending at 1.001001 s, past its timeout of 1000000 us at 1.001000 s: it was never expired');
    });

    it('negative control: expired at its deadline, completed in time, or still pending at its deadline', () => {
      expect(check([jobRunning, triggered(1_000, 1), aborted(1_001_000, 1, 'CHECKPOINT_EXPIRED'), laterEvent(3_000_000)])).toEqual([]);
      expect(check([jobRunning, ...alignedCheckpoint(1_000, 1, 1), laterEvent(3_000_000)])).toEqual([]);
      expect(check([jobRunning, triggered(1_000, 1), laterEvent(1_001_000)])).toEqual([]);
    });

    it('negative control: a crashed JobMaster takes its pending checkpoints and their cancellers with it', () => {
      const crash = at(500_000, { type: 'fault-injected', index: 0, kind: 'crash-jobmaster' });
      expect(check([jobRunning, triggered(1_000, 1), crash, laterEvent(2_000_000)])).toEqual([]);
      const started = at(600_000, { type: 'jobmaster-started', leaderEpoch: 2, recoveredCheckpointIds: [] } as never);
      expect(check([jobRunning, triggered(1_000, 1), started, laterEvent(2_000_000)])).toEqual([]);
    });
  });
});
