import { describe, expect, it } from 'vitest';
import type { CheckpointFailureReason } from '../../src/cluster/checkpoint/types.js';
import type { Observation, TriggerKind } from '../../src/cluster/observations.js';
import { createTriggerResultsChecker } from '../../src/oracle/checkers/index.js';
import { alignedCheckpoint, at, completed, finalState, judge, tinyContext, triggered } from './support/fixtures.js';

function requested(timeUs: number, requestId: string, kind: TriggerKind = 'periodic'): Observation {
  return at(timeUs, { type: 'checkpoint-trigger-requested', requestId, kind });
}

function succeeded(timeUs: number, requestId: string, checkpointId: number, kind: TriggerKind = 'periodic'): Observation {
  return at(timeUs, { type: 'checkpoint-trigger-answered', requestId, kind, checkpointId, outcome: 'success', reason: undefined });
}

function failed(timeUs: number, requestId: string, checkpointId: number | undefined, reason: string, kind: TriggerKind = 'periodic'): Observation {
  return at(timeUs, { type: 'checkpoint-trigger-answered', requestId, kind, checkpointId, outcome: 'failure', reason: reason as CheckpointFailureReason });
}

const started = (timeUs: number, recoveredCheckpointIds: number[] = []): Observation => at(timeUs, { type: 'jobmaster-started', leaderEpoch: 1, recoveredCheckpointIds });

function verdict(stream: readonly Observation[], jobStatus: 'FINISHED' | 'RUNNING' = 'FINISHED') {
  return judge(createTriggerResultsChecker(tinyContext()), stream, finalState({ jobStatus }));
}

describe('trigger-results checker', () => {
  const correct: Observation[] = [
    started(0),
    requested(900, 'jm1-0'),
    ...alignedCheckpoint(1_000, 1, 1),
    succeeded(1_050, 'jm1-0', 1),
    requested(1_900, 'jm1-1', 'savepoint'),
    triggered(2_000, 2, 'savepoint'),
    failed(2_500, 'jm1-1', 2, 'CHECKPOINT_EXPIRED', 'savepoint'),
    requested(2_900, 'jm1-2', 'manual'),
    failed(2_900, 'jm1-2', undefined, 'MINIMUM_TIME_BETWEEN_CHECKPOINTS', 'manual'),
    requested(2_950, 'jm1-3', 'savepoint'),
    triggered(3_000, 3, 'savepoint'),
    completed(3_050, 3, 'savepoint'),
    succeeded(3_050, 'jm1-3', 3, 'savepoint'),
  ];

  it('stays silent when every trigger is answered once and truly', () => {
    expect(verdict(correct)).toEqual([]);
  });

  it('names a trigger answered twice', () => {
    const [violation] = verdict([...correct, failed(4_000, 'jm1-0', 1, 'CHECKPOINT_EXPIRED')]);
    expect(violation?.property).toBe('trigger-results');
    expect(violation?.message).toBe('trigger request jm1-0 (periodic) was answered twice');
  });

  it('names a trigger never answered when the job ended, and not while it runs on', () => {
    const stream = [...correct, requested(4_000, 'jm1-4', 'manual')];
    expect(verdict(stream)[0]?.message).toBe('trigger request jm1-4 (manual) was never answered, and the job ended FINISHED');
    expect(verdict(stream, 'RUNNING')).toEqual([]);
  });

  it('names a trigger left unanswered by a JobMaster that was replaced', () => {
    const [violation] = verdict([...correct, requested(4_000, 'jm1-4'), started(5_000)]);
    expect(violation?.message).toBe('trigger request jm1-4 (periodic) was never answered, and a new JobMaster started');
  });

  it('names a success for a checkpoint that never completed', () => {
    const [violation] = verdict([started(0), requested(900, 'jm1-0'), triggered(1_000, 1), succeeded(1_100, 'jm1-0', 1)]);
    expect(violation?.message).toBe('trigger request jm1-0 (periodic) was answered with success for checkpoint 1, which never completed');
  });

  it('names a success for a checkpoint no longer in the completed store', () => {
    const stream = [started(0), requested(900, 'jm1-0'), ...alignedCheckpoint(1_000, 1, 1), at(1_060, { type: 'checkpoint-removed-from-store', checkpointId: 1 }), succeeded(1_070, 'jm1-0', 1)];
    expect(verdict(stream)[0]?.message).toBe('trigger request jm1-0 (periodic) was answered with checkpoint 1, which is no longer in the completed store');
  });

  it('names a success whose state was already discarded', () => {
    const stream = [started(0), requested(2_900, 'jm1-0', 'savepoint'), completed(3_050, 3, 'savepoint'), at(3_060, { type: 'storage-discarded', key: 'chk-3/count#0@0' }), succeeded(3_070, 'jm1-0', 3, 'savepoint')];
    expect(verdict(stream)[0]?.message).toBe('trigger request jm1-0 (savepoint) was answered with savepoint 3, whose state chk-3/count#0@0 was already discarded');
  });

  it('names a savepoint request answered with a checkpoint', () => {
    const stream = [started(0), requested(900, 'jm1-0', 'savepoint'), ...alignedCheckpoint(1_000, 1, 1), succeeded(1_070, 'jm1-0', 1, 'savepoint')];
    expect(verdict(stream)[0]?.message).toBe('trigger request jm1-0 (savepoint) was answered with checkpoint 1, not a savepoint');
  });

  it("names a failure without one of Flink's reasons", () => {
    const [violation] = verdict([started(0), requested(900, 'jm1-0', 'manual'), failed(950, 'jm1-0', undefined, 'OOPS', 'manual')]);
    expect(violation?.message).toBe("trigger request jm1-0 (manual) failed with reason OOPS, which is not one of Flink's CheckpointFailureReasons");
  });

  it('names a failed checkpoint that is restored, unless its HA write may have landed', () => {
    const restore: Observation = at(9_000, { type: 'task-restored', task: 'count#0', attempt: 1, checkpointId: 2, content: { keyed: {}, operator: {}, lineage: [] }, channelStateRecords: 0 });
    expect(verdict([...correct, restore])[0]?.message).toBe('count#0 restored checkpoint 2, whose trigger was answered with failure CHECKPOINT_EXPIRED');
    const possiblyStored: Observation = at(2_400, { type: 'checkpoint-store-write-failed', checkpointId: 2, possiblyStored: true, stateKept: true, acknowledgedTasks: [] });
    const stream = [...correct.slice(0, 6), possiblyStored, ...correct.slice(6), restore];
    expect(verdict(stream)).toEqual([]);
  });

  it('names a trigger answered with failure whose checkpoint completed', () => {
    const stream = [started(0), requested(900, 'jm1-0'), triggered(1_000, 1), failed(1_010, 'jm1-0', 1, 'CHECKPOINT_EXPIRED'), completed(1_050, 1)];
    expect(verdict(stream)[0]?.message).toBe('checkpoint 1 completed after its trigger was answered with failure CHECKPOINT_EXPIRED');
  });
});
