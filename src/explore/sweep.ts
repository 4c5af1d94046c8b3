import type { Worker } from 'node:worker_threads';
import { lookupScenario } from './scenario-registry.js';
import { startSimulationWorker } from './simulation-worker.js';
import type { FaultProfile } from './arbitraries.js';
import type { OperationLevel } from './operation-arbitraries.js';
import { caseSeedFor, runSweepCase, type SweepCase, type SweepCaseResult } from './sweep-case.js';

/** A shard of a sweep: cases whose ordinal modulo `count` equals `index`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** A list of sweep cases read by position; an array is one. */
export interface CaseList {
  readonly length: number;
  at(position: number): SweepCase | undefined;
  /**
   * False while the case at `position` cannot be made yet (the coverage strategy makes a round's
   * cases from the results of the rounds before it): a worker then waits, and is offered it again
   * after each result. Absent: every case can be made at any time.
   */
  ready?(position: number): boolean;
}

/**
 * The cases of a sweep (or of one shard of it), in canonical order, made on demand: a sweep of
 * millions of cases does not hold them all. Case `position` of shard i/n is the sweep's case
 * number i + position * n, counting scenario by scenario.
 */
export class SweepPlan implements CaseList {
  readonly length: number;
  private readonly positions: Map<string, number>;

  constructor(
    readonly scenarios: readonly string[],
    readonly runsPerScenario: number,
    readonly seed: number,
    readonly profile: FaultProfile,
    readonly shard: Shard = { index: 0, count: 1 },
    readonly vary = false,
    readonly operations: OperationLevel = 'none',
  ) {
    const total = scenarios.length * runsPerScenario;
    this.length = total > shard.index ? Math.ceil((total - shard.index) / shard.count) : 0;
    this.positions = new Map(scenarios.map((name, index) => [name, index]));
  }

  at(position: number): SweepCase | undefined {
    if (!Number.isInteger(position) || position < 0 || position >= this.length) return undefined;
    const ordinal = this.shard.index + position * this.shard.count;
    const scenario = this.scenarios[Math.floor(ordinal / this.runsPerScenario)] as string;
    const index = ordinal % this.runsPerScenario;
    return { index, scenario, caseSeed: caseSeedFor(this.seed, scenario, index), profile: this.profile, ...(this.vary ? { vary: true } : {}), ...(this.operations === 'none' ? {} : { operations: this.operations }) };
  }

  /** The position in this plan of case `index` of `scenario`; undefined when the plan has no such case. */
  positionOf(scenario: string, index: number): number | undefined {
    const scenarioPosition = this.positions.get(scenario);
    if (scenarioPosition === undefined || !Number.isInteger(index) || index < 0 || index >= this.runsPerScenario) return undefined;
    const ordinal = scenarioPosition * this.runsPerScenario + index;
    return ordinal % this.shard.count === this.shard.index ? (ordinal - this.shard.index) / this.shard.count : undefined;
  }
}

/** The cases of a sweep (or of one shard of it), in canonical order, as an array. */
export function sweepCases(scenarios: readonly string[], runsPerScenario: number, seed: number, profile: FaultProfile, shard: Shard, vary = false, operations: OperationLevel = 'none'): SweepCase[] {
  const plan = new SweepPlan(scenarios, runsPerScenario, seed, profile, shard, vary, operations);
  return Array.from({ length: plan.length }, (_, position) => plan.at(position) as SweepCase);
}

/**
 * Puts results that arrive in any order (workers finish cases at different speeds) back into
 * plan order, handing each on as soon as every case before it has been handed on. It holds only
 * the results that ran ahead of a slower case: a few per worker, more while a case is shrunk.
 */
export class CanonicalOrder {
  private readonly waiting = new Map<number, SweepCaseResult>();
  private next = 0;

  constructor(
    private readonly plan: Pick<SweepPlan, 'positionOf'>,
    private readonly emit: (result: SweepCaseResult) => void,
  ) {}

  /** Results waiting for an earlier case. */
  get held(): number {
    return this.waiting.size;
  }

  push(result: SweepCaseResult): void {
    const position = this.plan.positionOf(result.scenario, result.index);
    if (position === undefined || position < this.next || this.waiting.has(position)) throw new Error(`sweep: unexpected result for case ${result.scenario}#${result.index}`);
    this.waiting.set(position, result);
    for (let waiting = this.waiting.get(this.next); waiting !== undefined; waiting = this.waiting.get(this.next)) {
      this.waiting.delete(this.next++);
      this.emit(waiting);
    }
  }

  /** Hands on every waiting result, in order, skipping the cases that never finished (an interrupted sweep). */
  drain(): void {
    const positions = [...this.waiting.keys()].sort((left, right) => left - right);
    for (const position of positions) {
      const result = this.waiting.get(position) as SweepCaseResult;
      this.waiting.delete(position);
      this.next = position + 1;
      this.emit(result);
    }
  }
}

/** Progress callbacks of a running sweep. */
export interface SweepProgress {
  /** `worker` numbers the worker thread that ran the case (0 for an inline sweep). */
  onResult(result: SweepCaseResult, done: number, total: number, worker: number): void;
  /** Every worker thread has started and loaded the code (not called for inline sweeps). */
  onWorkersReady?(): void;
}

