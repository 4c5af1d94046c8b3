import { describe, expect, it } from 'vitest';
import { GapFacts, classifyViolations, knownGaps } from '../../src/oracle/known-gaps.js';
import type { Observation } from '../../src/cluster/observations.js';
import type { Violation } from '../../src/oracle/violation.js';
import { JobBuilder } from '../../src/cluster/jobgraph/job-builder.js';
import { decodeReplayToken } from '../../src/explore/replay-token.js';
import { runCase } from '../../src/explore/run-case.js';
import { findScenario } from '../../scenarios/index.js';

const job = (() => {
  const builder = new JobBuilder('pipeline');
  builder.source('source', [[]], { parallelism: 2 }).sink('sink', 'two-phase-commit', { parallelism: 1 });
  return builder.build();
})();

const at = (timeUs: number, body: object): Observation => ({ timeUs, ...body }) as unknown as Observation;

/** The enumerator assigns p2 to source#0 (attempt 0); the AddSplitEvent is then in flight. */
const assigned = at(10, { type: 'splits-assigned', operator: 'source', subtask: 0, attempt: 0, splits: [{ partition: 2, offset: 0 }] });
/** The reader took p2: the event arrived. */
const added = at(12, { type: 'splits-added', task: 'source#0', attempt: 0, splits: [{ partition: 2, offset: 0 }] });
/** Coordinator checkpoint 1 takes the unconfirmed AddSplitEvent over. */
const awaited = at(20, { type: 'coordinator-events-awaited', operator: 'source', checkpointId: 1, events: [{ task: 'source#0', attempt: 0, kind: 'add-splits' }] });
const aborted = (checkpointId: number, timeUs: number) => at(timeUs, { type: 'checkpoint-aborted', checkpointId, checkpointType: 'checkpoint', reason: 'CHECKPOINT_COORDINATOR_SUSPEND' });
const completed = (checkpointId: number, timeUs: number, checkpointType = 'checkpoint') => at(timeUs, { type: 'checkpoint-completed', checkpointId, checkpointType });
const triggered = (checkpointId: number, timeUs: number) => at(timeUs, { type: 'checkpoint-triggered', checkpointId, checkpointType: 'savepoint' });

const splitLost = (checkpointId: number, partition = 2): Violation => ({
  property: 'split-ownership',
  message: `checkpoint ${checkpointId}: split p${partition} of source is in no snapshot (neither unassigned in the enumerator nor in a reader) and was not read to its end before it: it is lost`,
  timeUs: 90,
  details: { checkpointId, operator: 'source', partition },
});
const recordsMissing = (checkpointId: number, partition = 2): Violation => ({
  property: 'consistent-snapshot',
  message: `checkpoint ${checkpointId}: the snapshot of count#0 misses 30 record(s) of partition p${partition} from before the barrier (has 0, expected 30)`,
  timeUs: 90,
  details: { checkpointId, task: 'count#0', partition, count: 0, expectedCount: 30 },
});
const outputLost: Violation = { property: 'exactly-once', message: 'committed output differs', timeUs: 95, details: { missing: [{ record: 'm', expected: 1, committed: 0 }], extra: [], lostRecords: 30 } };

function classify(observations: readonly Observation[], violation: Violation): string[] {
  const facts = new GapFacts();
  for (const observation of observations) facts.observe(observation);
  const { violations, gaps } = classifyViolations([violation], facts, { job, mode: 'EXACTLY_ONCE' });
  expect(violations.length + gaps.length).toBe(1);
  return gaps.map((gap) => gap.gap.name);
}

