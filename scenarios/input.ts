import type { LogRecord } from '../src/cluster/storage/partitioned-log.js';
import type { RandomStream } from '../src/sim/index.js';

/**
 * Input generators shared by the scenarios: deterministic given the stream they are handed.
 * Key skew follows a truncated power law: key i is drawn with weight 1 / (i + 1)^(skew / 10).
 */

/** Per (keys, skew): the weight of each key and their sum, computed once (in key order). */
const weightTables = new Map<string, { weights: number[]; total: number }>();

/** The table of the latest call: input generation asks for the same one once per record. */
let latest: { keys: number; skew: number; table: { weights: number[]; total: number } } | undefined;

function weightTable(keys: number, skew: number): { weights: number[]; total: number } {
  if (latest !== undefined && latest.keys === keys && latest.skew === skew) return latest.table;
  const name = `${keys}/${skew}`;
  let table = weightTables.get(name);
  if (table === undefined) {
    const exponent = skew / 10;
    const weights = Array.from({ length: keys }, (_, index) => 1 / Math.pow(index + 1, exponent));
    let total = 0;
    for (const weight of weights) total += weight;
    table = { weights, total };
    weightTables.set(name, table);
  }
  latest = { keys, skew, table };
  return table;
}

/** A key index in [0, keys) with the given skew (0 = uniform). */
export function skewedKey(random: RandomStream, keys: number, skew: number): number {
  if (skew === 0) return random.int(keys);
  const { weights, total } = weightTable(keys, skew);
  let draw = random.fraction() * total;
  for (let index = 0; index < keys; index++) {
    draw -= weights[index] as number;
    if (draw < 0) return index;
  }
  return keys - 1;
}

/** `partitions` partitions of `lines` text lines, each of `wordsPerLine` words from a `keys`-word vocabulary. */
export function textPartitions(random: RandomStream, partitions: number, lines: number, wordsPerLine: number, keys: number, skew: number): LogRecord[][] {
  // Plain loops, no callbacks: closures made per case lose their optimised code (see wordcount.ts).
  const result: LogRecord[][] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const records: LogRecord[] = [];
    for (let index = 0; index < lines; index++) {
      let line = '';
      for (let word = 0; word < wordsPerLine; word++) line += `${word === 0 ? '' : ' '}w${skewedKey(random, keys, skew)}`;
      records.push({ key: undefined, value: line });
    }
    result.push(records);
  }
  return result;
}

/** `partitions` partitions of `events` keyed integer events: `{key, amount}`. */
export function eventPartitions(random: RandomStream, partitions: number, events: number, keys: number, skew: number): LogRecord[][] {
  const result: LogRecord[][] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const records: LogRecord[] = [];
    for (let index = 0; index < events; index++) {
      const key = `k${skewedKey(random, keys, skew)}`;
      records.push({ key, value: { key, amount: 1 + random.int(9) } });
    }
    result.push(records);
  }
  return result;
}

/**
 * `partitions` partitions of `events` keyed integer events with event timestamps in
 * milliseconds: `{key, amount, timestamp}`. Keys and amounts come from `random` (as in
 * {@link eventPartitions}); timestamps from `eventTime`, a stream of their own, so the draws of
 * keys and amounts do not depend on the event-time parameters. Within a partition event time
 * advances 0 to 2 ms per record and each timestamp lies up to `outOfOrdernessMs` past that
 * progress: a record is never older than the largest timestamp before it minus the bound, so a
 * bounded-out-of-orderness watermark with that bound never makes a record late.
 */
export function eventTimePartitions(random: RandomStream, eventTime: RandomStream, partitions: number, events: number, keys: number, skew: number, outOfOrdernessMs: number): LogRecord[][] {
  const result: LogRecord[][] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const records: LogRecord[] = [];
    let progressMs = 0;
    for (let index = 0; index < events; index++) {
      const key = `k${skewedKey(random, keys, skew)}`;
      const amount = 1 + random.int(9);
      progressMs += eventTime.int(3);
      const timestamp = progressMs + eventTime.int(outOfOrdernessMs + 1);
      records.push({ key, value: { key, amount, timestamp } });
    }
    result.push(records);
  }
  return result;
}
