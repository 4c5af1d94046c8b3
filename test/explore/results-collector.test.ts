import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeCaseStreams, MergeError, ResultsCollector, reportOf, resultsSchema, summarise, type SweepResults } from '../../src/explore/results.js';
import { CanonicalOrder, SweepPlan, type Shard } from '../../src/explore/sweep.js';
import type { SweepCaseResult } from '../../src/explore/sweep-case.js';
import { passingCase } from '../report/fixtures.js';

const scenarios = ['wordcount', 'diamond', 'fan-in-skew'];

/** A synthetic case: verdict and properties chosen by `kind`, so tests can make millions cheaply. */
function synthetic(scenario: string, index: number, kind: number): SweepCaseResult {
  const base = { ...passingCase, scenario, index, caseSeed: index };
  switch (kind % 4) {
    case 0:
      return { ...base, verdict: 'fail', violated: [kind % 8 === 0 ? 'exactly-once' : 'recovery'], failure: { property: 'exactly-once', message: 'm', shrunkFaults: [], shrunkSeed: 1, shrinkSteps: 0, replay: 'r' } };
    case 1:
      return { ...base, verdict: 'expected-gap', gaps: [`gap-${kind % 3}`], gapProperties: ['recovery'], replay: 'r' };
    default:
      return base;
  }
}

describe('a sweep plan', () => {
  it('makes the same cases as the eager list, shard by shard, and finds each case by position', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 7 }), fc.nat(), fc.boolean(), (runs, count, rawIndex, vary) => {
        const shard: Shard = { index: rawIndex % count, count };
        const plan = new SweepPlan(scenarios, runs, 42, 'swarm', shard, vary);
        // The eager list: every case of the sweep, those of this shard kept.
        const eager = scenarios.flatMap((scenario, position) => Array.from({ length: runs }, (_, index) => ({ scenario, index, ordinal: position * runs + index }))).filter((entry) => entry.ordinal % count === shard.index);
        expect(plan.length).toBe(eager.length);
        eager.forEach((entry, position) => {
          const made = plan.at(position);
          expect(made).toMatchObject({ scenario: entry.scenario, index: entry.index, profile: 'swarm' });
          expect(made?.vary === true).toBe(vary);
          expect(plan.positionOf(entry.scenario, entry.index)).toBe(position);
        });
        expect(plan.at(plan.length)).toBeUndefined();
        expect(plan.at(-1)).toBeUndefined();
        expect(plan.positionOf('no-such-scenario', 0)).toBeUndefined();
        expect(plan.positionOf(scenarios[0] as string, runs)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('holds no list of cases: a plan of 70 million cases is made and read at once', () => {
    const plan = new SweepPlan(scenarios, 10_000_000, 1, 'swarm', { index: 3, count: 5 });
    expect(plan.length).toBe(6_000_000);
    expect(plan.at(plan.length - 1)).toMatchObject({ scenario: 'fan-in-skew', index: 9_999_998 });
  });
});

describe('canonical order', () => {
  it('hands results on in plan order whatever order they arrive in, holding only those that ran ahead', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.nat(), (runs, shuffleSeed) => {
        const plan = new SweepPlan(scenarios, runs, 1, 'swarm');
        const results = Array.from({ length: plan.length }, (_, position) => {
          const sweepCase = plan.at(position)!;
          return { ...passingCase, scenario: sweepCase.scenario, index: sweepCase.index };
        });
        // A shuffle where no result is more than 5 places from its own: how workers finish.
        const arrived = results.map((result, position) => ({ result, key: position + ((shuffleSeed * 7919 + position * 104_729) % 6) })).sort((left, right) => left.key - right.key);
        const out: SweepCaseResult[] = [];
        const order = new CanonicalOrder(plan, (result) => out.push(result));
        let mostHeld = 0;
        for (const { result } of arrived) {
          order.push(result);
          mostHeld = Math.max(mostHeld, order.held);
        }
        expect(out).toEqual(results);
        expect(order.held).toBe(0);
        expect(mostHeld).toBeLessThanOrEqual(6);
      }),
    );
  });

  it('drains an interrupted sweep in order, skipping the cases that never finished', () => {
    const plan = new SweepPlan(['wordcount'], 10, 1, 'swarm');
    const out: number[] = [];
    const order = new CanonicalOrder(plan, (result) => out.push(result.index));
    for (const index of [1, 0, 4, 3, 7]) order.push({ ...passingCase, index });
    expect(out).toEqual([0, 1]);
    expect(order.held).toBe(3);
    order.drain();
    expect(out).toEqual([0, 1, 3, 4, 7]);
    expect(() => order.push({ ...passingCase, index: 4 })).toThrow('unexpected result for case wordcount#4');
    expect(() => order.push({ ...passingCase, scenario: 'diamond', index: 0 })).toThrow('unexpected result');
  });
});

