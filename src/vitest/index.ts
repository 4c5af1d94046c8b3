/**
 * `ckptsim/vitest`: protocol properties as vitest tests, and matchers for case results.
 *
 * ```ts
 * import { protocolTest } from 'ckptsim/vitest';
 * protocolTest.prop('my sink survives crashes', { scenario: mine, profile: 'crashes', properties: ['exactly-once'], runs: 20 });
 * ```
 *
 * Importing this module registers the matchers (`expect(result).toHoldProperty('exactly-once')`).
 * vitest is a peer dependency of this entry only.
 */
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test, type TestContext } from 'vitest';
import { toolName } from '../cli/version.js';
import { profilePlanArbitrary, topologyOf, type FaultProfile } from '../explore/arbitraries.js';
import type { CaseSpec } from '../explore/replay-token.js';
import { runCase, type CaseResult } from '../explore/run-case.js';
import type { PropertyName, Scenario } from '../explore/scenario.js';
import { findProjectRoot, recordedPath } from '../explore/scenario-modules.js';
import { lookupScenario, originId, type ScenarioOrigin } from '../explore/scenario-registry.js';
import type { PlanEntry } from '../faults/plan.js';
import { operationsArbitrary, type OperationLevel } from '../explore/operation-arbitraries.js';
import { renderCaseReport } from '../report/case-report.js';
import type { Violation } from '../oracle/violation.js';

export { ckptsimMatchers, type CkptsimMatchers } from './matchers.js';

/** What one protocol property runs: a scenario under random fault plans. */
export interface ProtocolPropertyOptions {
  /** The scenario: a built-in (`findScenario`) or your own. */
  readonly scenario: Scenario;
  /**
   * The module that exports the scenario (a path from the current directory, e.g. `./orders.ts`):
   * recorded in replay tokens, so the printed `npx ckptsim replay <token>` finds your scenario.
   */
  readonly module?: string;
  /** The fault profile plans are drawn from (default `everything`); ignored when `plans` is given. */
  readonly profile?: FaultProfile;
  /**
   * How many operations (savepoints, checkpoints, stops with or without drain, cancel and resume)
   * to draw beside the faults, as `sweep --operations`: `none` (the default), `some`, `many`.
   */
  readonly operations?: OperationLevel;
  /** Your own plan arbitrary (faults and operations) instead of the drawn ones (fast-check, shrinking by dropping entries). */
  readonly plans?: fc.Arbitrary<readonly PlanEntry[]>;
  /** At most this many faults in a drawn plan (default 4). */
  readonly maxFaults?: number;
  /** Scenario parameters for every case, over the scenario's defaults (as `run --param`). */
  readonly parameters?: Readonly<Record<string, number>>;
  /** Cluster config overrides for every case, as data (mode, interval...; as a replay token holds them). */
  readonly config?: Readonly<Record<string, unknown>>;
  /** The properties that must hold (default: every property the scenario declares). */
  readonly properties?: readonly PropertyName[];
  /** Cases to run (default 20). */
  readonly runs?: number;
  /** fast-check's seed (default: fast-check's global seed, else 1): the same cases on every run. */
  readonly seed?: number;
  /** Stop drawing new cases after this many milliseconds (default 60 000); the cases run so far count. */
  readonly timeLimitMs?: number;
  /** vitest's timeout for the whole test (default: four times `timeLimitMs`, room to shrink). */
  readonly timeout?: number;
  /** Where a failure's report.html and Perfetto trace are written (default: a folder under the OS temp dir). */
  readonly artifactsDir?: string;
}

/** The outcome of {@link checkProtocolProperty}: passed, or the shrunk failing case. */
export type ProtocolPropertyOutcome =
  | { readonly passed: true; readonly runs: number; readonly interrupted: boolean }
  | {
      readonly passed: false;
      readonly runs: number;
      /** The shrunk case, as a replayable spec. */
      readonly spec: CaseSpec;
      readonly result: CaseResult;
      /** The violations of the chosen properties in the shrunk case. */
      readonly violations: readonly Violation[];
      readonly shrinks: number;
      /** The failure as the test prints it: property, messages, plan, replay command. */
      readonly message: string;
    };

/** The violations of `result` that count for the chosen properties. */
function counted(result: CaseResult, properties: readonly PropertyName[] | undefined): readonly Violation[] {
  return properties === undefined ? result.violations : result.violations.filter((violation) => (properties as readonly string[]).includes(violation.property));
}

/** Where a replay of this scenario finds it: the module the caller names, else the registry's. */
function originOf(scenario: Scenario, module: string | undefined): ScenarioOrigin | undefined {
  if (module === undefined) return undefined;
  const path = recordedPath(findProjectRoot(), resolve(module));
  return { path, id: originId(path, scenario.name) };
}

/** A line saying what the replay command runs when it is not this scenario object. */
function replayCaveat(scenario: Scenario, spec: CaseSpec): string[] {
  if (spec.module !== undefined) return [];
  const registered = lookupScenario(scenario.name);
  if (registered === scenario) return [];
  return registered === undefined
    ? [`  (the command needs your scenario's module: add --scenarios <module>, or give protocolTest the module option)`]
    : [`  (the command runs the registered scenario '${scenario.name}', not this test's variant of it: in code, runCase(scenario, decodeReplayToken(token)))`];
}

