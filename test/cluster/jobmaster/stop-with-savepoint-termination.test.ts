import { describe, expect, it } from 'vitest';
import type { CheckpointResult } from '../../../src/cluster/checkpoint/checkpoint-result.js';
import type { CompletedCheckpoint } from '../../../src/cluster/checkpoint/types.js';
import { StopWithSavepointTermination } from '../../../src/cluster/jobmaster/stop-with-savepoint-termination.js';
import type { Observation } from '../../../src/cluster/observations.js';
import { runCase } from '../../../src/explore/run-case.js';
import { findScenario } from '../../../scenarios/index.js';

const savepoint = { checkpointId: 4, type: 'sync-savepoint' } as unknown as CompletedCheckpoint;

function stopping(): { termination: StopWithSavepointTermination; answers: CheckpointResult[]; done: (result: CheckpointResult) => void } {
  const answers: CheckpointResult[] = [];
  return { termination: new StopWithSavepointTermination(), answers, done: (result) => answers.push(result) };
}

describe('StopWithSavepointTermination', () => {
  it('answers once, with the savepoint, when the job finishes after it', () => {
    const { termination, answers, done } = stopping();
    const stop = termination.begin(done);
    expect(termination.inProgress).toBe(true);
    expect(termination.savepointCreated(stop, savepoint)).toBeUndefined();
    expect(termination.createdSavepoint).toBe(savepoint);
    termination.jobFinished();
    termination.jobFinished();
    expect(answers).toEqual([{ ok: true, checkpoint: savepoint }]);
    expect(termination.inProgress).toBe(false);
  });

  it('refuses a second stop while one is in progress', () => {
    const { termination, done } = stopping();
    termination.begin(done);
    expect(() => termination.begin(done)).toThrow(/already in progress/);
  });

  it('hands the savepoint back when the job fails after it', () => {
    const { termination, answers, done } = stopping();
    const stop = termination.begin(done);
    termination.savepointCreated(stop, savepoint);
    termination.jobFailed();
    expect(answers).toEqual([{ ok: false, reason: 'TASK_FAILURE', savepoint }]);
  });

  it('goes on through a failover before its savepoint exists, and names the ended executions once it does', () => {
    const { termination, answers, done } = stopping();
    const stop = termination.begin(done);
    termination.executionsEnded('TaskManager taskexecutor-0 lost');
    termination.executionsEnded('a second failover');
    expect(termination.inProgress).toBe(true);
    expect(answers).toEqual([]);
    expect(termination.savepointCreated(stop, savepoint)).toBe('TaskManager taskexecutor-0 lost');
  });

  it('a failover after the savepoint exists is the JobMaster\'s to fail the job: it records nothing', () => {
    const { termination, done } = stopping();
    const stop = termination.begin(done);
    termination.savepointCreated(stop, savepoint);
    termination.executionsEnded('late failure');
    expect(termination.createdSavepoint).toBe(savepoint);
    expect(stop.executionsEnded).toBeUndefined();
  });

  it('a stop given up is answered with the reason, and its savepoint\'s later outcome is not answered again', () => {
    const { termination, answers, done } = stopping();
    const stop = termination.begin(done);
    termination.abandon('CHECKPOINT_COORDINATOR_SUSPEND');
    expect(termination.savepointFailed(stop, { ok: false, reason: 'CHECKPOINT_DECLINED' })).toBe(false);
    expect(termination.savepointCreated(stop, savepoint)).toBeUndefined();
    expect(answers).toEqual([{ ok: false, reason: 'CHECKPOINT_COORDINATOR_SUSPEND' }]);
  });

  it('end to end (the variant of Flink\'s testFailedTerminationHandling): the executions end while the savepoint is still queued', () => {
    // A failover while the stop's savepoint waits in the coordinator's request queue (here behind
    // a coordinator checkpoint waiting for an operator event to a crashed executor) aborts pending
    // checkpoints only, as Flink's restoreState does: the stop goes on. Once its savepoint
    // completes, the attempts the stop waited for have ended without finishing, so the job FAILS
    // with the savepoint handed back, instead of restoring a checkpoint older than the savepoint
    // whose notification may have committed (the default sweep's savepoint-stop case 815 at
    // 5f86cd9 answered the stop at the failover and restored nothing: split p0 lost).
    const observations: Observation[] = [];
    const result = runCase(
      findScenario('savepoint-stop')!,
      {
        scenario: 'savepoint-stop',
        seed: 1729977732,
        parameters: { events: 600 },
        faults: [
          { kind: 'crash-executor', executor: 'taskexecutor-0', restartAfterUs: 4620, replacement: false, when: { onStep: 'coordinator.operator-event-sent', occurrence: 1 } },
          { kind: 'crash-executor', executor: 'taskexecutor-0', restartAfterUs: 0, replacement: false, when: { atUs: 155985 } },
          { kind: 'sink-commit-failure', count: 1, when: { atUs: 100380 } },
        ],
        config: { checkpoint: { intervalUs: 7008, retainedCheckpoints: 2, maxConcurrentCheckpoints: 3, timeoutUs: 200023 }, incrementalCheckpoints: true },
      } as never,
      { observers: [(observation) => observations.push(observation)] },
    );
    const requested = observations.findIndex((o) => o.type === 'job-operation-requested' && o.operation === 'stop-with-savepoint');
    const failover = observations.findIndex((o, i) => i > requested && o.type === 'failover');
    const triggered = observations.findIndex((o) => o.type === 'checkpoint-triggered' && o.checkpointType === 'sync-savepoint');
    const failing = observations.findIndex((o) => o.type === 'job-status' && o.status === 'FAILING');
    // The case reaches the queued state: a failover between the stop's request and its savepoint's trigger.
    expect(requested).toBeGreaterThanOrEqual(0);
    expect(failover).toBeGreaterThan(requested);
    expect(triggered).toBeGreaterThan(failover);
    // The stop is not answered at the failover; it fails with the savepoint once that completes.
    const answered = observations.findIndex((o) => o.type === 'job-operation-answered' && o.operation === 'stop-with-savepoint');
    expect(answered).toBeGreaterThan(triggered);
    expect(failing).toBeGreaterThan(triggered);
    expect(observations[failing]).toMatchObject({ cause: expect.stringContaining('StopWithSavepointStoppingException') });
    expect(observations[answered]).toMatchObject({ ok: false });
    // No checkpoint is restored in place of the savepoint while the stop is in progress.
    expect(observations.slice(triggered, failing).filter((o) => o.type === 'failover')).toEqual([]);
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe('pass');
  });
});
