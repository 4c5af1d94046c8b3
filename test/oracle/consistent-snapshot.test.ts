import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/cluster/observations.js';
import { createConsistentSnapshotChecker } from '../../src/oracle/checkers/index.js';
import {
  acknowledged,
  alignedCheckpoint,
  at,
  completed,
  countContent,
  judge,
  snapshot,
  sinkContent,
  sourceContent,
  tinyContext,
  tinyTasks,
  triggered,
} from './support/fixtures.js';

describe('consistent-snapshot checker', () => {
  it('stays silent when every completed aligned checkpoint matches its source offsets', () => {
    const stream = [...alignedCheckpoint(1_000, 1, 2), ...alignedCheckpoint(2_000, 2, 4)];
    expect(judge(createConsistentSnapshotChecker(tinyContext()), stream)).toEqual([]);
  });

  it('names a record from after the barrier in an aligned snapshot', () => {
    const stream = alignedCheckpoint(1_000, 1, 2, [0, 1, 2]);
    const violations = judge(createConsistentSnapshotChecker(tinyContext()), stream);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.property).toBe('consistent-snapshot');
    expect(violations[0]?.message).toBe('checkpoint 1: the snapshot of count#0 includes record p0@2 from after the barrier (source offset 2)');
    expect(violations[0]?.details).toMatchObject({ task: 'count#0', checkpointId: 1, record: 'p0@2' });
  });

  it('names a record missing from before the barrier', () => {
    const violations = judge(createConsistentSnapshotChecker(tinyContext()), alignedCheckpoint(1_000, 1, 3, [0, 2]));
    expect(violations[0]?.message).toBe('checkpoint 1: the snapshot of count#0 misses 1 record(s) of partition p0 from before the barrier (has 2, expected 3)');
  });

  it('names the key whose state differs when the lineage is right', () => {
    const stream = alignedCheckpoint(1_000, 1, 2).map((observation) =>
      observation.type === 'snapshot-taken' && observation.task === 'count#0'
        ? { ...observation, content: { ...observation.content, keyed: { count: { a: 1, b: 2 } } } }
        : observation,
    );
    const violations = judge(createConsistentSnapshotChecker(tinyContext()), stream);
    expect(violations[0]?.message).toBe("checkpoint 1: the snapshot of count#0 has state 'count' of key 'b' = 2, expected 1");
  });

  it('ignores checkpoints that never complete', () => {
    const stream: Observation[] = alignedCheckpoint(1_000, 1, 2, [0, 1, 2, 3]).filter((observation) => observation.type !== 'checkpoint-completed');
    stream.push(at(1_100, { type: 'checkpoint-aborted', checkpointId: 1, checkpointType: 'checkpoint', reason: 'CHECKPOINT_EXPIRED' }));
    expect(judge(createConsistentSnapshotChecker(tinyContext()), stream)).toEqual([]);
  });

  it('names an acknowledged task that published no snapshot', () => {
    const stream = alignedCheckpoint(1_000, 1, 2).filter((observation) => !(observation.type === 'snapshot-taken' && observation.task === 'sink#0'));
    const violations = judge(createConsistentSnapshotChecker(tinyContext()), stream);
    expect(violations[0]?.message).toBe('sink#0 acknowledged checkpoint 1 but published no snapshot-taken for it');
  });

  describe('unaligned', () => {
    /** Source at offset 3; count#0 processed offsets 0 and 1; offset 2 is persisted channel state (side as given). */
    function unalignedStream(channelState: 'count-input' | 'source-output' | 'none'): Observation[] {
      const inFlight = { key: 'a', value: 'a', origin: { partition: 0, offset: 2 } };
      const persisted: Observation[] = [];
      if (channelState === 'count-input') {
        persisted.push(at(1_025, { type: 'channel-state-persisted', checkpointId: 1, task: 'count#0', records: [{ side: 'input', peer: 'source#0', ...inFlight }] }));
      }
      if (channelState === 'source-output') {
        persisted.push(at(1_015, { type: 'channel-state-persisted', checkpointId: 1, task: 'source#0', records: [{ side: 'output', peer: 'count#0', ...inFlight }] }));
      }
      return [
        triggered(1_000, 1),
        snapshot(1_010, 1, 'source#0', sourceContent(3), 0, true),
        snapshot(1_020, 1, 'count#0', countContent([0, 1]), 0, true),
        ...persisted,
        snapshot(1_030, 1, 'sink#0', sinkContent([], 'sink#0/1'), 0, true),
        ...tinyTasks.map((task, index) => acknowledged(1_040 + index, 1, task)),
        completed(1_050, 1),
      ];
    }

    it('accounts for in-flight records persisted at the keyed task or upstream', () => {
      expect(judge(createConsistentSnapshotChecker(tinyContext({ unaligned: true })), unalignedStream('count-input'))).toEqual([]);
      expect(judge(createConsistentSnapshotChecker(tinyContext({ unaligned: true })), unalignedStream('source-output'))).toEqual([]);
    });

    it('names the partition whose records are neither in the state nor in flight', () => {
      const violations = judge(createConsistentSnapshotChecker(tinyContext({ unaligned: true })), unalignedStream('none'));
      expect(violations[0]?.property).toBe('consistent-snapshot');
      expect(violations[0]?.message).toBe(
        'checkpoint 1: the snapshot of count#0 together with 0 in-flight record(s) of the channel state misses 1 record(s) of partition p0 from before the barrier (has 2, expected 3)',
      );
    });

    it('names an in-flight record from after the barrier', () => {
      const stream = unalignedStream('count-input').map((observation) =>
        observation.type === 'channel-state-persisted'
          ? { ...observation, records: [...observation.records, { side: 'input' as const, peer: 'source#0', key: 'c', value: 'c', origin: { partition: 0, offset: 3 } }] }
          : observation,
      );
      const violations = judge(createConsistentSnapshotChecker(tinyContext({ unaligned: true })), stream);
      expect(violations[0]?.message).toBe('checkpoint 1: channel state of count#0 (input of channel source#0->count#0) holds record p0@3 from after the barrier (source offset 3)');
    });
  });

  it('in AT_LEAST_ONCE mode accepts records after the barrier but not missing ones', () => {
    const context = tinyContext({ mode: 'AT_LEAST_ONCE' });
    expect(judge(createConsistentSnapshotChecker(context), alignedCheckpoint(1_000, 1, 2, [0, 1, 2]))).toEqual([]);
    const violations = judge(createConsistentSnapshotChecker(context), alignedCheckpoint(1_000, 1, 2, [0]));
    expect(violations[0]?.message).toBe('checkpoint 1: the snapshot of count#0 misses 1 record(s) of partition p0 from before the barrier (has 1, source offset 2)');
  });
});
