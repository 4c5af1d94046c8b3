import { scenarios as builtIn } from '../../scenarios/index.js';
import { hashString, toHex32 } from '../sim/index.js';
import { UsageError, type PropertyName, type Scenario } from './scenario.js';

/**
 * Where a user scenario came from, as a replay token records it: the module's path relative to
 * the project root (with `/` separators, so a token made on one system replays on another), and
 * an identity made from that path and the scenario's name, not from the module's content, so
 * editing the module keeps its tokens valid (they then replay the edited code).
 */
export interface ScenarioOrigin {
  readonly path: string;
  readonly id: string;
}

/** The identity recorded beside a module's path: eight hex digits of a hash of (path, scenario name). */
export function originId(path: string, scenarioName: string): string {
  return toHex32(hashString(`${path}\u0000${scenarioName}`));
}

interface UserScenario {
  readonly scenario: Scenario;
  readonly origin: ScenarioOrigin;
}

// The user scenarios of this process (or worker), in the order their modules were given. One
// process-wide registry, so that every command, worker, report and replay sees the same names.
const userScenarios = new Map<string, UserScenario>();

/**
 * Adds a user scenario loaded from a module. A name a built-in or another module already uses is
 * a {@link UsageError}: scenario names are what tokens and results files refer to.
 */
export function registerUserScenario(scenario: Scenario, origin: ScenarioOrigin): void {
  if (builtIn.some((known) => known.name === scenario.name)) {
    throw new UsageError(`scenario '${scenario.name}' in module '${origin.path}' has the name of a built-in scenario; give it another name`);
  }
  const earlier = userScenarios.get(scenario.name);
  if (earlier !== undefined) {
    if (earlier.origin.path === origin.path && earlier.scenario === scenario) return;
    throw new UsageError(`scenario '${scenario.name}' is defined twice, in module '${earlier.origin.path}' and in module '${origin.path}'; give one another name`);
  }
  userScenarios.set(scenario.name, { scenario, origin });
}

/** Every scenario this process knows: the built-ins, then the user scenarios in the order loaded. */
export function registeredScenarios(): readonly Scenario[] {
  return [...builtIn, ...[...userScenarios.values()].map((entry) => entry.scenario)];
}

/** The user scenarios loaded so far, in the order loaded. */
export function loadedUserScenarios(): readonly Scenario[] {
  return [...userScenarios.values()].map((entry) => entry.scenario);
}

/** Looks a scenario up by name among the built-ins and the loaded user scenarios. */
export function lookupScenario(name: string): Scenario | undefined {
  return builtIn.find((scenario) => scenario.name === name) ?? userScenarios.get(name)?.scenario;
}

/** The module a user scenario came from; undefined for a built-in or an unknown name. */
export function scenarioOrigin(name: string): ScenarioOrigin | undefined {
  return userScenarios.get(name)?.origin;
}

/** Looks a scenario up, or throws a {@link UsageError} listing the known names. */
export function requireScenario(name: string | undefined): Scenario {
  const known = registeredScenarios().map((scenario) => scenario.name).join(', ');
  if (name === undefined) throw new UsageError(`name a scenario; known: ${known}`);
  const scenario = lookupScenario(name);
  if (scenario === undefined) throw new UsageError(`unknown scenario '${name}'; known: ${known} (load your own with --scenarios MODULE)`);
  return scenario;
}

/** Each known scenario's declared properties, for the reports. */
export function declaredProperties(): Map<string, PropertyName[]> {
  return new Map(registeredScenarios().map((scenario) => [scenario.name, [...scenario.properties]]));
}
