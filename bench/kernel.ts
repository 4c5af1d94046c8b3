/**
 * Kernel throughput: events per second of the simulation kernel on a message-passing workload,
 * against the same workload on a bare binary-heap event loop, in the same process.
 *
 * The bare loop has no trace hashing, no incarnation checks, no run limits and no cancellation,
 * but draws the same random numbers in the same order and schedules the same closures, so the
 * ratio kernel/bare is the price of what the kernel adds. Both loops must end at the same virtual
 * time, which checks that they really did the same work.
 *
 * Usage: npx tsx bench/kernel.ts [--json]
 */
import { table } from 'table';
import { RandomStream, deriveStream } from '../src/sim/random.js';
import { Simulation, eventKind } from '../src/sim/simulation.js';
import { BareEventLoop } from '../src/bench/bare-event-loop.js';

const NODE_COUNT = 64;
const IN_FLIGHT_MESSAGES = 1_024;
const EVENT_COUNT = 2_000_000;
const WARMUP_EVENT_COUNT = 300_000;
const WARMUP_ROUNDS = 2;
const MEASURED_ROUNDS = 5;
const LATENCY_US_MIN = 50;
const LATENCY_US_MAX = 5_000;
const SEED = 1;
const TARGET_RATIO = 0.6;

const messageKind = eventKind('bench.message');

interface RunResult {
  readonly events: number;
  readonly elapsedMs: number;
  /** Virtual time at the end; equal for both loops when they did the same work. */
  readonly endTimeUs: number;
}

function runKernel(eventCount: number): RunResult {
  const simulation = new Simulation({
    seed: SEED,
    captureTrace: false,
    limits: { maxEvents: eventCount, deadlineUs: Number.MAX_SAFE_INTEGER, maxQueueLength: 10 * IN_FLIGHT_MESSAGES },
  });
  const network = simulation.random('network');
  const nodes = Array.from({ length: NODE_COUNT }, (_, index) => simulation.createNode(`node-${index}`));
  const send = (messageId: number): void => {
    const target = nodes[network.int(NODE_COUNT)];
    const latencyUs = network.intBetween(LATENCY_US_MIN, LATENCY_US_MAX);
    simulation.schedule(latencyUs, messageKind, () => send(messageId), target, messageId);
  };
  const startedMs = performance.now();
  for (let messageId = 0; messageId < IN_FLIGHT_MESSAGES; messageId++) send(messageId);
  const outcome = simulation.run();
  const elapsedMs = performance.now() - startedMs;
  if (outcome.kind !== 'event-budget-exhausted' || outcome.events !== eventCount) {
    throw new Error(`kernel run ended ${outcome.kind} after ${outcome.events} events: ${outcome.reason}`);
  }
  return { events: outcome.events, elapsedMs, endTimeUs: outcome.timeUs };
}

