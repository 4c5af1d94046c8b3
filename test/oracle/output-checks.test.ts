import { describe, expect, it } from 'vitest';
import { checkAtLeastOnce, checkExactlyOnce, compareMultisets } from '../../src/oracle/output-checks.js';
import type { ReferenceResult } from '../../src/oracle/reference-model.js';
import { MultisetDigest } from '../../src/sim/multiset-digest.js';

const origin = { partition: 0, offset: 0 };
const committed = (...values: string[]) => values.map((value) => ({ key: undefined, value, origin }));
const expected = (...values: string[]) => values.map((value) => ({ key: undefined, value }));
const reference = (...values: string[]): ReferenceResult => {
  const sinkDigest = new MultisetDigest();
  for (const value of values) sinkDigest.add(undefined, value);
  return { sinkOutput: new Map([['sink', expected(...values)]]), sinkDigest, upsertOutput: new Map() };
};

describe('output multisets', () => {
  it('finds nothing when the outputs are equal in any order', () => {
    expect(compareMultisets(committed('b', 'a', 'a'), expected('a', 'b', 'a'))).toEqual({ missing: [], extra: [] });
  });

  it('lists missing and extra records sorted by identity, with both counts', () => {
    const difference = compareMultisets(committed('c', 'a', 'a', 'a', 'd'), expected('b', 'a', 'c', 'c', 'a'));
    expect(difference.missing).toEqual([
      { record: '[null,"b"]', expected: 1, committed: 0 },
      { record: '[null,"c"]', expected: 2, committed: 1 },
    ]);
    expect(difference.extra).toEqual([
      { record: '[null,"a"]', expected: 2, committed: 3 },
      { record: '[null,"d"]', expected: 0, committed: 1 },
    ]);
  });

  it('names the first duplicated or lost record', () => {
    expect(checkExactlyOnce(committed('a', 'a', 'b'), reference('a', 'b'), 5)?.message).toBe(
      'committed output differs from the failure-free output: 0 record(s) lost, 1 duplicated; first duplicated: [null,"a"] (committed 2, expected 1)',
    );
    expect(checkExactlyOnce(committed('a'), reference('a', 'b'), 5)?.message).toContain('1 record(s) lost, 0 duplicated; first lost: [null,"b"] (committed 0, expected 1)');
    expect(checkAtLeastOnce(committed('a', 'a', 'b'), reference('a', 'b'), 5)).toBeUndefined();
    expect(checkAtLeastOnce(committed('b'), reference('a', 'b'), 5)?.message).toBe('1 record(s) never committed; first lost: [null,"a"] (committed 0, expected 1)');
  });
});
