import { parentPort, workerData } from 'node:worker_threads';
import { lookupScenario } from './scenario-registry.js';
import { loadScenarioModules, type ScenarioModuleSet } from './scenario-modules.js';
import { runSweepCase, type SweepCase } from './sweep-case.js';

/** A sweep worker: runs the cases it is sent, one at a time, and posts each result back. */
const port = parentPort;
if (port === null) throw new Error('sweep-worker.ts must run in a worker thread');
// The user scenario modules the sweep's process loaded, in the same order, before any case.
const scenarioModules = (workerData as { scenarioModules?: ScenarioModuleSet } | null)?.scenarioModules;
if (scenarioModules !== undefined) await loadScenarioModules(scenarioModules.modules, scenarioModules.root);
port.on('message', (sweepCase: SweepCase) => {
  let result;
  try {
    const scenario = lookupScenario(sweepCase.scenario);
    if (scenario === undefined) throw new Error(`unknown scenario ${sweepCase.scenario}`);
    result = runSweepCase(scenario, sweepCase);
  } catch (error) {
    // runSweepCase reports what a case's run throws; this is the harness failing around it. It
    // is posted, not thrown, so that it reaches the sweep after the results posted before it.
    const message = `sweep case ${sweepCase.scenario}#${sweepCase.index} (case seed ${sweepCase.caseSeed}) failed: ${error instanceof Error ? error.message : String(error)}`;
    port.postMessage({ failed: message, stack: error instanceof Error ? (error.stack ?? '') : '' });
    return;
  }
  port.postMessage(result);
});
// Loaded and listening: the pool sends the first case now (start-up is measured apart from cases).
port.postMessage({ ready: true });
