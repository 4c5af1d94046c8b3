import type { Shard } from './sweep.js';

/**
 * Shards as users and results.json name them: `i/n`, counting from 1 like vitest's and
 * playwright's `--shard` (`1/4` .. `4/4`). Inside, a {@link Shard} counts from 0, because case
 * ordinal modulo n is what picks a case's shard.
 */

/** A shard's label in results.json and reports: `i/n`, counting from 1. */
export function shardLabel(shard: Shard): string {
  return `${shard.index + 1}/${shard.count}`;
}

/**
 * Reads the shard labels of one results file. Results written before shards counted from 1
 * labelled them from 0 (`0/1` for an unsharded sweep): a file holding a label `0/n` is read as
 * counting from 0. Undefined for a label that is not `i/n`.
 */
export function parseShardLabels(labels: readonly string[]): Shard[] | undefined {
  const parsed = labels.map((label) => /^(\d+)\/(\d+)$/.exec(label)).map((match) => (match === null ? undefined : { index: Number(match[1]), count: Number(match[2]) }));
  if (parsed.some((shard) => shard === undefined || shard.count < 1)) return undefined;
  const shards = parsed as Shard[];
  const fromZero = shards.some((shard) => shard.index === 0);
  const zeroBased = shards.map((shard) => ({ index: fromZero ? shard.index : shard.index - 1, count: shard.count }));
  return zeroBased.some((shard) => shard.index < 0 || shard.index >= shard.count) ? undefined : zeroBased;
}

/** What a set of shards covers of its sweep: the split, and the shards absent or present twice. */
export interface ShardCoverage {
  /** The n of every `i/n`; undefined when the shards name different splits. */
  readonly count: number | undefined;
  /** Labels of the shards of 1..n that no input holds. */
  readonly missing: readonly string[];
  /** Labels of the shards more than one input holds. */
  readonly duplicated: readonly string[];
  /** Distinct splits named, when more than one (`2, 3`). */
  readonly counts: readonly number[];
}

/** Which shards of 1..n the given ones (from several results files) leave out or repeat. */
export function shardCoverage(shards: readonly Shard[]): ShardCoverage {
  const counts = [...new Set(shards.map((shard) => shard.count))].sort((left, right) => left - right);
  if (counts.length !== 1) return { count: undefined, missing: [], duplicated: [], counts };
  const count = counts[0] as number;
  const seen = new Map<number, number>();
  for (const shard of shards) seen.set(shard.index, (seen.get(shard.index) ?? 0) + 1);
  const missing: string[] = [];
  const duplicated: string[] = [];
  // Bounded: a split has at most as many shards as the CLI accepts (see maxShardCount).
  for (let index = 0; index < count; index++) {
    const times = seen.get(index) ?? 0;
    if (times === 0) missing.push(shardLabel({ index, count }));
    if (times > 1) duplicated.push(shardLabel({ index, count }));
  }
  return { count, missing, duplicated, counts };
}

/** The largest n of `--shard i/n`: far more CI jobs than anyone runs, and a bound on coverage checks. */
export const maxShardCount = 100_000;

/** A list of labels for a sentence: `2/4`, `2/4 and 3/4`, `2/4, 3/4 and 4/4`, or the first ones and how many more. */
export function listLabels(labels: readonly string[], shown = 8): string {
  if (labels.length > shown) return `${labels.slice(0, shown).join(', ')} and ${labels.length - shown} more`;
  if (labels.length <= 1) return labels.join('');
  return `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`;
}

/**
 * How many cases of each scenario the given shards of a sweep plan (each shard counted once):
 * case ordinal o (scenario by scenario, `runsPerScenario` each) belongs to shard o mod n.
 */
export function plannedCases(scenarios: readonly string[], runsPerScenario: number, shards: readonly Shard[]): Map<string, number> {
  const distinct = [...new Map(shards.map((shard) => [`${shard.index}/${shard.count}`, shard])).values()];
  const planned = new Map<string, number>();
  scenarios.forEach((scenario, position) => {
    const low = position * runsPerScenario;
    const high = low + runsPerScenario;
    // Ordinals in [0, x) congruent to `index` modulo `count`.
    const below = (x: number, { index, count }: Shard): number => (x > index ? Math.ceil((x - index) / count) : 0);
    planned.set(scenario, distinct.reduce((total, shard) => total + below(high, shard) - below(low, shard), 0));
  });
  return planned;
}
