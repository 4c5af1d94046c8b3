import { describe, expect, it } from 'vitest';
import { CanonicalOrder, runSweep, SweepPlan } from '../../src/explore/sweep.js';
import { StrategyPlan } from '../../src/explore/strategies/strategy-plan.js';
import { strategySettings, type StrategySettings } from '../../src/explore/strategies/strategy.js';
import { runSweepCase, type SweepCaseResult } from '../../src/explore/sweep-case.js';
import { decodeReplayToken, encodeReplayToken } from '../../src/explore/replay-token.js';
import { runCase } from '../../src/explore/run-case.js';
import { findScenario } from '../../scenarios/index.js';
import { mutateCase } from '../../src/explore/strategies/mutations.js';
import { deriveStream, hashString, toHex32 } from '../../src/sim/index.js';
import { runMutant, type MutantSweep } from '../../src/explore/mutants.js';
import { UsageError } from '../../src/explore/scenario.js';

/** A token of any JSON, made as encodeReplayToken makes them but without its canonical form (a hand-edited token). */
function rawToken(value: unknown): string {
  const body = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `ckpt1.${body}.${toHex32(hashString(body))}`;
}

const scenarios = ['savepoint-stop'];
const runs = 6;
/**
 * The random strategy's own test is in sweep.test.ts (1 worker, 2 workers, merged shards). Small
 * rounds, so that a 6-case sweep already makes cases from its corpus (rounds 1 and 2).
 */
const strategies: StrategySettings[] = [{ name: 'coverage', roundSize: 2 }, strategySettings('pct')];
const coverageRuns: SweepCaseResult[] = [];

async function sweep(strategy: StrategySettings, workers: number): Promise<SweepCaseResult[]> {
  const base = new SweepPlan(scenarios, runs, 5, 'swarm', undefined, false, 'some');
  const plan = strategy.name === 'random' ? base : new StrategyPlan(base, strategy);
  const sorted: SweepCaseResult[] = [];
  const order = new CanonicalOrder(plan, (result) => {
    if (plan instanceof StrategyPlan) plan.record(result);
    sorted.push(result);
  });
  const { completed } = await runSweep(plan, workers, { onResult: (result) => order.push(result) }).finished;
  expect(completed).toBe(runs);
  return sorted;
}

describe('exploration strategies', () => {
  it.each(strategies.map((strategy) => [strategy.name, strategy] as const))('%s gives the same results with 1 and 2 workers', async (_name, strategy) => {
    const one = await sweep(strategy, 1);
    const two = await sweep(strategy, 2);
    expect(two).toEqual(one);
    if (strategy.name === 'coverage') {
      expect(one.some((result) => result.mutation !== undefined)).toBe(true);
      coverageRuns.push(...one);
    }
    if (strategy.name === 'pct') expect(one.every((result) => result.pct !== undefined && result.pct.lanes >= 2)).toBe(true);
  }, 120_000);

  it('a mutated case and a PCT case replay exactly from their replay tokens', async () => {
    const mutated = coverageRuns.find((result) => result.mutation !== undefined)!;
    expect(runCase(findScenario(mutated.scenario)!, decodeReplayToken(mutated.replay!)).traceHash).toBe(mutated.traceHash);
    const scenario = findScenario('wordcount')!;
    const pctCase = runSweepCase(scenario, { index: 1, scenario: 'wordcount', caseSeed: 42, profile: 'swarm', pct: { depth: 2, windowUs: 0, steps: 500 }, keepReplay: true });
    const spec = decodeReplayToken(pctCase.replay!);
    expect(spec.pct).toEqual({ depth: 2, windowUs: 0, steps: 500 });
    const again = runCase(scenario, spec);
    expect(again.traceHash).toBe(pctCase.traceHash);
    // The same case without PCT runs otherwise: the schedule is part of the case.
    expect(runCase(scenario, { ...spec, pct: undefined }).traceHash).not.toBe(pctCase.traceHash);
  }, 60_000);

  it('a token with PCT settings out of range is a usage error naming the field', () => {
    const good = { scenario: 'wordcount', seed: 1, pct: { depth: 2, windowUs: 0, steps: 500 } };
    expect(decodeReplayToken(encodeReplayToken(good)).pct).toEqual(good.pct);
    expect(() => decodeReplayToken(encodeReplayToken({ ...good, pct: { depth: 99, windowUs: 0, steps: 5 } }))).toThrow(/pct.depth/);
    expect(() => decodeReplayToken(encodeReplayToken({ ...good, pct: { depth: 2, windowUs: 0 } as never }))).toThrow(UsageError);
    expect(() => decodeReplayToken(rawToken({ ...good, pct: { depth: 2, windowUs: 0, steps: 5, extra: 1 } }))).toThrow(/unknown field 'extra'/);
    expect(() => decodeReplayToken(rawToken({ ...good, pct: { depth: 2, windowUs: -1, steps: 5 } }))).toThrow(/pct.windowUs/);
  });

  it('mutations are a function of their inputs and aim only at names the case has', () => {
    const scenario = findScenario('diamond')!;
    const parent = { scenario: 'diamond', seed: 3, faults: [{ kind: 'fail-task', task: 'sum[0]', when: { atUs: 200_000 } }, { kind: 'slow-task', task: 'no-such-task', factor: 3, durationUs: 5_000, when: { atUs: 1 } }] };
    const donor = { scenario: 'diamond', seed: 4, faults: [{ kind: 'sink-commit-failure', count: 1, when: { atUs: 150_000 } }] };
    for (let seed = 1; seed <= 30; seed++) {
      const first = mutateCase(scenario, parent, donor, deriveStream(seed, 'test'));
      const second = mutateCase(scenario, parent, donor, deriveStream(seed, 'test'));
      expect(second).toEqual(first);
      expect(first.steps.length).toBeGreaterThan(0);
      expect(JSON.stringify(first.spec.faults)).not.toContain('no-such-task');
      // Every mutated case runs (its plan is valid for the scenario).
      if (seed <= 3) expect(() => runCase(scenario, first.spec)).not.toThrow();
    }
  }, 60_000);

  it('the kill matrix under the coverage strategy still catches a planted bug, its shrunk case failing only with the bug', () => {
    const sweepSettings: MutantSweep = { scenarios: ['wordcount', 'diamond'], runsPerScenario: 300, seed: 1, profile: 'swarm', operations: 'some', budget: 40, strategy: { name: 'coverage', roundSize: 4 } };
    const row = runMutant('coordinator-completes-without-all-acks', sweepSettings);
    expect(row.killed).toBe(true);
    expect(row.control).not.toBe('fail');
  }, 60_000);
});
