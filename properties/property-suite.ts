import { describe } from 'vitest';
import type { FaultProfile } from '../src/explore/arbitraries.js';
import type { PropertyName } from '../src/explore/scenario.js';
import { protocolTest } from '../src/vitest/index.js';
import { scenarios } from '../scenarios/index.js';

/** Runs per scenario in CI; raise with CKPTSIM_PROPERTY_RUNS for a deeper local or nightly run. */
const runsPerScenario = Number(process.env['CKPTSIM_PROPERTY_RUNS'] ?? 8);
/** Wall-clock bound of one property over one scenario; fast-check stops drawing cases after it. */
const timeLimitMs = Number(process.env['CKPTSIM_PROPERTY_TIME_LIMIT_MS'] ?? 60_000);

/**
 * A property suite: the named property, over every built-in scenario that declares it, under
 * random fault plans from `profile`, through `ckptsim/vitest` as a user's suite would run it.
 * Seeds are pinned so test names and cases are the same on every CI run; a failure is shrunk
 * by fast-check and reported with its plan, its replay command and the case's report attached.
 */
export function propertySuite(property: PropertyName, profile: FaultProfile = 'everything', seed = 20261121): void {
  for (const scenario of scenarios.filter((candidate) => candidate.properties.includes(property))) {
    describe(`${property} on ${scenario.name}`, () => {
      protocolTest.prop(`holds under ${profile} faults`, { scenario, profile, properties: [property], runs: runsPerScenario, seed, timeLimitMs });
    });
  }
}
