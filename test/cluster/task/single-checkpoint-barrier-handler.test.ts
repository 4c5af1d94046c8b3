import { describe, expect, it } from 'vitest';
import { checkpointOptionsFor, defaultCheckpointConfig, type CheckpointBarrier } from '../../../src/cluster/checkpoint/types.js';
import { SingleCheckpointBarrierHandler } from '../../../src/cluster/task/single-checkpoint-barrier-handler.js';
import {
  FakeBarrierHost,
  alignedOptions,
  alignedWithTimeoutOptions,
  barrier,
  unalignedOptions,
  type FakeTimer,
} from './fake-barrier-host.js';

const SUBSUMED = 'CHECKPOINT_DECLINED_SUBSUMED';
const ON_CANCEL = 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER';

function setup(channelCount: number): { host: FakeBarrierHost; handler: SingleCheckpointBarrierHandler } {
  const host = new FakeBarrierHost(channelCount);
  return { host, handler: new SingleCheckpointBarrierHandler(host) };
}

function received(handler: SingleCheckpointBarrierHandler, channelCount: number): number[] {
  const channels: number[] = [];
  for (let channel = 0; channel < channelCount; channel++) if (handler.hasReceivedBarrier(channel)) channels.push(channel);
  return channels;
}

function onlyTimer(host: FakeBarrierHost): FakeTimer {
  expect(host.timers).toHaveLength(1);
  return host.timers[0] as FakeTimer;
}

describe('SingleCheckpointBarrierHandler: option fixtures', () => {
  it('derives the options each mode puts in its barriers', () => {
    expect(alignedOptions).toEqual({ type: 'checkpoint', alignment: 'aligned', alignedTimeoutUs: 0 });
    expect(unalignedOptions).toEqual({ type: 'checkpoint', alignment: 'unaligned', alignedTimeoutUs: 0 });
    expect(alignedWithTimeoutOptions(500)).toEqual({ type: 'checkpoint', alignment: 'aligned', alignedTimeoutUs: 500 });
  });
});

