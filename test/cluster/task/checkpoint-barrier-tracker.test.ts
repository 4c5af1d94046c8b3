import { describe, expect, it } from 'vitest';
import type { CheckpointBarrierHandler } from '../../../src/cluster/task/barrier-handler.js';
import { CheckpointBarrierTracker } from '../../../src/cluster/task/checkpoint-barrier-tracker.js';
import { FakeBarrierHost, atLeastOnceOptions, barrier } from './fake-barrier-host.js';

const ON_CANCEL = 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER';

/** Driven through the interface, as the task drives it. */
function setup(channelCount: number): { host: FakeBarrierHost; tracker: CheckpointBarrierHandler } {
  const host = new FakeBarrierHost(channelCount);
  return { host, tracker: new CheckpointBarrierTracker(host) };
}

/** A sequence of inputs in Flink's test notation: [id, channel] a barrier, ['cancel', id, channel], ['eop', channel]. */
type Input = readonly [number, number] | readonly ['cancel', number, number] | readonly ['eop', number];

function feed(tracker: CheckpointBarrierHandler, inputs: readonly Input[], timestampUs = 0): void {
  for (const input of inputs) {
    if (input[0] === 'cancel') tracker.processCancellationMarker(input[1], input[2]);
    else if (input[0] === 'eop') tracker.processEndOfPartition(input[1]);
    else tracker.processBarrier(barrier(input[0], atLeastOnceOptions, timestampUs), input[1]);
  }
}

function noBlocking(host: FakeBarrierHost): void {
  expect(host.calls.filter((call) => call.kind === 'block' || call.kind === 'resume')).toEqual([]);
  expect(host.timers).toEqual([]);
}

describe('CheckpointBarrierTracker', () => {
  it('uses at-least-once options in its barriers', () => {
    expect(atLeastOnceOptions).toEqual({ type: 'checkpoint', alignment: 'at-least-once', alignedTimeoutUs: 0 });
  });

  it('never blocks, and snapshots (aligned) only once a barrier arrived on every channel', () => {
    const { host, tracker } = setup(3);
    const b1 = barrier(1, atLeastOnceOptions, 77);
    tracker.processBarrier(b1, 0);
    expect(host.take()).toEqual(['observe alignment-started 1']);
    expect(tracker.latestCheckpointId).toBe(1);
    expect(tracker.hasReceivedBarrier(0)).toBe(true);
    expect(tracker.hasReceivedBarrier(1)).toBe(false);

    tracker.processBarrier(b1, 2);
    expect(host.take()).toEqual([]);
    tracker.processBarrier(b1, 1);
    expect(host.take()).toEqual(['observe alignment-completed 1 unaligned=false', 'trigger 1 aligned']);
    expect(host.triggers()).toEqual([{ barrier: b1, unaligned: false }]);
    expect(tracker.hasReceivedBarrier(0)).toBe(false);
    noBlocking(host);
  });

  it('a duplicate barrier on one channel does not stand in for another channel', () => {
    const { host, tracker } = setup(2);
    feed(tracker, [[1, 0], [1, 0], [1, 0]]);
    expect(host.triggers()).toEqual([]);
    feed(tracker, [[1, 1]]);
    expect(host.outcomes()).toEqual([1]);
  });

  it('with a single channel, every new barrier triggers at once', () => {
    // Flink's CheckpointBarrierTrackerTest.testSingleChannelWithBarriers / WithSkippedBarriers.
    const { host, tracker } = setup(1);
    feed(tracker, [[1, 0], [2, 0], [3, 0], [4, 0], [7, 0], [5, 0], [9, 0]]);
    expect(host.outcomes()).toEqual([1, 2, 3, 4, 7, 9]);
    noBlocking(host);
  });

  it('tracks the barriers of two checkpoints interleaved', () => {
    // Flink's testTwoLastBarriersOneByOne.
    const { host, tracker } = setup(2);
    feed(tracker, [[1, 1], [2, 1]]);
    expect(host.take()).toEqual(['observe alignment-started 1', 'observe alignment-started 2']);
    expect(tracker.latestCheckpointId).toBe(2);
    feed(tracker, [[1, 0]]);
    expect(host.take()).toEqual(['observe alignment-completed 1 unaligned=false', 'trigger 1 aligned']);
    feed(tracker, [[2, 0]]);
    expect(host.take()).toEqual(['observe alignment-completed 2 unaligned=false', 'trigger 2 aligned']);
    noBlocking(host);
  });

  it('completes checkpoints whose barriers are late without discarding them on a newer barrier', () => {
    // Flink's testCompleteCheckpointsOnLateBarriers (data buffers left out).
    const { host, tracker } = setup(3);
    feed(tracker, [
      [2, 1], [2, 0], [2, 2],
      [3, 1], [3, 2],
      [4, 2], [4, 1],
      [3, 0],
      [4, 0],
      [5, 1], [5, 0], [5, 2],
      [6, 1], [6, 0],
      [7, 1], [7, 2], [8, 2], [8, 1], [9, 1],
      [7, 0], [9, 2], [10, 2],
      [8, 0], [9, 0],
      [10, 0], [10, 1],
    ]);
    expect(host.outcomes()).toEqual([2, 3, 4, 5, 7, 8, 9, 10]);
    noBlocking(host);
  });

  it('completing a checkpoint drops the older pending ones: their late barriers do nothing', () => {
    const { host, tracker } = setup(3);
    feed(tracker, [[1, 0], [2, 0], [2, 1], [2, 2]]);
    expect(host.outcomes()).toEqual([2]);
    host.take();

    feed(tracker, [[1, 1], [1, 2]]);
    expect(host.take()).toEqual([]);
    // A late barrier of the completed checkpoint itself does nothing either.
    feed(tracker, [[2, 0]]);
    expect(host.take()).toEqual([]);
    expect(tracker.latestCheckpointId).toBe(2);
  });

  it('skipping checkpoints: a partial one is dropped when a newer one completes', () => {
    // Flink's testMultiChannelSkippingCheckpoints.
    const { host, tracker } = setup(3);
    feed(tracker, [[1, 1], [1, 2], [1, 0], [2, 0], [2, 1], [2, 2], [3, 2], [4, 0], [4, 1], [4, 2]]);
    expect(host.outcomes()).toEqual([1, 2, 4]);
    feed(tracker, [[3, 0], [3, 1]]);
    expect(host.outcomes()).toEqual([1, 2, 4]);
  });

  it('a barrier older than every pending checkpoint, not itself pending, starts nothing', () => {
    const { host, tracker } = setup(2);
    feed(tracker, [[5, 0]]);
    host.take();
    feed(tracker, [[3, 1], [3, 0]]);
    expect(host.take()).toEqual([]);
    expect(tracker.latestCheckpointId).toBe(5);
  });
});

