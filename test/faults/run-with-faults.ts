import type { Observation } from '../../src/cluster/observations.js';
import { runCase, type CaseResult } from '../../src/explore/run-case.js';
import type { Fault } from '../../src/faults/plan.js';
import { findScenario } from '../../scenarios/index.js';

/** Runs a scenario with a fault plan and keeps every observation, for tests that look at both. */
export function runWithFaults(scenarioName: string, seed: number, faults: readonly Fault[], config?: Readonly<Record<string, unknown>>): { result: CaseResult; observations: Observation[] } {
  const scenario = findScenario(scenarioName);
  if (scenario === undefined) throw new Error(`no scenario ${scenarioName}`);
  const observations: Observation[] = [];
  const result = runCase(scenario, { scenario: scenarioName, seed, faults, ...(config === undefined ? {} : { config }) }, { observers: [(observation) => observations.push(observation)] });
  return { result, observations };
}

/** Observations of one type, typed. */
export function ofType<T extends Observation['type']>(observations: readonly Observation[], type: T): Array<Extract<Observation, { type: T }>> {
  return observations.filter((observation): observation is Extract<Observation, { type: T }> => observation.type === type);
}
