import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { runCase } from '../explore/run-case.js';
import type { Scenario } from '../explore/scenario.js';
import { runSweep, sweepCases } from '../explore/sweep.js';
import { findScenario } from '../../scenarios/index.js';
import { bareLoopEventsPerSecond, largeJobScenario } from './workloads.js';
import { pctOverhead, strategyFigures, type StrategyFigure } from './strategy-point.js';

/** Simulated events per second on a workload, against the bare loop doing as many events. */
export interface ThroughputFigure {
  readonly workload: string;
  readonly cases: number;
  readonly events: number;
  readonly wallMs: number;
  readonly eventsPerSecond: number;
  readonly bareEventsPerSecond: number;
  /** eventsPerSecond / bareEventsPerSecond: the headline figure. */
  readonly ratio: number;
  /** Virtual time simulated per unit of wall time. */
  readonly timeCompression: number;
}

/** Runs `scenario` for `seeds` seeds without faults and measures it, after `warmupSeeds` unmeasured runs (JIT warm-up). */
export function throughput(scenario: Scenario, seeds: number, warmupSeeds = 0): ThroughputFigure {
  for (let seed = 1; seed <= warmupSeeds; seed++) runCase(scenario, { scenario: scenario.name, seed: 1_000 + seed });
  let events = 0;
  let virtualUs = 0;
  const startedMs = performance.now();
  for (let seed = 1; seed <= seeds; seed++) {
    const result = runCase(scenario, { scenario: scenario.name, seed }, { limits: { maxEvents: 50_000_000, deadlineUs: 36_000_000_000, maxQueueLength: 5_000_000 } });
    events += result.stats.events;
    virtualUs += result.stats.virtualTimeUs;
  }
  const wallMs = performance.now() - startedMs;
  const eventsPerSecond = (events * 1000) / wallMs;
  const bare = bareLoopEventsPerSecond(events);
  return { workload: scenario.name, cases: seeds, events, wallMs, eventsPerSecond, bareEventsPerSecond: bare, ratio: eventsPerSecond / bare, timeCompression: virtualUs / 1000 / wallMs };
}

/** One sweep's speed: whole (worker start-up included) and once every worker has loaded. */
export interface SweepSpeed {
  readonly workers: number;
  readonly cases: number;
  readonly wallMs: number;
  /** From the start until every worker thread has loaded the code (tsx register, imports). */
  readonly startupMs: number;
  /** cases / wallMs: what a user waits for. */
  readonly casesPerSecond: number;
  /** cases / (wallMs - startupMs): the steady rate, start-up excluded. */
  readonly steadyCasesPerSecond: number;
  /** CPU time of the whole process (every thread: workers, V8's compiler and GC threads) per wall time, start-up excluded. */
  readonly coresBusy: number;
  /** Cases per CPU-second, start-up excluded: equal for 1 and n workers when workers cost nothing extra. */
  readonly casesPerCpuSecond: number;
  /**
   * The same figures once every worker has run {@link warmupCasesPerWorker} cases (its JIT warm):
   * the rate a long sweep settles at. Null when the sweep is too short to have such a window.
   */
  readonly warm: { readonly cases: number; readonly casesPerSecond: number; readonly coresBusy: number; readonly casesPerCpuSecond: number } | null;
}

/**
 * Cases each worker runs before the warm window opens. A new worker thread starts with cold code:
 * its first cases run slower while V8's compiler threads compete with the workers for the cores,
 * and with n workers each worker has only 1/n of the sweep to amortise that over.
 */
export const warmupCasesPerWorker = 100;

/**
 * Cases per second of a sweep with `workers` workers (swarm faults). `warmup` is the cases each
 * worker runs before the warm window opens ({@link warmupCasesPerWorker} for the figures; tests
 * of the window's accounting pass fewer).
 */