describe('SingleCheckpointBarrierHandler: aligned', () => {
  it('blocks each channel on its barrier and snapshots once, aligned, when every channel delivered it', () => {
    const { host, handler } = setup(3);
    const b1 = barrier(1, alignedOptions, 900);
    expect(handler.latestCheckpointId).toBe(-1);

    host.nowUs = 1_000;
    handler.processBarrier(b1, 1);
    expect(host.take()).toEqual(['observe alignment-started 1', 'block 1']);
    expect(handler.latestCheckpointId).toBe(1);
    expect(received(handler, 3)).toEqual([1]);

    host.nowUs = 1_200;
    handler.processBarrier(b1, 0);
    expect(host.take()).toEqual(['block 0']);
    expect(received(handler, 3)).toEqual([0, 1]);
    expect([...host.blocked].sort()).toEqual([0, 1]);
    expect(host.triggers()).toEqual([]);

    host.nowUs = 1_500;
    handler.processBarrier(b1, 2);
    // The snapshot is taken before any blocked channel flows again.
    expect(host.take()).toEqual([
      'block 2',
      'observe alignment-completed 1 unaligned=false',
      'trigger 1 aligned',
      'resume 1',
      'resume 0',
      'resume 2',
    ]);
    expect(host.triggers()).toEqual([{ barrier: b1, unaligned: false }]);
    expect(host.blocked.size).toBe(0);
    expect(received(handler, 3)).toEqual([]);
    expect(host.timers).toEqual([]);
    expect(host.observations()).toEqual([
      { type: 'alignment-started', checkpointId: 1, task: 'map#0' },
      { type: 'alignment-completed', checkpointId: 1, task: 'map#0', alignmentDurationUs: 500, unaligned: false },
    ]);
  });

  it('aligns the next checkpoint from scratch after one completed', () => {
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(1), 0);
    handler.processBarrier(barrier(1), 1);
    host.take();

    handler.processBarrier(barrier(2), 1);
    expect(host.take()).toEqual(['observe alignment-started 2', 'block 1']);
    handler.processBarrier(barrier(2), 0);
    expect(host.take()).toEqual(['block 0', 'observe alignment-completed 2 unaligned=false', 'trigger 2 aligned', 'resume 1', 'resume 0']);
    expect(host.outcomes()).toEqual([1, 2]);
  });

  it('with a single input channel, completes on the first barrier', () => {
    const { host, handler } = setup(1);
    handler.processBarrier(barrier(7), 0);
    expect(host.log()).toEqual([
      'observe alignment-started 7',
      'block 0',
      'observe alignment-completed 7 unaligned=false',
      'trigger 7 aligned',
      'resume 0',
    ]);
    expect(host.blocked.size).toBe(0);
  });

  it('a newer barrier during alignment aborts the current checkpoint (DECLINED_SUBSUMED) and aligns the new one', () => {
    const { host, handler } = setup(4);
    handler.processBarrier(barrier(1), 0);
    handler.processBarrier(barrier(1), 1);
    host.take();

    handler.processBarrier(barrier(2), 2);
    expect(host.take()).toEqual(['resume 0', 'resume 1', `abort 1 ${SUBSUMED}`, 'observe alignment-started 2', 'block 2']);
    expect(handler.latestCheckpointId).toBe(2);
    expect(received(handler, 4)).toEqual([2]);
    expect([...host.blocked]).toEqual([2]);

    // The late barrier of 1 on the channel that had not delivered it is stale now.
    handler.processBarrier(barrier(1), 3);
    expect(host.take()).toEqual(['resume 3']);
    expect([...host.blocked]).toEqual([2]);
    expect(received(handler, 4)).toEqual([2]);

    handler.processBarrier(barrier(2), 0);
    handler.processBarrier(barrier(2), 1);
    handler.processBarrier(barrier(2), 3);
    expect(host.take()).toEqual([
      'block 0',
      'block 1',
      'block 3',
      'observe alignment-completed 2 unaligned=false',
      'trigger 2 aligned',
      'resume 2',
      'resume 0',
      'resume 1',
      'resume 3',
    ]);
    expect(host.outcomes()).toEqual([-1, 2]);
  });

  it('skipping several checkpoints aborts only the one being aligned, once', () => {
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(1), 0);
    handler.processBarrier(barrier(4), 1);
    handler.processBarrier(barrier(9), 0);
    expect(host.aborts()).toEqual([
      { checkpointId: 1, reason: SUBSUMED },
      { checkpointId: 4, reason: SUBSUMED },
    ]);
    handler.processBarrier(barrier(9), 1);
    expect(host.outcomes()).toEqual([-1, -4, 9]);
  });
});

describe('SingleCheckpointBarrierHandler: stale and duplicate barriers', () => {
  it('ignores a barrier older than the one being aligned, resuming its channel', () => {
    const { host, handler } = setup(3);
    handler.processBarrier(barrier(5), 0);
    host.take();

    handler.processBarrier(barrier(4), 1);
    expect(host.take()).toEqual(['resume 1']);
    expect(handler.latestCheckpointId).toBe(5);
    expect(received(handler, 3)).toEqual([0]);
    expect([...host.blocked]).toEqual([0]);
  });

  it('ignores the barriers of a checkpoint already completed here', () => {
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(5), 0);
    handler.processBarrier(barrier(5), 1);
    host.take();

    handler.processBarrier(barrier(5), 0);
    handler.processBarrier(barrier(3), 1);
    expect(host.take()).toEqual(['resume 0', 'resume 1']);
    expect(host.outcomes()).toEqual([5]);
    expect(handler.latestCheckpointId).toBe(5);
  });

  it('ignores the barriers of a checkpoint already aborted here (subsumed or cancelled)', () => {
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(1), 0);
    handler.processBarrier(barrier(2), 1); // subsumes 1
    handler.processCancellationMarker(2, 0); // aborts 2
    host.take();

    handler.processBarrier(barrier(1), 1);
    handler.processBarrier(barrier(2), 0);
    handler.processBarrier(barrier(2), 1);
    expect(host.take()).toEqual(['resume 1', 'resume 0', 'resume 1']);
    expect(host.outcomes()).toEqual([-1, -2]);
    expect(host.blocked.size).toBe(0);
  });

  it('ignores a second barrier of the same checkpoint on the same channel', () => {
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(1), 0);
    host.take();

    handler.processBarrier(barrier(1), 0);
    expect(host.take()).toEqual([]);
    expect(host.triggers()).toEqual([]);

    handler.processBarrier(barrier(1), 1);
    expect(host.outcomes()).toEqual([1]);
  });
});

