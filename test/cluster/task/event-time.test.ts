import { describe, expect, it } from 'vitest';
import { maxWatermark, minWatermark, windowStartFor } from '../../../src/cluster/jobgraph/event-time.js';
import type { StreamRecord } from '../../../src/cluster/jobgraph/records.js';
import { EventTimeTimerService, StatusWatermarkValve, WindowOperator, drainsAtBarrier, windowTimerStateName, type ValveOutput, type WatermarkStatus } from '../../../src/cluster/task/event-time/index.js';
import { SourceWatermarks } from '../../../src/cluster/task/event-time/source-watermarks.js';
import type { OperatorContext } from '../../../src/cluster/task/operator.js';
import { barrierEvent, recordsBuffer, type NetworkBuffer } from '../../../src/cluster/task/buffers.js';
import { watermarkEvent } from '../../../src/cluster/task/event-time/index.js';
import { DataChannel, defaultChannelOptions } from '../../../src/net/index.js';
import { Simulation } from '../../../src/sim/index.js';

/** A valve output that records what the valve emitted, in order. */
function recordingOutput(): ValveOutput & { readonly emitted: string[] } {
  const emitted: string[] = [];
  return {
    emitted,
    emitWatermark: (timestamp: number) => emitted.push(`wm ${timestamp === maxWatermark ? 'MAX' : timestamp}`),
    emitWatermarkStatus: (status: WatermarkStatus) => emitted.push(`status ${status}`),
  };
}

describe('StatusWatermarkValve (Flink StatusWatermarkValveTest)', () => {
  it('emits the minimum over its channels, only when it advances', () => {
    const valve = new StatusWatermarkValve(3);
    const output = recordingOutput();
    valve.inputWatermark(10, 0, output);
    valve.inputWatermark(20, 1, output);
    expect(output.emitted).toEqual([]);
    valve.inputWatermark(15, 2, output);
    expect(output.emitted).toEqual(['wm 10']);
    valve.inputWatermark(25, 0, output);
    expect(output.emitted).toEqual(['wm 10', 'wm 15']);
    // A channel's watermark never goes back, nor does the valve's.
    valve.inputWatermark(5, 2, output);
    expect(output.emitted).toEqual(['wm 10', 'wm 15']);
    expect(valve.currentWatermark).toBe(15);
  });

  it('leaves an idle channel out of the minimum, and counts it again once active and caught up', () => {
    const valve = new StatusWatermarkValve(2);
    const output = recordingOutput();
    valve.inputWatermarkStatus('idle', 1, output);
    valve.inputWatermark(30, 0, output);
    expect(output.emitted).toEqual(['wm 30']);
    // A watermark of an idle channel is ignored.
    valve.inputWatermark(5, 1, output);
    expect(output.emitted).toEqual(['wm 30']);
    valve.inputWatermarkStatus('active', 1, output);
    valve.inputWatermark(40, 0, output);
    // Channel 1 (at 5, behind the valve's 30) is not counted until it catches up with the output.
    expect(output.emitted).toEqual(['wm 30', 'wm 40']);
    valve.inputWatermark(35, 1, output);
    valve.inputWatermark(50, 0, output);
    expect(output.emitted).toEqual(['wm 30', 'wm 40', 'wm 50']);
    // Caught up (55 >= 50): it counts again, and now holds channel 0 back.
    valve.inputWatermark(55, 1, output);
    valve.inputWatermark(70, 0, output);
    expect(output.emitted).toEqual(['wm 30', 'wm 40', 'wm 50', 'wm 55']);
  });

  it('goes idle when every channel is, flushing the largest watermark first, and active again with one', () => {
    const valve = new StatusWatermarkValve(2);
    const output = recordingOutput();
    valve.inputWatermark(10, 0, output);
    valve.inputWatermark(20, 1, output);
    valve.inputWatermarkStatus('idle', 1, output);
    valve.inputWatermarkStatus('idle', 0, output);
    expect(output.emitted).toEqual(['wm 10', 'wm 20', 'status idle']);
    valve.inputWatermarkStatus('active', 0, output);
    expect(output.emitted).toEqual(['wm 10', 'wm 20', 'status idle', 'status active']);
  });

  it('negative control: with planted bug valve-min-includes-idle-channels an idle channel holds event time back', () => {
    const valve = new StatusWatermarkValve(2, ['valve-min-includes-idle-channels']);
    const output = recordingOutput();
    valve.inputWatermarkStatus('idle', 1, output);
    valve.inputWatermark(30, 0, output);
    valve.inputWatermark(maxWatermark, 0, output);
    expect(output.emitted).toEqual([]);
  });
});

