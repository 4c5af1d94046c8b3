import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findScenario } from '../../scenarios/index.js';
import { runCase } from '../../src/explore/run-case.js';
import { drawnCaseArbitrary } from '../../src/explore/sweep-case.js';
import { isOperation, operationKinds } from '../../src/faults/plan.js';

const wordcount = findScenario('wordcount')!;

describe('operations drawn by sweeps', () => {
  it('leave the fault draws and the simulation seed as they are without operations', () => {
    for (const vary of [false, true]) {
      const without = fc.sample(drawnCaseArbitrary(wordcount, { profile: 'swarm', vary }), { numRuns: 40, seed: 11 });
      const withSome = fc.sample(drawnCaseArbitrary(wordcount, { profile: 'swarm', vary, operations: 'some' }), { numRuns: 40, seed: 11 });
      const withNone = fc.sample(drawnCaseArbitrary(wordcount, { profile: 'swarm', vary, operations: 'none' }), { numRuns: 40, seed: 11 });
      expect(withNone).toEqual(without);
      withSome.forEach(([plan, seed, variation], index) => {
        const [faults, seedWithout, variationWithout] = without[index]!;
        expect(plan.filter((entry) => !isOperation(entry))).toEqual(faults);
        expect(seed).toBe(seedWithout);
        expect(variation).toEqual(variationWithout);
      });
    }
  });

  it('draw every operation kind, more of them with many, and fire them in the runs', () => {
    const some = fc.sample(drawnCaseArbitrary(wordcount, { profile: 'none', operations: 'some' }), { numRuns: 60, seed: 5 });
    const many = fc.sample(drawnCaseArbitrary(wordcount, { profile: 'none', operations: 'many' }), { numRuns: 60, seed: 5 });
    const count = (cases: typeof some): number => cases.reduce((total, [plan]) => total + plan.filter(isOperation).length, 0);
    expect(count(many)).toBeGreaterThan(count(some));
    expect(new Set(many.flatMap(([plan]) => plan.filter(isOperation).map((entry) => entry.kind)))).toEqual(new Set(operationKinds));
    let answered = 0;
    for (const [plan, seed] of many.slice(0, 10)) {
      const result = runCase(wordcount, { scenario: 'wordcount', seed, faults: plan });
      expect(result.verdict, result.replay).not.toBe('fail');
      answered += result.operations.filter((record) => record.ok !== undefined).length;
    }
    expect(answered).toBeGreaterThan(5);
  }, 120_000);
});