describe('SingleCheckpointBarrierHandler: cancellation markers', () => {
  it('a newer id aborts (ON_CANCELLATION_BARRIER) with no alignment in progress; its barriers then neither block nor trigger', () => {
    const { host, handler } = setup(2);
    handler.processCancellationMarker(3, 0);
    expect(host.take()).toEqual([`abort 3 ${ON_CANCEL}`]);
    expect(handler.latestCheckpointId).toBe(3);

    handler.processBarrier(barrier(3), 0);
    handler.processBarrier(barrier(3), 1);
    expect(host.take()).toEqual(['resume 0', 'resume 1']);

    handler.processCancellationMarker(3, 1);
    expect(host.take()).toEqual([]);
    expect(host.outcomes()).toEqual([-3]);
  });

  it('a newer id during alignment abandons the current alignment and declines only the cancelled checkpoint', () => {
    // Flink: processCancellationBarrier -> abortInternal(cancelledId) resets the alignment
    // (unblocking its channels) and notifies the abort of cancelledId alone.
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(1), 0);
    host.take();

    handler.processCancellationMarker(2, 1);
    expect(host.take()).toEqual(['resume 0', `abort 2 ${ON_CANCEL}`]);
    expect(handler.latestCheckpointId).toBe(2);
    expect(received(handler, 2)).toEqual([]);
    expect(host.blocked.size).toBe(0);

    handler.processBarrier(barrier(1), 1);
    handler.processBarrier(barrier(2), 0);
    handler.processCancellationMarker(1, 0);
    handler.processCancellationMarker(2, 0);
    expect(host.take()).toEqual(['resume 1', 'resume 0']);
    expect(host.outcomes()).toEqual([-2]);
  });

  it('an equal id aborts the alignment in progress; later barriers and markers of it do nothing', () => {
    const { host, handler } = setup(3);
    handler.processBarrier(barrier(1), 0);
    handler.processBarrier(barrier(1), 2);
    host.take();

    handler.processCancellationMarker(1, 1);
    expect(host.take()).toEqual(['resume 0', 'resume 2', `abort 1 ${ON_CANCEL}`]);
    expect(host.blocked.size).toBe(0);
    expect(received(handler, 3)).toEqual([]);

    handler.processCancellationMarker(1, 0);
    handler.processBarrier(barrier(1), 1);
    expect(host.take()).toEqual(['resume 1']);
    expect(host.outcomes()).toEqual([-1]);

    // The next checkpoint is unaffected.
    handler.processBarrier(barrier(2), 0);
    handler.processBarrier(barrier(2), 1);
    handler.processBarrier(barrier(2), 2);
    expect(host.outcomes()).toEqual([-1, 2]);
  });

  it('an equal id with no alignment in progress (already completed) is ignored', () => {
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(1), 0);
    handler.processBarrier(barrier(1), 1);
    host.take();

    handler.processCancellationMarker(1, 0);
    expect(host.take()).toEqual([]);
    expect(host.outcomes()).toEqual([1]);
  });

  it('an older id is ignored and the alignment goes on', () => {
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(2), 0);
    host.take();

    handler.processCancellationMarker(1, 1);
    expect(host.take()).toEqual([]);
    expect([...host.blocked]).toEqual([0]);
    expect(received(handler, 2)).toEqual([0]);

    handler.processBarrier(barrier(2), 1);
    expect(host.outcomes()).toEqual([2]);
  });

  it('missing cancellation markers: each checkpoint is aborted at most once and nothing stays blocked', () => {
    // Flink's AlignedCheckpointsTest.testMissingCancellationBarriers.
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(1), 0);
    handler.processCancellationMarker(3, 1);
    handler.processCancellationMarker(2, 0);
    handler.processCancellationMarker(3, 0);
    expect(host.outcomes()).toEqual([-3]);
    expect(host.aborts()).toEqual([{ checkpointId: 3, reason: ON_CANCEL }]);
    expect(host.blocked.size).toBe(0);
  });

  it('aborts an unaligned checkpoint that was already triggered when its marker arrives before all barriers', () => {
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(1, unalignedOptions), 0);
    host.take();

    handler.processCancellationMarker(1, 1);
    expect(host.take()).toEqual(['resume 0', `abort 1 ${ON_CANCEL}`]);
    expect(host.outcomes()).toEqual([1, -1]);
    expect(received(handler, 2)).toEqual([]);
  });
});

