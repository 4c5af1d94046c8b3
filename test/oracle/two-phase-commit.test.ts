import { describe, expect, it } from 'vitest';
import { endOfInputCheckpointId, type Observation } from '../../src/cluster/observations.js';
import { createTwoPhaseCommitChecker } from '../../src/oracle/checkers/index.js';
import { acknowledged, at, completed, countContent, finalState, judge, sinkContent, snapshot, sourceContent, tinyContext, tinyTasks, triggered } from './support/fixtures.js';

function preCommitted(timeUs: number, checkpointId: number, transactionId: string): Observation {
  return at(timeUs, { type: 'transaction-pre-committed', task: 'sink#0', transactionId, checkpointId });
}

function committed(timeUs: number, checkpointId: number, transactionId: string, alreadyCommitted = false): Observation {
  return at(timeUs, { type: 'transaction-committed', task: 'sink#0', transactionId, checkpointId, records: 3, alreadyCommitted });
}

/** Checkpoint `id` in which sink#0 (attempt `attempt`) pre-commits `transactionId`; completes unless told otherwise. */
function checkpointWithTransaction(timeUs: number, id: number, transactionId: string, outcome: 'completed' | 'aborted' = 'completed', attempt = 0, type: 'checkpoint' | 'savepoint' = 'checkpoint'): Observation[] {
  return [
    triggered(timeUs, id, type),
    snapshot(timeUs + 10, id, 'source#0', sourceContent(id)),
    snapshot(timeUs + 20, id, 'count#0', countContent([])),
    preCommitted(timeUs + 30, id, transactionId),
    snapshot(timeUs + 30, id, 'sink#0', sinkContent([{ checkpointId: id, transactionId }], `${transactionId}+1`), attempt),
    ...tinyTasks.map((task, index) => acknowledged(timeUs + 40 + index, id, task)),
    outcome === 'completed'
      ? completed(timeUs + 50, id, type)
      : at(timeUs + 50, { type: 'checkpoint-aborted', checkpointId: id, checkpointType: 'checkpoint', reason: 'CHECKPOINT_EXPIRED' }),
  ];
}