export async function casesPerSecond(scenarios: readonly string[], runsPerScenario: number, workers: number, warmup = warmupCasesPerWorker): Promise<SweepSpeed> {
  const cases = sweepCases(scenarios, runsPerScenario, 7, 'swarm', { index: 0, count: 1 });
  const startedMs = performance.now();
  let readyMs = startedMs;
  let readyCpu = process.cpuUsage();
  const onWorkersReady = (): void => {
    readyMs = performance.now();
    readyCpu = process.cpuUsage();
  };
  const perWorker = new Map<number, number>();
  let warmFrom: { ms: number; cpu: NodeJS.CpuUsage; done: number } | undefined;
  const onResult = (_result: unknown, done: number, _total: number, worker: number): void => {
    perWorker.set(worker, (perWorker.get(worker) ?? 0) + 1);
    if (warmFrom !== undefined || perWorker.size < Math.min(workers, cases.length)) return;
    for (const count of perWorker.values()) if (count < warmup) return;
    warmFrom = { ms: performance.now(), cpu: process.cpuUsage(), done };
  };
  const { completed } = await runSweep(cases, workers, { onResult, onWorkersReady }).finished;
  const endedMs = performance.now();
  const cpu = process.cpuUsage(readyCpu);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const wallMs = endedMs - startedMs;
  let warm: SweepSpeed['warm'] = null;
  if (warmFrom !== undefined && completed - warmFrom.done >= workers * 10) {
    const warmCpu = process.cpuUsage(warmFrom.cpu);
    const warmCpuMs = (warmCpu.user + warmCpu.system) / 1000;
    const warmCases = completed - warmFrom.done;
    const warmWallMs = endedMs - warmFrom.ms;
    warm = { cases: warmCases, casesPerSecond: (warmCases * 1000) / warmWallMs, coresBusy: warmCpuMs / warmWallMs, casesPerCpuSecond: (warmCases * 1000) / warmCpuMs };
  }
  return {
    warm,
    coresBusy: cpuMs / (endedMs - readyMs),
    casesPerCpuSecond: (completed * 1000) / cpuMs,
    workers,
    cases: completed,
    wallMs,
    startupMs: readyMs - startedMs,
    casesPerSecond: (completed * 1000) / wallMs,
    steadyCasesPerSecond: (completed * 1000) / (endedMs - readyMs),
  };
}

/** Repeats of each cases/s measurement (alternating worker counts); the best of each is reported. */
const sweepRepeats = 3;

/** The oracle's share of a case's wall time: the same cases with and without it (checkers, failure-free reference, output comparison). */
export function oracleShare(scenarioName: string, seeds: number): { withOracleMs: number; withoutOracleMs: number; share: number } {
  const scenario = findScenario(scenarioName);
  if (scenario === undefined) throw new Error(`no scenario ${scenarioName}`);
  const timed = (oracle: boolean): number => {
    const startedMs = performance.now();
    for (let seed = 1; seed <= seeds; seed++) runCase(scenario, { scenario: scenario.name, seed }, { oracle });
    return performance.now() - startedMs;
  };
  timed(true); // warm up
  // Best of three, alternating, so a burst of other work on the machine does not land on one side.
  let withoutOracleMs = Infinity;
  let withOracleMs = Infinity;
  for (let repeat = 0; repeat < 3; repeat++) {
    withoutOracleMs = Math.min(withoutOracleMs, timed(false));
    withOracleMs = Math.min(withOracleMs, timed(true));
  }
  return { withOracleMs, withoutOracleMs, share: Math.max(0, 1 - withoutOracleMs / withOracleMs) };
}

/** One growth point, measured in a child process (its own peak memory). */
export interface GrowthPoint {
  readonly records: number;
  readonly capture: boolean;
  readonly events: number;
  /** The case's verdict: a point measures a run that passed. */
  readonly verdict: string;
  readonly checkpoints: number;
  readonly wallMs: number;
  readonly eventsPerSecond: number;
  /** Peak resident memory of the process. */
  readonly maxRssMb: number;
  /** Resident memory once the code is loaded, before the run (Node, tsx, the modules). */
  readonly baselineRssMb: number;
  /**
   * Largest live heap (after a full collection) sampled during a second run of the same point:
   * what the run keeps. Capture off only (capture on keeps every event by design).
   */
  readonly liveHeapMb: number | null;
  readonly liveSamples: number;
  /**
   * A third run of the same point (capture off) with V8's old space capped at
   * {@link fixedHeapOldSpaceMb} MB: whether it finished, and its peak RSS. Without the cap V8
   * lets dead objects fill a larger heap between full collections on longer runs; a run that
   * finishes under the cap at every size needs no memory that grows with events.
   */
  readonly fixedHeap: { readonly oldSpaceMb: number; readonly finished: boolean; readonly maxRssMb: number | null; readonly eventsPerSecond: number | null } | null;
}

