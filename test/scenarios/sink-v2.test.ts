import { describe, expect, it } from 'vitest';
import type { PlantedBug } from '../../src/cluster/planted-bugs.js';
import { caseSeedFor, runSweepCase } from '../../src/explore/sweep-case.js';
import { runCase } from '../../src/explore/run-case.js';
import { sinkV2 } from '../../scenarios/sink-v2.js';

describe('scenario sink-v2 (writer and committer vertices)', () => {
  it('passes every property without faults, aligned and unaligned', () => {
    for (let seed = 1; seed <= 4; seed++) {
      for (const unaligned of [0, 1]) {
        const result = runCase(sinkV2, { scenario: 'sink-v2', seed, parameters: { unaligned } });
        expect(result.violations).toEqual([]);
        expect(result.verdict).toBe('pass');
      }
    }
  }, 120_000);

  /** Sweep cases of `profile` with `bug` planted until one fails; the properties it violated. */
  function firstCaught(bug: PlantedBug, profile: 'none' | 'crashes' | 'everything', budget: number): readonly string[] | undefined {
    for (let index = 0; index < budget; index++) {
      const result = runSweepCase(sinkV2, { index, scenario: 'sink-v2', caseSeed: caseSeedFor(11, bug, index), profile, config: { plantedBugs: [bug] } });
      if (result.verdict === 'fail') return result.violated;
    }
    return undefined;
  }

  it('catches a committer that ignores end of input (FLINK-26403) without faults', () => {
    expect(firstCaught('committer-ignores-end-of-input', 'none', 2)).toContain('two-phase-commit');
  }, 120_000);

  it('catches a committer that commits a checkpoint not yet complete without faults', () => {
    expect(firstCaught('committer-commits-incomplete-checkpoints', 'none', 4)).toContain('two-phase-commit');
  }, 120_000);

  it('catches a committer that loses its restored committables (FLINK-29512) under crashes', () => {
    expect(firstCaught('committer-loses-recovered-committables', 'crashes', 40)).toBeDefined();
  }, 240_000);

  it('catches a writer that emits its committables after the barrier under crashes', () => {
    expect(firstCaught('sink-writer-emits-committables-after-barrier', 'crashes', 40)).toBeDefined();
  }, 240_000);

  it('catches a committer that drops retriable failures (FLINK-23896) when commits fail', () => {
    expect(firstCaught('committer-drops-retriable-committables', 'everything', 60)).toBeDefined();
  }, 240_000);
});
