import { describe, expect, it } from 'vitest';
import { GapFacts, classifyViolations, knownGaps } from '../../src/oracle/known-gaps.js';
import type { Observation } from '../../src/cluster/observations.js';
import type { Violation } from '../../src/oracle/violation.js';
import { JobBuilder } from '../../src/cluster/jobgraph/job-builder.js';
import { runCase } from '../../src/explore/run-case.js';
import { decodeReplayToken } from '../../src/explore/replay-token.js';
import { findScenario } from '../../scenarios/index.js';

const job = (() => {
  const builder = new JobBuilder('pipeline');
  builder.source('s', [[]], { parallelism: 1 }).sink('k', 'two-phase-commit', { parallelism: 1 });
  return builder.build();
})();

const at = (timeUs: number, body: Record<string, unknown>): Observation => ({ timeUs, ...body }) as unknown as Observation;
const file = 'sink#0/part-1.0-0';
const cause = (path: string): string => `operator failed to open: sink-committer#0: commit of ${path} failed: no such pending file; fixed-delay restart attempts (3) exhausted`;
// Checkpoint 2 holds the part file in progress; plain savepoint 3 closed it for commit (never
// notified, so never committed); a failover restores checkpoint 2, resuming and truncating the
// file; the job is later resumed from savepoint 3, whose committer cannot commit it.
const inProgressAt2 = at(1, { type: 'snapshot-taken', checkpointId: 2, task: 'sink#0', attempt: 0, unaligned: false, content: { operator: { checkpointId: 2, inProgress: [{ path: file, length: 61 }] } } });
const preCommittedFor3 = at(2, { type: 'transaction-pre-committed', task: 'sink#0', transactionId: file, checkpointId: 3 });
const savepoint3 = at(3, { type: 'checkpoint-completed', checkpointId: 3, checkpointType: 'savepoint', acknowledgedTasks: [], awaitedTasks: [], stateHandles: [] });
const failoverTo = (checkpointId: number): Observation => at(4, { type: 'failover', scope: 'global', tasks: [], cause: 'x', restoreCheckpointId: checkpointId });
const jobFailed = (path: string): Observation => at(5, { type: 'job-status', status: 'FAILED', cause: cause(path) });
const violations: Violation[] = [
  { property: 'job-finishes', message: `the job did not finish: status FAILED (${cause(file)}), run ended stopped: job FAILED`, timeUs: 5, details: { outcome: 'stopped', jobStatus: 'FAILED' } },
  { property: 'liveness', message: 'no checkpoint completed within 2000000 us after the last fault healed (none completed after it; job FAILED)', timeUs: 5, details: { jobStatus: 'FAILED' } },
];

function classify(observations: readonly Observation[]): string[] {
  const facts = new GapFacts();
  for (const observation of observations) facts.observe(observation);
  return classifyViolations(violations, facts, { job, mode: 'EXACTLY_ONCE' }).gaps.map(({ gap, violation }) => `${gap.name}:${violation.property}`);
}