/** The old-space cap of the fixed-heap growth runs, in MB. */
export const fixedHeapOldSpaceMb = 32;

/** How cost and memory grow from the smallest to the largest growth point, trace capture off. */
export interface GrowthSummary {
  readonly fromEvents: number;
  readonly toEvents: number;
  /** Wall time per event at the largest point over that at the smallest (target <= 1.5). */
  readonly perEventCostGrowth: number;
  /** The same from the second point on (the smallest point runs with the code still cold). */
  readonly perEventCostGrowthWarm: number;
  readonly liveHeapMb: { readonly from: number | null; readonly to: number | null };
  readonly maxRssMb: { readonly from: number; readonly to: number };
  /** Peak RSS of the fixed-heap runs; null when one did not finish. */
  readonly fixedHeapMaxRssMb: { readonly from: number | null; readonly to: number | null };
  /** Every fixed-heap run finished. */
  readonly fixedHeapAllFinished: boolean;
}

export function summariseGrowth(points: readonly GrowthPoint[]): GrowthSummary | undefined {
  const off = points.filter((point) => !point.capture).sort((left, right) => left.events - right.events);
  const first = off[0];
  const second = off[1];
  const last = off.at(-1);
  if (first === undefined || second === undefined || last === undefined) return undefined;
  const costPerEvent = (point: GrowthPoint): number => point.wallMs / point.events;
  return {
    fromEvents: first.events,
    toEvents: last.events,
    perEventCostGrowth: costPerEvent(last) / costPerEvent(first),
    perEventCostGrowthWarm: costPerEvent(last) / costPerEvent(second),
    liveHeapMb: { from: first.liveHeapMb, to: last.liveHeapMb },
    maxRssMb: { from: first.maxRssMb, to: last.maxRssMb },
    fixedHeapMaxRssMb: { from: first.fixedHeap?.maxRssMb ?? null, to: last.fixedHeap?.maxRssMb ?? null },
    fixedHeapAllFinished: off.every((point) => point.fixedHeap?.finished === true),
  };
}

/**
 * A measuring script beside this module, run in a child process with its own V8 flags: compiled
 * JavaScript once built; from source, TypeScript with tsx's loader imported into the child itself
 * (tsx's CLI would run the script in a grandchild that gets none of the flags).
 */
function pointScript(name: string): { readonly script: string; readonly loader: readonly string[] } {
  if (!import.meta.url.endsWith('.ts')) return { script: fileURLToPath(new URL(`./${name}.js`, import.meta.url)), loader: [] };
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { script: fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), loader: ['--import', tsxLoader] };
}

/** Events per record of the large job, measured once, to aim growth points at event counts. */
const eventsPerRecord = 4.6;

