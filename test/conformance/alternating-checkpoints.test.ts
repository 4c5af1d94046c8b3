/**
 * Conformance with Flink 1.20's AlternatingCheckpointsTest (flink-streaming-java,
 * org.apache.flink.streaming.runtime.io.checkpointing), through ckptsim's
 * SingleCheckpointBarrierHandler with aligned-with-timeout barriers on the recording
 * FakeBarrierHost. Flink's "passive" timeout is the check when a barrier (or an end of partition)
 * is processed; its "active" timeout is the handler's timer, fired here by moving the host's clock.
 *
 * Most of Flink's timeout cases run on remote channels, where a barrier is first announced (an
 * EventAnnouncement overtakes the data queued before it) and processed later; ckptsim has no
 * announcements yet (issue 22 item 5), so those are todos. Cases marked "(handler outcome;
 * in-flight data not asserted)" leave out the channel state Flink also checks (the task's part).
 *
 * Flink methods: 33. Skipped as not behaviour: 2 (testMetricsAlternation,
 * testMetricsSingleChannel: alignment-duration and start-delay metrics).
 * Ported and todo counts: test/conformance/README.md (generated).
 */
import { describe, expect, it } from 'vitest';
import { checkpointOptionsFor, defaultCheckpointConfig, type CheckpointOptions } from '../../src/cluster/checkpoint/types.js';
import { SingleCheckpointBarrierHandler } from '../../src/cluster/task/single-checkpoint-barrier-handler.js';
import { FakeBarrierHost, alignedOptions, alignedWithTimeoutOptions, barrier, unalignedOptions } from '../cluster/task/fake-barrier-host.js';

const ms = 1_000;
const announcements = 'needs EventAnnouncement (a barrier announced on a remote channel ahead of the data queued before it, and the timeouts it drives)';
const partial = ' (handler outcome; in-flight data not asserted)';
/** A savepoint under unaligned checkpointing: always aligned, never timing out. */
const savepointOptions: CheckpointOptions = checkpointOptionsFor('savepoint', { ...defaultCheckpointConfig, unaligned: true });

function handler(channels: number): { host: FakeBarrierHost; subject: SingleCheckpointBarrierHandler } {
  const host = new FakeBarrierHost(channels);
  return { host, subject: new SingleCheckpointBarrierHandler(host) };
}

/** The alignment each triggered checkpoint was taken with. */
function triggeredAs(host: FakeBarrierHost): string[] {
  return host.triggers().map((trigger) => `${trigger.barrier.checkpointId}:${trigger.unaligned ? 'unaligned' : 'aligned'}`);
}

