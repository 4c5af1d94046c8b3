import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestIdSet } from '../../src/oracle/checkers/request-id-set.js';

/** Ids of the runtime's form (`jm3-17`) mixed with irregular ones: no number, leading zeros, huge numbers, digits only. */
const requestId = fc.oneof(
  fc.tuple(fc.constantFrom('jm1-', 'jm2-', 'jm12-', 'jm1', ''), fc.nat(40)).map(([prefix, sequence]) => `${prefix}${sequence}`),
  fc.constantFrom('jm1-', 'jm1-007', 'jm1-0', 'x', '', '1234567890123456', 'jm1-1234567890123456', 'a.b', 'jm1-1e3'),
);

describe('RequestIdSet', () => {
  it('answers membership exactly as a Set does, for any sequence of adds and clears', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 12, arbitrary: requestId }, { weight: 1, arbitrary: fc.constant(null) }), { maxLength: 200 }), fc.array(requestId, { maxLength: 40 }), (writes, probes) => {
        const ids = new RequestIdSet();
        const model = new Set<string>();
        for (const id of writes) {
          if (id === null) {
            ids.clear();
            model.clear();
            continue;
          }
          expect(ids.has(id)).toBe(model.has(id));
          ids.add(id);
          model.add(id);
        }
        for (const id of [...probes, ...model]) expect(ids.has(id)).toBe(model.has(id));
      }),
      { numRuns: 300 },
    );
  });

  it('does not mistake an id of one prefix for the same number under another', () => {
    const ids = new RequestIdSet();
    ids.add('jm1-5');
    expect(ids.has('jm2-5')).toBe(false);
    expect(ids.has('jm1-05')).toBe(false);
    expect(ids.has('jm1-5')).toBe(true);
    expect(ids.has('5')).toBe(false);
  });
});
