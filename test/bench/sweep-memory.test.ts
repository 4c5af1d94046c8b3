import { describe, expect, it } from 'vitest';
import { sweepMemory } from '../../src/bench/benchmarks.js';
import { defaultHeldCases } from '../../src/explore/results.js';

describe('sweep memory benchmark', () => {
  it('measures the main thread per result: flat once the held cases are full, and growing when every result is held', () => {
    // Past the held limit from the first sample on (30,000 / 8 < 10,000, so the first sample is not).
    const cases = 3 * defaultHeldCases;
    const { stream, holdAll } = sweepMemory(cases);
    expect(stream.points.map((point) => point.cases)).toEqual([3_750, 7_500, 15_000, 30_000]);
    // Every result held: each of 30,000 copies of a real case (timeline included) stays in the heap.
    expect(holdAll.bytesPerCase).toBeGreaterThan(1_000);
    // Streamed: the heap stops growing once 10,000 passing cases are held.
    const [, , half, all] = stream.points;
    expect(all!.liveHeapMb - half!.liveHeapMb).toBeLessThan(((all!.cases - half!.cases) * holdAll.bytesPerCase) / 1024 / 1024 / 10);
    expect(stream.resultsJsonBytesPerCase).toBeGreaterThan(500);
  }, 120_000);
});
