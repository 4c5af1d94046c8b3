import { describe, expect, it } from 'vitest';
import { scenarios } from '../../scenarios/index.js';
import { isCheckerProperty } from '../../src/oracle/checkers/index.js';
import { runWithCheckers } from './support/run-with-checkers.js';

/**
 * Integration: every built-in scenario, without faults, over 20 seeds, with every streaming
 * checker the scenario declares subscribed through runCase's observers. The runtime is believed
 * correct here, so any violation is either a checker bug or a runtime bug to investigate.
 */
const seedCount = 20;

describe.each(scenarios.map((scenario) => [scenario.name, scenario] as const))('checkers on scenario %s without faults', (_name, scenario) => {
  it(`find no violation over ${seedCount} seeds`, () => {
    const properties = scenario.properties.filter(isCheckerProperty);
    expect(properties.length).toBeGreaterThan(0);
    const problems: string[] = [];
    let completed = 0;
    for (let seed = 1; seed <= seedCount && problems.length < 5; seed++) {
      const { result, violations } = runWithCheckers(scenario, { scenario: scenario.name, seed }, properties);
      completed += result.stats.checkpoints.completed;
      for (const violation of violations) problems.push(`seed ${seed}: ${violation.property}: ${violation.message}`);
    }
    expect(problems).toEqual([]);
    // The checkers had something to judge.
    expect(completed).toBeGreaterThanOrEqual(3 * seedCount);
  }, 30_000);
});
