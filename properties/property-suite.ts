import fc from 'fast-check';
import { describe, it } from 'vitest';
import { profilePlanArbitrary, topologyOf, type FaultProfile } from '../src/explore/arbitraries.js';
import { runCase } from '../src/explore/run-case.js';
import type { PropertyName } from '../src/explore/scenario.js';
import { scenarios } from '../scenarios/index.js';

/** Runs per scenario in CI; raise with CKPTSIM_PROPERTY_RUNS for a deeper local or nightly run. */
const runsPerScenario = Number(process.env['CKPTSIM_PROPERTY_RUNS'] ?? 8);
/** Wall-clock bound of one property over one scenario; fast-check stops drawing cases after it. */
const timeLimitMs = Number(process.env['CKPTSIM_PROPERTY_TIME_LIMIT_MS'] ?? 60_000);

/**
 * A property suite: the named property, over every built-in scenario that declares it, under
 * random fault plans from `profile`. Seeds are pinned so test names and cases are the same on
 * every CI run; a failure is shrunk by fast-check and reported with its replay command.
 */
export function propertySuite(property: PropertyName, profile: FaultProfile = 'everything', seed = 20261121): void {
  const applicable = scenarios.filter((scenario) => scenario.properties.includes(property));
  describe.each(applicable.map((scenario) => [scenario.name, scenario] as const))(`${property} on %s`, (_name, scenario) => {
    it(`holds under ${profile} faults`, () => {
      fc.assert(
        fc.property(profilePlanArbitrary(topologyOf(scenario), profile), fc.noShrink(fc.integer({ min: 1, max: 1_000_000 })), (faults, simSeed) => {
          const result = runCase(scenario, { scenario: scenario.name, seed: simSeed, faults });
          const violation = result.violations.find((found) => found.property === property);
          if (violation !== undefined) throw new Error(`${property}: ${violation.message}\n  replay: npx ckptsim replay ${result.replay}`);
        }),
        { seed, numRuns: runsPerScenario, plugins: [fc.interruptAfterTimeLimit(timeLimitMs)] },
      );
    }, timeLimitMs * 4);
  });
}
