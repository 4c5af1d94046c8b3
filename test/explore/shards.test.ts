import { describe, expect, it } from 'vitest';
import { listLabels, parseShardLabels, plannedCases, shardCoverage, shardLabel } from '../../src/explore/shards.js';
import { SweepPlan } from '../../src/explore/sweep.js';

describe('shards', () => {
  it('are labelled counting from 1, and labels written before that (0/n) are read as counting from 0', () => {
    expect(shardLabel({ index: 0, count: 4 })).toBe('1/4');
    expect(parseShardLabels(['1/4', '4/4'])).toEqual([{ index: 0, count: 4 }, { index: 3, count: 4 }]);
    expect(parseShardLabels(['0/1'])).toEqual([{ index: 0, count: 1 }]);
    expect(parseShardLabels(['0/2', '1/2'])).toEqual([{ index: 0, count: 2 }, { index: 1, count: 2 }]);
    for (const bad of [['5/4'], ['a/b'], ['1/0'], ['1-4']]) expect(parseShardLabels(bad), bad[0]).toBeUndefined();
  });

  it('name the shards of 1..n missing or repeated, and splits that differ', () => {
    expect(shardCoverage([{ index: 0, count: 3 }, { index: 2, count: 3 }])).toEqual({ count: 3, missing: ['2/3'], duplicated: [], counts: [3] });
    expect(shardCoverage([{ index: 0, count: 2 }, { index: 0, count: 2 }, { index: 1, count: 2 }]).duplicated).toEqual(['1/2']);
    expect(shardCoverage([{ index: 0, count: 2 }, { index: 0, count: 3 }]).count).toBeUndefined();
    expect(listLabels(['1/9', '2/9', '3/9'])).toBe('1/9, 2/9 and 3/9');
  });

  it('plan as many cases per scenario as the sweep plan holds, for any split', () => {
    const scenarios = ['a', 'b', 'c'];
    for (const runs of [1, 2, 5, 7]) {
      for (const count of [1, 2, 3, 4, 8]) {
        for (let index = 0; index < count; index++) {
          const plan = new SweepPlan(scenarios, runs, 1, 'none', { index, count });
          const fromPlan = new Map(scenarios.map((scenario) => [scenario, 0]));
          for (let position = 0; position < plan.length; position++) {
            const scenario = plan.at(position)!.scenario;
            fromPlan.set(scenario, (fromPlan.get(scenario) ?? 0) + 1);
          }
          expect(plannedCases(scenarios, runs, [{ index, count }]), `${runs} runs, shard ${index + 1}/${count}`).toEqual(fromPlan);
        }
        const all = Array.from({ length: count }, (_, index) => ({ index, count }));
        expect([...plannedCases(scenarios, runs, [...all, ...all]).values()]).toEqual([runs, runs, runs]);
      }
    }
  });
});