describe('two-phase-commit checker', () => {
  it('stays silent when every transaction is committed once after its checkpoint completed', () => {
    const stream = [
      ...checkpointWithTransaction(1_000, 1, 'tx-1'),
      committed(1_100, 1, 'tx-1'),
      // Pre-committed for an aborted checkpoint, committed with the next completed one (as Flink does).
      ...checkpointWithTransaction(2_000, 2, 'tx-2', 'aborted'),
      ...checkpointWithTransaction(3_000, 3, 'tx-3'),
      committed(3_100, 2, 'tx-2'),
      committed(3_100, 3, 'tx-3'),
      // The idempotent re-commit on restore.
      committed(4_000, 3, 'tx-3', true),
    ];
    expect(judge(createTwoPhaseCommitChecker(tinyContext()), stream)).toEqual([]);
  });

  it('requires a plain savepoint\'s transaction only once a later notified checkpoint of the same attempt completes (Flink never notifies plain savepoints)', () => {
    // Savepoint 1, then a restore back before it: its transaction is aborted, and nothing is lost.
    const abandoned = [
      ...checkpointWithTransaction(1_000, 1, 'tx-1', 'completed', 0, 'savepoint'),
      at(1_500, { type: 'failover', scope: 'global', tasks: [...tinyTasks], cause: 'test', restoreCheckpointId: undefined }),
      at(1_600, { type: 'transaction-aborted', task: 'sink#0', transactionId: 'tx-1', cause: 'restore' }),
    ];
    expect(judge(createTwoPhaseCommitChecker(tinyContext()), abandoned)).toEqual([]);
    // Savepoint 1, then checkpoint 2 with the same attempt: its notification commits both; leaving tx-1 open is a loss.
    const notified = [...checkpointWithTransaction(1_000, 1, 'tx-1', 'completed', 0, 'savepoint'), ...checkpointWithTransaction(2_000, 2, 'tx-2'), committed(2_100, 2, 'tx-2')];
    const violations = judge(createTwoPhaseCommitChecker(tinyContext()), notified);
    expect(violations[0]?.message).toBe('transaction tx-1 of sink#0, pre-committed for completed checkpoint 1, was never committed although the job finished');
    expect(judge(createTwoPhaseCommitChecker(tinyContext()), [...notified, committed(2_100, 1, 'tx-1')])).toEqual([]);
  });

  it('covers every transaction pre-committed for one checkpoint (a FileSink closes several part files), and misses none left uncommitted', () => {
    const twoFiles = (timeUs: number, id: number): Observation[] => [
      triggered(timeUs, id),
      snapshot(timeUs + 10, id, 'source#0', sourceContent(id)),
      snapshot(timeUs + 20, id, 'count#0', countContent([])),
      preCommitted(timeUs + 30, id, `part-${id}-a`),
      preCommitted(timeUs + 30, id, `part-${id}-b`),
      snapshot(timeUs + 30, id, 'sink#0', sinkContent([], 'none')),
      ...tinyTasks.map((task, index) => acknowledged(timeUs + 40 + index, id, task)),
      completed(timeUs + 50, id),
    ];
    expect(judge(createTwoPhaseCommitChecker(tinyContext()), [...twoFiles(1_000, 1), committed(1_100, 1, 'part-1-a'), committed(1_100, 1, 'part-1-b')])).toEqual([]);
    const violations = judge(createTwoPhaseCommitChecker(tinyContext()), [...twoFiles(1_000, 1), committed(1_100, 1, 'part-1-b')]);
    expect(violations[0]?.message).toBe('transaction part-1-a of sink#0, pre-committed for completed checkpoint 1, was never committed although the job finished');
  });

  it('does not require an end-of-input committable of an attempt that failed before its final snapshot, nor credit it to the next attempt', () => {
    const stream = [
      ...checkpointWithTransaction(1_000, 1, 'tx-1'),
      committed(1_100, 1, 'tx-1'),
      preCommitted(1_200, endOfInputCheckpointId, 'part-eoi'),
      at(1_300, { type: 'task-deployed', task: 'sink#0', attempt: 1, executor: 'taskexecutor-0' }),
      ...checkpointWithTransaction(2_000, 2, 'tx-2', 'completed', 1),
      committed(2_100, 2, 'tx-2'),
    ];
    expect(judge(createTwoPhaseCommitChecker(tinyContext()), stream)).toEqual([]);
    // Without the new attempt, the same committable is the final checkpoint's and must be committed.
    const sameAttempt = stream.filter((observation) => observation.type !== 'task-deployed');
    expect(judge(createTwoPhaseCommitChecker(tinyContext()), sameAttempt.map((observation) => (observation.type === 'snapshot-taken' && observation.task === 'sink#0' ? { ...observation, attempt: 0 } : observation)))[0]?.message).toMatch(/part-eoi/);
  });

  it('names a transaction committed twice', () => {
    const stream = [...checkpointWithTransaction(1_000, 1, 'tx-1'), committed(1_100, 1, 'tx-1'), committed(1_200, 1, 'tx-1')];
    const violations = judge(createTwoPhaseCommitChecker(tinyContext()), stream);
    expect(violations[0]?.property).toBe('two-phase-commit');
    expect(violations[0]?.message).toBe('transaction tx-1 of sink#0 was committed a second time (checkpoint 1)');
  });

  it('names a transaction of a long run committed a second time, long after the first (the ids are held in runs)', () => {
    const stream: Observation[] = [];
    for (let id = 1; id <= 300; id++) stream.push(...checkpointWithTransaction(id * 1_000, id, `sink#0/1.0.${id}`), committed(id * 1_000 + 60, id, `sink#0/1.0.${id}`));
    expect(judge(createTwoPhaseCommitChecker(tinyContext()), [...stream, committed(400_000, 12, 'sink#0/1.0.12', true)])).toEqual([]);
    const violations = judge(createTwoPhaseCommitChecker(tinyContext()), [...stream, committed(400_000, 12, 'sink#0/1.0.12')]);
    expect(violations[0]?.message).toBe('transaction sink#0/1.0.12 of sink#0 was committed a second time (checkpoint 12)');
  });

  it('names a transaction committed before any checkpoint holding it completed', () => {
    const stream: Observation[] = checkpointWithTransaction(1_000, 1, 'tx-1').filter((observation) => observation.type !== 'checkpoint-completed');
    stream.push(committed(1_100, 1, 'tx-1'));
    const violations = judge(createTwoPhaseCommitChecker(tinyContext()), stream);
    expect(violations[0]?.message).toBe('transaction tx-1 of sink#0 was committed for checkpoint 1, but no completed checkpoint at or after 1 holds it (latest completed: none)');
  });

  it('names a transaction of a failed attempt committed although a later checkpoint of another attempt completed', () => {
    const stream = [...checkpointWithTransaction(1_000, 1, 'tx-old', 'aborted', 0), ...checkpointWithTransaction(2_000, 2, 'tx-new', 'completed', 1), committed(2_100, 1, 'tx-old')];
    const violations = judge(createTwoPhaseCommitChecker(tinyContext()), stream);
    expect(violations[0]?.message).toBe('transaction tx-old of sink#0 was committed for checkpoint 1, but no completed checkpoint at or after 1 holds it (latest completed: 2)');
  });

  it('names a transaction of a completed checkpoint never committed when the job finished, but not when it did not', () => {
    const stream = checkpointWithTransaction(1_000, 1, 'tx-1');
    const violations = judge(createTwoPhaseCommitChecker(tinyContext()), stream);
    expect(violations[0]?.message).toBe('transaction tx-1 of sink#0, pre-committed for completed checkpoint 1, was never committed although the job finished');
    expect(judge(createTwoPhaseCommitChecker(tinyContext()), stream, finalState({ jobStatus: 'FAILED' }))).toEqual([]);
  });

  describe('Sink V2 end-of-input committables (checkpoint id EOI, judged by the writer\'s next snapshot)', () => {
    /** The writer prepares tx-eoi at end of input after checkpoint 1; checkpoint 2 (the final one) follows. */
    function endOfInputRun(finalOutcome: 'completed' | 'aborted'): Observation[] {
      return [
        ...checkpointWithTransaction(1_000, 1, 'tx-1'),
        committed(1_100, 1, 'tx-1'),
        preCommitted(1_200, endOfInputCheckpointId, 'tx-eoi'),
        triggered(2_000, 2, 'checkpoint'),
        snapshot(2_010, 2, 'source#0', sourceContent(2)),
        snapshot(2_020, 2, 'count#0', countContent([])),
        snapshot(2_030, 2, 'sink#0', sinkContent([], 'none')),
        ...tinyTasks.map((task, index) => acknowledged(2_040 + index, 2, task)),
        finalOutcome === 'completed' ? completed(2_050, 2, 'checkpoint') : at(2_050, { type: 'checkpoint-aborted', checkpointId: 2, checkpointType: 'checkpoint', reason: 'CHECKPOINT_EXPIRED' }),
      ];
    }

    it('accepts the commit once the final checkpoint completed', () => {
      expect(judge(createTwoPhaseCommitChecker(tinyContext()), [...endOfInputRun('completed'), committed(2_100, endOfInputCheckpointId, 'tx-eoi')])).toEqual([]);
    });

    it('names a commit before the final checkpoint completed (a checkpoint taken before end of input does not hold it)', () => {
      const stream = [...checkpointWithTransaction(1_000, 1, 'tx-1'), preCommitted(1_200, endOfInputCheckpointId, 'tx-eoi'), committed(1_300, endOfInputCheckpointId, 'tx-eoi')];
      const violations = judge(createTwoPhaseCommitChecker(tinyContext()), stream);
      expect(violations[0]?.message).toMatch(/^transaction tx-eoi of sink#0 was committed for checkpoint 9007199254740991, but no completed checkpoint/);
    });

    it('names one never committed although the final checkpoint completed, and requires nothing when it did not complete', () => {
      const violations = judge(createTwoPhaseCommitChecker(tinyContext()), endOfInputRun('completed'));
      expect(violations[0]?.message).toBe(`transaction tx-eoi of sink#0, pre-committed for completed checkpoint ${endOfInputCheckpointId}, was never committed although the job finished`);
      expect(judge(createTwoPhaseCommitChecker(tinyContext()), endOfInputRun('aborted'))).toEqual([]);
      // The final checkpoint aborted, the next one with the same writer attempt completed: required all the same.
      const later = [...endOfInputRun('aborted'), ...checkpointWithTransaction(3_000, 3, 'tx-3'), committed(3_100, 3, 'tx-3')];
      expect(judge(createTwoPhaseCommitChecker(tinyContext()), later)[0]?.message).toMatch(/^transaction tx-eoi of sink#0, pre-committed for completed checkpoint/);
      expect(judge(createTwoPhaseCommitChecker(tinyContext()), [...later, committed(3_100, endOfInputCheckpointId, 'tx-eoi')])).toEqual([]);
    });
  });
});
