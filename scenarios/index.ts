import type { Scenario } from '../src/explore/scenario.js';
import { wordcount } from './wordcount.js';

/** Every built-in scenario, in the order `ckptsim list` shows them. */
export const scenarios: readonly Scenario[] = [wordcount];

/** Looks a scenario up by name; undefined when there is none. */
export function findScenario(name: string): Scenario | undefined {
  return scenarios.find((scenario) => scenario.name === name);
}
