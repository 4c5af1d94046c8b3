import { UsageError, type Scenario } from './scenario.js';

/**
 * The ranges a replay token's fields must fall in. A token comes from outside (a CI log, a bug
 * report, a hand edit), so each number is held to what a sweep may draw or the CLI accepts,
 * with room to spare, never more: a forged `countParallelism: 100000` or `maxEvents: 2^53`
 * is one sentence and exit 2, not a crash or a run that does not end. Fault plans have their
 * own bounds (faults/plan.ts); names are checked where they are resolved.
 *
 * To bound a new numeric field, add a row to {@link tokenNumberBounds}; to bound a new
 * top-level field of another shape, add a checker to {@link tokenFieldCheckers}.
 */

/** One microsecond short of a virtual day: more than any run's deadline (10 virtual minutes by default). */
const virtualDayUs = 86_400_000_000;

/** A number a token may carry at `path` (dot-separated from the token's root), and its range. */
export interface TokenNumberBound {
  readonly path: string;
  readonly min: number;
  readonly max: number;
  /** False for ratios (a restart backoff multiplier); true for counts, ids and microseconds. */
  readonly integer: boolean;
}

/** Every numeric field of a token with its range. Config numbers absent here get {@link defaultConfigNumberBound}. */
export const tokenNumberBounds: readonly TokenNumberBound[] = [
  // As `--seed` accepts.
  { path: 'seed', min: 0, max: Number.MAX_SAFE_INTEGER, integer: true },
  // Run bounds: up to 100x the default events and queue, a virtual day.
  { path: 'limits.maxEvents', min: 1, max: 50_000_000, integer: true },
  { path: 'limits.deadlineUs', min: 1, max: virtualDayUs, integer: true },
  { path: 'limits.maxQueueLength', min: 1, max: 50_000_000, integer: true },
  // PCT scheduling (sweeps use depth 1..8, a window up to a virtual second, k up to 10 million decisions).
  { path: 'pct.depth', min: 1, max: 8, integer: true },
  { path: 'pct.windowUs', min: 0, max: 1_000_000, integer: true },
  { path: 'pct.steps', min: 1, max: 10_000_000, integer: true },
  // Cluster size: each executor and slot is built before the run starts.
  { path: 'config.executors', min: 1, max: 64, integer: true },
  { path: 'config.slotsPerExecutor', min: 1, max: 64, integer: true },
  { path: 'config.transactionTimeoutUs', min: 1, max: virtualDayUs, integer: true },
  // Checkpointing (sweeps draw 1..3 concurrent, 0..3 tolerable failures, 1..3 retained).
  { path: 'config.checkpoint.maxConcurrentCheckpoints', min: 1, max: 100, integer: true },
  { path: 'config.checkpoint.tolerableCheckpointFailures', min: 0, max: 10_000, integer: true },
  { path: 'config.checkpoint.retainedCheckpoints', min: 1, max: 100, integer: true },
  // Restart strategies (sweeps draw 1,000 attempts, delays up to 2 s, multiplier 2).
  { path: 'config.restartStrategy.attempts', min: 0, max: 1_000_000, integer: true },
  { path: 'config.restartStrategy.multiplier', min: 1, max: 100, integer: false },
  // RPC detours (sweeps draw 1 in 8 messages, up to four checkpoint intervals).
  { path: 'config.rpcDetours.denominator', min: 1, max: 1_000_000, integer: true },
  { path: 'config.rpcDetours.numerator', min: 0, max: 1_000_000, integer: true },
];

/** Any other number under `config` (a time in microseconds, a count): non-negative and at most a virtual day. */
export const defaultConfigNumberBound = { min: 0, max: virtualDayUs };

/** A scenario parameter's range in a token: 0..1 for a switch (default 0 or 1), else 1..4x the default (sweeps draw 0.5x..1.5x). */
export function parameterBound(defaultValue: number): { readonly min: number; readonly max: number } {
  return defaultValue <= 1 ? { min: 0, max: 1 } : { min: 1, max: 4 * defaultValue };
}

