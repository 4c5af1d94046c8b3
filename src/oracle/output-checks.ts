import type { SinkEntry } from '../cluster/storage/transactional-store.js';
import type { ReferenceEntry, ReferenceResult } from './reference-model.js';
import type { Violation } from './violation.js';

/**
 * A canonical text for a sink record, used as its identity in multiset comparisons. Computed
 * afresh on each call: caching it per entry in a WeakMap cost more than the JSON text itself.
 */
export function entryIdentity(entry: { readonly key: string | undefined; readonly value: unknown }): string {
  return JSON.stringify([entry.key ?? null, entry.value]);
}

function countBy(entries: readonly { key: string | undefined; value: unknown }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of entries) {
    const identity = entryIdentity(entry);
    counts.set(identity, (counts.get(identity) ?? 0) + 1);
  }
  return counts;
}

/** The difference between committed and expected multisets: records missing and records extra, sorted. */
export interface MultisetDifference {
  readonly missing: ReadonlyArray<{ readonly record: string; readonly expected: number; readonly committed: number }>;
  readonly extra: ReadonlyArray<{ readonly record: string; readonly expected: number; readonly committed: number }>;
}

export function compareMultisets(committed: readonly SinkEntry[], expected: readonly ReferenceEntry[]): MultisetDifference {
  // One map, expected count minus committed count per identity (committed records matching an
  // expected one add no key); only identities left non-zero are compared, so equal outputs (the
  // usual case) sort nothing and recount nothing.
  const balance = countBy(expected);
  for (const entry of committed) {
    const identity = entryIdentity(entry);
    balance.set(identity, (balance.get(identity) ?? 0) - 1);
  }
  const differing: string[] = [];
  for (const [record, left] of balance) if (left !== 0) differing.push(record);
  if (differing.length === 0) return { missing: [], extra: [] };
  differing.sort();
  const expectedCounts = new Map<string, number>();
  const committedCounts = new Map<string, number>();
  for (const record of differing) {
    expectedCounts.set(record, 0);
    committedCounts.set(record, 0);
  }
  for (const entry of expected) {
    const identity = entryIdentity(entry);
    const count = expectedCounts.get(identity);
    if (count !== undefined) expectedCounts.set(identity, count + 1);
  }
  for (const entry of committed) {
    const identity = entryIdentity(entry);
    const count = committedCounts.get(identity);
    if (count !== undefined) committedCounts.set(identity, count + 1);
  }
  const missing: Array<{ record: string; expected: number; committed: number }> = [];
  const extra: Array<{ record: string; expected: number; committed: number }> = [];
  for (const record of differing) {
    const want = expectedCounts.get(record) ?? 0;
    const have = committedCounts.get(record) ?? 0;
    if (have < want) missing.push({ record, expected: want, committed: have });
    if (have > want) extra.push({ record, expected: want, committed: have });
  }
  return { missing, extra };
}

function expectedAll(reference: ReferenceResult): ReferenceEntry[] {
  return [...reference.sinkOutput.values()].flat();
}

/** Exactly-once: the committed output equals the failure-free output as a multiset. */
export function checkExactlyOnce(committed: readonly SinkEntry[], reference: ReferenceResult, timeUs: number): Violation | undefined {
  const difference = compareMultisets(committed, expectedAll(reference));
  if (difference.missing.length === 0 && difference.extra.length === 0) return undefined;
  const first = difference.extra[0] ?? difference.missing[0];
  const what = difference.extra.length > 0 ? 'duplicated' : 'lost';
  return {
    property: 'exactly-once',
    message: `committed output differs from the failure-free output: ${difference.missing.length} record(s) lost, ${difference.extra.length} duplicated; first ${what}: ${first?.record} (committed ${first?.committed}, expected ${first?.expected})`,
    timeUs,
    details: { missing: difference.missing.slice(0, 20), extra: difference.extra.slice(0, 20), lostRecords: deficit(difference.missing), committedCount: committed.length },
  };
}

/**
 * How many records the listed differences lack in all (each expected count minus the committed
 * one): the whole loss, which the known gaps weigh against what a gap can lose. The lists in a
 * violation's details are cut to 20 entries; this count is not.
 */
export function deficit(missing: MultisetDifference['missing']): number {
  let total = 0;
  for (const entry of missing) total += entry.expected - entry.committed;
  return total;
}

/** At-least-once: every failure-free record is committed at least as often; duplicates allowed. */
export function checkAtLeastOnce(committed: readonly SinkEntry[], reference: ReferenceResult, timeUs: number): Violation | undefined {
  const difference = compareMultisets(committed, expectedAll(reference));
  if (difference.missing.length === 0) return undefined;
  const first = difference.missing[0];
  return {
    property: 'at-least-once',
    message: `${difference.missing.length} record(s) never committed; first lost: ${first?.record} (committed ${first?.committed}, expected ${first?.expected})`,
    timeUs,
    details: { missing: difference.missing.slice(0, 20), duplicates: difference.extra.length },
  };
}

/** Upsert: the final value per key equals the failure-free final value per key. */
export function checkUpsert(view: readonly SinkEntry[], reference: ReferenceResult, timeUs: number): Violation | undefined {
  const expected = new Map<string, unknown>();
  for (const upserts of reference.upsertOutput.values()) for (const [key, value] of upserts) expected.set(key, value);
  const actual = new Map(view.map((entry) => [entry.key as string, entry.value]));
  const keys = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  for (const key of keys) {
    const want = JSON.stringify(expected.get(key) ?? null);
    const have = JSON.stringify(actual.get(key) ?? null);
    if (want !== have) {
      return { property: 'upsert-exactly-once', message: `key ${key} ends as ${have}, expected ${want}`, timeUs, details: { key, expected: want, actual: have } };
    }
  }
  return undefined;
}
