import { defaultCheckpointConfig } from '../cluster/checkpoint/types.js';
import { plantedBugNames } from '../cluster/planted-bugs.js';
import { UsageError } from './scenario.js';
import type { ClusterOverrides } from './scenario.js';
import type { RestartStrategyConfig } from '../cluster/jobmaster/restart-strategy.js';
import { rpcMethods } from '../faults/plan.js';

/** The override keys a case (or replay token) may carry: data only, no functions. */
const clusterKeys = ['executors', 'slotsPerExecutor', 'failoverStrategy', 'highAvailability', 'incrementalCheckpoints', 'transactionTimeoutUs', 'plantedBugs', 'checkpoint', 'restartStrategy', 'rpcDetours'] as const;

/**
 * Validates config overrides given as data (from a replay token, `--config`, a sweep), naming
 * the bad field: unknown keys, wrong types, unknown planted bugs and out-of-range numbers.
 */
export function validateConfigOverrides(value: unknown): ClusterOverrides {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError('config overrides must be a JSON object');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(clusterKeys as readonly string[]).includes(key)) throw new UsageError(`config.${key} is not a setting a case can override (known: ${clusterKeys.join(', ')})`);
  }
  for (const key of ['executors', 'slotsPerExecutor', 'transactionTimeoutUs'] as const) {
    const number = record[key];
    if (number !== undefined && (!Number.isSafeInteger(number) || (number as number) < 1)) throw new UsageError(`config.${key} must be a positive integer, got ${JSON.stringify(number)}`);
  }
  const bugs = record['plantedBugs'];
  if (bugs !== undefined) {
    if (!Array.isArray(bugs)) throw new UsageError('config.plantedBugs must be an array of planted bug names');
    for (const bug of bugs) {
      if (!(plantedBugNames as unknown[]).includes(bug)) throw new UsageError(`config.plantedBugs names an unknown planted bug ${JSON.stringify(bug)}`);
    }
  }
  const checkpoint = record['checkpoint'];
  if (checkpoint !== undefined) {
    if (typeof checkpoint !== 'object' || checkpoint === null) throw new UsageError('config.checkpoint must be an object');
    for (const [key, setting] of Object.entries(checkpoint)) {
      if (!Object.hasOwn(defaultCheckpointConfig, key)) throw new UsageError(`config.checkpoint.${key} is not a checkpoint setting`);
      const expected = typeof (defaultCheckpointConfig as unknown as Record<string, unknown>)[key];
      if (typeof setting !== expected) throw new UsageError(`config.checkpoint.${key} must be a ${expected}, got ${JSON.stringify(setting)}`);
      if (expected === 'number' && (!Number.isSafeInteger(setting) || (setting as number) < 0)) throw new UsageError(`config.checkpoint.${key} must be a non-negative integer, got ${JSON.stringify(setting)}`);
    }
    for (const key of ['timeoutUs', 'maxConcurrentCheckpoints', 'retainedCheckpoints'] as const) {
      const setting = (checkpoint as Record<string, unknown>)[key];
      if (setting === 0) throw new UsageError(`config.checkpoint.${key} must be a positive integer, got 0`);
    }
    const mode = (checkpoint as Record<string, unknown>)['mode'];
    if (mode !== undefined && mode !== 'EXACTLY_ONCE' && mode !== 'AT_LEAST_ONCE') throw new UsageError(`config.checkpoint.mode must be EXACTLY_ONCE or AT_LEAST_ONCE, got ${JSON.stringify(mode)}`);
  }
  const failoverStrategy = record['failoverStrategy'];
  if (failoverStrategy !== undefined && failoverStrategy !== 'region' && failoverStrategy !== 'full') {
    throw new UsageError(`config.failoverStrategy must be region or full, got ${JSON.stringify(failoverStrategy)}`);
  }
  const highAvailability = record['highAvailability'];
  if (highAvailability !== undefined && typeof highAvailability !== 'boolean') throw new UsageError(`config.highAvailability must be true or false, got ${JSON.stringify(highAvailability)}`);
  const incremental = record['incrementalCheckpoints'];
  if (incremental !== undefined && typeof incremental !== 'boolean') throw new UsageError(`config.incrementalCheckpoints must be true or false, got ${JSON.stringify(incremental)}`);
  if (record['restartStrategy'] !== undefined) validateRestartStrategy(record['restartStrategy']);
  if (record['rpcDetours'] !== undefined) validateRpcDetours(record['rpcDetours']);
  return record as ClusterOverrides;
}

