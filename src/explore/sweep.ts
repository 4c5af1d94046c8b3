import { Worker } from 'node:worker_threads';
import { findScenario } from '../../scenarios/index.js';
import type { FaultProfile } from './arbitraries.js';
import { caseSeedFor, runSweepCase, type SweepCase, type SweepCaseResult } from './sweep-case.js';

/** A shard of a sweep: cases whose ordinal modulo `count` equals `index`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The cases of a sweep (or of one shard of it), in canonical order. */
export function sweepCases(scenarios: readonly string[], runsPerScenario: number, seed: number, profile: FaultProfile, shard: Shard, vary = false): SweepCase[] {
  const cases: SweepCase[] = [];
  let ordinal = 0;
  for (const scenario of scenarios) {
    for (let index = 0; index < runsPerScenario; index++, ordinal++) {
      if (ordinal % shard.count !== shard.index) continue;
      cases.push({ index, scenario, caseSeed: caseSeedFor(seed, scenario, index), profile, ...(vary ? { vary } : {}) });
    }
  }
  return cases;
}

/** Progress callbacks of a running sweep. */
export interface SweepProgress {
  /** `worker` numbers the worker thread that ran the case (0 for an inline sweep). */
  onResult(result: SweepCaseResult, done: number, total: number, worker: number): void;
  /** Every worker thread has started and loaded the code (not called for inline sweeps). */
  onWorkersReady?(): void;
}

/** What a worker thread posts: a ready signal once loaded, then one result per case it is sent. */
type WorkerMessage = SweepCaseResult | { readonly ready: true };

/** Cases sent ahead to each worker thread. */
const casesInFlightPerWorker = 2;

/** A sweep in progress; `stop()` ends it early, keeping what finished. */
export interface RunningSweep {
  readonly finished: Promise<{ results: SweepCaseResult[]; interrupted: boolean }>;
  stop(): void;
}

/**
 * Runs cases on `workers` worker threads (or in this thread when `workers` is 0). Results come
 * back in any order; callers sort them, so the outcome does not depend on the worker count.
 */
export function runSweep(cases: readonly SweepCase[], workers: number, progress: SweepProgress): RunningSweep {
  if (workers === 0) return runInline(cases, progress);
  const results: SweepCaseResult[] = [];
  const pool: Worker[] = [];
  let next = 0;
  let stopped = false;
  let settle: (value: { results: SweepCaseResult[]; interrupted: boolean }) => void = () => {};
  let fail: (error: unknown) => void = () => {};
  const finished = new Promise<{ results: SweepCaseResult[]; interrupted: boolean }>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  let settled = false;
  const finish = (interrupted: boolean): void => {
    settled = true;
    for (const worker of pool) void worker.terminate();
    settle({ results, interrupted });
  };
  const dispatch = (worker: Worker): void => {
    if (stopped) return;
    const sweepCase = cases[next++];
    if (sweepCase !== undefined) worker.postMessage(sweepCase);
  };
  const entry = new URL('./sweep-worker.ts', import.meta.url).href;
  const count = Math.max(1, Math.min(workers, cases.length));
  if (cases.length === 0) {
    settle({ results, interrupted: false });
    return { finished, stop: () => {} };
  }
  let ready = 0;
  for (let index = 0; index < count; index++) {
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { entry } });
    const workerIndex = index;
    worker.on('message', (message: WorkerMessage) => {
      if ('ready' in message) {
        if (++ready === count) progress.onWorkersReady?.();
        // Two cases in flight per worker: it starts the next while its last result crosses to
        // this thread, instead of idling until this thread (busy with other results) answers.
        for (let slot = 0; slot < casesInFlightPerWorker; slot++) dispatch(worker);
        return;
      }
      // A result that crosses after a stop is dropped: the sweep's outcome is already settled.
      if (settled) return;
      const result = message;
      results.push(result);
      progress.onResult(result, results.length, cases.length, workerIndex);
      if (results.length === cases.length) finish(false);
      else dispatch(worker);
    });
    worker.on('error', (error) => {
      stopped = true;
      for (const other of pool) void other.terminate();
      fail(error);
    });
    pool.push(worker);
  }
  return {
    finished,
    stop: () => {
      if (stopped) return;
      stopped = true;
      finish(true);
    },
  };
}

/** Runs cases in this thread, yielding between cases so a stop request can land. */
function runInline(cases: readonly SweepCase[], progress: SweepProgress): RunningSweep {
  let stopped = false;
  const results: SweepCaseResult[] = [];
  const finished = (async () => {
    for (const sweepCase of cases) {
      if (stopped) return { results, interrupted: true };
      const scenario = findScenario(sweepCase.scenario);
      if (scenario === undefined) throw new Error(`unknown scenario ${sweepCase.scenario}`);
      const result = runSweepCase(scenario, sweepCase);
      results.push(result);
      progress.onResult(result, results.length, cases.length, 0);
      // Safe for determinism: this yields between whole cases (each one a closed, seeded
      // simulation), only so a Ctrl-C can land; nothing simulated runs across it.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { results, interrupted: false };
  })();
  return { finished, stop: () => void (stopped = true) };
}
