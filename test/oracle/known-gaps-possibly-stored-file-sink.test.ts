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

const file = 'sink#0/part-1.0-0';
const preCommitted = (checkpointId: number): Observation => ({ type: 'transaction-pre-committed', timeUs: checkpointId, task: 'sink#0', transactionId: file, checkpointId }) as unknown as Observation;
const storeWriteFailed = (possiblyStored: boolean): Observation =>
  ({ type: 'checkpoint-store-write-failed', timeUs: 3, checkpointId: 2, possiblyStored, stateKept: true, acknowledgedTasks: [] }) as unknown as Observation;
const committed: Observation = { type: 'transaction-committed', timeUs: 9, task: 'sink-committer#0', transactionId: file, checkpointId: 2, records: 64, alreadyCommitted: false } as unknown as Observation;
const reattributed: Violation = {
  property: 'two-phase-commit',
  message: `transaction ${file} of sink-committer#0 was committed as part of checkpoint 2 but pre-committed for checkpoint 4`,
  details: { transactionId: file, task: 'sink-committer#0', checkpointId: 2 },
} as unknown as Violation;
const lostAndDuplicated: Violation = { property: 'exactly-once', message: '17 record(s) lost, 17 duplicated', details: { missing: [1], extra: [2] } } as unknown as Violation;

function classify(observations: readonly Observation[]): string[] {
  const facts = new GapFacts();
  for (const observation of observations) facts.observe(observation);
  return classifyViolations([reattributed, lostAndDuplicated], facts, { job, mode: 'EXACTLY_ONCE' }).gaps.map((gap) => gap.gap.name);
}

describe('possibly-stored-checkpoint-restored with a FileSink: a part file rewritten after a restore to an older checkpoint', () => {
  it('the recovered possibly stored checkpoint commits the part file a later attempt resumed and pre-committed again', () => {
    const name = knownGaps.possiblyStoredCheckpointRestored.name;
    expect(classify([preCommitted(2), storeWriteFailed(true), preCommitted(4), committed])).toEqual([name, name]);
  });

  it('explains nothing when the checkpoint surely was not stored, or the file was never pre-committed again', () => {
    expect(classify([preCommitted(2), storeWriteFailed(false), preCommitted(4), committed])).toEqual([]);
    expect(classify([preCommitted(2), storeWriteFailed(true), committed])).toEqual([]);
  });

  // Found by the default sweep: checkpoint 2's HA write is ambiguous, the job restarts from
  // checkpoint 1 (resuming and rewriting part file 0, which checkpoint 2 had closed for commit),
  // then a JobMaster crash recovers checkpoint 2 from HA and commits that file.
  it('the file-sink case of the default sweep is this gap, not a violation', () => {
    const token =
      'ckpt1.eyJzY2VuYXJpbyI6ImZpbGUtc2luayIsInNlZWQiOjEwLCJwYXJhbWV0ZXJzIjp7ImV2ZW50cyI6NTAwfSwiZmF1bHRzIjpbeyJraW5kIjoiaGEtc3RvcmUiLCJhY3Rpb24iOiJhbWJpZ3VvdXMtd3JpdGVzIiwidGFyZ2V0IjoiY29tcGxldGVkLWNoZWNrcG9pbnQiLCJjb3VudCI6MSwid2hlbiI6eyJvblN0ZXAiOiJ0YXNrLmFsaWdubWVudC1jb21wbGV0ZWQiLCJvY2N1cnJlbmNlIjoxLCJjaGVja3BvaW50SWQiOjN9fSx7ImtpbmQiOiJjcmFzaC1qb2JtYXN0ZXIiLCJyZWNvdmVyQWZ0ZXJVcyI6MCwid2hlbiI6eyJvblN0ZXAiOiJ0YXNrLmFsaWdubWVudC1jb21wbGV0ZWQiLCJvY2N1cnJlbmNlIjoxLCJjaGVja3BvaW50SWQiOjR9fV0sImNvbmZpZyI6eyJjaGVja3BvaW50Ijp7ImludGVydmFsVXMiOjY5OTQsInJldGFpbmVkQ2hlY2twb2ludHMiOjIsIm1heENvbmN1cnJlbnRDaGVja3BvaW50cyI6MiwidGltZW91dFVzIjo2NzcxNDc0OX0sImluY3JlbWVudGFsQ2hlY2twb2ludHMiOnRydWV9fQ.ad3b9376';
    const spec = decodeReplayToken(token);
    const result = runCase(findScenario('file-sink')!, spec);
    expect(result.verdict).toBe('expected-gap');
    expect(result.violations).toEqual([]);
    expect(result.gaps.map(({ gap }) => gap.name)).toEqual(['possibly-stored-checkpoint-restored', 'possibly-stored-checkpoint-restored']);
  });
});
