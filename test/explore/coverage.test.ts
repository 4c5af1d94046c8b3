import { describe, expect, it } from 'vitest';
import { mergeResults, reportOf, resultsSchema, summarise, type SweepResults } from '../../src/explore/results.js';
import { CanonicalOrder, runSweep, SweepPlan, type Shard } from '../../src/explore/sweep.js';
import { shardLabel } from '../../src/explore/shards.js';
import type { SweepCaseResult } from '../../src/explore/sweep-case.js';
import { CoverageTally } from '../../src/explore/coverage-tally.js';
import { possiblePairs } from '../../src/oracle/protocol-coverage/index.js';

const scenarios = ['wordcount', 'savepoint-stop'];
const runs = 10;
const environment = { tool: 'test', node: process.version, platform: 'test', cpus: 1, workers: 0 };

async function sweep(workers: number, shard: Shard): Promise<SweepResults> {
  const plan = new SweepPlan(scenarios, runs, 21, 'swarm', shard, false, 'some');
  const sorted: SweepCaseResult[] = [];
  const order = new CanonicalOrder(plan, (result) => sorted.push(result));
  await runSweep(plan, workers, { onResult: (result) => order.push(result) }).finished;
  return {
    schema: resultsSchema,
    parameters: { scenarios, runsPerScenario: runs, seed: 21, profile: 'swarm', vary: false, operations: 'some' },
    shards: [shardLabel(shard)],
    properties: {},
    cases: sorted,
    interrupted: false,
    summary: summarise(sorted, scenarios),
    environment,
    timing: { wallMs: 0, casesPerSecond: 0 },
  };
}

describe('sweep coverage', () => {
  it('is the same with 1 and 2 workers, and shards merged equal the whole (curve in canonical order)', async () => {
    const one = await sweep(1, { index: 0, count: 1 });
    const two = await sweep(2, { index: 0, count: 1 });
    const whole = reportOf(one).coverage;
    expect(whole).toBeDefined();
    expect(whole?.cases).toBe(scenarios.length * runs);
    expect(whole?.states.reached).toBeGreaterThan(10);
    expect(whole?.pairs.covered).toBeGreaterThan(5);
    expect(reportOf(two).coverage).toEqual(whole);
    const shards = [await sweep(2, { index: 0, count: 3 }), await sweep(1, { index: 2, count: 3 }), await sweep(1, { index: 1, count: 3 })];
    // Each shard alone covers less than the whole; merged, exactly the whole, curve included.
    expect(reportOf(shards[0] as SweepResults).coverage?.cases).toBeLessThan(whole?.cases ?? 0);
    const merged = mergeResults(shards, environment);
    expect(merged.coverage).toEqual(whole);
  }, 240_000);
});

function caseWith(index: number, states: string[], pairs: string[] = []): SweepCaseResult {
  return { index, scenario: 's', caseSeed: index, simSeed: 1, verdict: 'pass', faultKinds: [], faultCount: 0, traceHash: '', events: 0, virtualTimeUs: 0, checkpointsCompleted: 0, restores: 0, violated: [], gaps: [], gapProperties: [], coverage: { pairs, states } };
}

describe('the coverage tally', () => {
  it('counts cases per pair and state, and draws the saturation curve with its last slope', () => {
    const tally = new CoverageTally();
    // Case i reaches states s0..s(i/10): a new state every ten cases.
    for (let index = 0; index < 250; index++) tally.add(caseWith(index, Array.from({ length: Math.floor(index / 10) + 1 }, (_, state) => `T${state}`), index === 3 ? ['fail-task@task.running', 'no-such@pair'] : []));
    const summary = tally.summary();
    expect(summary.cases).toBe(250);
    expect(summary.states.reached).toBe(25);
    expect(summary.states.counts['T0']).toBe(250);
    expect(summary.states.counts['T24']).toBe(10);
    expect(summary.pairs.counts['fail-task@task.running']).toBe(1);
    // A pair that is not a possible one is counted but not covered.
    expect(summary.pairs.covered).toBe(1);
    expect(summary.pairs.possible).toBe(possiblePairs.length);
    expect(summary.curve.every).toBe(10);
    expect(summary.curve.points[0]).toEqual({ cases: 10, states: 1, pairs: 2 });
    expect(summary.curve.points.at(-1)).toEqual({ cases: 250, states: 25, pairs: 2 });
    expect(summary.curve.lastSlope).toEqual({ window: 100, newStates: 10 });
  });

  it('keeps at most a thousand curve points, doubling their spacing, and slopes per 1,000 cases in large sweeps', () => {
    const tally = new CoverageTally();
    for (let index = 0; index < 12_000; index++) tally.add(caseWith(index, [`C${Math.floor(index / 100)}`]));
    const summary = tally.summary();
    expect(summary.curve.points.length).toBeLessThanOrEqual(1000);
    expect(summary.curve.every).toBe(20);
    expect(summary.curve.points.every((point) => point.cases % 20 === 0)).toBe(true);
    expect(summary.curve.lastSlope).toEqual({ window: 1000, newStates: 10 });
  });
});
