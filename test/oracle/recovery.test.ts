import { describe, expect, it } from 'vitest';
import type { Observation, SnapshotContent } from '../../src/cluster/observations.js';
import { createRecoveryChecker } from '../../src/oracle/checkers/index.js';
import { alignedCheckpoint, at, countContent, judge, sinkContent, sourceContent, tinyContext, tinyTasks } from './support/fixtures.js';

function restored(timeUs: number, task: string, attempt: number, checkpointId: number, content: SnapshotContent, channelStateRecords = 0): Observation {
  return at(timeUs, { type: 'task-restored', task, attempt, checkpointId, content, channelStateRecords });
}

function deployed(timeUs: number, task: string, attempt: number): Observation {
  return at(timeUs, { type: 'task-deployed', task, attempt, executor: 'taskexecutor-0' });
}

/** The job starts, checkpoints 1 (source at 2) and 2 (source at 4) complete, 1 leaves the store, count#0 fails over. */
function failoverStream(restoreCheckpointId: number | undefined): Observation[] {
  return [
    at(0, { type: 'jobmaster-started', leaderEpoch: 1, recoveredCheckpointIds: [] }),
    ...tinyTasks.map((task) => deployed(10, task, 0)),
    ...alignedCheckpoint(1_000, 1, 2),
    ...alignedCheckpoint(2_000, 2, 4),
    at(2_050, { type: 'checkpoint-removed-from-store', checkpointId: 1 }),
    at(3_000, { type: 'failover', scope: 'region', tasks: ['count#0'], cause: 'test', restoreCheckpointId }),
    deployed(3_010, 'count#0', 1),
  ];
}

/**
 * Checkpoint 1 completes; the source finishes; checkpoint 2, in which it is pre-acknowledged as
 * finished (FLIP-147), completes; then every task fails over to checkpoint 2.
 */
function finishedSourceStream(): Observation[] {
  const second = alignedCheckpoint(2_000, 2, 4).flatMap((observation): Observation[] => {
    if (observation.type === 'checkpoint-triggered') return [{ ...observation, tasksToWaitFor: ['count#0', 'sink#0'], preAcknowledged: ['source#0'] }];
    if ((observation.type === 'snapshot-taken' || observation.type === 'checkpoint-acknowledged') && observation.task === 'source#0') return [];
    return [observation];
  });
  return [
    at(0, { type: 'jobmaster-started', leaderEpoch: 1, recoveredCheckpointIds: [] }),
    ...tinyTasks.map((task) => deployed(10, task, 0)),
    ...alignedCheckpoint(1_000, 1, 4),
    at(1_500, { type: 'task-finished', task: 'source#0', attempt: 0 }),
    ...second,
    at(3_000, { type: 'failover', scope: 'global', tasks: [...tinyTasks], cause: 'test', restoreCheckpointId: 2 }),
    ...tinyTasks.map((task) => deployed(3_010, task, 1)),
  ];
}

