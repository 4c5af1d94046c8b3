import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunMap, SequencedIdMap } from '../../src/sim/run-map.js';

describe('RunMap', () => {
  it('answers like a Map for any sequence of sets', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(60), fc.constantFrom('a', 'b', 'c')), { maxLength: 300 }), (writes) => {
        const runs = new RunMap<string>();
        const model = new Map<number, string>();
        for (const [key, value] of writes) {
          runs.set(key, value);
          model.set(key, value);
        }
        for (let key = 0; key <= 61; key++) expect(runs.get(key)).toBe(model.get(key));
        expect(runs.size).toBe(model.size);
        expect([...runs.entries()]).toEqual([...model.entries()].sort((left, right) => left[0] - right[0]));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps no two touching runs with the same value (so memory is the number of changes)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(40), fc.boolean()), { maxLength: 200 }), (writes) => {
        const runs = new RunMap<boolean>();
        for (const [key, value] of writes) runs.set(key, value);
        const entries = [...runs.entries()];
        let changes = 0;
        entries.forEach(([key, value], index) => {
          const previous = entries[index - 1];
          if (previous === undefined || previous[0] !== key - 1 || previous[1] !== value) changes++;
        });
        expect(runs.runs).toBe(changes);
      }),
      { numRuns: 300 },
    );
  });

  it('holds a million keys set in order with one value as one run', () => {
    const runs = new RunMap<number>();
    for (let key = 0; key < 1_000_000; key++) runs.set(key, 1);
    expect(runs.runs).toBe(1);
    expect(runs.size).toBe(1_000_000);
    expect(runs.get(999_999)).toBe(1);
    expect(runs.get(1_000_000)).toBeUndefined();
  });

  it('rejects keys that are not non-negative integers', () => {
    const runs = new RunMap<number>();
    for (const key of [-1, 1.5, Number.NaN, 2 ** 60]) expect(() => runs.set(key, 0)).toThrow(RangeError);
  });
});

describe('SequencedIdMap', () => {
  it('answers like a Map for any ids, sequenced or not', () => {
    const id = fc.oneof(
      fc.tuple(fc.constantFrom('sink#0/1.0', 'sink#1/2.3', 'x'), fc.nat(30)).map(([prefix, sequence]) => `${prefix}.${sequence}`),
      fc.constantFrom('plain', 'a.', '.', 'a.01', 'a.1e3', 'a.-1', 'a.1234567890123456', ''),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(id, fc.integer({ min: 0, max: 2 })), { maxLength: 200 }), fc.array(id, { maxLength: 50 }), (writes, probes) => {
        const map = new SequencedIdMap<number>();
        const model = new Map<string, number>();
        for (const [key, value] of writes) {
          map.set(key, value);
          model.set(key, value);
        }
        for (const key of [...model.keys(), ...probes]) expect(map.get(key)).toBe(model.get(key));
        expect(map.size).toBe(model.size);
      }),
      { numRuns: 300 },
    );
  });

  it('tells apart ids whose sequences differ only in leading zeros', () => {
    const map = new SequencedIdMap<number>();
    map.set('t.1', 1);
    map.set('t.01', 2);
    expect(map.get('t.1')).toBe(1);
    expect(map.get('t.01')).toBe(2);
    expect(map.get('t.001')).toBeUndefined();
  });

  it('holds the committed transactions of a long run in a footprint that grows with failovers only', () => {
    const map = new SequencedIdMap<boolean>();
    for (let attempt = 0; attempt < 3; attempt++) {
      for (let sequence = 0; sequence < 10_000; sequence++) if (sequence !== 5_000) map.set(`sink#0/1.${attempt}.${sequence}`, true);
    }
    expect(map.size).toBe(29_997);
    expect(map.footprint).toBe(6);
  });
});
