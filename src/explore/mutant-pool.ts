import type { Worker } from 'node:worker_threads';
import type { PlantedBug } from '../cluster/planted-bugs.js';
import type { MutantJob } from './mutant-worker.js';
import type { MutantResult, MutantSweep } from './mutants.js';
import { startSimulationWorker } from './simulation-worker.js';

type WorkerMessage = MutantResult | { readonly ready: true } | { readonly failed: string; readonly stack: string };

/**
 * Runs the kill matrix on `workers` worker threads, one planted bug per job (each bug's search
 * is sequential: it stops at the first failing case). Rows come back in any order; the promise
 * gives them in the order of `bugs`. `onRow` sees each as it arrives (progress). `stopped` is
 * polled between bugs: a stopped pool resolves with the rows that finished. `knownPassing` gives
 * a bug's attempts answered from the sweep run before the matrix (mutants.ts, knownPassingCases).
 */
export function runMutantPool(
  bugs: readonly PlantedBug[],
  sweep: MutantSweep,
  workers: number,
  onRow: (row: MutantResult, done: number) => void,
  options: { readonly tailoredBudget?: number; readonly stopped?: () => boolean; readonly knownPassing?: (bug: PlantedBug) => readonly number[] } = {},
): Promise<{ rows: MutantResult[]; interrupted: boolean }> {
  const rows = new Map<PlantedBug, MutantResult>();
  const inOrder = () => bugs.flatMap((bug) => (rows.has(bug) ? [rows.get(bug) as MutantResult] : []));
  if (bugs.length === 0) return Promise.resolve({ rows: [], interrupted: false });
  return new Promise((resolve, reject) => {
    const pool: Worker[] = [];
    let next = 0;
    let settled = false;
    const end = (interrupted: boolean, error?: Error): void => {
      if (settled) return;
      settled = true;
      for (const worker of pool) void worker.terminate();
      if (error !== undefined) reject(error);
      else resolve({ rows: inOrder(), interrupted });
    };
    const dispatch = (worker: Worker): void => {
      if (options.stopped?.() === true) {
        end(true);
        return;
      }
      const bug = bugs[next++];
      if (bug === undefined) return;
      const knownPassing = options.knownPassing?.(bug) ?? [];
      const job: MutantJob = { bug, sweep, ...(options.tailoredBudget === undefined ? {} : { tailoredBudget: options.tailoredBudget }), ...(knownPassing.length === 0 ? {} : { knownPassing }) };
      worker.postMessage(job);
    };
    // The worker's module beside this one: TypeScript under tsx and vitest, JavaScript once built.
    const entry = new URL(import.meta.url.endsWith('.ts') ? './mutant-worker.ts' : './mutant-worker.js', import.meta.url).href;
    const count = Math.max(1, Math.min(workers, bugs.length));
    for (let index = 0; index < count; index++) {
      const worker = startSimulationWorker(entry);
      worker.on('message', (message: WorkerMessage) => {
        if (settled) return;
        if ('ready' in message) {
          dispatch(worker);
          return;
        }
        if ('failed' in message) {
          const error = new Error(message.failed);
          error.stack = `${error.name}: ${message.failed}\n(in kill-matrix worker ${index})\n${message.stack}`;
          end(true, error);
          return;
        }
        rows.set(message.bug, message);
        onRow(message, rows.size);
        if (rows.size === bugs.length) end(false);
        else dispatch(worker);
      });
      worker.on('error', (error) => end(true, error));
      worker.on('exit', (code) => end(true, new Error(`kill-matrix worker ${index} exited (code ${code}) with ${bugs.length - rows.size} planted bugs unfinished`)));
      pool.push(worker);
    }
  });
}
