import { describe, expect, it } from 'vitest';
import { mergeResults, resultsSchema, summarise, type SweepResults } from '../../src/explore/results.js';
import { CanonicalOrder, runSweep, SweepPlan, sweepCases, type Shard } from '../../src/explore/sweep.js';
import type { SweepCaseResult } from '../../src/explore/sweep-case.js';
import { decodeReplayToken } from '../../src/explore/replay-token.js';
import { JobBuilder } from '../../src/cluster/jobgraph/job-builder.js';
import type { Scenario } from '../../src/explore/scenario.js';
import { runSweepCase } from '../../src/explore/sweep-case.js';

const scenarios = ['wordcount', 'savepoint-stop'];
const runs = 12;
const environment = { tool: 'test', node: process.version, platform: 'test', cpus: 1, workers: 0 };

async function sweep(workers: number, shard: Shard): Promise<SweepResults> {
  const plan = new SweepPlan(scenarios, runs, 99, 'swarm', shard);
  const sorted: SweepCaseResult[] = [];
  const order = new CanonicalOrder(plan, (result) => sorted.push(result));
  const { completed, interrupted } = await runSweep(plan, workers, { onResult: (result) => order.push(result) }).finished;
  expect(completed).toBe(plan.length);
  expect(order.held).toBe(0);
  return {
    schema: resultsSchema,
    parameters: { scenarios, runsPerScenario: runs, seed: 99, profile: 'swarm', vary: false },
    shards: [`${shard.index}/${shard.count}`],
    properties: {},
    cases: sorted,
    interrupted,
    summary: summarise(sorted, scenarios),
    environment,
    timing: { wallMs: 0, casesPerSecond: 0 },
  };
}

describe('sweeps', () => {
  it('give identical results with 1 worker, 2 workers, and 2 merged shards', async () => {
    const one = await sweep(1, { index: 0, count: 1 });
    const two = await sweep(2, { index: 0, count: 1 });
    const shards = [await sweep(2, { index: 0, count: 2 }), await sweep(1, { index: 1, count: 2 })];
    const merged = mergeResults(shards, environment);
    expect(one.cases).toHaveLength(scenarios.length * runs);
    expect(two.cases).toEqual(one.cases);
    expect(merged.cases).toEqual(one.cases);
    expect(merged.summary).toEqual(one.summary);
    expect(shards[0]?.cases.length).toBe(runs);
  }, 180_000);

  it('cover the fault kinds and check determinism on a sample of cases', async () => {
    const results = await sweep(0, { index: 0, count: 1 });
    const kinds = new Set(results.cases.flatMap((entry) => entry.faultKinds));
    expect(kinds.size).toBeGreaterThanOrEqual(8);
    expect(results.cases.filter((entry) => entry.determinismChecked === true).map((entry) => entry.index)).toEqual([0, 0]);
    expect(results.cases.every((entry) => entry.verdict !== 'nondeterministic')).toBe(true);
  }, 180_000);

  it('refuse to merge results of different sweeps or overlapping shards', async () => {
    const part = await sweep(0, { index: 0, count: 4 });
    expect(() => mergeResults([part, part], environment)).toThrow('appears in more than one');
    expect(() => mergeResults([part, { ...part, parameters: { ...part.parameters, seed: 5 } }], environment)).toThrow('different sweeps');
  }, 180_000);

  it('a failing case is shrunk, and its replay token decodes to the shrunk plan', () => {
    // A user operator that throws on one word: every attempt fails until restarts run out.
    const job = new JobBuilder('throws');
    job
      .source('source', [Array.from({ length: 50 }, (_, index) => ({ key: undefined, value: index === 30 ? 'poison' : `w${index % 5}` }))], { parallelism: 1, recordCostUs: 100 })
      .keyBy((word) => String(word))
      .process('count', { processElement: (word) => { if (word === 'poison') throw new Error('cannot count poison'); } })
      .sink('sink', 'two-phase-commit');
    const scenario: Scenario = {
      name: 'throws',
      description: 'an operator that throws',
      properties: ['job-finishes', 'exactly-once'],
      defaults: {},
      build: () => ({ job: job.build(), cluster: { restartStrategy: { kind: 'fixed-delay', attempts: 2, delayUs: 1_000 } } }),
    };
    const result = runSweepCase(scenario, { index: 3, scenario: 'throws', caseSeed: 12345, profile: 'crashes' });
    expect(result.verdict).toBe('fail');
    expect(result.failure?.property).toBe('job-finishes');
    expect(result.failure?.message).toContain('cannot count poison');
    expect(result.failure?.shrunkFaults).toEqual([]);
    const decoded = decodeReplayToken(result.failure?.replay ?? '');
    expect(decoded).toMatchObject({ scenario: 'throws', seed: result.failure?.shrunkSeed });
  });
});
