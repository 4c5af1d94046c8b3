import { runCase } from '../explore/run-case.js';
import type { Scenario } from '../explore/scenario.js';
import { measureCoverage } from '../explore/strategies/measure.js';
import { strategyNames, strategySettings } from '../explore/strategies/strategy.js';
import { defaultPctOptions } from '../explore/strategies/strategy.js';

/** One strategy's speed and reach on a small sweep run in this thread. */
export interface StrategyFigure {
  readonly strategy: string;
  readonly cases: number;
  readonly cpuMs: number;
  readonly casesPerCpuSecond: number;
  /** Distinct abstract states and step × fault pairs the sweep reached. */
  readonly states: number;
  readonly pairs: number;
}

/** The CPU clock of this process, in milliseconds. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Each strategy on the same small sweep (`runs` cases of each scenario, swarm faults, some operations), in CPU time. */
export function strategyFigures(scenarios: readonly string[], runs: number): StrategyFigure[] {
  // Unmeasured warm-up, so the first strategy measured does not pay for the JIT.
  measureCoverage(scenarios, 2, 2, strategySettings('random'), cpuMs);
  return strategyNames.map((name) => {
    const curve = measureCoverage(scenarios, runs, 1, strategySettings(name), cpuMs);
    const last = curve.points.at(-1) ?? { cases: 0, cpuMs: 0, states: 0, pairs: 0 };
    return { strategy: name, cases: last.cases, cpuMs: last.cpuMs, casesPerCpuSecond: last.cpuMs === 0 ? 0 : (last.cases * 1000) / last.cpuMs, states: last.states, pairs: last.pairs };
  });
}

/** What PCT scheduling costs the kernel: events per CPU-second of fault-free cases with it off and on (default settings). */
export function pctOverhead(scenario: Scenario, seeds: number): { readonly offEventsPerCpuSecond: number; readonly onEventsPerCpuSecond: number; readonly ratio: number } {
  const rate = (pct: boolean): number => {
    let events = 0;
    const startMs = cpuMs();
    for (let seed = 1; seed <= seeds; seed++) events += runCase(scenario, { scenario: scenario.name, seed, ...(pct ? { pct: defaultPctOptions } : {}) }, { oracle: false }).stats.events;
    return (events * 1000) / Math.max(1, cpuMs() - startMs);
  };
  rate(false);
  const off = rate(false);
  const on = rate(true);
  return { offEventsPerCpuSecond: off, onEventsPerCpuSecond: on, ratio: on / off };
}
