import { existsSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CaseSpec } from './replay-token.js';
import { lookupScenario, originId, registerUserScenario, requireScenario, scenarioOrigin } from './scenario-registry.js';
import { UsageError, type PropertyName, type Scenario } from './scenario.js';

/**
 * The scenario modules a process has loaded, as a sweep hands them to its worker threads: each
 * worker loads the same files, in the same order, before it runs a case.
 */
export interface ScenarioModuleSet {
  /** The project root the modules' recorded paths are relative to. */
  readonly root: string;
  /** Absolute paths, in the order they were given. */
  readonly modules: readonly string[];
}

/** At most this many scenario modules, and this many scenarios in one module. */
export const scenarioModuleLimits = { modules: 100, scenariosPerModule: 1_000, nameLength: 100, descriptionLength: 2_000 } as const;

// Every property a scenario may declare: a Record so that a new PropertyName must be added here.
const knownProperties: Readonly<Record<PropertyName, true>> = {
  'job-finishes': true,
  'exactly-once': true,
  'at-least-once': true,
  'upsert-exactly-once': true,
  'consistent-snapshot': true,
  recovery: true,
  'coordinator-invariants': true,
  'two-phase-commit': true,
  liveness: true,
  'trigger-results': true,
  'failure-accounting': true,
  'notification-order': true,
  'explained-failures': true,
  'external-hygiene': true,
  'windowed-output': true,
  'split-ownership': true,
};

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const typeScriptExtensions = new Set(['.ts', '.mts', '.cts', '.tsx']);

let loadedRoot: string | undefined;
const loadedModules: string[] = [];
let typeScriptLoader: Promise<void> | undefined;

/**
 * The project root for a directory: the nearest directory at or above it holding a package.json,
 * or the directory itself when there is none. Module paths in replay tokens are relative to it.
 */
export function findProjectRoot(from: string = process.cwd()): string {
  const start = resolve(from);
  for (let directory = start; ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'package.json'))) return directory;
    if (dirname(directory) === directory) return start;
  }
}

/** A module's path as tokens record it: relative to `root`, with `/` separators. */
export function recordedPath(root: string, absolute: string): string {
  return relative(root, absolute).split(sep).join('/');
}

/** The modules this process has loaded (for sweep workers); undefined when none. */
export function loadedScenarioModules(): ScenarioModuleSet | undefined {
  return loadedRoot === undefined || loadedModules.length === 0 ? undefined : { root: loadedRoot, modules: [...loadedModules] };
}

/**
 * Loads user scenario modules, in the order given, and registers their scenarios (see
 * {@link registerUserScenario}); returns the scenarios each module added. `paths` are resolved
 * against the current directory; `root` is the project root their recorded paths are relative
 * to. A module may `export default` one scenario or an array of them, or `export const scenarios`
 * (one or an array). A missing file, a module that fails to load, exports no scenario, or exports
 * a malformed one, and a name already taken, are each a {@link UsageError} naming the module.
 *
 * TypeScript modules need tsx: when ckptsim itself runs from compiled JavaScript, tsx's loader
 * is registered here the first time one is loaded.
 */
export async function loadScenarioModules(paths: readonly string[], root: string = findProjectRoot()): Promise<readonly Scenario[]> {
  const absoluteRoot = resolve(root);
  if (loadedRoot !== undefined && loadedRoot !== absoluteRoot) throw new Error(`scenario modules were loaded for project root ${loadedRoot}, not ${absoluteRoot}`);
  if (loadedModules.length + paths.length > scenarioModuleLimits.modules) throw new UsageError(`at most ${scenarioModuleLimits.modules} scenario modules may be loaded, got ${loadedModules.length + paths.length}`);
  loadedRoot = absoluteRoot;
  const added: Scenario[] = [];
  for (const path of paths) {
    const absolute = isAbsolute(path) ? path : resolve(path);
    if (!existsSync(absolute) || !statSync(absolute).isFile()) throw new UsageError(`scenario module '${path}' does not exist`);
    const recorded = recordedPath(absoluteRoot, absolute);
    const namespace = await importUserModule(absolute, `scenario module '${path}'`);
    for (const scenario of scenariosExportedBy(namespace, path)) {
      registerUserScenario(scenario, { path: recorded, id: originId(recorded, scenario.name) });
      added.push(scenario);
    }
    if (!loadedModules.includes(absolute)) loadedModules.push(absolute);
  }
  return added;
}

/**
 * The scenario a replay token names, loading the module it came from (relative to `root`) when
 * it is not loaded yet. A module that is not there, or no longer exports the scenario, is a
 * {@link UsageError}.
 */
