import { describe, expect, it } from 'vitest';
import { plantedBugNames, type PlantedBug } from '../../src/cluster/planted-bugs.js';
import { defaultMutantSweep, mutantCase, runMutant } from '../../src/explore/mutants.js';
import { SweepPlan } from '../../src/explore/sweep.js';
import { scenarios } from '../../scenarios/index.js';

/**
 * The kill matrix on the default sweep, at a CI-sized budget: every planted bug, switched on
 * alone, must be caught by the cases `npm start` runs (same scenarios, swarm profile, some operations, seed 1),
 * with no setup of its own, and the shrunk failing case must pass once the bug is off (so the
 * bug, not the harness, failed it). A bug that survives means the oracle or the workload has lost
 * its teeth; the answer is a general workload or property, never a setup for that bug.
 */
const ciBudget = 140;

/**
 * Planted bugs the default sweep does not catch yet, each with why (what general workload or
 * property is missing). They still run, and must keep surviving: a bug that starts being caught
 * moves out of this list.
 */
const knownSurvivors: Readonly<Partial<Record<PlantedBug, string>>> = {
};

describe('the kill matrix on the default sweep', () => {
  it('tries the default sweep\'s own cases, round-robin over its scenarios, with only the bug added', () => {
    const sweep = defaultMutantSweep(ciBudget);
    const plan = new SweepPlan(scenarios.map((scenario) => scenario.name), 300, 1, 'swarm', undefined, false, 'some');
    for (const attempt of [0, 1, scenarios.length, 3 * scenarios.length + 2]) {
      const mutant = mutantCase(sweep, 'coordinator-leaks-subsumed-state', attempt);
      const original = plan.at(plan.positionOf(mutant.scenario, mutant.index) as number);
      expect(mutant.scenario).toBe(scenarios[attempt % scenarios.length]!.name);
      expect({ ...mutant, config: { ...mutant.config, plantedBugs: undefined } }).toEqual({ ...original, config: { ...original?.config, plantedBugs: undefined } });
      expect(mutant.config?.['plantedBugs']).toEqual(['coordinator-leaks-subsumed-state']);
    }
  });

  it.each(plantedBugNames)('%s is killed by the default sweep, and its shrunk case passes without it', (bug) => {
    const result = runMutant(bug, defaultMutantSweep(ciBudget));
    const survivor = knownSurvivors[bug];
    if (survivor !== undefined) {
      expect(result.killed, `${bug} is now caught (after ${result.casesToDetection} cases): take it out of knownSurvivors`).toBe(false);
      return;
    }
    expect(result.killed, `${bug} survived ${ciBudget} default-sweep cases`).toBe(true);
    expect(result.control).toBe('pass');
    expect(result.replay).toMatch(/^ckpt1\./);
    expect(result.issue).toMatch(/^(FLINK-\d+|generic)$/);
  }, 300_000);
});
