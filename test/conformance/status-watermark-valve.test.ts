/**
 * Conformance with Flink 1.20's StatusWatermarkValveTest (flink-streaming-java,
 * org.apache.flink.streaming.runtime.watermarkstatus), through ckptsim's StatusWatermarkValve
 * (src/cluster/task/event-time/status-watermark-valve.ts).
 *
 * Flink methods: 14. Skipped as not behaviour: 0.
 * Ported and todo counts: test/conformance/README.md (generated).
 */
import { describe, expect, it } from 'vitest';
import { StatusWatermarkValve, type ValveOutput, type WatermarkStatus } from '../../src/cluster/task/event-time/index.js';

/** Flink's StatusWatermarkOutput: what the valve emitted, popped oldest first. */
class StatusWatermarkOutput implements ValveOutput {
  private readonly outputs: Array<number | WatermarkStatus> = [];

  emitWatermark(timestamp: number): void {
    this.outputs.push(timestamp);
  }

  emitWatermarkStatus(status: WatermarkStatus): void {
    this.outputs.push(status);
  }

  pop(): number | WatermarkStatus | undefined {
    return this.outputs.shift();
  }
}

describe('StatusWatermarkValveTest (Flink 1.20)', () => {
  it('testSingleInputIncreasingWatermarks', () => {
    const output = new StatusWatermarkOutput();
    const valve = new StatusWatermarkValve(1);
    valve.inputWatermark(0, 0, output);
    expect(output.pop()).toBe(0);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermark(25, 0, output);
    expect(output.pop()).toBe(25);
    expect(output.pop()).toBeUndefined();
  });

  it('testSingleInputDecreasingWatermarksYieldsNoOutput', () => {
    const output = new StatusWatermarkOutput();
    const valve = new StatusWatermarkValve(1);
    valve.inputWatermark(25, 0, output);
    expect(output.pop()).toBe(25);
    valve.inputWatermark(18, 0, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermark(42, 0, output);
    expect(output.pop()).toBe(42);
    expect(output.pop()).toBeUndefined();
  });

  it('testSingleInputWatermarkStatusToggling', () => {
    const output = new StatusWatermarkOutput();
    const valve = new StatusWatermarkValve(1);
    valve.inputWatermarkStatus('active', 0, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermarkStatus('idle', 0, output);
    expect(output.pop()).toBe('idle');
    valve.inputWatermarkStatus('idle', 0, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermarkStatus('active', 0, output);
    expect(output.pop()).toBe('active');
    expect(output.pop()).toBeUndefined();
  });

  it('testSingleInputWatermarksIntactDuringIdleness', () => {
    const output = new StatusWatermarkOutput();
    const valve = new StatusWatermarkValve(1);
    valve.inputWatermark(25, 0, output);
    expect(output.pop()).toBe(25);
    valve.inputWatermarkStatus('idle', 0, output);
    expect(output.pop()).toBe('idle');
    valve.inputWatermark(50, 0, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermarkStatus('active', 0, output);
    expect(output.pop()).toBe('active');
    expect(output.pop()).toBeUndefined();
    valve.inputWatermark(50, 0, output);
    expect(output.pop()).toBe(50);
    expect(output.pop()).toBeUndefined();
  });

  it('testMultipleInputYieldsWatermarkOnlyWhenAllChannelsReceivesWatermarks', () => {
    const output = new StatusWatermarkOutput();
    const valve = new StatusWatermarkValve(3);
    valve.inputWatermark(0, 0, output);
    valve.inputWatermark(0, 1, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermark(0, 2, output);
    expect(output.pop()).toBe(0);
    expect(output.pop()).toBeUndefined();
  });

  it('testMultipleInputIncreasingWatermarks', () => {
    const output = new StatusWatermarkOutput();
    const valve = new StatusWatermarkValve(3);
    valve.inputWatermark(0, 0, output);
    valve.inputWatermark(0, 1, output);
    valve.inputWatermark(0, 2, output);
    expect(output.pop()).toBe(0);
    valve.inputWatermark(12, 0, output);
    valve.inputWatermark(8, 2, output);
    valve.inputWatermark(10, 2, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermark(15, 1, output);
    expect(output.pop()).toBe(10);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermark(17, 2, output);
    expect(output.pop()).toBe(12);
    valve.inputWatermark(20, 0, output);
    expect(output.pop()).toBe(15);
    expect(output.pop()).toBeUndefined();
  });

  it('testMultipleInputDecreasingWatermarksYieldsNoOutput', () => {
    const output = new StatusWatermarkOutput();
    const valve = new StatusWatermarkValve(3);
    valve.inputWatermark(25, 0, output);
    valve.inputWatermark(10, 1, output);
    valve.inputWatermark(17, 2, output);
    expect(output.pop()).toBe(10);
    valve.inputWatermark(12, 0, output);
    valve.inputWatermark(8, 1, output);
    valve.inputWatermark(15, 2, output);
    expect(output.pop()).toBeUndefined();
  });

  it('testMultipleInputWatermarkStatusToggling', () => {
    const output = new StatusWatermarkOutput();
    const valve = new StatusWatermarkValve(2);
    // Channels start active: toggling one active changes nothing.
    valve.inputWatermarkStatus('active', 1, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermarkStatus('idle', 1, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermarkStatus('idle', 0, output);
    expect(output.pop()).toBe('idle');
    expect(output.pop()).toBeUndefined();
    valve.inputWatermarkStatus('idle', 0, output);
    valve.inputWatermarkStatus('idle', 1, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermarkStatus('active', 1, output);
    expect(output.pop()).toBe('active');
    expect(output.pop()).toBeUndefined();
    valve.inputWatermarkStatus('active', 0, output);
    expect(output.pop()).toBeUndefined();
  });

  it('testMultipleInputWatermarkAdvancingWithPartiallyIdleChannels', () => {
    const output = new StatusWatermarkOutput();
    const valve = new StatusWatermarkValve(3);
    valve.inputWatermark(15, 0, output);
    valve.inputWatermark(10, 1, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermarkStatus('idle', 2, output);
    expect(output.pop()).toBe(10);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermark(18, 1, output);
    expect(output.pop()).toBe(15);
    valve.inputWatermark(20, 0, output);
    expect(output.pop()).toBe(18);
    expect(output.pop()).toBeUndefined();
  });

  it('testMultipleInputWatermarkAdvancingAsChannelsIndividuallyBecomeIdle', () => {
    const output = new StatusWatermarkOutput();
    const valve = new StatusWatermarkValve(3);
    valve.inputWatermark(25, 0, output);
    valve.inputWatermark(10, 1, output);
    valve.inputWatermark(17, 2, output);
    expect(output.pop()).toBe(10);
    valve.inputWatermarkStatus('idle', 1, output);
    expect(output.pop()).toBe(17);
    valve.inputWatermarkStatus('idle', 2, output);
    expect(output.pop()).toBe(25);
    expect(output.pop()).toBeUndefined();
  });

  it('testMultipleInputFlushMaxWatermarkAndWatermarkStatusOnceAllInputsBecomeIdle', () => {
    const output = new StatusWatermarkOutput();
    const valve = new StatusWatermarkValve(3);
    valve.inputWatermark(10, 0, output);
    valve.inputWatermark(5, 1, output);
    valve.inputWatermark(3, 2, output);
    expect(output.pop()).toBe(3);
    valve.inputWatermarkStatus('idle', 0, output);
    valve.inputWatermarkStatus('idle', 1, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermarkStatus('idle', 2, output);
    expect(output.pop()).toBe(10);
    expect(output.pop()).toBe('idle');
    expect(output.pop()).toBeUndefined();
  });

  it('testMultipleInputWatermarkRealignmentAfterResumeActive', () => {
    const output = new StatusWatermarkOutput();
    const valve = new StatusWatermarkValve(3);
    valve.inputWatermark(10, 0, output);
    valve.inputWatermark(7, 1, output);
    valve.inputWatermark(3, 2, output);
    expect(output.pop()).toBe(3);
    valve.inputWatermarkStatus('idle', 2, output);
    expect(output.pop()).toBe(7);
    // Active again behind the output (3 < 7): accepted, but not counted until it catches up.
    valve.inputWatermarkStatus('active', 2, output);
    valve.inputWatermark(5, 2, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermark(9, 2, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermark(12, 1, output);
    expect(output.pop()).toBe(9);
    expect(output.pop()).toBeUndefined();
  });

  it('testNoOutputWhenAllActiveChannelsAreUnaligned', () => {
    const output = new StatusWatermarkOutput();
    const valve = new StatusWatermarkValve(3);
    valve.inputWatermark(10, 0, output);
    valve.inputWatermark(7, 1, output);
    valve.inputWatermarkStatus('idle', 2, output);
    expect(output.pop()).toBe(7);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermarkStatus('active', 2, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermarkStatus('idle', 0, output);
    valve.inputWatermarkStatus('idle', 1, output);
    expect(output.pop()).toBeUndefined();
  });

  it('testUnalignedActiveChannelBecomesIdle', () => {
    const output = new StatusWatermarkOutput();
    const valve = new StatusWatermarkValve(2);
    valve.inputWatermark(7, 0, output);
    valve.inputWatermark(10, 1, output);
    expect(output.pop()).toBe(7);
    valve.inputWatermarkStatus('idle', 0, output);
    expect(output.pop()).toBe(10);
    valve.inputWatermarkStatus('active', 0, output);
    valve.inputWatermark(9, 0, output);
    expect(output.pop()).toBeUndefined();
    valve.inputWatermarkStatus('idle', 0, output);
    expect(output.pop()).toBeUndefined();
  });
});
