import { describe, expect, it } from 'vitest';
import { fixedHeapOldSpaceMb, growth, summariseGrowth, type GrowthPoint } from '../../src/bench/benchmarks.js';

const point = (events: number, wallMs: number, fixedRssMb: number | null, capture = false): GrowthPoint => ({
  records: events / 5,
  capture,
  events,
  verdict: 'pass',
  checkpoints: events / 1_000,
  wallMs,
  eventsPerSecond: (events * 1000) / wallMs,
  maxRssMb: 100 + events / 1e5,
  baselineRssMb: 85,
  liveHeapMb: capture ? null : 10,
  liveSamples: capture ? 0 : 3,
  fixedHeap: capture ? null : { oldSpaceMb: fixedHeapOldSpaceMb, finished: fixedRssMb !== null, maxRssMb: fixedRssMb, eventsPerSecond: fixedRssMb === null ? null : 1 },
});

describe('growth benchmark', () => {
  it('summarises cost per event and memory from the smallest to the largest point, capture off', () => {
    const summary = summariseGrowth([point(10_000, 100, 97), point(100_000, 300, 99), point(1_000_000, 2_400, 101), point(1_000_000, 9_000, null, true)]);
    expect(summary?.fromEvents).toBe(10_000);
    expect(summary?.toEvents).toBe(1_000_000);
    expect(summary?.perEventCostGrowth).toBeCloseTo(0.24);
    expect(summary?.perEventCostGrowthWarm).toBeCloseTo(0.8);
    expect(summary?.fixedHeapMaxRssMb).toEqual({ from: 97, to: 101 });
    expect(summary?.fixedHeapAllFinished).toBe(true);
    expect(summariseGrowth([point(10_000, 100, 97), point(100_000, 300, null)])?.fixedHeapAllFinished).toBe(false);
  });

  it('measures a point in child processes: speed, live heap, and a run under the fixed heap', () => {
    const [off, on] = growth([3_000]);
    expect(off?.capture).toBe(false);
    expect(off?.verdict).toBe('pass');
    expect(off?.events).toBeGreaterThan(1_000);
    expect(off?.liveHeapMb).toBeGreaterThan(0);
    expect(off?.fixedHeap).toMatchObject({ oldSpaceMb: fixedHeapOldSpaceMb, finished: true });
    expect(on?.capture).toBe(true);
    expect(on?.events).toBe(off?.events);
    expect(on?.fixedHeap).toBeNull();
  }, 60_000);
});
