import { describe, expect, it } from 'vitest';
import { plantedBugNames } from '../../src/cluster/planted-bugs.js';
import { runMutant } from '../../src/explore/mutants.js';

/**
 * The canary: every planted protocol bug must be caught by some property within the budget, and
 * the shrunk failing case must pass once the bug is switched off (so the bug, not the harness,
 * failed it). If a bug survives, the oracle has lost its teeth.
 */
const budget = 150;

describe('planted bugs', () => {
  it.each(plantedBugNames)('%s is killed, and its shrunk case passes without it', (bug) => {
    const result = runMutant(bug, budget, 1);
    expect(result.killed, `${bug} survived ${budget} cases`).toBe(true);
    expect(result.control).toBe('pass');
    expect(result.replay).toMatch(/^ckpt1\./);
  }, 300_000);
});