describe('AlternatingCheckpointsTest (Flink 1.20)', () => {
  it(`testChannelResetOnNewBarrier${partial}`, () => {
    // A savepoint aligning on channel 0, then an unaligned checkpoint's barrier on channel 1.
    const { host, subject } = handler(2);
    subject.processBarrier(barrier(0, savepointOptions), 0);
    expect([...host.blocked]).toEqual([0]);
    subject.processBarrier(barrier(1, unalignedOptions), 1);
    expect(host.aborts()).toEqual([{ checkpointId: 0, reason: 'CHECKPOINT_DECLINED_SUBSUMED' }]);
    expect(triggeredAs(host)).toEqual(['1:unaligned']);
    expect(host.blocked.size).toBe(0);
  });

  it('testSwitchToUnalignedByUpstream', () => {
    // Channel 0's aligned barrier (Flink: its announcement) starts nothing; the same checkpoint's
    // barrier arriving unaligned (it timed out upstream) on channel 1 takes it at once.
    const { host, subject } = handler(2);
    const options = alignedWithTimeoutOptions(Number.MAX_SAFE_INTEGER);
    subject.processBarrier(barrier(1, options), 0);
    expect(host.triggers()).toEqual([]);
    subject.processBarrier(barrier(1, { ...options, alignment: 'unaligned' }), 1);
    expect(triggeredAs(host)).toEqual(['1:unaligned']);
  });

  it('testCheckpointHandling', () => {
    const { host, subject } = handler(2);
    subject.processBarrier(barrier(123, unalignedOptions, 1), 0);
    expect(host.triggers().map((trigger) => trigger.barrier.checkpointId)).toEqual([123]);
    subject.processBarrier(barrier(123, unalignedOptions, 1), 1);
    expect(host.triggers().map((trigger) => trigger.barrier.checkpointId)).toEqual([123]);
  });

  it('testSavepointHandling', () => {
    const { host, subject } = handler(2);
    subject.processBarrier(barrier(123, savepointOptions, 1), 0);
    expect(host.triggers()).toEqual([]);
    subject.processBarrier(barrier(123, savepointOptions, 1), 1);
    expect(triggeredAs(host)).toEqual(['123:aligned']);
    expect(host.blocked.size).toBe(0);
  });

  it('testAlternation', () => {
    const numBarriers = 123;
    const numChannels = 123;
    const { host, subject } = handler(numChannels);
    for (let id = 0; id < numBarriers; id++) {
      const options = id % 2 === 0 ? alignedOptions : savepointOptions;
      for (let channel = 0; channel < numChannels; channel++) subject.processBarrier(barrier(id, options), channel);
    }
    expect(host.triggers().map((trigger) => trigger.barrier.checkpointId)).toEqual(Array.from({ length: numBarriers }, (_, id) => id));
  });

  it.todo(`testAlignedAfterTimedOut: ${announcements}`);

  it('testAlignedNeverTimeoutableCheckpoint', () => {
    const { host, subject } = handler(2);
    const never = alignedWithTimeoutOptions(Number.MAX_SAFE_INTEGER);
    subject.processBarrier(barrier(1, never), 0);
    host.advanceTo(1_000 * ms);
    expect(host.triggers()).toEqual([]);
    subject.processBarrier(barrier(1, never), 1);
    expect(triggeredAs(host)).toEqual(['1:aligned']);
  });

  it.todo(`testTimeoutAlignment: ${announcements}`);
  it.todo(`testTimeoutAlignmentAfterProcessingBarrier: ${announcements}`);
  it.todo(`testTimeoutAlignmentOnFirstBarrier: ${announcements}`);

  it('testTimeoutAlignmentBeforeFirstBarrier', () => {
    // The barrier is read only after its timeout passed (since its trigger time): unaligned at once.
    const { host, subject } = handler(2);
    host.advanceTo(101 * ms);
    subject.processBarrier(barrier(1, alignedWithTimeoutOptions(100 * ms), 0), 0);
    expect(triggeredAs(host)).toEqual(['1:unaligned']);
  });

  it.todo(`testTimeoutAlignmentWhenLocalBarrierFirst: ${announcements}`);
  it.todo(`testActiveTimeoutAfterLocalBarrierPassiveTimeout: ${announcements}`);
  it.todo(`testTimeoutAlignmentOnAnnouncementForSecondCheckpoint: ${announcements}`);
  it.todo(`testPassiveTimeoutAlignmentOnAnnouncement: ${announcements}`);

  it('testActiveTimeoutAlignmentOnFirstBarrier', () => {
    const { host, subject } = handler(2);
    subject.processBarrier(barrier(1, alignedWithTimeoutOptions(100 * ms), 0), 0);
    host.advanceTo(101 * ms);
    expect(triggeredAs(host)).toEqual(['1:unaligned']);
  });

  it('testAllChannelsUnblockedAfteralignedCheckpointTimeout', () => {
    const { host, subject } = handler(2);
    const options = alignedWithTimeoutOptions(100 * ms);
    subject.processBarrier(barrier(1, options, 0), 0);
    expect([...host.blocked]).toEqual([0]);
    host.advanceTo(101 * ms);
    subject.processBarrier(barrier(1, options, 0), 1);
    expect(triggeredAs(host)).toEqual(['1:unaligned']);
    expect(host.blocked.size).toBe(0);
  });

  it('testNoActiveTimeoutAlignmentAfterLastBarrier', () => {
    const { host, subject } = handler(2);
    const options = alignedWithTimeoutOptions(100 * ms);
    subject.processBarrier(barrier(1, options, 0), 0);
    subject.processBarrier(barrier(1, options, 0), 1);
    host.advanceTo(101 * ms);
    expect(triggeredAs(host)).toEqual(['1:aligned']);
  });

  it('testNoActiveTimeoutAlignmentAfterAbort', () => {
    const { host, subject } = handler(2);
    subject.processBarrier(barrier(1, alignedWithTimeoutOptions(100 * ms), 0), 0);
    subject.processCancellationMarker(1, 0);
    subject.processCancellationMarker(1, 1);
    host.advanceTo(101 * ms);
    expect(host.triggers()).toEqual([]);
  });

  it.todo('testNoActiveTimeoutAlignmentAfterClose: needs the handler to be closed with its input gate (ckptsim\'s handler has no close; a canceled task\'s timers die with its node)');
  it.todo(`testActiveTimeoutAlignmentOnAnnouncement: ${announcements}`);
  it.todo(`testActiveTimeoutAfterAnnouncementPassiveTimeout: ${announcements}`);
  it.todo(`testActiveTimeoutBeforeFirstAnnouncementPassiveTimeout: ${announcements}`);
  it.todo(`testActiveTimeoutAfterBarrierPassiveTimeout: ${announcements}`);

  it(`testTimeoutAlignmentOnUnalignedCheckpoint${partial}`, () => {
    // Aligning with a timeout that never passes; an unaligned barrier of the same checkpoint
    // arrives on another channel and takes the checkpoint unaligned.
    const { host, subject } = handler(3);
    const never = alignedWithTimeoutOptions(Number.MAX_SAFE_INTEGER);
    subject.processBarrier(barrier(1, never), 0);
    subject.processBarrier(barrier(1, { ...never, alignment: 'unaligned' }), 1);
    expect(triggeredAs(host)).toEqual(['1:unaligned']);
  });

  it('testTimeoutAlignmentAfterReceivedEndOfPartition', () => {
    // The timeout passed while its timer has not run yet: the next end of partition switches.
    const { host, subject } = handler(3);
    subject.processBarrier(barrier(1, alignedWithTimeoutOptions(100 * ms), 0), 0);
    host.nowUs = 101 * ms;
    subject.processEndOfPartition(1);
    subject.processEndOfPartition(2);
    expect(triggeredAs(host)).toEqual(['1:unaligned']);
  });

  it.todo(`testStartNewCheckpointViaAnnouncement: ${announcements}`);

  it('testPreviousHandlerReset', () => {
    // Each newer barrier (savepoints on channel 0, checkpoints on channel 1) replaces the previous
    // alignment; a savepoint keeps only its own channel blocked.
    const { host, subject } = handler(2);
    for (let id = 0; id < 4; id++) {
      const channel = id % 2;
      subject.processBarrier(barrier(id, channel === 0 ? savepointOptions : alignedOptions), channel);
      if (channel === 0) expect([...host.blocked]).toEqual([0]);
      expect(subject.hasReceivedBarrier(channel, id)).toBe(true);
      expect(host.triggers()).toEqual([]);
    }
  });

  it('testHasInflightDataBeforeProcessBarrier', () => {
    const { host, subject } = handler(2);
    subject.processBarrier(barrier(1, alignedOptions), 0);
    // Not all barriers are in: the checkpoint is not taken and channel 1 is still awaited.
    expect(host.triggers()).toEqual([]);
    expect(subject.hasReceivedBarrier(1, 1)).toBe(false);
  });

  it('testOutOfOrderBarrier', () => {
    const { host, subject } = handler(2);
    subject.processBarrier(barrier(10, alignedOptions), 0);
    subject.processBarrier(barrier(5, savepointOptions), 1);
    expect(subject.latestCheckpointId).toBe(10);
    expect(host.blocked.has(1)).toBe(false);
  });

  it('testNextFirstCheckpointBarrierOvertakesCancellationBarrier', () => {
    // Checkpoint 2 overtakes 1, whose late cancellation marker is ignored; the alignment of 2
    // lasts from its first barrier to its last: 2 s.
    const { host, subject } = handler(2);
    const options = alignedWithTimeoutOptions(10_000 * ms);
    subject.processBarrier(barrier(1, options, 0), 0);
    host.advanceTo(1_000 * ms);
    subject.processBarrier(barrier(2, options, 1_000 * ms), 0);
    host.advanceTo(2_000 * ms);
    subject.processCancellationMarker(1, 1);
    host.advanceTo(3_000 * ms);
    subject.processBarrier(barrier(2, options, 1_000 * ms), 1);
    const completed = host.observations().filter((o) => o.type === 'alignment-completed');
    expect(completed).toEqual([expect.objectContaining({ checkpointId: 2, alignmentDurationUs: 2_000 * ms })]);
  });
});