/** RPC detours (net/rpc.ts): known methods, a chance of `numerator` in `denominator`, an extra delay. */
function validateRpcDetours(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`config.rpcDetours must be an object, got ${JSON.stringify(value)}`);
  const detours = value as Record<string, unknown>;
  for (const key of Object.keys(detours)) {
    if (!['methods', 'numerator', 'denominator', 'maxExtraUs'].includes(key)) throw new UsageError(`config.rpcDetours.${key} is not a setting of RPC detours (its settings: methods, numerator, denominator, maxExtraUs)`);
  }
  const methods = detours['methods'];
  if (!Array.isArray(methods) || methods.some((method) => !(rpcMethods as readonly unknown[]).includes(method))) {
    throw new UsageError(`config.rpcDetours.methods must be a list of RPC methods (${rpcMethods.join(', ')}), got ${JSON.stringify(methods)}`);
  }
  for (const key of ['numerator', 'denominator', 'maxExtraUs'] as const) {
    const setting = detours[key];
    if (!Number.isSafeInteger(setting) || (setting as number) < 0) throw new UsageError(`config.rpcDetours.${key} must be a non-negative integer, got ${JSON.stringify(setting)}`);
  }
  if ((detours['denominator'] as number) < 1 || (detours['numerator'] as number) > (detours['denominator'] as number)) {
    throw new UsageError(`config.rpcDetours must have 0 <= numerator <= denominator and denominator >= 1, got ${detours['numerator']}/${detours['denominator']}`);
  }
}

/** The settings of each restart strategy (Flink's restart-strategy.* options), all required. */
const restartStrategyFields: Record<RestartStrategyConfig['kind'], readonly string[]> = {
  none: [],
  'fixed-delay': ['attempts', 'delayUs'],
  'exponential-delay': ['initialBackoffUs', 'maxBackoffUs', 'multiplier', 'resetBackoffThresholdUs', 'attempts'],
};

/** A restart strategy replaces the default whole, so every setting of its kind must be there. */
function validateRestartStrategy(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`config.restartStrategy must be an object, got ${JSON.stringify(value)}`);
  const strategy = value as Record<string, unknown>;
  const kind = strategy['kind'];
  if (typeof kind !== 'string' || !Object.hasOwn(restartStrategyFields, kind)) {
    throw new UsageError(`config.restartStrategy.kind must be one of ${Object.keys(restartStrategyFields).join(', ')}, got ${JSON.stringify(kind)}`);
  }
  const fields = restartStrategyFields[kind as RestartStrategyConfig['kind']];
  for (const key of Object.keys(strategy)) {
    if (key !== 'kind' && !fields.includes(key)) throw new UsageError(`config.restartStrategy.${key} is not a setting of the ${kind} strategy (its settings: ${fields.join(', ') || 'none'})`);
  }
  for (const key of fields) {
    const setting = strategy[key];
    if (setting === undefined) throw new UsageError(`config.restartStrategy.${key} is missing: the ${kind} strategy needs ${fields.join(', ')}`);
    if (key === 'multiplier') {
      if (typeof setting !== 'number' || !Number.isFinite(setting) || setting < 1) throw new UsageError(`config.restartStrategy.multiplier must be a number of at least 1, got ${JSON.stringify(setting)}`);
    } else if (!Number.isSafeInteger(setting) || (setting as number) < 0) {
      throw new UsageError(`config.restartStrategy.${key} must be a non-negative integer, got ${JSON.stringify(setting)}`);
    }
  }
}
