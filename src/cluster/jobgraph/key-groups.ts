import { hashString } from '../../sim/index.js';

/**
 * Key groups as in Flink's KeyGroupRangeAssignment: a key hashes to one of `maxParallelism` key
 * groups, and each subtask of a keyed operator owns a contiguous range of key groups.
 */

/** Flink's default max parallelism for small jobs. */
export const defaultMaxParallelism = 128;

/** The key group of `key`. */
export function keyGroupFor(key: string, maxParallelism: number): number {
  return (hashString(key) >>> 0) % maxParallelism;
}

/** The subtask that owns `keyGroup` (Flink's computeOperatorIndexForKeyGroup). */
export function subtaskForKeyGroup(keyGroup: number, maxParallelism: number, parallelism: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** The subtask that owns `key`. */
export function subtaskForKey(key: string, maxParallelism: number, parallelism: number): number {
  return subtaskForKeyGroup(keyGroupFor(key, maxParallelism), maxParallelism, parallelism);
}

/** The inclusive key-group range [start, end] of one subtask (Flink's computeKeyGroupRangeForOperatorIndex). */
export function keyGroupRange(subtask: number, maxParallelism: number, parallelism: number): { start: number; end: number } {
  const start = Math.ceil((subtask * maxParallelism) / parallelism);
  const end = Math.ceil(((subtask + 1) * maxParallelism) / parallelism) - 1;
  return { start, end };
}
