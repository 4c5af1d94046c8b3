import { describe, expect, it } from 'vitest';
import { GapFacts, classifyViolations, knownGaps } from '../../src/oracle/known-gaps.js';
import type { Observation } from '../../src/cluster/observations.js';
import type { Violation } from '../../src/oracle/violation.js';
import { JobBuilder } from '../../src/cluster/jobgraph/job-builder.js';

const job = (() => {
  const builder = new JobBuilder('pipeline');
  builder.source('s', [[]], { parallelism: 1 }).sink('k', 'two-phase-commit', { parallelism: 1 });
  return builder.build();
})();

const savepointCompleted = { type: 'checkpoint-completed', timeUs: 10, checkpointId: 3, checkpointType: 'sync-savepoint', acknowledgedTasks: [], awaitedTasks: [], stateHandles: [] } as unknown as Observation;
const taskFailover = { type: 'failover', timeUs: 20, scope: 'region', tasks: ['k#0'], cause: 'x', restoreCheckpointId: 2 } as unknown as Observation;
const jobMasterFailover = { type: 'jobmaster-started', timeUs: 30, leaderEpoch: 2, recoveredCheckpointIds: [2] } as unknown as Observation;
const recommitted: Violation = { property: 'recovery', message: 'restored an older checkpoint after the savepoint', details: { knownGap: 'stop-with-savepoint-failover' } } as unknown as Violation;

function classify(observations: readonly Observation[]): string[] {
  const facts = new GapFacts();
  for (const observation of observations) facts.observe(observation);
  return classifyViolations([recommitted], facts, { job, mode: 'EXACTLY_ONCE' }).gaps.map((gap) => gap.gap.name);
}

describe('stop-with-savepoint gaps against Flink 1.20 (FLINK-26783)', () => {
  it('a JobMaster failover after the savepoint is a limit of Flink 1.20 itself', () => {
    expect(classify([savepointCompleted, jobMasterFailover])).toEqual([knownGaps.stopWithSavepointFailover.name]);
    expect(classify([savepointCompleted, taskFailover, jobMasterFailover])).toEqual([knownGaps.stopWithSavepointFailover.name]);
  });

  it('a task failover after the savepoint explains nothing: Flink 1.20 fails the job there instead (FLINK-26783)', () => {
    expect(classify([savepointCompleted, taskFailover])).toEqual([]);
  });

  it('no restore after the savepoint explains nothing', () => {
    expect(classify([savepointCompleted])).toEqual([]);
  });
});
