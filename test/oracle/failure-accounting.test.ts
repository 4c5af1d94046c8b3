import { describe, expect, it } from 'vitest';
import type { CheckpointFailureReason, SnapshotType } from '../../src/cluster/checkpoint/types.js';
import type { Observation } from '../../src/cluster/observations.js';
import { createFailureAccountingChecker } from '../../src/oracle/checkers/index.js';
import { at, completed, finalState, judge, tinyContext, triggered } from './support/fixtures.js';

type Decliner = { task: string; attempt: number } | undefined;

/** A checkpoint aborted and reported to the failure manager, as the coordinator publishes it. */
function failed(timeUs: number, checkpointId: number, reason: CheckpointFailureReason, declinedBy: Decliner = undefined, checkpointType: SnapshotType = 'checkpoint'): Observation[] {
  return [
    triggered(timeUs - 100, checkpointId, checkpointType),
    at(timeUs, { type: 'checkpoint-aborted', checkpointId, checkpointType, reason, ...(declinedBy === undefined ? {} : { declinedBy }) }),
    at(timeUs, { type: 'checkpoint-failure-reported', checkpointId, checkpointType, reason, declinedBy }),
  ];
}

function jobFailure(timeUs: number, failingTask?: string, failingAttempt?: number, cause = 'Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due to CHECKPOINT_EXPIRED.'): Observation {
  return at(timeUs, { type: 'job-failure-requested', origin: 'checkpoint-failure-manager', cause, failingTask, failingAttempt });
}

const verdict = (stream: readonly Observation[], tolerable = 1) => judge(createFailureAccountingChecker(tinyContext({ tolerableCheckpointFailures: tolerable })), stream, finalState());

describe('failure-accounting checker', () => {
  it('stays silent when the job fails exactly when Flink would', () => {
    const stream = [
      ...failed(1_000, 1, 'CHECKPOINT_EXPIRED'),
      // Not counted: a subsumed or task-not-ready checkpoint; a savepoint's job-level failure.
      ...failed(2_000, 2, 'CHECKPOINT_DECLINED_TASK_NOT_READY', { task: 'count#0', attempt: 0 }),
      ...failed(2_500, 3, 'CHECKPOINT_EXPIRED', undefined, 'savepoint'),
      // Counted once per id: the second report of the same id cannot be, so a new id fails the job.
      ...failed(3_000, 4, 'CHECKPOINT_DECLINED', { task: 'count#0', attempt: 0 }),
      jobFailure(3_000, 'count#0', 0),
      // A success resets the count; an older checkpoint's failure afterwards does not count.
      ...failed(4_000, 5, 'CHECKPOINT_EXPIRED'),
      triggered(4_100, 7),
      completed(4_200, 7),
      ...failed(4_300, 6, 'CHECKPOINT_EXPIRED'),
      ...failed(5_000, 8, 'CHECKPOINT_EXPIRED'),
      // A declined stop-with-savepoint always fails the job, whatever the count.
      ...failed(6_000, 9, 'CHECKPOINT_DECLINED_TASK_NOT_READY', { task: 'sink#0', attempt: 1 }, 'sync-savepoint'),
      jobFailure(6_000, undefined, undefined, 'synchronous savepoint 9 failed'),
      at(6_000, { type: 'job-status', status: 'RESTARTING', cause: 'synchronous savepoint 9 failed' }),
    ];
    expect(verdict(stream)).toEqual([]);
  });

  it('counts IO_EXCEPTION (a location the coordinator could not initialise): a failure manager that ignores it is named', () => {
    const [violation] = verdict([...failed(1_000, 1, 'IO_EXCEPTION')], 0);
    expect(violation?.property).toBe('failure-accounting');
    expect(verdict([...failed(1_000, 1, 'IO_EXCEPTION'), jobFailure(1_000, undefined, undefined, 'Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due to IO_EXCEPTION.')], 0)).toEqual([]);
  });

  it('names a warranted job failure that never came', () => {
    const [violation] = verdict([...failed(1_000, 1, 'CHECKPOINT_EXPIRED'), ...failed(2_000, 2, 'CHECKPOINT_EXPIRED')]);
    expect(violation?.property).toBe('failure-accounting');
    expect(violation?.message).toBe('the failure manager did not fail the job after checkpoint 2 failed with CHECKPOINT_EXPIRED, the 2nd consecutive counted failure (tolerable 1)');
  });

  it('names a job failure for a failure of a checkpoint older than the latest success (FLINK-18336)', () => {
    const stream = [triggered(1_500, 3), completed(1_600, 3), ...failed(2_000, 2, 'CHECKPOINT_EXPIRED'), jobFailure(2_000)];
    expect(verdict(stream, 0)[0]?.message).toMatch(/^the failure manager failed the job \(.*\) though Flink's rules do not warrant it$/);
  });

  it('names a task-side failure answered with failJob instead of failJobDueToTaskFailure', () => {
    const [violation] = verdict([...failed(1_000, 1, 'CHECKPOINT_DECLINED', { task: 'count#0', attempt: 2 }), jobFailure(1_000)], 0);
    expect(violation?.message).toBe(
      'after checkpoint 1 failed with CHECKPOINT_DECLINED (declined by count#0), the 1st consecutive counted failure (tolerable 0), the failure manager called failJob instead of failJobDueToTaskFailure(count#0 attempt 2)',
    );
  });

  it('counts a savepoint declined by a task, but not a savepoint failing on the coordinator', () => {
    expect(verdict([...failed(1_000, 1, 'CHECKPOINT_EXPIRED', undefined, 'savepoint')], 0)).toEqual([]);
    expect(verdict([...failed(1_000, 1, 'CHECKPOINT_DECLINED', { task: 'count#0', attempt: 0 }, 'savepoint')], 0)[0]?.message).toMatch(/did not fail the job after savepoint 1 failed/);
  });

  it('names a job status for the tolerance that the failure manager never asked for', () => {
    const stream = [at(1_000, { type: 'job-status', status: 'RESTARTING', cause: 'Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due to CHECKPOINT_EXPIRED.' })];
    expect(verdict(stream)[0]?.message).toMatch(/^the job went RESTARTING for "Exceeded checkpoint tolerable failure threshold/);
  });

  it('names an aborted checkpoint never reported to the failure manager', () => {
    const stream = [triggered(900, 1), at(1_000, { type: 'checkpoint-aborted', checkpointId: 1, checkpointType: 'checkpoint', reason: 'CHECKPOINT_EXPIRED' })];
    expect(verdict(stream)[0]?.message).toBe('checkpoint 1 was aborted but never reported to the failure manager');
  });
});