/** Growth: the large job sized to about each of `eventTargets`, with trace capture off and on. */
export function growth(eventTargets: readonly number[]): GrowthPoint[] {
  const { script, loader } = pointScript('growth-point');
  const points: GrowthPoint[] = [];
  const measure = (records: number, capture: boolean, sample: boolean, oldSpaceMb = 16_384): GrowthPoint => {
    const flags = sample ? ['--expose-gc'] : [];
    const output = execFileSync(process.execPath, [...flags, `--max-old-space-size=${oldSpaceMb}`, ...loader, script, String(records), capture ? '1' : '0', sample ? '1' : '0'], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(output.trim().split('\n').at(-1) as string) as GrowthPoint;
  };
  const underFixedHeap = (records: number): NonNullable<GrowthPoint['fixedHeap']> => {
    try {
      const point = measure(records, false, false, fixedHeapOldSpaceMb);
      return { oldSpaceMb: fixedHeapOldSpaceMb, finished: true, maxRssMb: point.maxRssMb, eventsPerSecond: point.eventsPerSecond };
    } catch {
      // The child ran out of heap (V8 aborts the process): the run needs more than the cap.
      return { oldSpaceMb: fixedHeapOldSpaceMb, finished: false, maxRssMb: null, eventsPerSecond: null };
    }
  };
  for (const target of eventTargets) {
    const records = Math.max(100, Math.round(target / eventsPerRecord));
    const sampled = measure(records, false, true);
    points.push({ ...measure(records, false, false), liveHeapMb: sampled.liveHeapMb, liveSamples: sampled.liveSamples, fixedHeap: underFixedHeap(records) });
    points.push({ ...measure(records, true, false), fixedHeap: null });
  }
  return points;
}

/** One sweep-memory point (see sweep-memory-point.ts). */
export interface SweepMemoryPoint {
  readonly mode: 'stream' | 'hold-all';
  readonly cases: number;
  /** Live heap above the baseline at 1/8, 1/4, 1/2 and all of the cases. */
  readonly points: ReadonlyArray<{ readonly cases: number; readonly liveHeapMb: number }>;
  /** Live heap added per case from the first sample to the last. */
  readonly bytesPerCase: number;
  readonly resultsJsonBytesPerCase: number | null;
}

/**
 * What the sweep's main thread keeps per case: `cases` results (copies of real wordcount cases)
 * handled as the sweep handles them (`stream`) and, for comparison, all kept in memory as
 * before results were streamed (`hold-all`); each in its own process.
 */
export function sweepMemory(cases: number): { readonly stream: SweepMemoryPoint; readonly holdAll: SweepMemoryPoint } {
  const { script, loader } = pointScript('sweep-memory-point');
  const measure = (mode: 'stream' | 'hold-all'): SweepMemoryPoint => {
    const output = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=16384', ...loader, script, String(cases), mode], { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(output.trim().split('\n').at(-1) as string) as SweepMemoryPoint;
  };
  return { stream: measure('stream'), holdAll: measure('hold-all') };
}

/**
 * Best of the sweeps per worker count; `speedup` compares the steady rates (start-up excluded),
 * `speedupWithStartup` the whole sweeps. Every run is in `runs`.
 */
export interface SweepSummary {
  readonly cases: number;
  readonly oneWorker: number;
  readonly allWorkers: number;
  readonly workers: number;
  readonly speedup: number;
  readonly oneWorkerWithStartup: number;
  readonly allWorkersWithStartup: number;
  readonly speedupWithStartup: number;
  /** CPU cores the process keeps busy with 1 worker and with all (best runs). */
  readonly oneWorkerCoresBusy: number;
  readonly allWorkersCoresBusy: number;
  /** Cases per CPU-second with all workers over that with 1: below 1, workers cost extra CPU. */
  readonly cpuEfficiency: number;
  /**
   * The same comparison in the warm window (see {@link SweepSpeed.warm}); `ceiling` is what the
   * machine allows at best: cores / cores busy with 1 worker (a worker thread keeps more than
   * one core busy: V8's garbage-collector and compiler threads run beside it).
   */
  readonly warm: {
    readonly oneWorker: number;
    readonly allWorkers: number;
    readonly speedup: number;
    readonly oneWorkerCoresBusy: number;
    readonly allWorkersCoresBusy: number;
    readonly cpuEfficiency: number;
    readonly ceiling: number;
  } | null;
  readonly runs: readonly SweepSpeed[];
}

/** Compares the best sweeps with 1 worker and with `cores` workers. */
export function summariseSweeps(runs: readonly SweepSpeed[], cores: number): SweepSummary {
  const ofWorkers = (workers: number): SweepSpeed[] => runs.filter((run) => run.workers === workers);
  const best = (workers: number, figure: (speed: SweepSpeed) => number): number => Math.max(...ofWorkers(workers).map(figure));
  const fastest = (workers: number): SweepSpeed => ofWorkers(workers).reduce((left, right) => (right.steadyCasesPerSecond > left.steadyCasesPerSecond ? right : left));
  const warmest = (workers: number): NonNullable<SweepSpeed['warm']> | undefined => {
    let found: NonNullable<SweepSpeed['warm']> | undefined;
    for (const run of ofWorkers(workers)) if (run.warm !== null && (found === undefined || run.warm.casesPerSecond > found.casesPerSecond)) found = run.warm;
    return found;
  };
  const warmOne = warmest(1);
  const warmAll = warmest(cores);
  return {
    cases: runs[0]?.cases ?? 0,
    oneWorker: best(1, (run) => run.steadyCasesPerSecond),
    allWorkers: best(cores, (run) => run.steadyCasesPerSecond),
    workers: cores,
    speedup: best(cores, (run) => run.steadyCasesPerSecond) / best(1, (run) => run.steadyCasesPerSecond),
    oneWorkerWithStartup: best(1, (run) => run.casesPerSecond),
    allWorkersWithStartup: best(cores, (run) => run.casesPerSecond),
    speedupWithStartup: best(cores, (run) => run.casesPerSecond) / best(1, (run) => run.casesPerSecond),
    oneWorkerCoresBusy: fastest(1).coresBusy,
    allWorkersCoresBusy: fastest(cores).coresBusy,
    cpuEfficiency: fastest(cores).casesPerCpuSecond / fastest(1).casesPerCpuSecond,
    warm:
      warmOne === undefined || warmAll === undefined
        ? null
        : {
            oneWorker: warmOne.casesPerSecond,
            allWorkers: warmAll.casesPerSecond,
            speedup: warmAll.casesPerSecond / warmOne.casesPerSecond,
            oneWorkerCoresBusy: warmOne.coresBusy,
            allWorkersCoresBusy: warmAll.coresBusy,
            cpuEfficiency: warmAll.casesPerCpuSecond / warmOne.casesPerCpuSecond,
            ceiling: Math.min(cores, cores / warmOne.coresBusy),
          },
    runs,
  };
}

/** Everything `ckptsim bench` reports. */
export interface BenchReport {
  readonly node: string;
  readonly cores: number;
  readonly throughput: readonly ThroughputFigure[];
  /**
   * Best of {@link sweepRepeats} sweeps per worker count; `speedup` compares the steady rates
   * (start-up excluded), `speedupWithStartup` the whole sweeps. Every run is in `runs`.
   */
  readonly casesPerSecond: SweepSummary;
  readonly growth: readonly GrowthPoint[];
  readonly growthSummary: GrowthSummary | undefined;
  readonly oracle: { readonly scenario: string; readonly share: number; readonly withOracleMs: number; readonly withoutOracleMs: number };
  /** The sweep's main-thread memory per case, streamed as it is and held whole as before. */
  readonly sweepMemory: ReturnType<typeof sweepMemory>;
  /** Each exploration strategy on the same small sweep (cases per CPU-second, coverage reached), and what PCT costs the kernel. */
  readonly strategies: { readonly figures: readonly StrategyFigure[]; readonly pctOverhead: ReturnType<typeof pctOverhead> };
}

/** Runs every benchmark; `full` adds the large job at a million records and growth at 10^7 events. */
export async function runBenchmarks(full: boolean, progress: (line: string) => void): Promise<BenchReport> {
  progress('throughput: wordcount');
  const figures = [throughput(findScenario('wordcount') as Scenario, 50, 10)];
  progress(`throughput: large job, parallelism 32, ${full ? '1,000,000' : '100,000'} records`);
  figures.push(throughput(largeJobScenario(32, full ? 1_000_000 : 100_000), 1));
  const cores = availableParallelism();
  const runs: SweepSpeed[] = [];
  for (let repeat = 1; repeat <= sweepRepeats; repeat++) {
    for (const workers of [1, cores]) {
      progress(`cases per second: ${workers} worker(s), run ${repeat} of ${sweepRepeats}`);
      runs.push(await casesPerSecond(['wordcount', 'diamond', 'fan-in-skew'], full ? 500 : 200, workers));
    }
  }
  progress('growth');
  const points = growth(full ? [10_000, 100_000, 1_000_000, 10_000_000] : [10_000, 100_000, 1_000_000]);
  progress('oracle share');
  const oracle = oracleShare('wordcount', 100);
  progress(`sweep memory: ${full ? '400,000' : '100,000'} results`);
  const memory = sweepMemory(full ? 400_000 : 100_000);
  progress('strategies: random, coverage and pct on one small sweep; PCT kernel cost');
  const strategies = { figures: strategyFigures(['wordcount', 'diamond'], full ? 40 : 12), pctOverhead: pctOverhead(findScenario('wordcount') as Scenario, 20) };
  return {
    node: process.version,
    cores,
    throughput: figures,
    casesPerSecond: summariseSweeps(runs, cores),
    growth: points,
    growthSummary: summariseGrowth(points),
    oracle: { scenario: 'wordcount', ...oracle },
    sweepMemory: memory,
    strategies,
  };
}
