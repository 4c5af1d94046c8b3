import { defaultCheckpointConfig } from '../cluster/checkpoint/types.js';
import { plantedBugNames } from '../cluster/planted-bugs.js';
import { UsageError } from './scenario.js';
import type { ClusterOverrides } from './scenario.js';

/** The override keys a case (or replay token) may carry: data only, no functions. */
const clusterKeys = ['executors', 'slotsPerExecutor', 'failoverStrategy', 'highAvailability', 'transactionTimeoutUs', 'plantedBugs', 'checkpoint', 'restartStrategy'] as const;

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
      if (!(key in defaultCheckpointConfig)) throw new UsageError(`config.checkpoint.${key} is not a checkpoint setting`);
      const expected = typeof (defaultCheckpointConfig as unknown as Record<string, unknown>)[key];
      if (typeof setting !== expected) throw new UsageError(`config.checkpoint.${key} must be a ${expected}, got ${JSON.stringify(setting)}`);
      if (expected === 'number' && (!Number.isSafeInteger(setting) || (setting as number) < 0)) throw new UsageError(`config.checkpoint.${key} must be a non-negative integer, got ${JSON.stringify(setting)}`);
    }
    const mode = (checkpoint as Record<string, unknown>)['mode'];
    if (mode !== undefined && mode !== 'EXACTLY_ONCE' && mode !== 'AT_LEAST_ONCE') throw new UsageError(`config.checkpoint.mode must be EXACTLY_ONCE or AT_LEAST_ONCE, got ${JSON.stringify(mode)}`);
  }
  return record as ClusterOverrides;
}
