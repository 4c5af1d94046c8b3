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
// Checkpoint 1 pre-commits sink#0/1.0; its HA write may have landed; the failover restores
// nothing, and the new attempt aborts sink#0/1.0 as lingering and reopens id 1 (sink#0/1.2).
const beforeRestore: Observation[] = [
  at(1, { type: 'transaction-begun', task: 'sink#0', transactionId: 'sink#0/1.0', idCheckpointId: 1 }),
  at(2, { type: 'transaction-pre-committed', task: 'sink#0', transactionId: 'sink#0/1.0', checkpointId: 1 }),
  at(3, { type: 'checkpoint-store-write-failed', checkpointId: 1, possiblyStored: true, stateKept: true, acknowledgedTasks: [] }),
  at(4, { type: 'transaction-aborted', task: 'sink#0', transactionId: 'sink#0/1.0', cause: 'lingering after restore' }),
  at(5, { type: 'transaction-begun', task: 'sink#0', transactionId: 'sink#0/1.2', idCheckpointId: 1 }),
];
// A new JobMaster recovers checkpoint 1 from HA: its committable is fenced, the writer restores it.
const restoreOfPossiblyStored: Observation[] = [
  at(7, { type: 'transaction-aborted', task: 'sink-committer#0', transactionId: 'sink#0/1.0', cause: 'commit failed: fenced' }),
  at(7, { type: 'task-restored', task: 'sink-committer#0', attempt: 2, checkpointId: 1, content: {}, channelStateRecords: 0 }),
  at(8, { type: 'task-restored', task: 'sink#0', attempt: 2, checkpointId: 1, content: {}, channelStateRecords: 0 }),
];
const stillOpen = (transactionId: string): Violation =>
  ({ property: 'external-hygiene', message: `the job FINISHED with transaction ${transactionId} still open`, details: { openTransactions: [transactionId], openCount: 1 } }) as unknown as Violation;
const lost: Violation = { property: 'exactly-once', message: '576 record(s) lost, 0 duplicated', details: { missing: [1], extra: [] } } as unknown as Violation;

function classify(observations: readonly Observation[], violations: readonly Violation[]): string[] {
  const facts = new GapFacts();
  for (const observation of observations) facts.observe(observation);
  return classifyViolations(violations, facts, { job, mode: 'EXACTLY_ONCE' }).gaps.map((gap) => gap.gap.name);
}

const gap = knownGaps.possiblyStoredCheckpointRestored.name;

describe('possibly-stored-checkpoint-restored with Sink V2 (Kafka): ids reopened after a restore to an older checkpoint', () => {
  it('the fenced commit of the recovered checkpoint loses its records, and the reopened transaction stays open', () => {
    expect(classify([...beforeRestore, ...restoreOfPossiblyStored], [stillOpen('sink#0/1.2'), lost])).toEqual([gap, gap]);
  });

  it('explains no transaction the restored writer should have aborted (an id above the restored checkpoint), nor one begun before the HA write failed', () => {
    const above = [...beforeRestore, at(6, { type: 'transaction-begun', task: 'sink#0', transactionId: 'sink#0/2.2', idCheckpointId: 2 }), ...restoreOfPossiblyStored];
    expect(classify(above, [stillOpen('sink#0/2.2')])).toEqual([]);
    expect(classify([at(0, { type: 'transaction-begun', task: 'sink#0', transactionId: 'sink#0/1.5', idCheckpointId: 1 }), ...beforeRestore, ...restoreOfPossiblyStored], [stillOpen('sink#0/1.5')])).toEqual([]);
    // One open transaction the gap explains does not excuse another.
    expect(classify([...beforeRestore, ...restoreOfPossiblyStored], [{ ...stillOpen('sink#0/1.2'), details: { openTransactions: ['sink#0/1.2', 'sink#1/3.0'], openCount: 2 } } as Violation])).toEqual([]);
  });

  it('explains nothing when the checkpoint surely was not stored, or the fenced transaction was never aborted as lingering', () => {
    const surelyNotStored = beforeRestore.map((observation) => (observation.type === 'checkpoint-store-write-failed' ? { ...observation, possiblyStored: false } : observation));
    expect(classify([...surelyNotStored, ...restoreOfPossiblyStored], [stillOpen('sink#0/1.2'), lost])).toEqual([]);
    const notLingering = beforeRestore.filter((observation) => observation.type !== 'transaction-aborted');
    expect(classify([...notLingering, ...restoreOfPossiblyStored], [lost])).toEqual([]);
  });

  // Found by the default sweep (sink-v2 case 1600): checkpoint 1's HA write is ambiguous and fails
  // the job; the failover restores nothing (aborting checkpoint 1's transactions as lingering, and
  // reopening id 1); a JobMaster crash then recovers checkpoint 1 from HA and restores it.
  it('the sink-v2 case of the default sweep is this gap, not a violation', () => {
    const token =
      'ckpt1.eyJzY2VuYXJpbyI6InNpbmstdjIiLCJzZWVkIjoxMCwicGFyYW1ldGVycyI6eyJsaW5lcyI6MzAwfSwiZmF1bHRzIjpbeyJraW5kIjoiY3Jhc2gtam9ibWFzdGVyIiwicmVjb3ZlckFmdGVyVXMiOjAsIndoZW4iOnsib25TdGVwIjoidGFzay5hbGlnbm1lbnQtY29tcGxldGVkIiwib2NjdXJyZW5jZSI6MSwiY2hlY2twb2ludElkIjoyfX0seyJraW5kIjoiaGEtc3RvcmUiLCJhY3Rpb24iOiJhbWJpZ3VvdXMtd3JpdGVzIiwidGFyZ2V0IjoiY29tcGxldGVkLWNoZWNrcG9pbnQiLCJjb3VudCI6MSwid2hlbiI6eyJhdFVzIjoxMDAzODB9fV0sImNvbmZpZyI6eyJjaGVja3BvaW50Ijp7ImludGVydmFsVXMiOjcwMDUsInJldGFpbmVkQ2hlY2twb2ludHMiOjIsIm1heENvbmN1cnJlbnRDaGVja3BvaW50cyI6MSwidGltZW91dFVzIjoyMDAwMDMsInVuYWxpZ25lZCI6dHJ1ZSwiYWxpZ25lZENoZWNrcG9pbnRUaW1lb3V0VXMiOjB9LCJpbmNyZW1lbnRhbENoZWNrcG9pbnRzIjp0cnVlfX0.99ebae9b';
    const result = runCase(findScenario('sink-v2')!, decodeReplayToken(token));
    expect(result.verdict).toBe('expected-gap');
    expect(result.violations).toEqual([]);
    expect(result.gaps.map(({ gap: explained }) => explained.name)).toEqual([gap, gap]);
    expect(result.gaps.map(({ violation }) => violation.property).sort()).toEqual(['exactly-once', 'external-hygiene']);
  });
});
