import { describe, expect, it } from 'vitest';
import { runCase } from '../../src/explore/run-case.js';
import { findScenario } from '../../scenarios/index.js';

/**
 * Differential check: without faults, the same job and input give the same committed output
 * whether barriers are aligned, unaligned, aligned with a timeout, or tracked at-least-once.
 */
const modes = {
  aligned: { checkpoint: { unaligned: false } },
  unaligned: { checkpoint: { unaligned: true } },
  'aligned-with-timeout': { checkpoint: { unaligned: true, alignedCheckpointTimeoutUs: 1_000 } },
  'at-least-once': { checkpoint: { mode: 'AT_LEAST_ONCE' } },
} as const;

describe('checkpointing modes agree on the output', () => {
  it.each(['fan-in-skew', 'wordcount', 'diamond'])('%s: four modes, same committed output', (name) => {
    const scenario = findScenario(name)!;
    for (let seed = 1; seed <= 10; seed++) {
      const digests = Object.entries(modes).map(([mode, config]) => {
        const result = runCase(scenario, { scenario: name, seed, config });
        expect(result.verdict, `${mode} seed ${seed}`).toBe('pass');
        return [mode, result.stats.outputDigest] as const;
      });
      const distinct = new Set(digests.map(([, digest]) => digest));
      expect(distinct.size, JSON.stringify(digests)).toBe(1);
    }
  });
});
