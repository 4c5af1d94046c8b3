import { describe, expect, it } from 'vitest';
import { GapFacts, classifyViolations, knownGaps } from '../../src/oracle/known-gaps.js';
import type { CheckpointingMode } from '../../src/cluster/checkpoint/types.js';
import type { Observation } from '../../src/cluster/observations.js';
import type { Violation } from '../../src/oracle/violation.js';
import { JobBuilder } from '../../src/cluster/jobgraph/job-builder.js';

const job = (() => {
  const builder = new JobBuilder('pipeline');
  builder.source('s', [[]], { parallelism: 1 }).sink('k', 'two-phase-commit', { parallelism: 1 });
  return builder.build();
})();

/** The restore's commit of a transaction the store timed out: ten records lost. */
const timedOutCommit = { type: 'transaction-aborted', timeUs: 20, task: 'k#0', transactionId: 'k#0/1.0.3', cause: 'commit failed: timed-out', records: 10 } as unknown as Observation;
/** The same transaction tried again by a later restore: nothing left in it, the loss is not counted twice. */
const timedOutAgain = { ...timedOutCommit, timeUs: 40, records: 0 } as unknown as Observation;
const failover = { type: 'failover', timeUs: 10, scope: 'global', tasks: ['s#0', 'k#0'], cause: 'x', restoreCheckpointId: 4 } as unknown as Observation;

/** An exactly-once violation as the multiset check writes it: `lost` records lost, `duplicated` duplicated. */
function difference(lost: number, duplicated: number): Violation {
  const missing = Array.from({ length: Math.min(lost, 20) }, (_, index) => ({ record: `m${index}`, expected: 1, committed: 0 }));
  const extra = Array.from({ length: Math.min(duplicated, 20) }, (_, index) => ({ record: `e${index}`, expected: 0, committed: 2 }));
  return { property: 'exactly-once', message: 'committed output differs', timeUs: 50, details: { missing, extra, lostRecords: lost } };
}

function classify(observations: readonly Observation[], violation: Violation, mode: CheckpointingMode): string[] {
  const facts = new GapFacts();
  for (const observation of observations) facts.observe(observation);
  const { violations, gaps } = classifyViolations([violation], facts, { job, mode });
  expect(violations.length + gaps.length).toBe(1);
  return gaps.map((gap) => gap.gap.name);
}

describe('transaction-timeout gap (Kafka transaction.timeout.ms; Flink 1.20 gives up on the commit)', () => {
  it('explains a loss no larger than what the timed-out transactions held', () => {
    expect(classify([failover, timedOutCommit], difference(10, 0), 'EXACTLY_ONCE')).toEqual([knownGaps.transactionTimeout.name]);
    expect(classify([failover, timedOutCommit, timedOutAgain], difference(7, 0), 'EXACTLY_ONCE')).toEqual([knownGaps.transactionTimeout.name]);
  });

  it('explains a loss with duplicates under AT_LEAST_ONCE, whose restore replays records beside the loss', () => {
    expect(classify([failover, timedOutCommit], difference(8, 3), 'AT_LEAST_ONCE')).toEqual([knownGaps.transactionTimeout.name]);
  });

  it('negative control: a loss larger than the timed-out transactions held is not the gap', () => {
    expect(classify([failover, timedOutCommit], difference(11, 0), 'EXACTLY_ONCE')).toEqual([]);
    expect(classify([failover, timedOutCommit, timedOutAgain], difference(11, 3), 'AT_LEAST_ONCE')).toEqual([]);
  });

  it('negative control: duplicates beside the loss under EXACTLY_ONCE, where nothing explains them, are not the gap', () => {
    expect(classify([failover, timedOutCommit], difference(8, 3), 'EXACTLY_ONCE')).toEqual([]);
  });

  it('negative control: no timed-out commit, no gap', () => {
    expect(classify([failover], difference(1, 0), 'EXACTLY_ONCE')).toEqual([]);
    expect(classify([failover], difference(1, 3), 'AT_LEAST_ONCE')).toEqual([]);
  });

  it('reads the whole loss from the count, not from the list cut to 20 entries', () => {
    expect(classify([failover, timedOutCommit], difference(25, 0), 'EXACTLY_ONCE')).toEqual([]);
  });
});