describe('the results collector', () => {
  it('gives the same totals as summarising every case, and the same report when nothing is left out', () => {
    const cases = scenarios.flatMap((scenario) => Array.from({ length: 50 }, (_, index) => synthetic(scenario, index, index * 3 + scenario.length)));
    const collector = new ResultsCollector(scenarios);
    for (const entry of cases) collector.add(entry);
    expect(collector.summary()).toEqual(summarise(cases, scenarios));
    const results: SweepResults = {
      schema: resultsSchema,
      parameters: { scenarios, runsPerScenario: 50, seed: 1, profile: 'swarm', vary: false },
      shards: ['0/1'],
      properties: {},
      cases,
      interrupted: false,
      summary: summarise(cases, scenarios),
      environment: { tool: 't', node: 'v20', platform: 'linux', cpus: 2, workers: 1 },
      timing: { wallMs: 1, casesPerSecond: 1 },
    };
    const report = reportOf(results);
    expect(report.caseCount).toBe(150);
    expect([...report.notPassing, ...report.passing].length).toBe(150);
    expect(report.notPassing.every((entry) => entry.verdict !== 'pass')).toBe(true);
    expect(report.failureCount).toBe(cases.filter((entry) => entry.failure !== undefined).length);
  });

  it('holds a bounded number of cases however many it counts, and keeps the first of each violated property and gap', () => {
    const collector = new ResultsCollector(scenarios, { notPassing: 100, passing: 50 });
    let count = 0;
    for (const scenario of scenarios) {
      for (let index = 0; index < 100_000; index++, count++) collector.add(synthetic(scenario, index, index));
    }
    // A property first violated, and a gap first met, long after the limit is reached.
    collector.add({ ...synthetic('fan-in-skew', 100_000, 0), violated: ['two-phase-commit'] });
    collector.add({ ...synthetic('fan-in-skew', 100_001, 1), gaps: ['late-gap'] });
    const report = collector.report({
      parameters: { scenarios, runsPerScenario: 100_002, seed: 1, profile: 'swarm', vary: false },
      shards: ['0/1'],
      properties: {},
      interrupted: false,
      environment: { tool: 't', node: 'v20', platform: 'linux', cpus: 2, workers: 1 },
      timing: { wallMs: 1, casesPerSecond: 1 },
    });
    expect(report.caseCount).toBe(count + 2);
    expect(report.passing).toHaveLength(50);
    // 100 first, then one per (scenario, property) and per gap not yet held: bounded by the job, not the sweep.
    expect(report.notPassing.length).toBeLessThanOrEqual(100 + scenarios.length * 2 + 3 + 2);
    expect(report.notPassing.some((entry) => entry.violated.includes('two-phase-commit'))).toBe(true);
    expect(report.notPassing.some((entry) => entry.gaps.includes('late-gap'))).toBe(true);
    // Every scenario's first recovery violation is held, though each comes after the limit for the later scenarios.
    for (const scenario of scenarios) expect(report.notPassing.some((entry) => entry.scenario === scenario && entry.violated.includes('recovery'))).toBe(true);
    expect(report.summary.find((entry) => entry.scenario === 'diamond')?.cases).toBe(100_000);
    expect(report.cube['diamond']?.['*']?.cases).toBe(100_000);
    expect(report.failureCount).toBe(3 * 25_000 + 1);
  });

  it('refuses a case of a scenario the sweep does not name', () => {
    expect(() => new ResultsCollector(['wordcount']).add({ ...passingCase, scenario: 'diamond' })).toThrow('does not name');
  });
});

describe('merging case streams', () => {
  it('is a k-way merge into canonical order that refuses duplicates and disorder', () => {
    const make = (scenario: string, index: number): SweepCaseResult => ({ ...passingCase, scenario, index });
    const left = [make('wordcount', 0), make('wordcount', 2), make('diamond', 1)];
    const right = [make('wordcount', 1), make('diamond', 0), make('diamond', 2)];
    const merged = [...mergeCaseStreams(scenarios, [left[Symbol.iterator](), right[Symbol.iterator]()])];
    expect(merged.map((entry) => `${entry.scenario}#${entry.index}`)).toEqual(['wordcount#0', 'wordcount#1', 'wordcount#2', 'diamond#0', 'diamond#1', 'diamond#2']);
    expect(() => [...mergeCaseStreams(scenarios, [left[Symbol.iterator](), left[Symbol.iterator]()])]).toThrow(MergeError);
    expect(() => [...mergeCaseStreams(scenarios, [[make('diamond', 0), make('wordcount', 0)][Symbol.iterator]()])]).toThrow('out of canonical order');
  });
});
