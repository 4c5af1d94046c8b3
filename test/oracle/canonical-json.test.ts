import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/oracle/reference-state.js';

/** The definition canonicalJson must keep to: JSON of a copy with every object's keys sorted. */
function byDefinition(value: unknown): string {
  const sortKeys = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sortKeys);
    if (item === null || typeof item !== 'object') return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = sortKeys((item as Record<string, unknown>)[key]);
    return sorted;
  };
  return JSON.stringify(sortKeys(value)) ?? 'undefined';
}

/** The outcome of a call: its text, or that it threw (a BigInt has no JSON). */
function outcome(write: (value: unknown) => string, value: unknown): string {
  try {
    return `text ${write(value)}`;
  } catch (error) {
    return `threw ${error instanceof Error ? error.name : String(error)}`;
  }
}

describe('canonicalJson', () => {
  it('gives the text of its definition for any value, plain or not', () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true,
    });
    fc.assert(
      fc.property(anything, (value) => {
        expect(outcome(canonicalJson, value)).toBe(outcome(byDefinition, value));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts keys at every level and spells the values JSON spells specially as JSON does', () => {
    const value = { b: [1, undefined, () => 0, Number.NaN, -0], a: { d: undefined, c: 'x"y' }, [Symbol('s')]: 1, e: Symbol('t') };
    expect(canonicalJson(value)).toBe('{"a":{"c":"x\\"y"},"b":[1,null,null,null,0]}');
    expect(canonicalJson(undefined)).toBe('undefined');
    expect(canonicalJson({ toJSON: () => 'own' })).toBe('"own"');
    expect(canonicalJson(new Date(0))).toBe('{}');
  });
});