describe('recovery checker', () => {
  it('stays silent when a subtask finished in the restored checkpoint is restored as finished (FLIP-147)', () => {
    const stream = [
      ...finishedSourceStream(),
      at(3_020, { type: 'task-finished-on-restore', task: 'source#0', attempt: 1, checkpointId: 2 }),
      restored(3_020, 'count#0', 1, 2, countContent([0, 1, 2, 3])),
      restored(3_020, 'sink#0', 1, 2, sinkContent([], 'sink#0/2')),
      ...['count#0', 'sink#0'].map((task) => at(3_030, { type: 'task-running', task, attempt: 1 })),
    ];
    expect(judge(createRecoveryChecker(tinyContext()), stream)).toEqual([]);
  });

  it('names a subtask finished in the restored checkpoint that runs again (FLINK-21084)', () => {
    const stream = [...finishedSourceStream(), at(3_030, { type: 'task-running', task: 'source#0', attempt: 1 })];
    const violations = judge(createRecoveryChecker(tinyContext()), stream);
    expect(violations[0]?.message).toBe(
      'source#0 (attempt 1) runs again, though it had finished in checkpoint 2, which it restores (the failover at 0.003000 s restores checkpoint 2): a subtask finished in the restored checkpoint is restored as finished (FLIP-147)',
    );
    expect(violations[0]?.details).toMatchObject({ task: 'source#0', attempt: 1, checkpointId: 2 });
  });

  it('names a subtask restored as finished from a checkpoint in which it had not finished', () => {
    const stream = [...finishedSourceStream(), at(3_020, { type: 'task-finished-on-restore', task: 'count#0', attempt: 1, checkpointId: 2 })];
    const violations = judge(createRecoveryChecker(tinyContext()), stream);
    expect(violations[0]?.message).toBe('count#0 (attempt 1) was restored as finished from checkpoint 2, in which it had not finished: its input after that checkpoint is never read');
  });

  it('names a subtask that restores a snapshot of a checkpoint in which it had finished', () => {
    const stream = [...finishedSourceStream(), restored(3_020, 'source#0', 1, 2, sourceContent(4))];
    const violations = judge(createRecoveryChecker(tinyContext()), stream);
    expect(violations[0]?.message).toBe('source#0 (attempt 1) restored a snapshot of checkpoint 2, in which it had finished: it must be restored as finished (FLIP-147)');
  });


  it('stays silent when a failover restores the latest completed checkpoint exactly', () => {
    const stream = [...failoverStream(2), restored(3_020, 'count#0', 1, 2, countContent([0, 1, 2, 3]))];
    expect(judge(createRecoveryChecker(tinyContext()), stream)).toEqual([]);
  });

  it('names a failover that restores an older checkpoint', () => {
    const violations = judge(createRecoveryChecker(tinyContext()), [...failoverStream(1), restored(3_020, 'count#0', 1, 1, countContent([0, 1]))]);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.property).toBe('recovery');
    expect(violations[0]?.message).toBe('the failover at 0.003000 s restores checkpoint 1, but the latest completed checkpoint is 2');
  });

  it('names a task that restores another checkpoint than its failover named', () => {
    const violations = judge(createRecoveryChecker(tinyContext()), [...failoverStream(2), restored(3_020, 'count#0', 1, 1, countContent([0, 1]))]);
    expect(violations[0]?.message).toBe('count#0 (attempt 1) restored checkpoint 1, but the failover at 0.003000 s restores checkpoint 2');
  });

  it('names a task whose restored state differs from its snapshot', () => {
    const violations = judge(createRecoveryChecker(tinyContext()), [...failoverStream(2), restored(3_020, 'count#0', 1, 2, countContent([0, 1, 2]))]);
    expect(violations[0]?.message).toMatch(/^count#0 \(attempt 1\) restored keyed state from checkpoint 2 that differs from its snapshot \(attempt 0\): /);
    expect(violations[0]?.details).toMatchObject({ task: 'count#0', checkpointId: 2, part: 'keyed' });
  });

  it('names a JobMaster that recovers without the latest completed checkpoint', () => {
    const stream = [
      at(0, { type: 'jobmaster-started', leaderEpoch: 1, recoveredCheckpointIds: [] }),
      ...alignedCheckpoint(1_000, 1, 2),
      at(2_000, { type: 'jobmaster-started', leaderEpoch: 2, recoveredCheckpointIds: [] }),
    ];
    const violations = judge(createRecoveryChecker(tinyContext()), stream);
    expect(violations[0]?.message).toBe('the JobMaster of leader epoch 2 recovered checkpoints [], missing the latest completed checkpoint 1');
  });

  it('accepts a new job run that resumes from a completed savepoint', () => {
    const savepoint = alignedCheckpoint(1_000, 1, 2).map((observation) =>
      observation.type === 'checkpoint-triggered' || observation.type === 'checkpoint-completed' ? { ...observation, checkpointType: 'sync-savepoint' as const } : observation,
    );
    const stream = [
      at(0, { type: 'jobmaster-started', leaderEpoch: 1, recoveredCheckpointIds: [] }),
      ...savepoint,
      at(1_500, { type: 'job-status', status: 'FINISHED', cause: undefined }),
      at(1_600, { type: 'jobmaster-started', leaderEpoch: 2, recoveredCheckpointIds: [] }),
      deployed(1_700, 'count#0', 1),
      restored(1_800, 'count#0', 1, 1, countContent([0, 1])),
    ];
    expect(judge(createRecoveryChecker(tinyContext()), stream)).toEqual([]);
  });

  it('names a restore that goes back before a completed stop-with-savepoint savepoint, as a known gap', () => {
    const stream = [
      at(0, { type: 'jobmaster-started', leaderEpoch: 1, recoveredCheckpointIds: [] }),
      ...alignedCheckpoint(1_000, 1, 2),
      ...alignedCheckpoint(2_000, 2, 4).map((observation) =>
        observation.type === 'checkpoint-triggered' || observation.type === 'checkpoint-completed' ? { ...observation, checkpointType: 'sync-savepoint' as const } : observation,
      ),
      at(3_000, { type: 'failover', scope: 'global', tasks: [...tinyTasks], cause: 'test', restoreCheckpointId: 1 }),
    ];
    const violations = judge(createRecoveryChecker(tinyContext()), stream);
    expect(violations[0]?.message).toBe(
      'the failover at 0.003000 s restores checkpoint 1, older than sync-savepoint 2, which completed at 0.002050 s and was notified to the tasks (its transactions may be committed already)',
    );
    expect(violations[0]?.details).toMatchObject({ knownGap: 'stop-with-savepoint-failover' });
  });
});