describe('SingleCheckpointBarrierHandler: end of partition', () => {
  it('a channel finished before the checkpoint counts as aligned', () => {
    const { host, handler } = setup(3);
    handler.processEndOfPartition(2);
    expect(host.take()).toEqual([]);

    handler.processBarrier(barrier(1), 0);
    expect(host.take()).toEqual(['observe alignment-started 1', 'block 0']);
    handler.processBarrier(barrier(1), 1);
    expect(host.take()).toEqual(['block 1', 'observe alignment-completed 1 unaligned=false', 'trigger 1 aligned', 'resume 0', 'resume 1']);
  });

  it('a channel finishing during alignment completes it when it was the last one missing', () => {
    const { host, handler } = setup(3);
    handler.processBarrier(barrier(1), 0);
    handler.processBarrier(barrier(1), 1);
    host.take();

    handler.processEndOfPartition(2);
    expect(host.take()).toEqual(['observe alignment-completed 1 unaligned=false', 'trigger 1 aligned', 'resume 0', 'resume 1']);
    expect(host.blocked.size).toBe(0);
  });

  it('a channel finishing during alignment leaves it waiting for the remaining open channels', () => {
    const { host, handler } = setup(3);
    handler.processBarrier(barrier(1), 0);
    host.take();

    handler.processEndOfPartition(1);
    expect(host.take()).toEqual([]);
    expect(host.triggers()).toEqual([]);

    handler.processBarrier(barrier(1), 2);
    expect(host.take()).toEqual(['block 2', 'observe alignment-completed 1 unaligned=false', 'trigger 1 aligned', 'resume 0', 'resume 2']);
  });

  it('all the missing channels finishing during alignment completes it', () => {
    const { host, handler } = setup(3);
    handler.processBarrier(barrier(1), 0);
    host.take();

    handler.processEndOfPartition(1);
    expect(host.take()).toEqual([]);
    handler.processEndOfPartition(2);
    expect(host.take()).toEqual(['observe alignment-completed 1 unaligned=false', 'trigger 1 aligned', 'resume 0']);
  });

  it('a barrier followed by end of partition on the same channel is counted once (unaligned)', () => {
    // Flink's testDeduplicateChannelsWithBothBarrierAndEndOfPartition, with a channel that keeps flowing.
    const { host, handler } = setup(3);
    handler.processBarrier(barrier(2, unalignedOptions), 0);
    handler.processBarrier(barrier(2, unalignedOptions), 1);
    handler.processEndOfPartition(1);
    expect(host.observations().map((body) => body.type)).toEqual(['alignment-started']);

    handler.processBarrier(barrier(2, unalignedOptions), 2);
    expect(host.observations().map((body) => body.type)).toEqual(['alignment-started', 'alignment-completed']);
    expect(host.outcomes()).toEqual([2]);
  });

  it('with one open channel left, the next checkpoint completes on its first barrier', () => {
    const { host, handler } = setup(2);
    handler.processEndOfPartition(1);
    handler.processBarrier(barrier(4), 0);
    expect(host.log()).toEqual(['observe alignment-started 4', 'block 0', 'observe alignment-completed 4 unaligned=false', 'trigger 4 aligned', 'resume 0']);
  });
});