describe('CheckpointBarrierTracker: cancellation markers', () => {
  it('a marker aborts its checkpoint once; a second marker and late barriers do nothing', () => {
    const { host, tracker } = setup(3);
    feed(tracker, [[1, 0], [1, 1]]);
    host.take();

    tracker.processCancellationMarker(1, 2);
    expect(host.take()).toEqual([`abort 1 ${ON_CANCEL}`]);
    feed(tracker, [['cancel', 1, 0], [1, 2], ['cancel', 1, 1]]);
    expect(host.take()).toEqual([]);
    expect(host.outcomes()).toEqual([-1]);
    noBlocking(host);
  });

  it('a marker for a new checkpoint aborts it before any barrier of it; its barriers then never trigger', () => {
    const { host, tracker } = setup(2);
    tracker.processCancellationMarker(4, 1);
    expect(host.take()).toEqual([`abort 4 ${ON_CANCEL}`]);
    expect(tracker.latestCheckpointId).toBe(4);
    feed(tracker, [[4, 0], [4, 1]]);
    expect(host.triggers()).toEqual([]);
    expect(host.outcomes()).toEqual([-4]);

    feed(tracker, [[5, 0], [5, 1]]);
    expect(host.outcomes()).toEqual([-4, 5]);
  });

  it('a marker older than every pending checkpoint and not pending itself is ignored', () => {
    const { host, tracker } = setup(2);
    feed(tracker, [[5, 0]]);
    host.take();
    tracker.processCancellationMarker(3, 1);
    expect(host.take()).toEqual([]);
    feed(tracker, [[5, 1]]);
    expect(host.outcomes()).toEqual([5]);
  });

  it('a marker for a completed checkpoint is ignored', () => {
    const { host, tracker } = setup(2);
    feed(tracker, [[1, 0], [1, 1], ['cancel', 1, 0]]);
    expect(host.outcomes()).toEqual([1]);
  });

  it('single channel: barriers trigger and markers abort, in order', () => {
    // Flink's testSingleChannelAbortCheckpoint.
    const { host, tracker } = setup(1);
    feed(tracker, [[1, 0], [2, 0], ['cancel', 4, 0], [5, 0], ['cancel', 6, 0]]);
    expect(host.outcomes()).toEqual([1, 2, -4, 5, -6]);
  });

  it('multiple channels: aborted on the last barrier, on the first, and on several markers', () => {
    // Flink's testMultiChannelAbortCheckpoint.
    const { host, tracker } = setup(3);
    feed(tracker, [
      [1, 1], [1, 2], [1, 0],
      [2, 0], [2, 2], ['cancel', 2, 1],
      [3, 1], [3, 2], [3, 0],
      ['cancel', 4, 1], [4, 2], [4, 0],
      [5, 2], [5, 1], [5, 0],
      ['cancel', 6, 1], ['cancel', 6, 2], [6, 0],
    ]);
    expect(host.outcomes()).toEqual([1, -2, 3, -4, 5, -6]);
    expect(host.aborts().every((abort) => abort.reason === ON_CANCEL)).toBe(true);
  });

  it('a marker for N also aborts the older pending checkpoints, each once', () => {
    // Flink's testInterleavedCancellationBarriers: processCancellationBarrier aborts every pending
    // checkpoint older than the cancelled one (markAborted() guarantees once).
    const { host, tracker } = setup(3);
    feed(tracker, [[1, 0], ['cancel', 2, 0], ['cancel', 1, 1], ['cancel', 2, 1], ['cancel', 1, 2], ['cancel', 2, 2]]);
    expect(host.outcomes()).toEqual([-1, -2]);
  });

  it('a newer marker does not abort again an older checkpoint already aborted by its own marker', () => {
    const { host, tracker } = setup(3);
    feed(tracker, [['cancel', 1, 0], [1, 1]]);
    expect(host.take()).toEqual([`abort 1 ${ON_CANCEL}`]);
    feed(tracker, [['cancel', 2, 1]]);
    expect(host.take()).toEqual([`abort 2 ${ON_CANCEL}`]);
    feed(tracker, [[1, 2], ['cancel', 1, 2], [2, 0], [2, 2], [3, 0], [3, 1], [3, 2]]);
    expect(host.outcomes()).toEqual([-1, -2, 3]);
  });

  it('an older pending checkpoint aborted by a newer marker does not trigger on its remaining barriers', () => {
    const { host, tracker } = setup(2);
    feed(tracker, [[1, 0], ['cancel', 2, 1]]);
    expect(host.take()).toEqual(['observe alignment-started 1', `abort 1 ${ON_CANCEL}`, `abort 2 ${ON_CANCEL}`]);
    feed(tracker, [[1, 1]]);
    expect(host.take()).toEqual([]);
    expect(host.outcomes()).toEqual([-1, -2]);
  });
});

