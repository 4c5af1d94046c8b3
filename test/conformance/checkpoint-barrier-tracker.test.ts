/**
 * Conformance with Flink 1.20's CheckpointBarrierTrackerTest (flink-streaming-java,
 * org.apache.flink.streaming.runtime.io.checkpointing), through ckptsim's CheckpointBarrierTracker
 * on the recording FakeBarrierHost. Flink's sequences are fed as they are; its
 * CheckpointSequenceValidator becomes the host's outcomes (triggered ids positive, aborted negative).
 *
 * Flink methods: 21. Skipped as not behaviour: 2 (testMetrics, testSingleChannelMetrics: the
 * checkpoint start delay and bytes-processed metrics).
 * Ported and todo counts: test/conformance/README.md (generated).
 */
import { describe, expect, it } from 'vitest';
import { CheckpointBarrierTracker } from '../../src/cluster/task/checkpoint-barrier-tracker.js';
import { FakeBarrierHost, atLeastOnceOptions } from '../cluster/task/fake-barrier-host.js';
import { feed, type SequenceEvent } from './barrier-sequence.js';

function run(channels: number, events: readonly SequenceEvent[]): { host: FakeBarrierHost; tracker: CheckpointBarrierTracker } {
  const host = new FakeBarrierHost(channels);
  const tracker = new CheckpointBarrierTracker(host);
  feed(tracker, events, atLeastOnceOptions);
  return { host, tracker };
}

const b = (id: number, channel: number): SequenceEvent => ['barrier', id, channel];
const c = (id: number, channel: number): SequenceEvent => ['cancel', id, channel];
const end = (channel: number): SequenceEvent => ['end', channel];
const buf = (channel: number): SequenceEvent => ['buffer', channel];

