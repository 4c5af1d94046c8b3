import { Worker } from 'node:worker_threads';
import { loadedScenarioModules } from './scenario-modules.js';

/**
 * Starts a worker thread that runs simulations (a sweep's or a kill matrix's): worker-boot.mjs
 * loads the scenario modules this process has loaded, in the same order, then `entry` (a module
 * beside the caller: TypeScript under tsx and vitest, JavaScript once built).
 */
export function startSimulationWorker(entry: string): Worker {
  return new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { entry, scenarioModules: loadedScenarioModules() } });
}
