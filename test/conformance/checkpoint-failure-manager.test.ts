/**
 * Conformance with Flink 1.20's CheckpointFailureManagerTest (flink-runtime,
 * org.apache.flink.runtime.checkpoint), through ckptsim's CheckpointFailureManager. Flink's
 * job-level exceptions are failures without a declining task here.
 *
 * Flink methods: 5. Skipped as not behaviour: 0.
 * Ported and todo counts: test/conformance/README.md (generated).
 */
import { describe, expect, it } from 'vitest';
import { CheckpointFailureManager } from '../../src/cluster/checkpoint/checkpoint-failure-manager.js';
import type { CheckpointFailureReason } from '../../src/cluster/checkpoint/types.js';

function manager(tolerable: number): { subject: CheckpointFailureManager; failures: string[] } {
  const failures: string[] = [];
  return { subject: new CheckpointFailureManager({ tolerableCheckpointFailures: tolerable, failJob: (cause) => failures.push(cause), failJobDueToTaskFailure: (cause) => failures.push(cause) }), failures };
}

function jobLevel(subject: CheckpointFailureManager, reason: CheckpointFailureReason, checkpointId: number): void {
  subject.handleCheckpointException({ checkpointId, type: 'checkpoint', reason, declinedBy: undefined });
}

/** Every failure reason ckptsim produces (a subset of Flink's enum). */
const allReasons: readonly CheckpointFailureReason[] = [
  'PERIODIC_SCHEDULER_SHUTDOWN',
  'TOO_MANY_CHECKPOINT_REQUESTS',
  'MINIMUM_TIME_BETWEEN_CHECKPOINTS',
  'NOT_ALL_REQUIRED_TASKS_RUNNING',
  'IO_EXCEPTION',
  'CHECKPOINT_ASYNC_EXCEPTION',
  'CHECKPOINT_DECLINED',
  'CHECKPOINT_EXPIRED',
  'CHECKPOINT_SUBSUMED',
  'CHECKPOINT_COORDINATOR_SUSPEND',
  'CHECKPOINT_COORDINATOR_SHUTDOWN',
  'TRIGGER_CHECKPOINT_FAILURE',
  'FINALIZE_CHECKPOINT_FAILURE',
  'JOB_FAILOVER_REGION',
  'CHECKPOINT_DECLINED_TASK_NOT_READY',
  'CHECKPOINT_DECLINED_TASK_CLOSING',
  'CHECKPOINT_DECLINED_SUBSUMED',
  'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER',
  'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM',
  'TASK_FAILURE',
  'TASK_CHECKPOINT_FAILURE',
];

describe('CheckpointFailureManagerTest (Flink 1.20)', () => {
  it('testIgnoresPastCheckpoints', () => {
    const { subject, failures } = manager(2);
    jobLevel(subject, 'CHECKPOINT_EXPIRED', 1);
    jobLevel(subject, 'CHECKPOINT_EXPIRED', 2);
    subject.handleCheckpointSuccess(2);
    jobLevel(subject, 'CHECKPOINT_EXPIRED', 1);
    jobLevel(subject, 'CHECKPOINT_EXPIRED', 3);
    jobLevel(subject, 'CHECKPOINT_EXPIRED', 4);
    expect(failures).toEqual([]);
  });

  it('testContinuousFailure', () => {
    const { subject, failures } = manager(2);
    jobLevel(subject, 'CHECKPOINT_DECLINED', 1);
    jobLevel(subject, 'CHECKPOINT_DECLINED', 2);
    jobLevel(subject, 'JOB_FAILOVER_REGION', 3);
    jobLevel(subject, 'CHECKPOINT_DECLINED', 4);
    expect(failures).toHaveLength(1);
  });

  it('testBreakContinuousFailure', () => {
    const { subject, failures } = manager(2);
    jobLevel(subject, 'IO_EXCEPTION', 1);
    jobLevel(subject, 'CHECKPOINT_DECLINED', 2);
    jobLevel(subject, 'JOB_FAILOVER_REGION', 3);
    subject.handleCheckpointSuccess(4);
    jobLevel(subject, 'CHECKPOINT_EXPIRED', 5);
    expect(failures).toEqual([]);
  });

  it('testTotalCountValue', () => {
    // Tolerating none, exactly the five counted reasons fail the job (the count restarts after each).
    const { subject, failures } = manager(0);
    for (const reason of allReasons) jobLevel(subject, reason, -2);
    expect(failures).toHaveLength(5);
  });

  it('testIgnoreOneCheckpointRepeatedlyCountMultiTimes', () => {
    const { subject, failures } = manager(2);
    jobLevel(subject, 'CHECKPOINT_DECLINED', 1);
    jobLevel(subject, 'CHECKPOINT_DECLINED', 2);
    jobLevel(subject, 'JOB_FAILOVER_REGION', 3);
    jobLevel(subject, 'CHECKPOINT_DECLINED', 2);
    expect(failures).toEqual([]);
  });
});
