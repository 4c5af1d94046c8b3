import type { LogRecord } from '../src/cluster/storage/partitioned-log.js';
import type { RandomStream } from '../src/sim/index.js';

/**
 * Input generators shared by the scenarios: deterministic given the stream they are handed.
 * Key skew follows a truncated power law: key i is drawn with weight 1 / (i + 1)^(skew / 10).
 */

/** A key index in [0, keys) with the given skew (0 = uniform). */
export function skewedKey(random: RandomStream, keys: number, skew: number): number {
  if (skew === 0) return random.int(keys);
  const exponent = skew / 10;
  let total = 0;
  for (let index = 0; index < keys; index++) total += 1 / Math.pow(index + 1, exponent);
  let draw = random.fraction() * total;
  for (let index = 0; index < keys; index++) {
    draw -= 1 / Math.pow(index + 1, exponent);
    if (draw < 0) return index;
  }
  return keys - 1;
}

/** `partitions` partitions of `lines` text lines, each of `wordsPerLine` words from a `keys`-word vocabulary. */
export function textPartitions(random: RandomStream, partitions: number, lines: number, wordsPerLine: number, keys: number, skew: number): LogRecord[][] {
  return Array.from({ length: partitions }, () =>
    Array.from({ length: lines }, () => ({
      key: undefined,
      value: Array.from({ length: wordsPerLine }, () => `w${skewedKey(random, keys, skew)}`).join(' '),
    })),
  );
}

/** `partitions` partitions of `events` keyed integer events: `{key, amount}`. */
export function eventPartitions(random: RandomStream, partitions: number, events: number, keys: number, skew: number): LogRecord[][] {
  return Array.from({ length: partitions }, () =>
    Array.from({ length: events }, () => {
      const key = `k${skewedKey(random, keys, skew)}`;
      return { key, value: { key, amount: 1 + random.int(9) } };
    }),
  );
}