describe('CheckpointBarrierTracker: end of partition', () => {
  it('a finished channel reduces the channels a checkpoint needs', () => {
    // Flink's testTriggerCheckpointsAfterReceivedEndOfPartition.
    const { host, tracker } = setup(3);
    feed(tracker, [['eop', 2], [5, 0], [6, 0], [6, 1], ['eop', 1], [7, 0]]);
    expect(host.outcomes()).toEqual([6, 7]);
    noBlocking(host);
  });

  it('end of partition completes the newest checkpoint that waited only for that channel, dropping older ones', () => {
    // Flink's testTriggerCheckpointsWithEndOfPartition.
    const { host, tracker } = setup(3);
    feed(tracker, [[1, 0], [2, 0], [2, 1], [3, 0], [4, 0], [4, 1], [5, 1]]);
    expect(host.take()).toEqual([
      'observe alignment-started 1',
      'observe alignment-started 2',
      'observe alignment-started 3',
      'observe alignment-started 4',
      'observe alignment-started 5',
    ]);
    tracker.processEndOfPartition(2);
    expect(host.take()).toEqual(['observe alignment-completed 4 unaligned=false', 'trigger 4 aligned']);
    // 5 is still pending and now needs channels 0 and 1 only.
    feed(tracker, [[5, 0]]);
    expect(host.take()).toEqual(['observe alignment-completed 5 unaligned=false', 'trigger 5 aligned']);
    expect(host.outcomes()).toEqual([4, 5]);
  });

  it('a channel that delivered the barrier and then finished is counted once', () => {
    // Flink's testDeduplicateChannelsWithBothBarrierAndEndOfPartition.
    const { host, tracker } = setup(3);
    feed(tracker, [[2, 0], [2, 1], ['eop', 1]]);
    expect(host.triggers()).toEqual([]);
    feed(tracker, [[2, 2]]);
    expect(host.outcomes()).toEqual([2]);
  });

  it('a channel finishing during a checkpoint lets the last barrier complete it, no fresh checkpoint', () => {
    // Flink's testNoFastPathWithChannelFinishedDuringCheckpoints.
    const { host, tracker } = setup(2);
    feed(tracker, [[1, 0], ['eop', 0], [1, 1]]);
    expect(host.log()).toEqual(['observe alignment-started 1', 'observe alignment-completed 1 unaligned=false', 'trigger 1 aligned']);
  });

  it('an aborted checkpoint completed by end of partition is not triggered', () => {
    // Flink's testCompleteAndRemoveAbortedCheckpointWithEndOfPartition and testAbortCheckpointsAfterEndOfPartitionReceived.
    const first = setup(3);
    feed(first.tracker, [['cancel', 4, 0], [4, 1], [5, 1], ['eop', 2]]);
    expect(first.host.outcomes()).toEqual([-4]);

    const second = setup(3);
    feed(second.tracker, [['eop', 2], [5, 0], [6, 0], ['cancel', 6, 1], ['eop', 1], ['cancel', 7, 0]]);
    expect(second.host.outcomes()).toEqual([-5, -6, -7]);
  });
});