export async function scenarioForSpec(spec: CaseSpec, root: string = findProjectRoot()): Promise<Scenario> {
  const module = spec.module;
  if (module === undefined) return requireScenario(spec.scenario);
  const known = lookupScenario(spec.scenario);
  if (known !== undefined) {
    const origin = scenarioOrigin(spec.scenario);
    if (origin?.path === module.path) return known;
    throw new UsageError(`the replay token's scenario '${spec.scenario}' comes from module '${module.path}', but a scenario of that name is loaded from ${origin === undefined ? 'the built-ins' : `module '${origin.path}'`}`);
  }
  const absolute = resolve(root, ...module.path.split('/'));
  if (!existsSync(absolute)) throw new UsageError(`the replay token's scenario '${spec.scenario}' comes from module '${module.path}', which does not exist under the project root ${root}`);
  await loadScenarioModules([absolute], root);
  const scenario = lookupScenario(spec.scenario);
  if (scenario === undefined) throw new UsageError(`module '${module.path}' no longer exports the replay token's scenario '${spec.scenario}'`);
  return scenario;
}

/**
 * Imports a user's module (a scenario module or a config file) by file URL, registering tsx
 * first for TypeScript; a failure to load is a {@link UsageError} naming `shownAs`.
 */
export async function importUserModule(absolute: string, shownAs: string): Promise<Record<string, unknown>> {
  if (typeScriptExtensions.has(extname(absolute))) await registerTypeScriptLoader(shownAs);
  try {
    return (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`${shownAs} failed to load: ${firstLine(error)}`);
  }
}

/** The scenarios a module namespace exports under the contract of {@link loadScenarioModules}. */
function scenariosExportedBy(namespace: Record<string, unknown>, path: string): Scenario[] {
  const exported = Object.hasOwn(namespace, 'scenarios') ? namespace['scenarios'] : namespace['default'];
  if (exported === undefined) throw new UsageError(`scenario module '${path}' exports no scenario: export default a scenario or an array of them, or export const scenarios = [...]`);
  const list = Array.isArray(exported) ? exported : [exported];
  if (list.length === 0) throw new UsageError(`scenario module '${path}' exports an empty list of scenarios`);
  if (list.length > scenarioModuleLimits.scenariosPerModule) throw new UsageError(`scenario module '${path}' exports ${list.length} scenarios, more than ${scenarioModuleLimits.scenariosPerModule}`);
  return list.map((value, index) => checkedScenario(value, `scenario module '${path}'${Array.isArray(exported) ? ` scenario [${index}]` : ''}`));
}

/** Checks the shape of a scenario a module exports, naming the first bad field. */
function checkedScenario(value: unknown, where: string): Scenario {
  if (typeof value !== 'object' || value === null) throw new UsageError(`${where} is not a scenario object (got ${typeof value})`);
  const field = (name: string): unknown => (name in value ? (value as Record<string, unknown>)[name] : undefined);
  const name = field('name');
  if (typeof name !== 'string' || name.length > scenarioModuleLimits.nameLength || !namePattern.test(name)) {
    throw new UsageError(`${where} has name ${JSON.stringify(name)}; a name is 1 to ${scenarioModuleLimits.nameLength} letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  const described = `${where} ('${name}')`;
  const description = field('description');
  if (typeof description !== 'string' || description.length > scenarioModuleLimits.descriptionLength) throw new UsageError(`${described} needs a description string of at most ${scenarioModuleLimits.descriptionLength} characters`);
  const properties = field('properties');
  if (!Array.isArray(properties)) throw new UsageError(`${described} needs a properties array (of ${Object.keys(knownProperties).join(', ')})`);
  for (const property of properties) {
    if (typeof property !== 'string' || !Object.hasOwn(knownProperties, property)) throw new UsageError(`${described} declares unknown property ${JSON.stringify(property)}; known: ${Object.keys(knownProperties).join(', ')}`);
  }
  const defaults = field('defaults');
  if (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults)) throw new UsageError(`${described} needs a defaults object of numeric parameters`);
  for (const [parameter, number] of Object.entries(defaults)) {
    if (!Number.isSafeInteger(number) || (number as number) < 0) throw new UsageError(`${described} parameter '${parameter}' must default to a non-negative integer, got ${JSON.stringify(number)}`);
  }
  if (typeof field('build') !== 'function') throw new UsageError(`${described} needs a build(parameters, input) function`);
  return value as Scenario;
}

/** Makes TypeScript modules loadable, once per thread (see {@link loadScenarioModules}). */
function registerTypeScriptLoader(shownAs: string): Promise<void> {
  // Running from ckptsim's own TypeScript sources means a TypeScript loader is in place already.
  if (import.meta.url.endsWith('.ts')) return Promise.resolve();
  typeScriptLoader ??= import('tsx/esm/api').then(
    (api) => {
      api.register();
    },
    () => {
      typeScriptLoader = undefined;
      throw new UsageError(`${shownAs} is TypeScript, which needs tsx: install it (npm install --save-dev tsx) or compile the module to JavaScript`);
    },
  );
  return typeScriptLoader;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
