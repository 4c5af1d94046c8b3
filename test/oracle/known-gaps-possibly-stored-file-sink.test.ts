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

  // Found by the default sweep (its plan, on seed 2 since the trigger chain's steps take time): a
  // checkpoint's HA write is ambiguous, the job restarts from an older one (resuming and rewriting
  // a part file the ambiguous one had closed for commit), then a JobMaster crash recovers the
  // ambiguous checkpoint from HA and commits that file.
  it('the file-sink case of the default sweep is this gap, not a violation', () => {
    const token =
      'ckpt1.eyJzY2VuYXJpbyI6ImZpbGUtc2luayIsInNlZWQiOjIsInBhcmFtZXRlcnMiOnsiZXZlbnRzIjo1MDB9LCJmYXVsdHMiOlt7ImtpbmQiOiJoYS1zdG9yZSIsImFjdGlvbiI6ImFtYmlndW91cy13cml0ZXMiLCJ0YXJnZXQiOiJjb21wbGV0ZWQtY2hlY2twb2ludCIsImNvdW50IjoxLCJ3aGVuIjp7Im9uU3RlcCI6InRhc2suYWxpZ25tZW50LWNvbXBsZXRlZCIsIm9jY3VycmVuY2UiOjEsImNoZWNrcG9pbnRJZCI6M319LHsia2luZCI6ImNyYXNoLWpvYm1hc3RlciIsInJlY292ZXJBZnRlclVzIjowLCJ3aGVuIjp7Im9uU3RlcCI6InRhc2suYWxpZ25tZW50LWNvbXBsZXRlZCIsIm9jY3VycmVuY2UiOjEsImNoZWNrcG9pbnRJZCI6NH19XSwiY29uZmlnIjp7ImNoZWNrcG9pbnQiOnsiaW50ZXJ2YWxVcyI6Njk5NCwicmV0YWluZWRDaGVja3BvaW50cyI6MiwibWF4Q29uY3VycmVudENoZWNrcG9pbnRzIjoyLCJ0aW1lb3V0VXMiOjY3NzE0NzQ5fSwiaW5jcmVtZW50YWxDaGVja3BvaW50cyI6dHJ1ZX19.d60074d8';
    const spec = decodeReplayToken(token);
    const result = runCase(findScenario('file-sink')!, spec);
    expect(result.verdict).toBe('expected-gap');
    expect(result.violations).toEqual([]);
    expect(result.gaps.map(({ gap }) => gap.name)).toEqual(['possibly-stored-checkpoint-restored', 'possibly-stored-checkpoint-restored']);
  });
});