describe('savepoint-restored-after-rollback with a FileSink: the rollback truncated a part file the savepoint had closed for commit', () => {
  it('the resumed savepoint\'s committer cannot commit it, so the job FAILS restoring (Flink 1.20: Missing data in tmp file)', () => {
    expect(classify([inProgressAt2, preCommittedFor3, savepoint3, failoverTo(2), jobFailed(file)])).toEqual([
      `${knownGaps.savepointRestoredAfterRollback.name}:job-finishes`,
      `${knownGaps.savepointRestoredAfterRollback.name}:liveness`,
    ]);
  });

  it('explains nothing without the rollback, for a checkpoint savepoint, a file the restored checkpoint did not hold, a file committed before, or another failure', () => {
    expect(classify([inProgressAt2, preCommittedFor3, savepoint3, jobFailed(file)])).toEqual([]);
    expect(classify([inProgressAt2, preCommittedFor3, at(3, { type: 'checkpoint-completed', checkpointId: 3, checkpointType: 'checkpoint', acknowledgedTasks: [], awaitedTasks: [], stateHandles: [] }), failoverTo(2), jobFailed(file)])).toEqual([]);
    expect(classify([inProgressAt2, preCommittedFor3, savepoint3, failoverTo(1), jobFailed(file)])).toEqual([]);
    expect(classify([inProgressAt2, preCommittedFor3, savepoint3, at(3, { type: 'transaction-committed', task: 'sink-committer#0', transactionId: file, checkpointId: 3, records: 64, alreadyCommitted: false }), failoverTo(2), jobFailed(file)])).toEqual([]);
    expect(classify([inProgressAt2, preCommittedFor3, savepoint3, failoverTo(2), jobFailed('sink#1/part-1.0-0')])).toEqual([]);
  });

  // Found by the default sweep (file-sink seed 908529316): savepoint 3 closed part file 0 for
  // commit; checkpoint 4's HA write failed past the tolerable failures, and the restart restored
  // checkpoint 2, which resumed the file at 61 records; a cancel then resumed savepoint 3. Run with
  // 3 restart attempts instead of the scenario's 1000 (the same failure, a seventieth of the events).
  // Since file-sink reads a FLIP-27 source the case runs differently: no restore resumes the file,
  // and the job finishes. It stays a regression case of the correct protocol; the gap rule is
  // held to its shape by the hand-built streams above (an end-to-end case of it is still to find).
  it('the file-sink case of the default sweep that found the gap is not a violation', () => {
    const spec = decodeReplayToken('ckpt1.eyJzY2VuYXJpbyI6ImZpbGUtc2luayIsInNlZWQiOjkwODUyOTMxNiwicGFyYW1ldGVycyI6eyJldmVudHMiOjc1MH0sImZhdWx0cyI6W3sia2luZCI6ImhhLXN0b3JlIiwiYWN0aW9uIjoiZmFpbC13cml0ZXMiLCJ0YXJnZXQiOiJjb21wbGV0ZWQtY2hlY2twb2ludCIsImNvdW50IjoxLCJ3aGVuIjp7Im9uU3RlcCI6InRhc2suYWxpZ25tZW50LWNvbXBsZXRlZCIsIm9jY3VycmVuY2UiOjEsImNoZWNrcG9pbnRJZCI6M319LHsia2luZCI6InNhdmVwb2ludCIsIndoZW4iOnsib25TdGVwIjoiY29vcmRpbmF0b3IuYWxsLWFja25vd2xlZGdlZCIsIm9jY3VycmVuY2UiOjEsImNoZWNrcG9pbnRJZCI6Mn19LHsia2luZCI6ImNoZWNrcG9pbnQiLCJ3aGVuIjp7Im9uU3RlcCI6ImNvb3JkaW5hdG9yLmNoZWNrcG9pbnQtdHJpZ2dlcmVkIiwib2NjdXJyZW5jZSI6MSwiY2hlY2twb2ludElkIjoyfX0seyJraW5kIjoiY2FuY2VsIiwicmVzdW1lRnJvbSI6ImxhdGVzdCIsInJlc3VtZUFmdGVyVXMiOjE3MTMxNCwid2hlbiI6eyJhdFVzIjoxODcyMzR9fV0sImNvbmZpZyI6eyJjaGVja3BvaW50Ijp7ImludGVydmFsVXMiOjcwMDEsInJldGFpbmVkQ2hlY2twb2ludHMiOjMsIm1heENvbmN1cnJlbnRDaGVja3BvaW50cyI6MiwidGltZW91dFVzIjoyMDAwMTF9LCJpbmNyZW1lbnRhbENoZWNrcG9pbnRzIjp0cnVlfX0.cb8ea2d8');
    const result = runCase(findScenario('file-sink')!, { ...spec, config: { ...spec.config, restartStrategy: { kind: 'fixed-delay', attempts: 3, delayUs: 50_000 } } });
    expect(result.violations).toEqual([]);
    expect(result.jobStatus).toBe('FINISHED');
    expect(result.verdict).toBe('pass');
  });
});