describe('operator-event-untracked-after-abort gap (OperatorCoordinatorHolder resets its IncompleteFuturesTracker per coordinator checkpoint)', () => {
  const lost = [assigned, awaited, aborted(1, 30), completed(2, 40)];
  const gap = knownGaps.operatorEventUntrackedAfterAbort.name;

  it('explains the split, its missing records and the lost output once a checkpoint completed without the untracked event', () => {
    expect(classify(lost, splitLost(2))).toEqual([gap]);
    expect(classify(lost, splitLost(5))).toEqual([gap]);
    expect(classify(lost, recordsMissing(2))).toEqual([gap]);
    expect(classify(lost, outputLost)).toEqual([gap]);
  });

  it('negative control: the checkpoint that took the event over completed (it waited for the event)', () => {
    const waited = [assigned, awaited, completed(1, 30), completed(2, 40)];
    expect(classify(waited, splitLost(2))).toEqual([]);
    expect(classify(waited, outputLost)).toEqual([]);
  });

  it('negative control: the event arrived after the abort, before the next checkpoint completed', () => {
    expect(classify([assigned, awaited, aborted(1, 30), added, completed(2, 40)], splitLost(2))).toEqual([]);
  });

  it('negative control: a split lost at a checkpoint before the untracked one, or another split', () => {
    expect(classify([...lost, completed(3, 50)], splitLost(1))).toEqual([]);
    expect(classify(lost, splitLost(2, 3))).toEqual([]);
    expect(classify(lost, recordsMissing(2, 3))).toEqual([]);
  });

  it('negative control: no checkpoint took the event over (the holder bug that never waits publishes nothing)', () => {
    expect(classify([assigned, aborted(1, 30), completed(2, 40)], splitLost(2))).toEqual([]);
  });

  it('the default sweep case that found it (fan-in-skew 224: a lost AddSplitEvent for p2, checkpoint 1 aborted by the rescale\'s stop, savepoint 2 taken without it)', () => {
    const spec = decodeReplayToken('ckpt1.eyJzY2VuYXJpbyI6ImZhbi1pbi1za2V3Iiwic2VlZCI6ODgwNzUyMTU0LCJwYXJhbWV0ZXJzIjp7ImV2ZW50cyI6MTAwMH0sImZhdWx0cyI6W3sia2luZCI6InJwYyIsImFjdGlvbiI6ImRyb3AiLCJtZXRob2QiOiJzZW5kT3BlcmF0b3JFdmVudCIsImNvdW50IjoxLCJkZWxheVVzIjoxMywid2hlbiI6eyJvblN0ZXAiOiJ0YXNrLm9wZXJhdG9yLWV2ZW50LXJlY2VpdmVkIiwib2NjdXJyZW5jZSI6Mn19LHsia2luZCI6InJwYyIsImFjdGlvbiI6ImRlbGF5IiwibWV0aG9kIjoidHJpZ2dlckNoZWNrcG9pbnQiLCJjb3VudCI6MSwiZGVsYXlVcyI6MTYyMDY0LCJ3aGVuIjp7ImF0VXMiOjMyNDExOX19LHsia2luZCI6ImNoYW5uZWwtc3RhbGwiLCJjaGFubmVsIjoic291cmNlIzMtPmVucmljaCMzIiwiZXh0cmFVcyI6MzI2MTQsImR1cmF0aW9uVXMiOjEwMDUsIndoZW4iOnsiYXRVcyI6MjcxMzU2fX0seyJraW5kIjoicnBjIiwiYWN0aW9uIjoiZHVwbGljYXRlIiwibWV0aG9kIjoidXBkYXRlVGFza0V4ZWN1dGlvblN0YXRlIiwiY291bnQiOjEsImRlbGF5VXMiOjI5OTk5Miwid2hlbiI6eyJhdFVzIjoyMjMwMjB9fSx7ImtpbmQiOiJjaGVja3BvaW50Iiwid2hlbiI6eyJvblN0ZXAiOiJjb29yZGluYXRvci5hbGwtYWNrbm93bGVkZ2VkIiwib2NjdXJyZW5jZSI6MSwiY2hlY2twb2ludElkIjoyfX0seyJraW5kIjoic2F2ZXBvaW50Iiwid2hlbiI6eyJhdFVzIjoyNzQyNTR9fSx7ImtpbmQiOiJyZXNjYWxlIiwicGFyYWxsZWxpc20iOiJzb3VyY2U9NCxlbnJpY2g9NCx0b3RhbD0zLHNpbms9MyIsIndoZW4iOnsiYXRVcyI6MjI0ODg1fX1dLCJjb25maWciOnsiY2hlY2twb2ludCI6eyJpbnRlcnZhbFVzIjo0ODk1LCJyZXRhaW5lZENoZWNrcG9pbnRzIjoyLCJtYXhDb25jdXJyZW50Q2hlY2twb2ludHMiOjIsInRpbWVvdXRVcyI6MTA4MTk4NzEwfSwiaW5jcmVtZW50YWxDaGVja3BvaW50cyI6dHJ1ZX19.d5910886');
    const result = runCase(findScenario(spec.scenario)!, spec);
    expect(result.violations).toEqual([]);
    expect(result.gaps.map((entry) => entry.gap.name)).toEqual([gap, gap, gap]);
  });
});

