import { describe, expect, it } from 'vitest';
import { mergeResults, resultsSchema, summarise, type SweepResults } from '../../src/explore/results.js';
import { CanonicalOrder, runSweep, SweepPlan, type Shard } from '../../src/explore/sweep.js';
import { shardLabel } from '../../src/explore/shards.js';
import type { SweepCaseResult } from '../../src/explore/sweep-case.js';
import { decodeReplayToken } from '../../src/explore/replay-token.js';
import { JobBuilder } from '../../src/cluster/jobgraph/job-builder.js';
import type { Scenario } from '../../src/explore/scenario.js';
import { runSweepCase } from '../../src/explore/sweep-case.js';
import { runCase } from '../../src/explore/run-case.js';
import { findScenario } from '../../scenarios/index.js';

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
    shards: [shardLabel(shard)],
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

  it('end with an error naming the case when a worker fails, after handing over the cases that finished', async () => {
    const plan = new SweepPlan(['wordcount'], 6, 99, 'swarm', { index: 0, count: 1 });
    // Case 4 names a scenario the worker does not know: the worker throws outside any case's run.
    const cases = { length: plan.length, at: (position: number) => (position === 4 ? { ...plan.at(position)!, scenario: 'no-such-scenario' } : plan.at(position)) };
    const finished: number[] = [];
    const running = runSweep(cases, 1, { onResult: (result) => finished.push(result.index) });
    await expect(running.finished).rejects.toThrow('unknown scenario no-such-scenario');
    // One worker, two cases in flight: the cases before the broken one came back first.
    expect(finished).toEqual([0, 1, 2, 3]);
  }, 60_000);

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
    // Shards that kept timelines for different cases are still one sweep; the merge records no choice.
    const other = await sweep(0, { index: 1, count: 4 });
    const keptFor = (results: typeof part, timelines: 'all' | 'not-passing'): typeof part => ({ ...results, parameters: { ...results.parameters, timelines } });
    expect(mergeResults([keptFor(part, 'not-passing'), keptFor(other, 'not-passing')], environment).parameters.timelines).toBe('not-passing');
    const mixed = mergeResults([keptFor(part, 'all'), keptFor(other, 'not-passing')], environment);
    expect(mixed.parameters.timelines).toBeUndefined();
    expect(mixed.parameters).toEqual(part.parameters);
  }, 180_000);

  it('an exception thrown inside the simulation ends the run as a failure of its own, never a gap or a crash', () => {
    const wordcount = findScenario('wordcount')!;
    const result = runCase(wordcount, { scenario: 'wordcount', seed: 3 }, {
      observers: [
        (observation) => {
          if (observation.type === 'checkpoint-completed') throw new Error('observer boom');
        },
      ],
    });
    expect(result.outcome).toBe('event-threw');
    expect(result.verdict).toBe('fail');
    expect(result.gaps).toEqual([]);
    expect(result.violations.map((violation) => violation.property)).toContain('job-finishes');
    const stopped = result.violations.find((violation) => violation.details['outcome'] === 'event-threw');
    expect(stopped?.message).toMatch(/^the run stopped because event .* threw: observer boom$/);
    expect(String(stopped?.details['thrown'])).toContain('observer boom');
  });

  it('a case whose run throws out of the harness is reported as a harness error with the drawn case to replay', () => {
    const wordcount = findScenario('wordcount')!;
    // Builds once (the sweep learns the topology from it), then throws (the fault window's
    // calibration run falls back to a default window).
    let builds = 0;
    const scenario: Scenario = {
      ...wordcount,
      name: 'broken-build',
      build: (parameters, random) => {
        if (builds++ > 0) throw new Error('cannot build');
        return wordcount.build(parameters, random);
      },
    };
    const result = runSweepCase(scenario, { index: 4, scenario: 'broken-build', caseSeed: 77, profile: 'swarm' });
    expect(result.verdict).toBe('fail');
    expect(result.violated).toEqual(['harness-error']);
    expect(result.failure?.property).toBe('harness-error');
    expect(result.failure?.message).toContain('cannot build');
    expect(decodeReplayToken(result.failure!.replay)).toMatchObject({ scenario: 'broken-build', seed: result.simSeed });
    expect(result.faultCount).toBe(result.failure!.shrunkFaults.length);
  });

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
    expect(result.failure?.shrinkBudgetSpent).toBeUndefined();
  });

  it('shrinking stops when its runs have spent the shrink budget, and the case says so', () => {
    const scenario = findScenario('wordcount') as Scenario;
    // A planted bug every fault-free wordcount case catches: its swarm plan has faults to shrink.
    const sweepCase = { index: 1, scenario: 'wordcount', caseSeed: 424242, profile: 'swarm' as const, config: { plantedBugs: ['coordinator-answers-before-store'] } };
    const full = runSweepCase(scenario, sweepCase);
    const cut = runSweepCase(scenario, sweepCase, 1);
    expect(full.verdict).toBe('fail');
    expect(cut.verdict).toBe('fail');
    expect(full.failure?.shrinkBudgetSpent).toBeUndefined();
    // A budget of one event cuts the first shrink run short at one event: it counts as not
    // failing, no step is taken, and the drawn plan is the answer.
    expect(cut.failure?.shrinkBudgetSpent).toBe(true);
    expect(cut.failure?.shrinkSteps).toBe(0);
    expect(cut.failure?.shrunkFaults).toEqual(decodeReplayToken(cut.replay ?? cut.failure?.replay ?? '').faults ?? []);
    expect(full.failure?.shrinkSteps).toBeGreaterThan(cut.failure?.shrinkSteps ?? 0);
    // Whatever it stopped at still fails: its replay token runs to a failure.
    const replayed = decodeReplayToken(cut.failure?.replay ?? '');
    expect(runCase(scenario, replayed).verdict).toBe('fail');
  });

  it('an event cap short of the case\'s own bound stops the run and says so; one past its end changes nothing', () => {
    const scenario = findScenario('wordcount') as Scenario;
    const spec = { scenario: 'wordcount', seed: 7, faults: [] };
    const whole = runCase(scenario, spec);
    expect(whole.capped).toBeUndefined();
    const half = Math.floor(whole.stats.events / 2);
    const cut = runCase(scenario, spec, { eventCap: half });
    expect(cut.capped).toBe(true);
    expect(cut.outcome).toBe('event-budget-exhausted');
    expect(cut.stats.events).toBe(half);
    const loose = runCase(scenario, spec, { eventCap: whole.stats.events + 1_000 });
    expect(loose.capped).toBeUndefined();
    expect(loose.traceHash).toBe(whole.traceHash);
    expect(loose.verdict).toBe(whole.verdict);
  });
});
