import { describe, expect, it } from 'vitest';
import { CheckpointFailureManager, type CheckpointFailure } from '../../../src/cluster/checkpoint/checkpoint-failure-manager.js';
import type { CheckpointFailureReason } from '../../../src/cluster/checkpoint/types.js';

function manager(tolerable: number, countedReasons?: ReadonlySet<CheckpointFailureReason>): { subject: CheckpointFailureManager; causes: string[] } {
  const causes: string[] = [];
  const subject = new CheckpointFailureManager({
    tolerableCheckpointFailures: tolerable,
    failJob: (cause) => causes.push(cause),
    failJobDueToTaskFailure: (cause, task, attempt) => causes.push(`${cause} [${task}@${attempt}]`),
    ...(countedReasons === undefined ? {} : { countedReasons }),
  });
  return { subject, causes };
}

const expired = (checkpointId: number | undefined): CheckpointFailure => ({ checkpointId, type: 'checkpoint', reason: 'CHECKPOINT_EXPIRED', declinedBy: undefined });

describe('CheckpointFailureManager', () => {
  it('tolerance 0 fails the job on the first counted failure', () => {
    const { subject, causes } = manager(0);
    subject.handleCheckpointException(expired(1));
    expect(causes).toHaveLength(1);
    expect(causes[0]).toContain('CHECKPOINT_EXPIRED');
  });

  it('tolerance N tolerates N consecutive failures and fails on N + 1', () => {
    const { subject, causes } = manager(2);
    subject.handleCheckpointException(expired(1));
    subject.handleCheckpointException({ checkpointId: 2, type: 'checkpoint', reason: 'CHECKPOINT_DECLINED', declinedBy: { task: 'map#0', attempt: 0 } });
    expect(causes).toEqual([]);
    expect(subject.continuousFailureCount).toBe(2);
    subject.handleCheckpointException({ checkpointId: 3, type: 'checkpoint', reason: 'CHECKPOINT_ASYNC_EXCEPTION', declinedBy: { task: 'map#0', attempt: 0 } });
    expect(causes).toHaveLength(1);
    expect(subject.continuousFailureCount).toBe(0);
  });

  it('fails the job for a task-level failure through failJobDueToTaskFailure, naming the declining attempt, and for a job-level one through failJob', () => {
    const taskLevel = manager(0);
    taskLevel.subject.handleCheckpointException({ checkpointId: 1, type: 'checkpoint', reason: 'CHECKPOINT_DECLINED', declinedBy: { task: 'map#0', attempt: 3 } });
    expect(taskLevel.causes).toEqual(['Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due to CHECKPOINT_DECLINED. [map#0@3]']);
    const jobLevel = manager(0);
    jobLevel.subject.handleCheckpointException(expired(1));
    expect(jobLevel.causes).toEqual(['Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due to CHECKPOINT_EXPIRED.']);
    // A pre-flight reason is job-level even when a task reported it.
    const preFlight = manager(0);
    preFlight.subject.handleCheckpointException({ checkpointId: 1, type: 'checkpoint', reason: 'IO_EXCEPTION', declinedBy: { task: 'map#0', attempt: 3 } });
    expect(preFlight.causes).toEqual(['Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due to IO_EXCEPTION.']);
  });

  it('counts each checkpoint id once', () => {
    const { subject, causes } = manager(1);
    subject.handleCheckpointException(expired(4));
    subject.handleCheckpointException({ checkpointId: 4, type: 'checkpoint', reason: 'CHECKPOINT_DECLINED', declinedBy: { task: 'a#0', attempt: 0 } });
    expect(subject.continuousFailureCount).toBe(1);
    expect(causes).toEqual([]);
  });

  it('counts every attempt that had no id yet', () => {
    const { subject } = manager(5);
    const ioFailure: CheckpointFailure = { checkpointId: undefined, type: 'checkpoint', reason: 'IO_EXCEPTION', declinedBy: undefined };
    subject.handleCheckpointException(ioFailure);
    subject.handleCheckpointException(ioFailure);
    expect(subject.continuousFailureCount).toBe(2);
  });

  it('a success resets the count, and ids at or below the last success are ignored', () => {
    const { subject, causes } = manager(1);
    subject.handleCheckpointException(expired(1));
    subject.handleCheckpointSuccess(3);
    expect(subject.continuousFailureCount).toBe(0);
    subject.handleCheckpointException(expired(2));
    subject.handleCheckpointException(expired(3));
    expect(subject.continuousFailureCount).toBe(0);
    subject.handleCheckpointException(expired(4));
    expect(subject.continuousFailureCount).toBe(1);
    expect(causes).toEqual([]);
  });

  it('ignores reasons that are not counted', () => {
    const { subject, causes } = manager(0);
    const uncounted: CheckpointFailureReason[] = [
      'CHECKPOINT_SUBSUMED',
      'CHECKPOINT_COORDINATOR_SUSPEND',
      'CHECKPOINT_COORDINATOR_SHUTDOWN',
      'NOT_ALL_REQUIRED_TASKS_RUNNING',
      'TRIGGER_CHECKPOINT_FAILURE',
      'JOB_FAILOVER_REGION',
      'PERIODIC_SCHEDULER_SHUTDOWN',
      'MINIMUM_TIME_BETWEEN_CHECKPOINTS',
    ];
    uncounted.forEach((reason, index) => subject.handleCheckpointException({ checkpointId: index + 1, type: 'checkpoint', reason, declinedBy: undefined }));
    expect(causes).toEqual([]);
    expect(subject.continuousFailureCount).toBe(0);
  });

  it('counts exactly the reasons it is configured with', () => {
    const { subject, causes } = manager(0, new Set<CheckpointFailureReason>(['CHECKPOINT_DECLINED_SUBSUMED']));
    subject.handleCheckpointException(expired(1));
    expect(causes).toEqual([]);
    subject.handleCheckpointException({ checkpointId: 2, type: 'checkpoint', reason: 'CHECKPOINT_DECLINED_SUBSUMED', declinedBy: { task: 'a#0', attempt: 0 } });
    expect(causes).toHaveLength(1);
  });

  it('never counts coordinator-side savepoint failures', () => {
    const { subject, causes } = manager(0);
    subject.handleCheckpointException({ checkpointId: 1, type: 'savepoint', reason: 'CHECKPOINT_EXPIRED', declinedBy: undefined });
    subject.handleCheckpointException({ checkpointId: 2, type: 'sync-savepoint', reason: 'CHECKPOINT_EXPIRED', declinedBy: undefined });
    expect(causes).toEqual([]);
  });

  it('counts task-side failures of plain savepoints', () => {
    const { subject, causes } = manager(0);
    subject.handleCheckpointException({ checkpointId: 1, type: 'savepoint', reason: 'CHECKPOINT_DECLINED', declinedBy: { task: 'a#0', attempt: 0 } });
    expect(causes).toHaveLength(1);
  });

  it('a synchronous savepoint declined by a task always fails the job, whatever the reason and tolerance', () => {
    const { subject, causes } = manager(100);
    subject.handleCheckpointException({ checkpointId: 1, type: 'sync-savepoint', reason: 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER', declinedBy: { task: 'sink#0', attempt: 0 } });
    expect(causes).toHaveLength(1);
    expect(causes[0]).toContain('synchronous savepoint 1');
  });

  it('handles pre-flight reasons reported by a task as coordinator-side', () => {
    const { subject, causes } = manager(0);
    subject.handleCheckpointException({ checkpointId: 1, type: 'sync-savepoint', reason: 'IO_EXCEPTION', declinedBy: { task: 'sink#0', attempt: 0 } });
    expect(causes).toEqual([]);
  });
});
