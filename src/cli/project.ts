import { strategyNames } from '../explore/strategies/strategy.js';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { faultProfiles } from '../explore/arbitraries.js';
import { timelineChoices } from '../explore/results.js';
import { operationLevels } from '../explore/operation-arbitraries.js';
import { findProjectRoot, importUserModule, loadScenarioModules, scenarioModuleLimits } from '../explore/scenario-modules.js';
import { UsageError } from '../explore/scenario.js';

/** The names a project's config file may have, at its root, in the order they are looked for. */
export const configFileNames = ['ckptsim.config.js', 'ckptsim.config.mjs', 'ckptsim.config.ts', 'ckptsim.config.mts'] as const;

/** What the project (its config file and `--scenarios`) sets up before a command runs. */
export interface Project {
  readonly root: string;
  /** The config file found, relative to the root; undefined when there is none. */
  readonly configFile: string | undefined;
  /** Sweep options from the config, as arguments that the command line's own come after (and so override). */
  readonly sweepArguments: readonly string[];
}

/**
 * Takes every `--scenarios PATH` (or `--scenarios=PATH`, or a comma list) out of a command line,
 * for any command: the modules must be loaded before the command looks a scenario up.
 */
export function takeScenariosOption(argv: readonly string[]): { argv: string[]; modules: string[] } {
  const rest: string[] = [];
  const modules: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    let value: string | undefined;
    if (argument === '--scenarios') {
      value = argv[++index];
      if (value === undefined || value.startsWith('--')) throw new UsageError('--scenarios needs a module path (or a comma list of them)');
    } else if (argument.startsWith('--scenarios=')) {
      value = argument.slice('--scenarios='.length);
    } else {
      rest.push(argument);
      continue;
    }
    const paths = value.split(',').map((path) => path.trim());
    if (paths.some((path) => path.length === 0)) throw new UsageError(`--scenarios has an empty module path in '${value}'`);
    modules.push(...paths);
  }
  return { argv: rest, modules };
}

// Config keys that become sweep options, with how each is checked.
const sweepKeys = {
  runs: 'integer',
  seed: 'integer',
  workers: 'integer',
  profile: 'profile',
  out: 'string',
  timelines: 'timelines',
  vary: 'boolean',
  operations: 'operations',
  strategy: 'strategy',
  corpus: 'string',
} as const;

/**
 * Finds the project root (the nearest package.json at or above the current directory), reads
 * its `ckptsim.config.{js,mjs,ts,mts}` when there is one, and loads the scenario modules the config
 * lists (relative to the root), then those given with `--scenarios` (relative to the current
 * directory). A config must `export default` an object of known keys: `scenarios` (module paths)
 * and the sweep defaults `runs`, `seed`, `workers`, `profile`, `out`, `timelines`, `vary`,
 * `operations`, `strategy`, `corpus`.
 */
export async function loadProject(modules: readonly string[]): Promise<Project> {
  const root = findProjectRoot();
  const found = configFileNames.filter((name) => existsSync(join(root, name)));
  if (found.length > 1) throw new UsageError(`the project root ${root} has more than one config file (${found.join(', ')}); keep one`);
  const configFile = found[0];
  let configModules: string[] = [];
  let sweepArguments: string[] = [];
  if (configFile !== undefined) {
    const namespace = await importUserModule(join(root, configFile), `config file '${configFile}'`);
    const config = readConfig(namespace['default'], configFile, root);
    configModules = config.modules.map((path) => {
      const absolute = resolve(root, path);
      if (!existsSync(absolute)) throw new UsageError(`config file '${configFile}' lists scenario module '${path}', which does not exist under the project root ${root}`);
      return absolute;
    });
    sweepArguments = config.sweepArguments;
  }
  await loadScenarioModules([...configModules, ...modules], root);
  return { root, configFile, sweepArguments };
}

function readConfig(value: unknown, file: string, root: string): { modules: string[]; sweepArguments: string[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`config file '${file}' must export default an object (keys: scenarios, ${Object.keys(sweepKeys).join(', ')})`);
  const record = value as Record<string, unknown>;
  const modules: string[] = [];
  const sweepArguments: string[] = [];
  for (const key of Object.keys(record)) {
    const setting = record[key];
    if (key === 'scenarios') {
      if (!Array.isArray(setting) || setting.length > scenarioModuleLimits.modules || setting.some((path) => typeof path !== 'string' || path.length === 0)) {
        throw new UsageError(`config file '${file}': scenarios must be a list of at most ${scenarioModuleLimits.modules} module paths, got ${JSON.stringify(setting)}`);
      }
      modules.push(...(setting as string[]));
      continue;
    }
    if (!Object.hasOwn(sweepKeys, key)) throw new UsageError(`config file '${file}' has unknown key '${key}'; known: scenarios, ${Object.keys(sweepKeys).join(', ')}`);
    const kind = sweepKeys[key as keyof typeof sweepKeys];
    const bad = (expected: string): UsageError => new UsageError(`config file '${file}': ${key} must be ${expected}, got ${JSON.stringify(setting)}`);
    if (kind === 'integer') {
      if (!Number.isSafeInteger(setting) || (setting as number) < 0) throw bad('a non-negative integer');
      sweepArguments.push(`--${key}`, String(setting));
    } else if (kind === 'boolean') {
      if (typeof setting !== 'boolean') throw bad('true or false');
      if (setting) sweepArguments.push(`--${key}`);
    } else if (kind === 'profile') {
      if (typeof setting !== 'string' || !Object.hasOwn(faultProfiles, setting)) throw bad(`one of ${Object.keys(faultProfiles).join(', ')}`);
      sweepArguments.push(`--${key}`, setting);
    } else if (kind === 'operations') {
      if (typeof setting !== 'string' || !(operationLevels as readonly string[]).includes(setting)) throw bad(`one of ${operationLevels.join(', ')}`);
      sweepArguments.push(`--${key}`, setting);
    } else if (kind === 'strategy') {
      if (typeof setting !== 'string' || !(strategyNames as readonly string[]).includes(setting)) throw bad(`one of ${strategyNames.join(', ')}`);
      sweepArguments.push(`--${key}`, setting);
    } else if (kind === 'timelines') {
      if (typeof setting !== 'string' || !(timelineChoices as readonly string[]).includes(setting)) throw bad(`one of ${timelineChoices.join(', ')}`);
      sweepArguments.push(`--${key}`, setting);
    } else {
      if (typeof setting !== 'string' || setting.length === 0) throw bad('a path');
      // Relative to the project root, like the config's module paths, wherever ckptsim is run.
      sweepArguments.push(`--${key}`, resolve(root, setting));
    }
  }
  return { modules, sweepArguments };
}