/**
 * What a worker thread posts: a ready signal once loaded, then one result per case it is sent,
 * or the failure of the harness around a case (the worker's last message).
 */
type WorkerMessage = SweepCaseResult | { readonly ready: true } | { readonly failed: string; readonly stack: string };

/** Cases sent ahead to each worker thread. */
const casesInFlightPerWorker = 2;

/** A sweep in progress; `stop()` ends it early, keeping what finished. */
export interface RunningSweep {
  /** How many cases finished (each was handed to `onResult`), and whether the sweep was stopped early. */
  readonly finished: Promise<{ completed: number; interrupted: boolean }>;
  stop(): void;
}

/**
 * Runs cases on `workers` worker threads (or in this thread when `workers` is 0). Results come
 * back in any order and are handed to `onResult`, not kept; callers put them in order
 * ({@link CanonicalOrder}), so the outcome does not depend on the worker count.
 */
export function runSweep(cases: CaseList, workers: number, progress: SweepProgress): RunningSweep {
  if (workers === 0) return runInline(cases, progress);
  let completed = 0;
  const pool: Worker[] = [];
  let next = 0;
  let stopped = false;
  let settle: (value: { completed: number; interrupted: boolean }) => void = () => {};
  let fail: (error: unknown) => void = () => {};
  const finished = new Promise<{ completed: number; interrupted: boolean }>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  let settled = false;
  const finish = (interrupted: boolean): void => {
    settled = true;
    for (const worker of pool) void worker.terminate();
    settle({ completed, interrupted });
  };
  // Worker slots waiting for a case that cannot be made yet (see CaseList.ready).
  const waiting: Worker[] = [];
  const dispatch = (worker: Worker): void => {
    if (stopped) return;
    if (next < cases.length && cases.ready?.(next) === false) {
      waiting.push(worker);
      return;
    }
    const sweepCase = cases.at(next++);
    if (sweepCase !== undefined) worker.postMessage(sweepCase);
  };
  // Never a deadlock: a case is not ready only while an earlier one is in flight, and each result offers the waiting slots again.
  const wake = (): void => {
    for (const worker of waiting.splice(0)) dispatch(worker);
  };
  // The worker's module beside this one: TypeScript under tsx and vitest, JavaScript once built.
  const entry = new URL(import.meta.url.endsWith('.ts') ? './sweep-worker.ts' : './sweep-worker.js', import.meta.url).href;
  const count = Math.max(1, Math.min(workers, cases.length));
  if (cases.length === 0) {
    settle({ completed, interrupted: false });
    return { finished, stop: () => {} };
  }
  let ready = 0;
  for (let index = 0; index < count; index++) {
    const worker = startSimulationWorker(entry);
    const workerIndex = index;
    worker.on('message', (message: WorkerMessage) => {
      if ('ready' in message) {
        if (++ready === count) progress.onWorkersReady?.();
        // Two cases in flight per worker: it starts the next while its last result crosses to
        // this thread, instead of idling until this thread (busy with other results) answers.
        for (let slot = 0; slot < casesInFlightPerWorker; slot++) dispatch(worker);
        return;
      }
      if ('failed' in message) {
        const error = new Error(message.failed);
        error.stack = `${error.name}: ${message.failed}\n(in sweep worker ${workerIndex})\n${message.stack}`;
        lose(error);
        return;
      }
      // A result that crosses after a stop is dropped: the sweep's outcome is already settled.
      if (settled) return;
      completed++;
      progress.onResult(message, completed, cases.length, workerIndex);
      if (completed === cases.length) finish(false);
      else {
        dispatch(worker);
        wake();
      }
    });
    // A worker that fails, or ends for any reason while the sweep needs it, ends the sweep with
    // an error (its cases in flight would never come back: waiting on would hang).
    const lose = (error: Error): void => {
      if (settled || stopped) return;
      stopped = true;
      for (const other of pool) void other.terminate();
      fail(error);
    };
    worker.on('error', lose);
    worker.on('exit', (code) => lose(new Error(`sweep worker ${workerIndex} exited (code ${code}) with ${cases.length - completed} cases unfinished`)));
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
function runInline(cases: CaseList, progress: SweepProgress): RunningSweep {
  let stopped = false;
  let completed = 0;
  const finished = (async () => {
    for (let position = 0; position < cases.length; position++) {
      const sweepCase = cases.at(position) as SweepCase;
      if (stopped) return { completed, interrupted: true };
      const scenario = lookupScenario(sweepCase.scenario);
      if (scenario === undefined) throw new Error(`unknown scenario ${sweepCase.scenario}`);
      const result = runSweepCase(scenario, sweepCase);
      completed++;
      progress.onResult(result, completed, cases.length, 0);
      // Safe for determinism: this yields between whole cases (each one a closed, seeded
      // simulation), only so a Ctrl-C can land; nothing simulated runs across it.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { completed, interrupted: false };
  })();
  return { finished, stop: () => void (stopped = true) };
}