describe('SingleCheckpointBarrierHandler: unaligned', () => {
  it('snapshots unaligned on the first barrier, blocks nothing, and completes the alignment without a second trigger', () => {
    const { host, handler } = setup(3);
    const b1 = barrier(1, unalignedOptions, 50);
    const atTrigger: number[][] = [];
    host.onTrigger = () => atTrigger.push(received(handler, 3));

    host.nowUs = 100;
    handler.processBarrier(b1, 1);
    expect(host.take()).toEqual(['observe alignment-started 1', 'trigger 1 unaligned', 'resume 1']);
    expect(host.triggers()).toEqual([{ barrier: b1, unaligned: true }]);
    // The snapshot sees the channel whose barrier started it as done (no channel state to wait for there).
    expect(atTrigger).toEqual([[1]]);
    expect(host.timers).toEqual([]);

    host.nowUs = 250;
    handler.processBarrier(b1, 0);
    expect(host.take()).toEqual([]);
    expect(received(handler, 3)).toEqual([0, 1]);

    host.nowUs = 400;
    handler.processBarrier(b1, 2);
    expect(host.take()).toEqual(['observe alignment-completed 1 unaligned=true', 'resume 1', 'resume 0', 'resume 2']);
    expect(host.calls.filter((call) => call.kind === 'block')).toEqual([]);
    expect(host.triggers()).toHaveLength(1);
    expect(host.observations()).toContainEqual({ type: 'alignment-completed', checkpointId: 1, task: 'map#0', alignmentDurationUs: 300, unaligned: true });
    expect(host.observations().map((body) => body.type)).not.toContain('alignment-switched-to-unaligned');
  });

  it('with a single channel, triggers unaligned and completes at once', () => {
    const { host, handler } = setup(1);
    handler.processBarrier(barrier(3, unalignedOptions), 0);
    expect(host.log()).toEqual([
      'observe alignment-started 3',
      'trigger 3 unaligned',
      'resume 0',
      'observe alignment-completed 3 unaligned=true',
      'resume 0',
    ]);
  });

  it('a newer unaligned barrier before all barriers of the previous arrived aborts the previous one', () => {
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(1, unalignedOptions), 0);
    handler.processBarrier(barrier(2, unalignedOptions), 1);
    expect(host.outcomes()).toEqual([1, -1, 2]);
    expect(host.aborts()).toEqual([{ checkpointId: 1, reason: SUBSUMED }]);
  });
});

