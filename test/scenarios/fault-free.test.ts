import { describe, expect, it } from 'vitest';
import { runCase } from '../../src/explore/run-case.js';
import { scenarios } from '../../scenarios/index.js';

/**
 * Every built-in scenario, with no faults, over 200 seeds: the job reaches FINISHED, completes
 * several checkpoints, never restarts, and commits exactly the failure-free output (or, for the
 * at-least-once scenario, everything at least once).
 */
const seedCount = 200;

describe.each(scenarios.map((scenario) => [scenario.name, scenario] as const))('scenario %s without faults', (_name, scenario) => {
  it(`finishes with the expected output for ${seedCount} seeds`, () => {
    const problems: string[] = [];
    for (let seed = 1; seed <= seedCount; seed++) {
      const result = runCase(scenario, { scenario: scenario.name, seed });
      if (result.jobStatus !== 'FINISHED') problems.push(`seed ${seed}: job ${result.jobStatus} (${result.outcomeReason})`);
      if (result.verdict !== 'pass') problems.push(`seed ${seed}: ${result.violations.map((violation) => violation.message).join('; ')}`);
      if (result.stats.checkpoints.completed < 3) problems.push(`seed ${seed}: only ${result.stats.checkpoints.completed} checkpoints completed`);
      if (result.stats.restores !== 0) problems.push(`seed ${seed}: ${result.stats.restores} restores without any fault`);
      if (problems.length >= 5) break;
    }
    expect(problems).toEqual([]);
  }, 120_000);
});

describe('determinism', () => {
  it('gives the same trace hash for the same seed and different ones across seeds', () => {
    const hashes = new Set<string>();
    for (const scenario of scenarios) {
      for (let seed = 1; seed <= 5; seed++) {
        const first = runCase(scenario, { scenario: scenario.name, seed });
        const second = runCase(scenario, { scenario: scenario.name, seed });
        expect(second.traceHash).toBe(first.traceHash);
        expect(second.stats).toEqual(first.stats);
        hashes.add(first.traceHash);
      }
    }
    expect(hashes.size).toBe(scenarios.length * 5);
  }, 60_000);
});
