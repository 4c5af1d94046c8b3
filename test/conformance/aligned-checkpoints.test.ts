/**
 * Conformance with Flink 1.20's AlignedCheckpointsTest (flink-streaming-java,
 * org.apache.flink.streaming.runtime.io.checkpointing), through ckptsim's
 * SingleCheckpointBarrierHandler with aligned barriers on the recording FakeBarrierHost. Flink's
 * sequences are fed without their buffers: what Flink checks through buffer order, ckptsim's
 * handler shows as the set of blocked channels, asserted where Flink asserts it.
 *
 * Flink methods: 16. Skipped as not behaviour: 1 (testMetrics: alignment and start-delay metrics).
 * Ported and todo counts: test/conformance/README.md (generated).
 */
import { describe, expect, it } from 'vitest';
import { SingleCheckpointBarrierHandler } from '../../src/cluster/task/single-checkpoint-barrier-handler.js';
import { FakeBarrierHost } from '../cluster/task/fake-barrier-host.js';
import { feed, type SequenceEvent } from './barrier-sequence.js';

const b = (id: number, channel: number): SequenceEvent => ['barrier', id, channel];
const c = (id: number, channel: number): SequenceEvent => ['cancel', id, channel];
const end = (channel: number): SequenceEvent => ['end', channel];
const buf = (channel: number): SequenceEvent => ['buffer', channel];

function handler(channels: number, checkpointsAfterTasksFinish = true): { host: FakeBarrierHost; subject: SingleCheckpointBarrierHandler; step: (...events: SequenceEvent[]) => number[] } {
  const host = new FakeBarrierHost(channels);
  const subject = new SingleCheckpointBarrierHandler(host, [], checkpointsAfterTasksFinish);
  const step = (...events: SequenceEvent[]): number[] => {
    feed(subject, events);
    return [...host.blocked].sort((x, y) => x - y);
  };
  return { host, subject, step };
}