describe('EventTimeTimerService (Flink InternalTimerServiceImplTest)', () => {
  it('fires every timer at or below the watermark once, in timestamp then key order, and keeps the rest', () => {
    const timers = new EventTimeTimerService();
    timers.register('b', 20);
    timers.register('a', 20);
    timers.register('a', 10);
    timers.register('a', 10);
    timers.register('c', 30);
    expect(timers.size).toBe(4);
    const fired: string[] = [];
    timers.advanceWatermark(20, (key, timestamp) => fired.push(`${key}@${timestamp}`));
    expect(fired).toEqual(['a@10', 'a@20', 'b@20']);
    timers.advanceWatermark(25, (key, timestamp) => fired.push(`${key}@${timestamp}`));
    expect(fired).toHaveLength(3);
    expect(timers.snapshot()).toEqual({ c: [30] });
    expect(timers.currentWatermark).toBe(25);
  });

  it('restores only the timers of the keys the subtask owns, and they fire after the restore', () => {
    const restored = new EventTimeTimerService();
    restored.restore({ a: [5, 7], b: [6] }, (key) => key === 'a');
    const fired: string[] = [];
    restored.advanceWatermark(maxWatermark, (key, timestamp) => fired.push(`${key}@${timestamp}`));
    expect(fired).toEqual(['a@5', 'a@7']);
  });
});

function windowContext(emitted: unknown[]): OperatorContext {
  return {
    taskName: 'window#0',
    subtaskIndex: 0,
    attempt: 0,
    jobRun: 0,
    ownsKey: () => true,
    emit: (value) => emitted.push(value),
    sinkStore: undefined as never,
    externalFails: () => false,
    plantedBugs: [],
    observe: () => {},
  };
}

function event(key: string, timestamp: number, amount: number): StreamRecord {
  return { key, value: { key, timestamp, amount }, origin: { partition: 0, offset: timestamp } };
}

const windowSpec = { sizeMs: 10, timestampOf: (value: unknown) => (value as { timestamp: number }).timestamp, amountOf: (value: unknown) => (value as { amount: number }).amount };

describe('WindowOperator with tumbling event-time windows (Flink WindowOperatorTest)', () => {
  it('fires each window once when the watermark reaches its end, and drops records of a fired window as late', () => {
    const emitted: unknown[] = [];
    const operator = new WindowOperator(windowSpec);
    operator.open(windowContext(emitted), undefined);
    operator.processElement(event('k', 3, 2));
    operator.processElement(event('k', 9, 5));
    operator.processElement(event('k', 12, 1));
    operator.processWatermark(8);
    expect(emitted).toEqual([]);
    operator.processWatermark(9);
    expect(emitted).toEqual([{ key: 'k', windowStart: 0, windowEnd: 10, sum: 7, count: 2 }]);
    operator.processElement(event('k', 4, 100));
    expect(operator.lateRecordsDropped).toBe(1);
    operator.processWatermark(maxWatermark);
    expect(emitted).toEqual([
      { key: 'k', windowStart: 0, windowEnd: 10, sum: 7, count: 2 },
      { key: 'k', windowStart: 10, windowEnd: 20, sum: 1, count: 1 },
    ]);
  });

  it('snapshots window contents and timers as keyed state, and a restored operator fires exactly the pending windows', () => {
    const operator = new WindowOperator(windowSpec);
    operator.open(windowContext([]), undefined);
    operator.processElement(event('k', 3, 2));
    operator.processElement(event('j', 15, 4));
    operator.processWatermark(9);
    const snapshot = operator.snapshotState();
    expect(snapshot.keyed?.[windowTimerStateName]).toEqual({ j: [19] });
    const emitted: unknown[] = [];
    const restored = new WindowOperator(windowSpec);
    restored.open(windowContext(emitted), snapshot);
    restored.processWatermark(maxWatermark);
    expect(emitted).toEqual([{ key: 'j', windowStart: 10, windowEnd: 20, sum: 4, count: 1 }]);
  });

  it('computes window starts like TimeWindow.getWindowStartWithOffset, negative timestamps too', () => {
    expect(windowStartFor(0, 10)).toBe(0);
    expect(windowStartFor(19, 10)).toBe(10);
    expect(windowStartFor(-1, 10)).toBe(-10);
  });
});