function runBare(eventCount: number): RunResult {
  const loop = new BareEventLoop();
  // The same stream the kernel's simulation.random('network') derives, so the draws match.
  const network: RandomStream = deriveStream(SEED, 'network');
  // The kernel looks its target node up too; keep that load in the bare loop.
  const nodes = Array.from({ length: NODE_COUNT }, (_, index) => ({ id: index }));
  let targetIdSum = 0;
  const send = (messageId: number): void => {
    const target = nodes[network.int(NODE_COUNT)] as { id: number };
    targetIdSum += target.id;
    const latencyUs = network.intBetween(LATENCY_US_MIN, LATENCY_US_MAX);
    loop.schedule(latencyUs, () => send(messageId));
  };
  const startedMs = performance.now();
  for (let messageId = 0; messageId < IN_FLIGHT_MESSAGES; messageId++) send(messageId);
  const events = loop.run(eventCount);
  const elapsedMs = performance.now() - startedMs;
  if (events !== eventCount || targetIdSum < 0) throw new Error(`bare loop ran ${events} of ${eventCount} events`);
  return { events, elapsedMs, endTimeUs: loop.nowUs };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function eventsPerSecond(result: RunResult): number {
  return result.events / (result.elapsedMs / 1_000);
}

interface BenchReport {
  readonly workload: {
    readonly nodes: number;
    readonly inFlightMessages: number;
    readonly events: number;
    readonly latencyUsMin: number;
    readonly latencyUsMax: number;
    readonly rounds: number;
  };
  readonly kernelEventsPerSecond: number;
  readonly bareEventsPerSecond: number;
  readonly ratio: number;
  readonly targetRatio: number;
  readonly kernelRunsEventsPerSecond: number[];
  readonly bareRunsEventsPerSecond: number[];
  readonly node: string;
}

function measure(): BenchReport {
  for (let round = 0; round < WARMUP_ROUNDS; round++) {
    runKernel(WARMUP_EVENT_COUNT);
    runBare(WARMUP_EVENT_COUNT);
  }
  const kernelRuns: number[] = [];
  const bareRuns: number[] = [];
  for (let round = 0; round < MEASURED_ROUNDS; round++) {
    // Alternate which loop goes first so that drift (GC state, CPU clock) does not favour one.
    const order = round % 2 === 0 ? (['kernel', 'bare'] as const) : (['bare', 'kernel'] as const);
    const results: Partial<Record<'kernel' | 'bare', RunResult>> = {};
    for (const loop of order) results[loop] = loop === 'kernel' ? runKernel(EVENT_COUNT) : runBare(EVENT_COUNT);
    const { kernel, bare } = results as Record<'kernel' | 'bare', RunResult>;
    if (kernel.endTimeUs !== bare.endTimeUs) {
      throw new Error(`the loops did different work: kernel ended at ${kernel.endTimeUs} us, bare at ${bare.endTimeUs} us`);
    }
    kernelRuns.push(eventsPerSecond(kernel));
    bareRuns.push(eventsPerSecond(bare));
  }
  const kernelEventsPerSecond = median(kernelRuns);
  const bareEventsPerSecond = median(bareRuns);
  return {
    workload: {
      nodes: NODE_COUNT,
      inFlightMessages: IN_FLIGHT_MESSAGES,
      events: EVENT_COUNT,
      latencyUsMin: LATENCY_US_MIN,
      latencyUsMax: LATENCY_US_MAX,
      rounds: MEASURED_ROUNDS,
    },
    kernelEventsPerSecond,
    bareEventsPerSecond,
    ratio: kernelEventsPerSecond / bareEventsPerSecond,
    targetRatio: TARGET_RATIO,
    kernelRunsEventsPerSecond: kernelRuns,
    bareRunsEventsPerSecond: bareRuns,
    node: process.version,
  };
}

function formatRate(eventsPerSecondValue: number): string {
  return `${(eventsPerSecondValue / 1e6).toFixed(2)} M/s`;
}

function printReport(report: BenchReport): void {
  const { workload } = report;
  console.log(
    `kernel bench: ${workload.nodes} nodes, ${workload.inFlightMessages} messages in flight, ` +
      `${workload.events.toLocaleString('en-US')} events a run, latency ${workload.latencyUsMin}..${workload.latencyUsMax} us, ` +
      `median of ${workload.rounds} runs (Node ${report.node})`,
  );
  const rows = [
    ['loop', 'median events/s', 'ns/event', 'runs (events/s)'],
    [
      'kernel (trace hashing, no capture)',
      formatRate(report.kernelEventsPerSecond),
      (1e9 / report.kernelEventsPerSecond).toFixed(0),
      report.kernelRunsEventsPerSecond.map(formatRate).join(', '),
    ],
    [
      'bare binary heap',
      formatRate(report.bareEventsPerSecond),
      (1e9 / report.bareEventsPerSecond).toFixed(0),
      report.bareRunsEventsPerSecond.map(formatRate).join(', '),
    ],
  ];
  console.log(table(rows));
  const verdict = report.ratio >= report.targetRatio ? 'meets' : 'BELOW';
  console.log(`ratio kernel/bare: ${report.ratio.toFixed(3)} (${verdict} the target of ${report.targetRatio})`);
}

const report = measure();
if (process.argv.includes('--json')) console.log(JSON.stringify(report));
else printReport(report);