describe('SingleCheckpointBarrierHandler: aligned with timeout (alternating)', () => {
  it('schedules the timeout relative to the barrier timestamp, not to its arrival', () => {
    const { host, handler } = setup(2);
    host.nowUs = 1_200;
    handler.processBarrier(barrier(1, alignedWithTimeoutOptions(500), 1_000), 0);
    expect(host.log()).toEqual(['observe alignment-started 1', 'schedule #0 +300us', 'block 0']);
    expect(onlyTimer(host).dueUs).toBe(1_500);
  });

  it('when the timer fires mid-alignment, switches: one unaligned trigger, blocked channels resumed, switch observed', () => {
    const { host, handler } = setup(3);
    const options = alignedWithTimeoutOptions(500);
    const b1 = barrier(1, options, 0);
    const atTrigger: number[][] = [];
    host.onTrigger = () => atTrigger.push(received(handler, 3));

    host.nowUs = 100;
    handler.processBarrier(b1, 0);
    host.nowUs = 200;
    handler.processBarrier(b1, 1);
    expect(host.take()).toEqual(['observe alignment-started 1', 'schedule #0 +400us', 'block 0', 'block 1']);

    host.advanceTo(499);
    expect(host.take()).toEqual([]);
    host.advanceTo(600);
    expect(onlyTimer(host).fired).toBe(true);
    expect(host.take()).toEqual(['observe alignment-switched-to-unaligned 1', 'trigger 1 unaligned', 'resume 0', 'resume 1']);
    expect(host.blocked.size).toBe(0);
    const [trigger] = host.triggers();
    expect(trigger?.unaligned).toBe(true);
    expect(trigger?.barrier.checkpointId).toBe(1);
    expect(trigger?.barrier.timestampUs).toBe(0);
    expect(trigger?.barrier.options.type).toBe('checkpoint');
    expect(trigger?.barrier.options.alignment).toBe('unaligned');
    // Channels that delivered their barrier are done; the others' in-flight data becomes channel state.
    expect(atTrigger).toEqual([[0, 1]]);

    host.nowUs = 700;
    handler.processBarrier(b1, 2);
    expect(host.take()).toEqual(['observe alignment-completed 1 unaligned=true', 'resume 0', 'resume 1', 'resume 2']);
    expect(host.triggers()).toHaveLength(1);
    expect(host.observations()).toContainEqual({ type: 'alignment-completed', checkpointId: 1, task: 'map#0', alignmentDurationUs: 600, unaligned: true });
  });

  it('when alignment completes before the timeout, cancels the timer and triggers aligned', () => {
    const { host, handler } = setup(2);
    const b1 = barrier(1, alignedWithTimeoutOptions(500), 0);
    host.nowUs = 100;
    handler.processBarrier(b1, 0);
    host.nowUs = 499;
    handler.processBarrier(b1, 1);
    expect(host.log()).toEqual([
      'observe alignment-started 1',
      'schedule #0 +400us',
      'block 0',
      'block 1',
      'cancel #0',
      'observe alignment-completed 1 unaligned=false',
      'trigger 1 aligned',
      'resume 0',
      'resume 1',
    ]);
    expect(host.triggers()).toEqual([{ barrier: b1, unaligned: false }]);
    host.take();

    host.advanceTo(10_000);
    expect(onlyTimer(host).cancelled).toBe(true);
    expect(onlyTimer(host).fired).toBe(false);
    expect(host.take()).toEqual([]);
  });

  it('a timer letter already queued when the alignment completed does nothing', () => {
    const { host, handler } = setup(2);
    const b1 = barrier(1, alignedWithTimeoutOptions(500), 0);
    handler.processBarrier(b1, 0);
    handler.processBarrier(b1, 1);
    host.take();

    host.nowUs = 600;
    host.runQueuedAction(onlyTimer(host));
    expect(host.take()).toEqual([]);
    expect(host.outcomes()).toEqual([1]);
  });

  it('a barrier arriving at or after the deadline switches at once (boundary: nowUs - timestampUs >= timeout)', () => {
    const { host, handler } = setup(3);
    const b1 = barrier(1, alignedWithTimeoutOptions(500), 1_000);
    host.nowUs = 1_100;
    handler.processBarrier(b1, 0);
    host.take();

    host.nowUs = 1_500; // exactly at the deadline; the timer letter has not run yet
    handler.processBarrier(b1, 1);
    expect(host.take()).toEqual(['cancel #0', 'observe alignment-switched-to-unaligned 1', 'trigger 1 unaligned', 'resume 0', 'resume 1']);
    expect(host.blocked.size).toBe(0);

    handler.processBarrier(b1, 2);
    expect(host.take()).toEqual(['observe alignment-completed 1 unaligned=true', 'resume 0', 'resume 1', 'resume 2']);
    expect(host.triggers()).toHaveLength(1);
  });

  it('a barrier one microsecond before the deadline still blocks', () => {
    const { host, handler } = setup(3);
    const b1 = barrier(1, alignedWithTimeoutOptions(500), 1_000);
    host.nowUs = 1_100;
    handler.processBarrier(b1, 0);
    host.take();

    host.nowUs = 1_499;
    handler.processBarrier(b1, 1);
    expect(host.take()).toEqual(['block 1']);
  });

  it('a first barrier arriving after the deadline switches at once', () => {
    const { host, handler } = setup(2);
    host.nowUs = 2_000;
    handler.processBarrier(barrier(1, alignedWithTimeoutOptions(500), 1_000), 1);
    expect(host.log()).toEqual([
      'observe alignment-started 1',
      'schedule #0 +0us',
      'cancel #0',
      'observe alignment-switched-to-unaligned 1',
      'trigger 1 unaligned',
      'resume 1',
    ]);
    expect(host.calls.filter((call) => call.kind === 'block')).toEqual([]);
  });

  it('the last barrier arriving after the deadline completes the alignment aligned: nothing is left to wait for', () => {
    // Flink's AbstractAlternatingAlignedBarrierHandlerState.barrierReceived checks
    // allBarriersReceived() before isTimedOut(): a complete alignment is never switched.
    const { host, handler } = setup(2);
    const b1 = barrier(1, alignedWithTimeoutOptions(500), 0);
    host.nowUs = 100;
    handler.processBarrier(b1, 0);
    host.take();

    host.nowUs = 900; // past the deadline, before the timer letter ran
    handler.processBarrier(b1, 1);
    expect(host.take()).toEqual(['block 1', 'cancel #0', 'observe alignment-completed 1 unaligned=false', 'trigger 1 aligned', 'resume 0', 'resume 1']);
    expect(host.triggers()).toEqual([{ barrier: b1, unaligned: false }]);
    expect(host.observations().map((body) => body.type)).not.toContain('alignment-switched-to-unaligned');

    host.runQueuedAction(onlyTimer(host));
    expect(host.take()).toEqual([]);
  });

  it('with a single channel, a barrier after the deadline is still taken aligned', () => {
    const { host, handler } = setup(1);
    host.nowUs = 5_000;
    const b1 = barrier(1, alignedWithTimeoutOptions(500), 0);
    handler.processBarrier(b1, 0);
    expect(host.log()).toEqual([
      'observe alignment-started 1',
      'schedule #0 +0us',
      'block 0',
      'cancel #0',
      'observe alignment-completed 1 unaligned=false',
      'trigger 1 aligned',
      'resume 0',
    ]);
  });

  it('an unaligned barrier from upstream during an aligned alignment switches it', () => {
    const { host, handler } = setup(3);
    host.nowUs = 100;
    handler.processBarrier(barrier(1, alignedWithTimeoutOptions(500), 0), 0);
    host.take();

    host.nowUs = 200; // well before the deadline: the upstream switched, not us
    const upstreamUnaligned = barrier(1, { ...alignedWithTimeoutOptions(500), alignment: 'unaligned' }, 0);
    handler.processBarrier(upstreamUnaligned, 1);
    expect(host.take()).toEqual(['cancel #0', 'observe alignment-switched-to-unaligned 1', 'trigger 1 unaligned', 'resume 0', 'resume 1']);

    handler.processBarrier(upstreamUnaligned, 2);
    expect(host.take()).toEqual(['observe alignment-completed 1 unaligned=true', 'resume 0', 'resume 1', 'resume 2']);
    expect(host.triggers()).toHaveLength(1);
  });

  it('an unaligned barrier from upstream switches even when it is the last one', () => {
    // Flink checks isUnalignedCheckpoint() before allBarriersReceived().
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(1, alignedWithTimeoutOptions(500), 0), 0);
    host.take();

    handler.processBarrier(barrier(1, { ...alignedWithTimeoutOptions(500), alignment: 'unaligned' }, 0), 1);
    expect(host.take()).toEqual([
      'cancel #0',
      'observe alignment-switched-to-unaligned 1',
      'trigger 1 unaligned',
      'resume 0',
      'resume 1',
      'observe alignment-completed 1 unaligned=true',
      'resume 0',
      'resume 1',
    ]);
  });

  it('an unaligned barrier from upstream on a plain aligned checkpoint switches it too', () => {
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(1, alignedOptions), 0);
    host.take();
    handler.processBarrier(barrier(1, unalignedOptions), 1);
    expect(host.outcomes()).toEqual([1]);
    expect(host.triggers()[0]?.unaligned).toBe(true);
  });

  it('a checkpoint already switched upstream (unaligned barrier keeping its timeout) is unaligned from its first barrier: no timer, no switch', () => {
    const { host, handler } = setup(2);
    const switchedUpstream = barrier(1, { ...alignedWithTimeoutOptions(500), alignment: 'unaligned' }, 0);
    host.nowUs = 100;
    handler.processBarrier(switchedUpstream, 0);
    expect(host.take()).toEqual(['observe alignment-started 1', 'trigger 1 unaligned', 'resume 0']);
    expect(host.timers).toEqual([]);
    handler.processBarrier(switchedUpstream, 1);
    expect(host.take()).toEqual(['observe alignment-completed 1 unaligned=true', 'resume 0', 'resume 1']);
  });

  it('a timer that fires after the upstream already switched the checkpoint does nothing', () => {
    const { host, handler } = setup(3);
    handler.processBarrier(barrier(1, alignedWithTimeoutOptions(500), 0), 0);
    handler.processBarrier(barrier(1, { ...alignedWithTimeoutOptions(500), alignment: 'unaligned' }, 0), 1);
    host.take();

    host.nowUs = 600;
    expect(host.fire(onlyTimer(host))).toBe(false); // cancelled
    host.runQueuedAction(onlyTimer(host)); // or its letter was already queued
    expect(host.take()).toEqual([]);
    expect(host.triggers()).toHaveLength(1);
  });

  it('aborting the alignment cancels its timer, and a queued letter of it does nothing to the next checkpoint', () => {
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(1, alignedWithTimeoutOptions(500), 0), 0);
    host.nowUs = 300;
    handler.processBarrier(barrier(2, alignedWithTimeoutOptions(500), 250), 1);
    expect(host.log()).toEqual([
      'observe alignment-started 1',
      'schedule #0 +500us',
      'block 0',
      'cancel #0',
      'resume 0',
      `abort 1 ${SUBSUMED}`,
      'observe alignment-started 2',
      'schedule #1 +450us',
      'block 1',
    ]);
    host.take();

    host.nowUs = 600;
    host.runQueuedAction(host.timers[0] as FakeTimer);
    expect(host.take()).toEqual([]);

    host.advanceTo(750);
    expect(host.take()).toEqual(['observe alignment-switched-to-unaligned 2', 'trigger 2 unaligned', 'resume 1']);
  });

  it('a cancellation marker cancels the alignment timer', () => {
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(1, alignedWithTimeoutOptions(500), 0), 0);
    host.take();
    handler.processCancellationMarker(1, 1);
    expect(host.take()).toEqual(['cancel #0', 'resume 0', `abort 1 ${ON_CANCEL}`]);
    host.advanceTo(10_000);
    expect(host.take()).toEqual([]);
  });

  it('a channel finishing after the timer switched completes the (unaligned) alignment without a second trigger', () => {
    const { host, handler } = setup(2);
    handler.processBarrier(barrier(1, alignedWithTimeoutOptions(500), 0), 0);
    host.advanceTo(500);
    host.take();
    handler.processEndOfPartition(1);
    expect(host.take()).toEqual(['observe alignment-completed 1 unaligned=true', 'resume 0']);
    expect(host.triggers()).toHaveLength(1);
  });
});

