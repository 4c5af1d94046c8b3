import { describe, expect, it } from 'vitest';
import { createConsistentSnapshotChecker } from '../../src/oracle/checkers/index.js';
import { at, finalState, judge, sourceContent, tinyContext, triggered } from './support/fixtures.js';

const context = tinyContext();

const syncSavepointTaken = (timeUs: number) => [triggered(timeUs, 5, 'sync-savepoint'), at(timeUs + 100, { type: 'snapshot-taken' as const, checkpointId: 5, task: 'source#0', attempt: 0, unaligned: false, content: sourceContent(2) })];
const emitted = (timeUs: number) => at(timeUs, { type: 'source-records-emitted' as const, task: 'source#0', partition: 0, fromOffset: 2, count: 8 });
const savepointEnded = (timeUs: number, how: 'completed' | 'aborted') =>
  how === 'completed'
    ? at(timeUs, { type: 'checkpoint-completed' as const, checkpointId: 5, checkpointType: 'sync-savepoint' as const, acknowledgedTasks: [], awaitedTasks: [], stateHandles: [] })
    : at(timeUs, { type: 'checkpoint-aborted' as const, checkpointId: 5, checkpointType: 'sync-savepoint' as const, reason: 'CHECKPOINT_EXPIRED' as const });

describe('consistent-snapshot: a job stopped with a savepoint ends at its cut', () => {
  it('names a source that emitted after taking the stop\'s savepoint, once the savepoint completed', () => {
    const violations = judge(createConsistentSnapshotChecker(context), [...syncSavepointTaken(1_000), emitted(2_000), savepointEnded(3_000, 'completed')], finalState({ jobStatus: 'FINISHED' }));
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toBe('source#0 emitted 8 record(s) of partition 0 from offset 2 at 0.002000 s, after taking the stop-with-savepoint savepoint 5 at 0.001100 s, which completed: the stopped job went past its savepoint');
    expect(violations[0]?.timeUs).toBe(2_000);
  });

  it('names an emission after the savepoint completed, by the attempt that took it', () => {
    const violations = judge(createConsistentSnapshotChecker(context), [...syncSavepointTaken(1_000), savepointEnded(3_000, 'completed'), emitted(4_000)], finalState({ jobStatus: 'FINISHED' }));
    expect(violations[0]?.timeUs).toBe(4_000);
  });

  it('accepts emissions before the savepoint, after a given-up stop, and by a new attempt', () => {
    const before = [triggered(500, 5, 'sync-savepoint'), emitted(900), at(1_100, { type: 'snapshot-taken' as const, checkpointId: 5, task: 'source#0', attempt: 0, unaligned: false, content: sourceContent(2) }), savepointEnded(3_000, 'completed')];
    expect(judge(createConsistentSnapshotChecker(context), before, finalState({ jobStatus: 'FINISHED' }))).toEqual([]);
    expect(judge(createConsistentSnapshotChecker(context), [...syncSavepointTaken(1_000), savepointEnded(1_500, 'aborted'), emitted(2_000)], finalState({ jobStatus: 'FINISHED' }))).toEqual([]);
    const redeployed = [...syncSavepointTaken(1_000), savepointEnded(1_500, 'completed'), at(5_000, { type: 'task-deployed' as const, task: 'source#0', attempt: 1, executor: 'taskexecutor-0' }), emitted(6_000)];
    expect(judge(createConsistentSnapshotChecker(context), redeployed, finalState({ jobStatus: 'FINISHED' }))).toEqual([]);
  });
});
