/**
 * One point of the growth benchmark, in its own process so its peak memory is its own:
 * `node [--expose-gc] --import tsx src/bench/growth-point.ts <records> <capture 0|1> [sample 0|1]`
 * runs the large job with that many records and prints one JSON line: events, wall time, events/s,
 * peak RSS and RSS before the run. With `sample` 1 (and --expose-gc) it also samples the live heap
 * (after a full collection) while the run is under way, at completed checkpoints 1, 2, 4, ... and
 * every 64th after, so the last samples hold the run's whole history; the forced collections
 * lower the peak RSS, so speed and RSS are taken from a run without sampling.
 */
import { runCase } from '../explore/run-case.js';
import { largeJobScenario } from './workloads.js';

const records = Number(process.argv[2]);
const capture = process.argv[3] === '1';
const collect = process.argv[4] === '1' ? (globalThis as { gc?: () => void }).gc : undefined;
if (process.argv[4] === '1' && collect === undefined) throw new Error('sampling the live heap needs node --expose-gc');
const scenario = largeJobScenario(8, records);
const megabytes = (bytes: number): number => bytes / 1024 / 1024;
const baselineRssMb = megabytes(process.memoryUsage().rss);
let completed = 0;
let samplingMs = 0;
let liveHeapMb = 0;
let liveSamples = 0;
const sample = (): void => {
  if (collect === undefined) return;
  const startedMs = performance.now();
  collect();
  liveHeapMb = Math.max(liveHeapMb, megabytes(process.memoryUsage().heapUsed));
  liveSamples++;
  samplingMs += performance.now() - startedMs;
};
const startedMs = performance.now();
const result = runCase(
  scenario,
  { scenario: scenario.name, seed: 1 },
  {
    captureTrace: capture,
    limits: { maxEvents: 50_000_000, deadlineUs: 36_000_000_000, maxQueueLength: 5_000_000 },
    observers: [
      (observation) => {
        if (observation.type !== 'checkpoint-completed') return;
        completed++;
        if ((completed & (completed - 1)) === 0 || completed % 64 === 0) sample();
      },
    ],
  },
);
const wallMs = performance.now() - startedMs - samplingMs;
process.stdout.write(
  `${JSON.stringify({
    records,
    capture,
    events: result.stats.events,
    verdict: result.verdict,
    checkpoints: result.stats.checkpoints.completed,
    wallMs,
    eventsPerSecond: (result.stats.events * 1000) / wallMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    baselineRssMb,
    liveHeapMb: collect === undefined ? null : liveHeapMb,
    liveSamples,
  })}\n`,
);