describe('source watermarks (BoundedOutOfOrdernessWatermarks per split)', () => {
  const strategy = { outOfOrdernessMs: 5, timestampOf: (value: unknown) => (value as { timestamp: number }).timestamp };
  const record = (partition: number, offset: number, timestamp: number): StreamRecord => ({ key: undefined, value: { timestamp }, origin: { partition, offset } });

  it('trails the largest timestamp by the bound plus one, per partition, the minimum over partitions still read', () => {
    const watermarks = new SourceWatermarks(strategy, [{ partition: 0, length: 3 }, { partition: 1, length: 10 }], undefined);
    expect(watermarks.currentWatermark()).toBe(minWatermark);
    watermarks.onRecord(record(0, 0, 20));
    watermarks.onRecord(record(1, 0, 12));
    expect(watermarks.currentWatermark()).toBe(6);
    // Partition 0 read to its end (offset 2 of 3) no longer holds partition 1 back.
    watermarks.onRecord(record(0, 2, 30));
    expect(watermarks.currentWatermark()).toBe(6);
    watermarks.onRecord(record(1, 1, 40));
    expect(watermarks.currentWatermark()).toBe(34);
  });

  it('is idle with no partition to read', () => {
    expect(new SourceWatermarks(strategy, [], undefined).idle).toBe(true);
  });

  it('a FLIP-27 reader with no split yet is not idle, and an added split gets a generator of its own', () => {
    const watermarks = new SourceWatermarks(strategy, [], undefined, true);
    expect(watermarks.idle).toBe(false);
    expect(() => watermarks.onRecord(record(2, 0, 20))).toThrow(/does not read/);
    watermarks.addPartitions([{ partition: 2, length: 10 }], { '2': 4 });
    watermarks.onRecord(record(2, 4, 20));
    expect(watermarks.currentWatermark()).toBe(14);
    // A later split starts at the minimum and holds the reader's watermark back while it is read.
    watermarks.addPartitions([{ partition: 5, length: 10 }], { '5': 0 });
    watermarks.onRecord(record(5, 0, 17));
    expect(watermarks.currentWatermark()).toBe(11);
    // A split added already read to its end holds nothing back.
    watermarks.addPartitions([{ partition: 7, length: 3 }], { '7': 3 });
    expect(watermarks.currentWatermark()).toBe(11);
  });
});

describe('advanceToEndOfEventTime on drain', () => {
  it('only a synchronous savepoint with drain drains (Flink SourceStreamTask: the stop path is for synchronous savepoints)', () => {
    expect(drainsAtBarrier({ type: 'sync-savepoint', alignment: 'forced-aligned', alignedTimeoutUs: 0, drain: true })).toBe(true);
    expect(drainsAtBarrier({ type: 'savepoint', alignment: 'forced-aligned', alignedTimeoutUs: 0, drain: true })).toBe(false);
    expect(drainsAtBarrier({ type: 'checkpoint', alignment: 'aligned', alignedTimeoutUs: 0, drain: true })).toBe(false);
    expect(drainsAtBarrier({ type: 'sync-savepoint', alignment: 'forced-aligned', alignedTimeoutUs: 0 })).toBe(false);
  });
});

describe('watermarks on the data channel', () => {
  it('keep their place behind queued records (no credit needed, but no overtaking), and an unaligned barrier overtakes them like records', () => {
    const sim = new Simulation({ seed: 1 });
    const producer = sim.createNode('producer');
    const consumer = sim.createNode('consumer');
    const link = new DataChannel<NetworkBuffer>(sim, 'source#0->window#0', producer, sim.random('link'), { ...defaultChannelOptions, initialCredits: 0 }, () => {});
    const arrived: string[] = [];
    const name = (buffer: NetworkBuffer): string => (buffer.kind === 'watermark' ? `wm ${buffer.timestamp}` : buffer.kind === 'barrier' ? `barrier ${buffer.barrier.checkpointId}` : buffer.kind);
    link.send(recordsBuffer([event('k', 1, 1)]));
    link.send(watermarkEvent(5));
    link.send(barrierEvent({ checkpointId: 7, timestampUs: 0, options: { type: 'checkpoint', alignment: 'unaligned', alignedTimeoutUs: 0 } }, true));
    link.connect(consumer, (buffer) => arrived.push(name(buffer)));
    sim.run();
    // No credit: the priority barrier left, the records wait, and the watermark waits behind them.
    expect(arrived).toEqual(['barrier 7']);
    link.returnCredit();
    sim.run();
    expect(arrived).toEqual(['barrier 7', 'records', 'wm 5']);
  });
});
