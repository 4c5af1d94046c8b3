import { describe, expect, it } from 'vitest';
import { casesPerSecond, summariseSweeps, type SweepSpeed } from '../../src/bench/benchmarks.js';

const run = (workers: number, steady: number, coresBusy: number, warm: SweepSpeed['warm']): SweepSpeed => ({
  workers,
  cases: 1_500,
  wallMs: 1_000,
  startupMs: 100,
  casesPerSecond: steady * 0.9,
  steadyCasesPerSecond: steady,
  coresBusy,
  casesPerCpuSecond: steady / coresBusy,
  warm,
});

describe('cases per second', () => {
  it('compares the best run of each worker count, whole and warm, and derives the ceiling from the cores one worker keeps busy', () => {
    const summary = summariseSweeps(
      [
        run(1, 90, 1.25, { cases: 1_400, casesPerSecond: 94, coresBusy: 1.25, casesPerCpuSecond: 75.2 }),
        run(2, 120, 1.9, { cases: 1_300, casesPerSecond: 135, coresBusy: 1.95, casesPerCpuSecond: 69.2 }),
        run(1, 80, 1.3, { cases: 1_400, casesPerSecond: 85, coresBusy: 1.3, casesPerCpuSecond: 65.4 }),
        run(2, 125, 1.95, { cases: 1_300, casesPerSecond: 130, coresBusy: 1.9, casesPerCpuSecond: 68.4 }),
      ],
      2,
    );
    expect(summary.oneWorker).toBe(90);
    expect(summary.allWorkers).toBe(125);
    expect(summary.speedup).toBeCloseTo(125 / 90);
    expect(summary.oneWorkerCoresBusy).toBe(1.25);
    expect(summary.allWorkersCoresBusy).toBe(1.95);
    expect(summary.warm?.oneWorker).toBe(94);
    expect(summary.warm?.allWorkers).toBe(135);
    expect(summary.warm?.speedup).toBeCloseTo(135 / 94);
    expect(summary.warm?.cpuEfficiency).toBeCloseTo(69.2 / 75.2);
    expect(summary.warm?.ceiling).toBeCloseTo(2 / 1.25);
    expect(summary.runs).toHaveLength(4);
  });

  it('reports no warm comparison when a worker count never reached its warm window', () => {
    const summary = summariseSweeps([run(1, 90, 1.2, { cases: 100, casesPerSecond: 94, coresBusy: 1.2, casesPerCpuSecond: 78 }), run(2, 120, 1.9, null)], 2);
    expect(summary.warm).toBeNull();
    expect(summary.speedup).toBeCloseTo(120 / 90);
  });

  it('opens the warm window once every worker has run its warm-up cases, and only then', async () => {
    // A warm-up of 10 cases instead of the figures' 100: the accounting is the same, the test quick.
    const inline = await casesPerSecond(['wordcount'], 10 + 20, 0, 10);
    expect(inline.cases).toBe(10 + 20);
    expect(inline.warm?.cases).toBe(20);
    expect(inline.warm?.casesPerSecond).toBeGreaterThan(0);
    const short = await casesPerSecond(['wordcount'], 10 - 1, 0, 10);
    expect(short.warm).toBeNull();
  }, 60_000);

  it('counts the warm-up per worker thread: with two workers the window opens after about twice the cases', async () => {
    // A warm-up of 10 cases per worker; 100 cases beyond it leave room for one worker starting
    // a second after the other.
    const speed = await casesPerSecond(['diamond'], 2 * 10 + 100, 2, 10);
    expect(speed.cases).toBe(2 * 10 + 100);
    expect(speed.warm).not.toBeNull();
    // Each worker has run at least its warm-up cases before the window opens, so at most 100 remain.
    expect(speed.warm?.cases).toBeLessThanOrEqual(100);
    expect(speed.warm?.cases).toBeGreaterThan(0);
    expect(speed.warm?.coresBusy).toBeGreaterThan(0);
  }, 120_000);
});