describe('SingleCheckpointBarrierHandler: savepoints are always aligned', () => {
  const config = { ...defaultCheckpointConfig, unaligned: true, alignedCheckpointTimeoutUs: 500 };

  it('savepoint options are forced-aligned without a timeout even with unaligned checkpoints configured', () => {
    expect(checkpointOptionsFor('savepoint', config)).toEqual({ type: 'savepoint', alignment: 'forced-aligned', alignedTimeoutUs: 0 });
    expect(checkpointOptionsFor('sync-savepoint', config)).toEqual({ type: 'sync-savepoint', alignment: 'forced-aligned', alignedTimeoutUs: 0 });
    expect(checkpointOptionsFor('checkpoint', config)).toEqual({ type: 'checkpoint', alignment: 'aligned', alignedTimeoutUs: 500 });
  });

  for (const type of ['savepoint', 'sync-savepoint'] as const) {
    it(`a ${type} blocks, sets no timer and snapshots aligned however long alignment takes`, () => {
      const { host, handler } = setup(2);
      const savepoint: CheckpointBarrier = barrier(1, checkpointOptionsFor(type, config), 0);
      host.nowUs = 100;
      handler.processBarrier(savepoint, 0);
      host.advanceTo(1_000_000);
      handler.processBarrier(savepoint, 1);
      expect(host.log()).toEqual([
        'observe alignment-started 1',
        'block 0',
        'block 1',
        'observe alignment-completed 1 unaligned=false',
        'trigger 1 aligned',
        'resume 0',
        'resume 1',
      ]);
      expect(host.timers).toEqual([]);
      expect(host.triggers()).toEqual([{ barrier: savepoint, unaligned: false }]);
    });
  }
});
