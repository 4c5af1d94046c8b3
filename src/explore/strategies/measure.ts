import type { PlantedBug } from '../../cluster/planted-bugs.js';
import { lookupScenario } from '../scenario-registry.js';
import { mutantCases, type MutantSweep } from '../mutants.js';
import { runSweepCase } from '../sweep-case.js';
import { SweepPlan } from '../sweep.js';
import { StrategyPlan } from './strategy-plan.js';
import type { StrategySettings } from './strategy.js';

/**
 * The measurement that chooses the default strategy (scripts/strategy-measure.ts): for each
 * strategy, each planted bug's search on the default sweep's cases (as the kill matrix runs it,
 * without the control run), and a sweep of the correct protocol for the coverage it reaches,
 * each case timed in CPU milliseconds by a clock the caller gives (simulated code has none).
 */

/** A CPU clock in milliseconds (process.cpuUsage in the caller). */
export type CpuClock = () => number;

/** One bug's search under one strategy. */
export interface BugSearch {
  readonly bug: PlantedBug;
  readonly killed: boolean;
  /** Cases run until the first that failed (the budget when none did). */
  readonly cases: number;
  /** CPU milliseconds of those cases, shrinking the failing one included. */
  readonly cpuMs: number;
}

/** Runs one bug's search under `sweep.strategy` for up to `sweep.budget` cases, timing it. */
export function measureBugSearch(sweep: MutantSweep, bug: PlantedBug, clock: CpuClock): BugSearch {
  const cases = mutantCases(sweep, bug);
  const startMs = clock();
  for (let attempt = 0; attempt < sweep.budget; attempt++) {
    const sweepCase = cases.at(attempt);
    const scenario = lookupScenario(sweepCase.scenario);
    if (scenario === undefined) throw new Error(`measurement: unknown scenario ${sweepCase.scenario}`);
    const result = runSweepCase(scenario, sweepCase);
    cases.record(attempt, result);
    if (result.failure !== undefined) return { bug, killed: true, cases: attempt + 1, cpuMs: clock() - startMs };
  }
  return { bug, killed: false, cases: sweep.budget, cpuMs: clock() - startMs };
}

/** The coverage a sweep of the correct protocol reached, case by case. */
export interface CoverageCurve {
  readonly points: ReadonlyArray<{ readonly cases: number; readonly cpuMs: number; readonly states: number; readonly pairs: number }>;
}

/** Runs a sweep (every scenario in turn, `runs` each) under `strategy` in this thread, counting distinct states and pairs after each case. */
export function measureCoverage(scenarios: readonly string[], runs: number, seed: number, strategy: StrategySettings, clock: CpuClock): CoverageCurve {
  const base = new SweepPlan(scenarios, runs, seed, 'swarm', undefined, false, 'some');
  const plan = strategy.name === 'random' ? undefined : new StrategyPlan(base, strategy);
  const states = new Set<string>();
  const pairs = new Set<string>();
  const points: Array<{ cases: number; cpuMs: number; states: number; pairs: number }> = [];
  const startMs = clock();
  for (let position = 0; position < base.length; position++) {
    const sweepCase = plan === undefined ? base.at(position) : plan.at(position);
    if (sweepCase === undefined) break;
    const scenario = lookupScenario(sweepCase.scenario);
    if (scenario === undefined) throw new Error(`measurement: unknown scenario ${sweepCase.scenario}`);
    const result = runSweepCase(scenario, sweepCase);
    plan?.record(result);
    for (const state of result.coverage?.states ?? []) states.add(state);
    for (const pair of result.coverage?.pairs ?? []) pairs.add(pair);
    points.push({ cases: position + 1, cpuMs: clock() - startMs, states: states.size, pairs: pairs.size });
  }
  return { points };
}

/** Kills within a budget of cases or of CPU milliseconds per bug; median and worst cases to detection of those kills. */
export function killsWithin(searches: readonly BugSearch[], budget: { readonly cases?: number; readonly cpuMs?: number }): { killed: number; median: number; worst: number } {
  const within = searches.filter((search) => search.killed && (budget.cases === undefined || search.cases <= budget.cases) && (budget.cpuMs === undefined || search.cpuMs <= budget.cpuMs));
  const cases = within.map((search) => search.cases).sort((left, right) => left - right);
  return { killed: within.length, median: cases.length === 0 ? 0 : (cases[Math.floor((cases.length - 1) / 2)] as number), worst: cases.at(-1) ?? 0 };
}

/** The point of a coverage curve at a budget of cases or CPU milliseconds (the last point within it). */
export function coverageWithin(curve: CoverageCurve, budget: { readonly cases?: number; readonly cpuMs?: number }): { cases: number; states: number; pairs: number } {
  let last = { cases: 0, states: 0, pairs: 0 };
  for (const point of curve.points) {
    if ((budget.cases !== undefined && point.cases > budget.cases) || (budget.cpuMs !== undefined && point.cpuMs > budget.cpuMs)) break;
    last = { cases: point.cases, states: point.states, pairs: point.pairs };
  }
  return last;
}