describe('AlignedCheckpointsTest (Flink 1.20)', () => {
  it('testSingleChannelNoBarriers', () => {
    const { host, step } = handler(1);
    expect(step(buf(0), buf(0), buf(0), end(0))).toEqual([]);
    expect(host.outcomes()).toEqual([]);
  });

  it('testMultiChannelNoBarriers', () => {
    const { host, step } = handler(4);
    expect(step(buf(2), buf(2), buf(0), buf(1), buf(0), end(0), buf(3), buf(1), end(3), buf(1), end(1), buf(2), end(2))).toEqual([]);
    expect(host.outcomes()).toEqual([]);
  });

  it('testSingleChannelWithBarriers', () => {
    const { host, step } = handler(1);
    expect(step(b(1, 0), b(2, 0), b(3, 0), b(4, 0), b(5, 0), b(6, 0), end(0))).toEqual([]);
    expect(host.outcomes()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('testMultiChannelWithBarriers', () => {
    const { host, step } = handler(3);
    expect(step(b(1, 1), b(1, 2))).toEqual([1, 2]);
    expect(host.outcomes()).toEqual([]);
    expect(step(b(1, 0))).toEqual([]);
    expect(host.outcomes()).toEqual([1]);
    expect(step(b(2, 0), b(2, 1))).toEqual([0, 1]);
    expect(step(b(2, 2), b(3, 2), b(3, 0), b(3, 1), b(4, 1), b(4, 2), b(4, 0))).toEqual([]);
    expect(step(end(0), end(1), end(2))).toEqual([]);
    expect(host.outcomes()).toEqual([1, 2, 3, 4]);
  });

  it('testMultiChannelJumpingOverCheckpoint', () => {
    // Flink runs this one with checkpoints after tasks finish off.
    const { host, subject, step } = handler(3, false);
    step(buf(0), buf(2), buf(0), b(1, 1));
    expect(subject.latestCheckpointId).toBe(1);
    expect(step(b(1, 2), buf(0), b(1, 0))).toEqual([]);
    step(buf(1), buf(0), b(2, 1));
    expect(subject.latestCheckpointId).toBe(2);
    expect(step(buf(2), b(2, 0), buf(2))).toEqual([0, 1]);
    // A newer barrier aborts the alignment in progress and starts a new one.
    expect(step(b(3, 2))).toEqual([2]);
    expect(subject.latestCheckpointId).toBe(3);
    expect(step(buf(1), buf(0), b(3, 0))).toEqual([0, 2]);
    expect(step(b(4, 1))).toEqual([1]);
    expect(subject.latestCheckpointId).toBe(4);
    // An input ends during the alignment of 4: declined, as no checkpoint may follow a finished input.
    expect(step(buf(2), buf(0), end(0))).toEqual([]);
    expect(step(buf(2), end(2), buf(1), end(1))).toEqual([]);
    expect(host.triggers()).toHaveLength(1);
    expect(host.aborts()).toEqual([
      { checkpointId: 2, reason: 'CHECKPOINT_DECLINED_SUBSUMED' },
      { checkpointId: 3, reason: 'CHECKPOINT_DECLINED_SUBSUMED' },
      { checkpointId: 4, reason: 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM' },
    ]);
  });

  it('testMissingCancellationBarriers', () => {
    const { step } = handler(2);
    expect(step(b(1, 0), c(3, 1), c(2, 0), c(3, 0), buf(0))).toEqual([]);
  });

  it('testStartAlignmentWithClosedChannels', () => {
    const { subject, step } = handler(4);
    expect(step(end(2), end(1), b(2, 3), b(2, 0))).toEqual([]);
    expect(subject.latestCheckpointId).toBe(2);
    expect(step(b(3, 0), b(3, 3))).toEqual([]);
    expect(subject.latestCheckpointId).toBe(3);
    expect(step(end(0), b(4, 3))).toEqual([]);
    expect(subject.latestCheckpointId).toBe(4);
    expect(step(end(3))).toEqual([]);
  });

  it('testEndOfStreamWhileCheckpoint', () => {
    const { host, subject, step } = handler(3);
    expect(step(b(1, 0), b(1, 1), b(1, 2))).toEqual([]);
    step(b(2, 2), b(2, 0), end(1));
    expect(subject.latestCheckpointId).toBe(2);
    expect(step(end(2), end(0))).toEqual([]);
    expect(host.outcomes()).toEqual([1, 2]);
  });

  it('testSingleChannelAbortCheckpoint', () => {
    const { host, subject, step } = handler(1);
    expect(step(b(1, 0), b(2, 0))).toEqual([]);
    expect(step(c(4, 0))).toEqual([]);
    expect(subject.latestCheckpointId).toBe(4);
    expect(host.aborts()).toEqual([{ checkpointId: 4, reason: 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER' }]);
    expect(step(b(5, 0))).toEqual([]);
    expect(subject.latestCheckpointId).toBe(5);
    step(c(6, 0), buf(0));
    expect(subject.latestCheckpointId).toBe(6);
    expect(host.aborts().at(-1)).toEqual({ checkpointId: 6, reason: 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER' });
    expect(host.triggers()).toHaveLength(3);
    expect(host.aborts()).toHaveLength(2);
  });

  it('testMultiChannelAbortCheckpoint', () => {
    const { host, step } = handler(3);
    expect(step(buf(0), b(1, 1))).toEqual([1]);
    expect(step(b(1, 2))).toEqual([1, 2]);
    expect(step(buf(0), b(1, 0))).toEqual([]);
    expect(step(buf(0), b(2, 0))).toEqual([0]);
    expect(step(b(2, 2))).toEqual([0, 2]);
    expect(step(buf(1), c(2, 1))).toEqual([]);
    expect(host.aborts()).toEqual([{ checkpointId: 2, reason: 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER' }]);
    expect(step(buf(2), b(3, 1), b(3, 2), b(3, 0))).toEqual([]);
    expect(step(buf(0), c(4, 1))).toEqual([]);
    expect(step(b(4, 2), buf(2), b(4, 0), buf(0))).toEqual([]);
    expect(step(b(5, 2), b(5, 1), b(5, 0))).toEqual([]);
    expect(step(buf(0), c(6, 1), c(6, 2), b(6, 0), buf(0))).toEqual([]);
    expect(host.outcomes()).toEqual([1, -2, 3, -4, 5, -6]);
  });

  it('testAbortOnCanceledBarriers', () => {
    const { host, step } = handler(3);
    expect(step(buf(1), b(1, 1), buf(2), c(1, 0), buf(1))).toEqual([]);
    expect(host.aborts()).toEqual([{ checkpointId: 1, reason: 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER' }]);
    expect(step(b(2, 1), buf(2), b(1, 2))).toEqual([1]);
    expect(step(buf(0), b(2, 0), b(2, 2))).toEqual([]);
    expect(step(buf(0), buf(2))).toEqual([]);
    expect(host.outcomes()).toEqual([-1, 2]);
  });

  it('testIgnoreCancelBarrierIfCheckpointSubsumed', () => {
    const { host, step } = handler(3);
    expect(step(buf(2), b(3, 1), b(3, 0), buf(2))).toEqual([0, 1]);
    expect(step(b(5, 2))).toEqual([2]);
    expect(host.aborts()).toEqual([{ checkpointId: 3, reason: 'CHECKPOINT_DECLINED_SUBSUMED' }]);
    expect(step(buf(1), c(3, 0), buf(0))).toEqual([2]);
    expect(step(b(5, 0), b(5, 1))).toEqual([]);
    expect(host.outcomes()).toEqual([-3, 5]);
  });

  it('testTriggerCheckpointsWithEndOfPartition', () => {
    const { host, subject, step } = handler(3);
    expect(step(b(1, 0), b(1, 1), end(2))).toEqual([]);
    expect(host.outcomes()).toEqual([1]);
    expect(subject.hasReceivedBarrier(0)).toBe(false);
  });

  it('testDeduplicateChannelsWithBothBarrierAndEndOfPartition', () => {
    const { host, subject, step } = handler(3);
    step(b(2, 0), b(2, 1), end(1));
    expect(host.outcomes()).toEqual([]);
    expect(step(b(2, 2))).toEqual([]);
    expect(host.outcomes()).toEqual([2]);
    expect(subject.hasReceivedBarrier(0)).toBe(false);
  });

  it('testTriggerCheckpointsAfterReceivedEndOfPartition', () => {
    const { host, step } = handler(3);
    expect(step(end(2), b(6, 0), b(6, 1), end(1), b(7, 0))).toEqual([]);
    expect(host.outcomes()).toEqual([6, 7]);
  });
});