function failureMessage(name: string, spec: CaseSpec, result: CaseResult, violations: readonly Violation[], shrinks: number, runs: number, scenario: Scenario): string {
  return [
    `${name}: ${[...new Set(violations.map((violation) => violation.property))].join(', ')} violated in ${result.scenario} seed ${result.seed} (run ${runs}, shrunk ${shrinks} time(s))`,
    ...violations.map((violation) => `  ${violation.property}: ${violation.message}`),
    `  plan: ${JSON.stringify(spec.faults ?? [])}`,
    `  replay: npx ckptsim replay ${result.replay}`,
    ...replayCaveat(scenario, spec),
  ].join('\n');
}

/**
 * The plans a property draws when not given `plans`: the profile's faults, aimed at the topology
 * of the scenario with `parameters`, then operations of the `operations` level.
 */
export function protocolPlans(options: ProtocolPropertyOptions): fc.Arbitrary<readonly PlanEntry[]> {
  const topology = topologyOf(options.scenario, options.parameters);
  const faults = profilePlanArbitrary(topology, options.profile ?? 'everything', options.maxFaults ?? 4);
  const level = options.operations ?? 'none';
  if (level === 'none') return faults;
  return fc.tuple(faults, operationsArbitrary(topology, level)).map(([drawn, operations]): readonly PlanEntry[] => [...drawn, ...operations]);
}

/**
 * Runs a protocol property outside a test: cases of `options.scenario` under drawn fault plans,
 * each with a fresh simulation seed, until one violates a chosen property (then shrunk by
 * fast-check to a smallest plan) or `runs` pass. Deterministic for a given seed.
 */
export function checkProtocolProperty(name: string, options: ProtocolPropertyOptions): ProtocolPropertyOutcome {
  const { scenario } = options;
  const plans = options.plans ?? protocolPlans(options);
  const seed = options.seed ?? fc.readConfigureGlobal().seed ?? 1;
  const origin = originOf(scenario, options.module);
  // What every case shares; the property draws the seed and the plan.
  const fixed = {
    scenario: scenario.name,
    ...(options.parameters === undefined ? {} : { parameters: options.parameters }),
    ...(options.config === undefined ? {} : { config: options.config }),
  };
  const property = fc.property(plans, fc.noShrink(fc.integer({ min: 1, max: 1_000_000 })), (faults, simSeed) => {
    const result = runCase(scenario, { ...fixed, seed: simSeed, faults });
    return counted(result, options.properties).length === 0;
  });
  const details = fc.check(property, { seed, numRuns: options.runs ?? 20, plugins: [fc.interruptAfterTimeLimit(options.timeLimitMs ?? 60_000)] });
  if (!details.failed || details.counterexample === null) return { passed: true, runs: details.numRuns, interrupted: details.interrupted };
  const [faults, simSeed] = details.counterexample as unknown as [readonly PlanEntry[], number];
  const spec: CaseSpec = { ...fixed, seed: simSeed, faults, ...(origin === undefined ? {} : { module: origin }) };
  // Re-run (deterministic: the same case); a harness error in the case is thrown from here.
  const result = runCase(scenario, spec);
  const violations = counted(result, options.properties);
  return { passed: false, runs: details.numRuns, spec, result, violations, shrinks: details.numShrinks, message: failureMessage(name, spec, result, violations, details.numShrinks, details.numRuns, scenario) };
}

/** A file-name-safe form of a test name (its end, where names under one describe differ). */
function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(-120) || 'property';
}

/** Writes the failing case's report.html and Perfetto trace and attaches both to the test. */
async function attachArtifacts(context: TestContext, name: string, options: ProtocolPropertyOptions, spec: CaseSpec): Promise<readonly string[]> {
  // The full name (describes included): tests of one name in different describes keep apart.
  const fullName = (context.task as { fullTestName?: string }).fullTestName ?? name;
  const directory = options.artifactsDir ?? join(tmpdir(), 'ckptsim-vitest', slug(fullName));
  mkdirSync(directory, { recursive: true });
  const report = renderCaseReport(options.scenario, spec, toolName);
  const htmlPath = join(directory, 'report.html');
  const tracePath = join(directory, 'trace.json');
  writeFileSync(htmlPath, report.html());
  writeFileSync(tracePath, report.perfetto());
  await context.annotate('single-case report of the shrunk case (open in a browser)', 'ckptsim-report', { path: htmlPath, contentType: 'text/html' });
  await context.annotate('Perfetto trace of the shrunk case (open in https://ui.perfetto.dev)', 'ckptsim-trace', { path: tracePath, contentType: 'application/json' });
  return [htmlPath, tracePath];
}

/**
 * Registers a vitest test that runs a protocol property ({@link checkProtocolProperty}). On a
 * failure the test fails with the shrunk plan and the replay command, and the shrunk case's
 * report.html and Perfetto trace are attached through vitest's annotations.
 */
function prop(name: string, options: ProtocolPropertyOptions): void {
  test(
    name,
    async (context) => {
      const outcome = checkProtocolProperty(name, options);
      if (outcome.passed) {
        if (outcome.interrupted) await context.annotate(`time limit reached after ${outcome.runs} case(s)`, 'ckptsim');
        return;
      }
      const written = await attachArtifacts(context, name, options, outcome.spec);
      throw new Error(`${outcome.message}\n  report: ${written.join(', ')}`);
    },
    options.timeout ?? (options.timeLimitMs ?? 60_000) * 4,
  );
}

/** The test builder: `protocolTest.prop(name, options)`. */
export const protocolTest = { prop } as const;