describe('CheckpointBarrierTrackerTest (Flink 1.20)', () => {
  it('testSingleChannelNoBarriers', () => {
    const { host } = run(1, [buf(0), buf(0), buf(0), end(0)]);
    expect(host.outcomes()).toEqual([]);
    expect(host.log().filter((call) => call.startsWith('block'))).toEqual([]);
  });

  it('testMultiChannelNoBarriers', () => {
    const { host } = run(4, [buf(2), buf(2), buf(0), buf(1), buf(0), end(0), buf(3), buf(1), end(3), buf(1), end(1), buf(2), end(2)]);
    expect(host.outcomes()).toEqual([]);
  });

  it('testSingleChannelWithBarriers', () => {
    const { host } = run(1, [1, 2, 3, 4, 5, 6].map((id) => b(id, 0)));
    expect(host.outcomes()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('testSingleChannelWithSkippedBarriers', () => {
    const { host } = run(1, [1, 3, 4, 6, 7, 10].map((id) => b(id, 0)));
    expect(host.outcomes()).toEqual([1, 3, 4, 6, 7, 10]);
  });

  it('testMultiChannelWithBarriers', () => {
    const { host } = run(3, [b(1, 1), b(1, 2), b(1, 0), b(2, 0), b(2, 1), b(2, 2), b(3, 2), b(3, 0), b(3, 1), b(4, 1), b(4, 2), b(4, 0)]);
    expect(host.outcomes()).toEqual([1, 2, 3, 4]);
    // Never blocks a channel.
    expect(host.log().filter((call) => call.startsWith('block'))).toEqual([]);
  });

  it('testMultiChannelSkippingCheckpoints', () => {
    const { host } = run(3, [b(1, 1), b(1, 2), b(1, 0), b(2, 0), b(2, 1), b(2, 2), b(3, 2), b(4, 0), b(4, 1), b(4, 2)]);
    expect(host.outcomes()).toEqual([1, 2, 4]);
  });

  it('testCompleteCheckpointsOnLateBarriers', () => {
    const { host } = run(3, [
      b(2, 1), b(2, 0), b(2, 2), b(3, 1), b(3, 2), b(4, 2), b(4, 1), b(3, 0), b(4, 0), b(5, 1), b(5, 0), b(5, 2), b(6, 1), b(6, 0),
      b(7, 1), b(7, 2), b(8, 2), b(8, 1), b(9, 1), b(7, 0), b(9, 2), b(10, 2), b(8, 0), b(9, 0), b(10, 0), b(10, 1),
    ]);
    expect(host.outcomes()).toEqual([2, 3, 4, 5, 7, 8, 9, 10]);
  });

  it('testNextFirstCheckpointBarrierOvertakesCancellationBarrier', () => {
    // One event per second: the last alignment (checkpoint 2) lasts from its first barrier to its last, 2 s.
    const host = new FakeBarrierHost(2);
    const tracker = new CheckpointBarrierTracker(host);
    feed(tracker, [b(1, 1), b(2, 1), c(1, 0), b(2, 0)], atLeastOnceOptions, () => host.advanceTo(host.nowUs + 1_000_000));
    const completed = host.observations().flatMap((o) => (o.type === 'alignment-completed' ? [o] : []));
    expect(completed.at(-1)).toMatchObject({ checkpointId: 2, alignmentDurationUs: 2_000_000 });
  });

  it('testSingleChannelAbortCheckpoint', () => {
    const { host } = run(1, [b(1, 0), b(2, 0), c(4, 0), b(5, 0), c(6, 0)]);
    expect(host.outcomes()).toEqual([1, 2, -4, 5, -6]);
  });

  it('testMultiChannelAbortCheckpoint', () => {
    const { host } = run(3, [
      b(1, 1), b(1, 2), b(1, 0), b(2, 0), b(2, 2), c(2, 1), b(3, 1), b(3, 2), b(3, 0), c(4, 1), b(4, 2), b(4, 0), b(5, 2), b(5, 1), b(5, 0),
      c(6, 1), c(6, 2), b(6, 0),
    ]);
    expect(host.outcomes()).toEqual([1, -2, 3, -4, 5, -6]);
  });

  it('testInterleavedCancellationBarriers', () => {
    const { host } = run(3, [b(1, 0), c(2, 0), c(1, 1), c(2, 1), c(1, 2), c(2, 2)]);
    expect(host.outcomes()).toEqual([-1, -2]);
  });

  it('testTriggerCheckpointsWithEndOfPartition', () => {
    const { host, tracker } = run(3, [b(1, 0), b(2, 0), b(2, 1), b(3, 0), b(4, 0), b(4, 1), b(5, 1), end(2)]);
    expect(host.outcomes()).toEqual([4]);
    // Checkpoint 5 is still pending, with its barrier from channel 1 only.
    expect(tracker.hasReceivedBarrier(1, 5)).toBe(true);
    expect(tracker.hasReceivedBarrier(0, 5)).toBe(false);
    expect(tracker.latestCheckpointId).toBe(5);
  });

  it('testDeduplicateChannelsWithBothBarrierAndEndOfPartition', () => {
    const host = new FakeBarrierHost(3);
    const tracker = new CheckpointBarrierTracker(host);
    feed(tracker, [b(2, 0), b(2, 1), end(1)], atLeastOnceOptions);
    expect(host.outcomes()).toEqual([]);
    feed(tracker, [b(2, 2)], atLeastOnceOptions);
    expect(host.outcomes()).toEqual([2]);
  });

  it('testTriggerCheckpointsAfterReceivedEndOfPartition', () => {
    const { host } = run(3, [end(2), b(5, 0), b(6, 0), b(6, 1), end(1), b(7, 0)]);
    expect(host.outcomes()).toEqual([6, 7]);
  });

  it('testNoFastPathWithChannelFinishedDuringCheckpoints', () => {
    const { host, tracker } = run(2, [b(1, 0), end(0), b(1, 1)]);
    expect(host.outcomes()).toEqual([1]);
    expect(tracker.hasReceivedBarrier(0)).toBe(false);
    expect(tracker.hasReceivedBarrier(1)).toBe(false);
  });

  it('testCompleteAndRemoveAbortedCheckpointWithEndOfPartition', () => {
    const { host, tracker } = run(3, [c(4, 0), b(4, 1), b(5, 1), end(2)]);
    expect(host.outcomes()).toEqual([-4]);
    expect(tracker.hasReceivedBarrier(1, 4)).toBe(false);
    expect(tracker.hasReceivedBarrier(1, 5)).toBe(true);
  });

  it('testAbortCheckpointsAfterEndOfPartitionReceived', () => {
    const { host } = run(3, [end(2), b(5, 0), b(6, 0), c(6, 1), end(1), c(7, 0)]);
    expect(host.aborts().map((abort) => abort.checkpointId)).toEqual([5, 6, 7]);
    expect(host.triggers()).toEqual([]);
  });

  it('testNoFastPathWithChannelFinishedDuringCheckpointsCancel', () => {
    const { host, tracker } = run(2, [b(1, 0), end(0), c(1, 1)]);
    expect(host.outcomes()).toEqual([-1]);
    expect(tracker.hasReceivedBarrier(0)).toBe(false);
    expect(tracker.hasReceivedBarrier(1)).toBe(false);
  });

  it('testTwoLastBarriersOneByOne', () => {
    // One event per second: the last alignment (checkpoint 2) lasts from its first barrier to its last, 2 s.
    const host = new FakeBarrierHost(2);
    const tracker = new CheckpointBarrierTracker(host);
    feed(tracker, [b(1, 1), b(2, 1), b(1, 0), b(2, 0)], atLeastOnceOptions, () => host.advanceTo(host.nowUs + 1_000_000));
    const completed = host.observations().flatMap((o) => (o.type === 'alignment-completed' ? [o] : []));
    expect(completed.at(-1)).toMatchObject({ checkpointId: 2, alignmentDurationUs: 2_000_000 });
  });
});
