import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { PlantedBug } from '../cluster/planted-bugs.js';
import { runMutant, runTailoredMutant, type MutantSweep } from './mutants.js';
import { loadScenarioModules, type ScenarioModuleSet } from './scenario-modules.js';

/** What the kill-matrix pool sends a worker: one planted bug to search for, on the given cases. */
export interface MutantJob {
  readonly bug: PlantedBug;
  readonly sweep: MutantSweep;
  /** Also run the bug's tailored setup with this budget (the matrix's second column). */
  readonly tailoredBudget?: number;
  /** Attempts answered from the sweep before the matrix (mutants.ts, knownPassingCases). */
  readonly knownPassing?: readonly number[];
}

/** A kill-matrix worker: runs the planted bugs it is sent, one at a time, and posts each row back. */
const port = parentPort;
if (port === null) throw new Error('mutant-worker.ts must run in a worker thread');
// The user scenario modules the matrix's process loaded, in the same order, before any bug.
const scenarioModules = (workerData as { scenarioModules?: ScenarioModuleSet } | null)?.scenarioModules;
if (scenarioModules !== undefined) await loadScenarioModules(scenarioModules.modules, scenarioModules.root);
port.on('message', (job: MutantJob) => {
  try {
    // Safe for determinism: the wall clock only times the search (secondsToDetection); no
    // simulated run reads it.
    const row = runMutant(job.bug, job.sweep, () => performance.now(), new Set(job.knownPassing ?? []));
    const tailored = job.tailoredBudget === undefined ? undefined : runTailoredMutant(job.bug, job.tailoredBudget, job.sweep.seed);
    port.postMessage(tailored === undefined ? row : { ...row, tailored });
  } catch (error) {
    port.postMessage({ failed: `kill matrix for planted bug ${job.bug} failed: ${error instanceof Error ? error.message : String(error)}`, stack: error instanceof Error ? (error.stack ?? '') : '' });
  }
});
port.postMessage({ ready: true });