/** Checks of a token's top-level fields other than numbers, by field name. */
export const tokenFieldCheckers: Readonly<Record<string, (value: unknown) => void>> = {
  scenario: (value) => {
    if (typeof value !== 'string' || value.length === 0 || value.length > 200) throw new UsageError(`replay token scenario must be a name of 1 to 200 characters, got ${describe(value)}`);
  },
  parameters: (value) => {
    const record = plainObject(value, 'parameters');
    const names = Object.keys(record);
    if (names.length > 100) throw new UsageError(`replay token parameters holds ${names.length} entries; a scenario has at most 100`);
    for (const name of names) if (!Number.isSafeInteger(record[name])) throw new UsageError(`replay token parameters.${name} must be an integer, got ${describe(record[name])}`);
  },
  faults: (value) => {
    if (!Array.isArray(value)) throw new UsageError(`replay token faults must be a list, got ${describe(value)}`);
  },
  config: (value) => {
    plainObject(value, 'config');
  },
  limits: (value) => {
    plainObject(value, 'limits');
  },
  // PCT settings (sim/pct-scheduler.ts): exactly depth, windowUs and steps, bounded above.
  pct: (value) => {
    const record = plainObject(value, 'pct');
    for (const name of Object.keys(record)) if (name !== 'depth' && name !== 'windowUs' && name !== 'steps') throw new UsageError(`replay token pct has unknown field '${name}'; known: depth, windowUs, steps`);
    for (const name of ['depth', 'windowUs', 'steps']) if (!Object.hasOwn(record, name)) throw new UsageError(`replay token pct has no ${name}`);
  },
  // A user scenario's module (explore/scenario-registry.ts): own `path` and `id` fields only.
  module: (value) => {
    const record = plainObject(value, 'module');
    for (const name of Object.keys(record)) if (name !== 'path' && name !== 'id') throw new UsageError(`replay token module has unknown field '${name}'; known: path, id`);
    const path = Object.hasOwn(record, 'path') ? record['path'] : undefined;
    const id = Object.hasOwn(record, 'id') ? record['id'] : undefined;
    if (typeof path !== 'string' || path.length === 0 || path.length > modulePathLength || path.includes('\u0000')) throw new UsageError(`replay token module.path must be a path of 1 to ${modulePathLength} characters, got ${describe(path)}`);
    if (typeof id !== 'string' || !/^[0-9a-f]{8}$/.test(id)) throw new UsageError(`replay token module.id must be 8 hex digits, got ${describe(id)}`);
  },
};

/** Longest module path a token may carry (relative to the project root). */
const modulePathLength = 1_000;

function plainObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`replay token ${field} must be an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}

/** The own field at `path` of `root`, or undefined (an inherited `toString` is not a field). */
function ownAt(root: unknown, path: readonly string[]): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function checkNumber(value: unknown, path: string, bound: { min: number; max: number; integer?: boolean }): void {
  const integer = bound.integer ?? true;
  const valid = typeof value === 'number' && (integer ? Number.isSafeInteger(value) : Number.isFinite(value)) && value >= bound.min && value <= bound.max;
  if (!valid) throw new UsageError(`replay token ${path} must be ${integer ? 'an integer' : 'a number'} in [${bound.min}, ${bound.max}], got ${describe(value)}`);
}

/** Every number under `value`, with its dotted path (arrays and nesting bounded by the token's size). */
function numbersUnder(value: unknown, path: string, found: Array<[string, unknown]>): void {
  if (typeof value === 'number') found.push([path, value]);
  else if (typeof value === 'object' && value !== null && !Array.isArray(value)) for (const key of Object.keys(value)) numbersUnder((value as Record<string, unknown>)[key], `${path}.${key}`, found);
}

/**
 * Checks the fields of a decoded token (own properties only) against the tables above; names
 * the first bad field in a {@link UsageError}. Fields it does not know are left to their own
 * validators (config overrides, fault plans, the scenario module).
 */
export function checkTokenBounds(record: Readonly<Record<string, unknown>>): void {
  for (const [field, check] of Object.entries(tokenFieldCheckers)) if (Object.hasOwn(record, field) && record[field] !== undefined) check(record[field]);
  for (const bound of tokenNumberBounds) {
    const value = ownAt(record, bound.path.split('.'));
    if (value !== undefined || bound.path === 'seed') checkNumber(value, bound.path, bound);
  }
  const bounded = new Set(tokenNumberBounds.map((bound) => bound.path));
  const configNumbers: Array<[string, unknown]> = [];
  numbersUnder(ownAt(record, ['config']), 'config', configNumbers);
  for (const [path, value] of configNumbers) if (!bounded.has(path)) checkNumber(value, path, defaultConfigNumberBound);
}

/** Checks a token's scenario parameters against the scenario: each one it has (own property), within {@link parameterBound}. */
export function checkTokenParameters(parameters: Readonly<Record<string, number>> | undefined, scenario: Pick<Scenario, 'name' | 'defaults'>): void {
  for (const name of Object.keys(parameters ?? {})) {
    if (!Object.hasOwn(scenario.defaults, name)) throw new UsageError(`replay token parameters.${name}: scenario ${scenario.name} has no such parameter (it has: ${Object.keys(scenario.defaults).join(', ')})`);
    checkNumber((parameters as Record<string, number>)[name], `parameters.${name}`, parameterBound(scenario.defaults[name] as number));
  }
}
