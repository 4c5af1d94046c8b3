import { describe, expect, it } from 'vitest';
import { Flip27SourceReader } from '../../../src/cluster/connectors/flip27/source-reader.js';
import { partitionAppearsAtUs, type PartitionSplit } from '../../../src/cluster/connectors/flip27/split.js';
import type { OperatorEvent } from '../../../src/cluster/coordination/operator-event.js';
import { PartitionedLog } from '../../../src/cluster/storage/partitioned-log.js';
import { SourceCoordinatorHarness } from './flip27-harness.js';

const records = (count: number) => Array.from({ length: count }, (_, index) => ({ key: String(index), value: index }));

describe('FLIP-27 split enumerator', () => {
  it('discovers partitions as they appear and hands one split per request, then says there are no more', () => {
    expect([0, 1, 2, 3].map((index) => partitionAppearsAtUs(index, { initialPartitions: 2, newPartitionEveryUs: 1_000, discoveryIntervalUs: 300 }))).toEqual([0, 0, 1_000, 2_000]);
    const harness = new SourceCoordinatorHarness(4, { initialPartitions: 2, newPartitionEveryUs: 1_000, discoveryIntervalUs: 300 });
    harness.coordinator.start();
    expect(harness.coordinator.enumeratorState().discovered).toEqual([0, 1]);
    harness.readerReady(0);
    for (let request = 0; request < 3; request++) harness.requestSplit(0);
    // The third request waits: nothing is unassigned and discovery is not complete.
    expect(harness.sentTo(0)).toEqual([0, 1]);
    harness.advance(1_200);
    expect(harness.sentTo(0)).toEqual([0, 1, 2]);
    harness.requestSplit(0);
    harness.advance(2_400);
    harness.requestSplit(0);
    expect(harness.sentTo(0)).toEqual([0, 1, 2, 3, 'none']);
    // Discovery stops once every partition is known.
    expect(harness.timers).toEqual([]);
  });

  it('serves a split request that overtook its reader\'s registration once the registration arrives', () => {
    const harness = new SourceCoordinatorHarness(2);
    harness.coordinator.start();
    harness.requestSplit(1);
    expect(harness.sentTo(1)).toEqual([]);
    harness.readerReady(1);
    expect(harness.sentTo(1)).toEqual([0]);
  });

  it('with FLINK-20413 planted, returns a failed reader\'s splits of an unfinished checkpoint to no one', () => {
    const correct = new SourceCoordinatorHarness(3);
    const buggy = new SourceCoordinatorHarness(3, {}, { returnsSplitsOnFailure: true });
    for (const harness of [correct, buggy]) {
      harness.coordinator.start();
      harness.readerReady(0);
      harness.requestSplit(0);
      harness.checkpoint(5);
      harness.coordinator.executionAttemptFailed(0, 0, 'failed');
      harness.coordinator.subtaskReset(0, 4);
    }
    expect(correct.coordinator.enumeratorState().unassigned.map((split) => split.partition)).toEqual([0, 1, 2]);
    expect(buggy.coordinator.enumeratorState().unassigned.map((split) => split.partition)).toEqual([1, 2]);
  });
});

describe('FLIP-27 source reader', () => {
  it('registers, asks for a split when it has none, reads splits to their end, and ends its input after no more splits', () => {
    const log = new PartitionedLog('source', [records(3), records(2)], 10);
    const sent: OperatorEvent[] = [];
    const finished: PartitionSplit[] = [];
    const reader = new Flip27SourceReader(log, { sendEventToCoordinator: (event) => sent.push(event), splitFinished: (split) => finished.push(split), splitsAdded: () => {} }, () => true);
    reader.open();
    expect(sent.map((event) => event.kind)).toEqual(['reader-registration', 'request-split']);
    expect(reader.poll(8)).toEqual({ kind: 'waiting' });
    reader.handleOperatorEvent({ kind: 'add-splits', splits: [{ partition: 10, offset: 1 }] } as OperatorEvent);
    expect(reader.snapshot()).toEqual({ 10: 1 });
    const poll = reader.poll(8);
    expect(poll.kind === 'records' ? poll.records.map((record) => record.origin) : poll).toEqual([{ partition: 10, offset: 1 }, { partition: 10, offset: 2 }]);
    expect(finished).toEqual([{ partition: 10, offset: 3 }]);
    expect(sent.map((event) => event.kind)).toEqual(['reader-registration', 'request-split', 'request-split']);
    expect(reader.snapshot()).toEqual({});
    reader.handleOperatorEvent({ kind: 'no-more-splits' });
    expect(reader.poll(8)).toEqual({ kind: 'end-of-input' });
    reader.afterSnapshot(4);
    expect(sent.at(-1)).toEqual({ kind: 'acknowledge-checkpoint', checkpointId: 4 });
  });

  it('restores its unfinished splits with their offsets and asks for none while it has some', () => {
    const log = new PartitionedLog('source', [records(3), records(2)], 0);
    const sent: OperatorEvent[] = [];
    const reader = new Flip27SourceReader(log, { sendEventToCoordinator: (event) => sent.push(event), splitFinished: () => {}, splitsAdded: () => {} }, () => true);
    reader.restore({ 1: 1 });
    reader.open();
    expect(sent.map((event) => event.kind)).toEqual(['reader-registration']);
    expect(reader.snapshot()).toEqual({ 1: 1 });
  });
});
