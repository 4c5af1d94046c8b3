import { describe, expect, it } from 'vitest';
import { defaultCheckpointConfig } from '../../src/cluster/checkpoint/types.js';
import { JobBuilder } from '../../src/cluster/jobgraph/job-builder.js';
import type { Observation, ObservedEnumeratorState } from '../../src/cluster/observations.js';
import { createSplitOwnershipChecker } from '../../src/oracle/checkers/index.js';
import { at, completed, judge, triggered } from './support/fixtures.js';

/** A FLIP-27 source p=2 over three partitions into a sink. */
function flip27Job() {
  const job = new JobBuilder('flip27');
  const partitions = [0, 1, 2].map(() => [{ key: 'a', value: 1 }, { key: 'b', value: 2 }]);
  job.fromSource('source', partitions, { initialPartitions: 2, newPartitionEveryUs: 1_000, discoveryIntervalUs: 500 }, { parallelism: 2 }).sink('sink', 'at-least-once');
  return job.build();
}

const context = () => ({ job: flip27Job(), checkpoint: { ...defaultCheckpointConfig, intervalUs: 10_000 } });
const verdict = (stream: readonly Observation[]) => judge(createSplitOwnershipChecker(context()), stream);

const enumerator = (timeUs: number, checkpointId: number, state: ObservedEnumeratorState): Observation => at(timeUs, { type: 'enumerator-snapshot-taken', operator: 'source', checkpointId, state });
const reader = (timeUs: number, checkpointId: number, task: string, splits: Record<string, number>, attempt = 0): Observation =>
  at(timeUs, { type: 'snapshot-taken', checkpointId, task, attempt, unaligned: false, content: { keyed: undefined, operator: splits, lineage: [] } });
const finished = (timeUs: number, task: string, partition: number, attempt = 0): Observation => at(timeUs, { type: 'split-finished', task, attempt, partition, endOffset: 2 });

/** Checkpoint `id`: the enumerator's state, then each reader's splits. */
const checkpoint = (timeUs: number, id: number, state: ObservedEnumeratorState, readers: Record<string, Record<string, number>>): Observation[] => [
  triggered(timeUs, id),
  enumerator(timeUs + 1, id, state),
  ...Object.entries(readers).map(([task, splits], index) => reader(timeUs + 10 + index, id, task, splits)),
  completed(timeUs + 50, id),
];

describe('split-ownership checker', () => {
  const correct: Observation[] = [
    // p0 with reader 0, p1 unassigned, p2 not discovered yet.
    ...checkpoint(1_000, 1, { unassigned: [{ partition: 1, offset: 0 }], discovered: [0, 1] }, { 'source#0': { 0: 1 }, 'source#1': {} }),
    // Reader 0 finishes p0 before its snapshot of 2; p1 and p2 went to the readers.
    finished(1_500, 'source#0', 0),
    ...checkpoint(2_000, 2, { unassigned: [], discovered: [0, 1, 2] }, { 'source#0': { 2: 0 }, 'source#1': { 1: 1 } }),
  ];

  it('stays silent when every discovered split has one owner or was read to its end', () => {
    expect(verdict(correct)).toEqual([]);
  });

  it('names a split owned by the enumerator and a reader (read twice after a restore)', () => {
    const twice = [...correct, ...checkpoint(3_000, 3, { unassigned: [{ partition: 2, offset: 0 }], discovered: [0, 1, 2] }, { 'source#0': { 2: 1 }, 'source#1': { 1: 2 } })];
    const [violation] = verdict(twice);
    expect(violation?.property).toBe('split-ownership');
    expect(violation?.message).toBe('checkpoint 3: split p2 of source is owned by the enumerator and source#0, so a restore reads it twice');
  });

  it('names a split owned by two readers', () => {
    const twice = [...correct, ...checkpoint(3_000, 3, { unassigned: [], discovered: [0, 1, 2] }, { 'source#0': { 2: 1 }, 'source#1': { 1: 2, 2: 1 } })];
    expect(verdict(twice)[0]?.message).toBe('checkpoint 3: split p2 of source is owned by source#0 and source#1, so a restore reads it twice');
  });

  it('names a discovered split in no snapshot that was not read to its end (lost)', () => {
    const lost = [...correct, ...checkpoint(3_000, 3, { unassigned: [], discovered: [0, 1, 2] }, { 'source#0': {}, 'source#1': { 1: 2 } })];
    expect(verdict(lost)[0]?.message).toBe('checkpoint 3: split p2 of source is in no snapshot (neither unassigned in the enumerator nor in a reader) and was not read to its end before it: it is lost');
  });

  it('does not count a finish after the finishing reader\'s snapshot (the split arrived after its barrier)', () => {
    const late = [
      triggered(3_000, 3),
      enumerator(3_001, 3, { unassigned: [], discovered: [0, 1, 2] }),
      reader(3_010, 3, 'source#0', {}),
      finished(3_020, 'source#0', 2),
      reader(3_030, 3, 'source#1', { 1: 2 }),
      completed(3_050, 3),
    ];
    expect(verdict([...correct, ...late])[0]?.message).toContain('split p2 of source is in no snapshot');
  });

  it('voids a finish when its reader restores a checkpoint taken before it, and counts one before', () => {
    const restored = [
      ...correct,
      finished(2_500, 'source#0', 2),
      at(2_600, { type: 'failover', scope: 'region', tasks: ['source#0', 'sink#0'], cause: 'test', restoreCheckpointId: 2 }),
      // The restored reader does not have p2 again and no one else does: lost.
      ...checkpoint(3_000, 3, { unassigned: [], discovered: [0, 1, 2] }, { 'source#0': {}, 'source#1': { 1: 2 } }),
    ];
    expect(verdict(restored)[0]?.message).toContain('split p2 of source is in no snapshot');
    // p0 finished before checkpoint 2's snapshot of source#0: the restore keeps it finished.
    const kept = [...correct, at(2_600, { type: 'failover', scope: 'region', tasks: ['source#0'], cause: 'test', restoreCheckpointId: 2 }), ...checkpoint(3_000, 3, { unassigned: [], discovered: [0, 1, 2] }, { 'source#0': { 2: 0 }, 'source#1': { 1: 2 } })];
    expect(verdict(kept)).toEqual([]);
  });

  it('names a completed checkpoint without the enumerator\'s state', () => {
    const missing = [...correct, triggered(3_000, 3), reader(3_010, 3, 'source#0', { 2: 1 }), reader(3_011, 3, 'source#1', { 1: 2 }), completed(3_050, 3)];
    expect(verdict(missing)[0]?.message).toBe('checkpoint 3 completed without the split enumerator state of source');
  });

  it('ignores aborted checkpoints and jobs without FLIP-27 sources', () => {
    const aborted = [...correct, triggered(3_000, 3), enumerator(3_001, 3, { unassigned: [], discovered: [0, 1, 2] }), at(3_020, { type: 'checkpoint-aborted', checkpointId: 3, checkpointType: 'checkpoint', reason: 'CHECKPOINT_EXPIRED' })];
    expect(verdict(aborted)).toEqual([]);
  });
});
