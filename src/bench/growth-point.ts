/**
 * One point of the growth benchmark, in its own process so its peak memory is its own:
 * `tsx src/bench/growth-point.ts <records> <capture 0|1>` runs the large job with that many
 * records and prints {events, wallMs, eventsPerSecond, maxRssMb, heapUsedMb} as JSON.
 */
import { runCase } from '../explore/run-case.js';
import { largeJobScenario } from './workloads.js';

const records = Number(process.argv[2]);
const capture = process.argv[3] === '1';
const scenario = largeJobScenario(8, records);
const startedMs = performance.now();
const result = runCase(scenario, { scenario: scenario.name, seed: 1 }, { captureTrace: capture, limits: { maxEvents: 50_000_000, deadlineUs: 36_000_000_000, maxQueueLength: 5_000_000 } });
const wallMs = performance.now() - startedMs;
process.stdout.write(
  `${JSON.stringify({
    records,
    capture,
    events: result.stats.events,
    verdict: result.verdict,
    wallMs,
    eventsPerSecond: (result.stats.events * 1000) / wallMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    heapUsedMb: process.memoryUsage().heapUsed / 1024 / 1024,
  })}\n`,
);