describe('savepoint-during-stop gap (a FINISHED task is recorded finished in the checkpoint plan; no guard against a stop in progress)', () => {
  const gap = knownGaps.savepointDuringStop.name;
  const reader = at(5, { type: 'splits-added', task: 'source#0', attempt: 0, splits: [{ partition: 2, offset: 0 }] });
  const stopSavepoint = completed(1, 20, 'sync-savepoint');
  const finished = at(25, { type: 'task-finished', task: 'source#0', attempt: 0 });

  it('explains the split and its missing records in a savepoint triggered after the stopped reader finished', () => {
    const stream = [reader, stopSavepoint, finished, triggered(2, 30)];
    expect(classify(stream, splitLost(2))).toEqual([gap]);
    expect(classify(stream, recordsMissing(2))).toEqual([gap]);
  });

  it('negative control: a savepoint triggered before the reader finished, or with no stop at all', () => {
    expect(classify([reader, stopSavepoint, triggered(2, 22), finished], splitLost(2))).toEqual([]);
    expect(classify([reader, finished, triggered(2, 30)], splitLost(2))).toEqual([]);
  });

  it('negative control: another reader\'s split, and lost output (the stop\'s own savepoint holds the records)', () => {
    const other = at(6, { type: 'splits-added', task: 'source#1', attempt: 0, splits: [{ partition: 3, offset: 0 }] });
    const stream = [reader, other, stopSavepoint, finished, triggered(2, 30)];
    expect(classify(stream, splitLost(2, 3))).toEqual([]);
    expect(classify(stream, outputLost)).toEqual([]);
  });

  it('negative control: a later run, after the stopped job FINISHED, starts afresh', () => {
    const stream = [reader, stopSavepoint, finished, at(28, { type: 'job-status', status: 'FINISHED' }), triggered(2, 30)];
    expect(classify(stream, splitLost(2))).toEqual([]);
  });

  it('the default sweep case that found it (file-sink 299: a savepoint at 128 ms during a stop-with-savepoint with drain)', () => {
    const spec = decodeReplayToken('ckpt1.eyJzY2VuYXJpbyI6ImZpbGUtc2luayIsInNlZWQiOjMxLCJwYXJhbWV0ZXJzIjp7ImV2ZW50cyI6NTAwfSwiZmF1bHRzIjpbeyJraW5kIjoic2F2ZXBvaW50Iiwid2hlbiI6eyJhdFVzIjoxMjgxODV9fSx7ImtpbmQiOiJzdG9wLXdpdGgtc2F2ZXBvaW50IiwiZHJhaW4iOnRydWUsIndoZW4iOnsiYXRVcyI6MTA1NjA0fX1dLCJjb25maWciOnsiY2hlY2twb2ludCI6eyJpbnRlcnZhbFVzIjo3MzYyLCJyZXRhaW5lZENoZWNrcG9pbnRzIjoyLCJtYXhDb25jdXJyZW50Q2hlY2twb2ludHMiOjIsInRpbWVvdXRVcyI6NjAwMDAwMDAwLCJtb2RlIjoiRVhBQ1RMWV9PTkNFIn0sInJwY0RldG91cnMiOnsibWV0aG9kcyI6WyJ0cmlnZ2VyQ2hlY2twb2ludCIsImFja25vd2xlZGdlQ2hlY2twb2ludCIsImRlY2xpbmVDaGVja3BvaW50Iiwibm90aWZ5Q2hlY2twb2ludENvbXBsZXRlIiwibm90aWZ5Q2hlY2twb2ludEFib3J0ZWQiXSwibnVtZXJhdG9yIjoxLCJkZW5vbWluYXRvciI6OCwibWF4RXh0cmFVcyI6Mjk0NDh9fX0.08aa1708');
    const result = runCase(findScenario(spec.scenario)!, spec);
    expect(result.violations).toEqual([]);
    expect(result.gaps.map((entry) => entry.gap.name).sort()).toEqual([gap, gap]);
  });
});
