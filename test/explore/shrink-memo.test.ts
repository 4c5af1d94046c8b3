import { describe, expect, it } from 'vitest';
import type { CaseResult } from '../../src/explore/run-case.js';
import { ShrinkMemo } from '../../src/explore/shrink-memo.js';

/** The two fields the memo reads of a run's result. */
function run(verdict: CaseResult['verdict'], events: number): CaseResult {
  return { verdict, stats: { events } } as unknown as CaseResult;
}

describe('ShrinkMemo', () => {
  it('answers a repeated input with its verdict and events, and keeps a failing run whole', () => {
    const memo = new ShrinkMemo<unknown>();
    const failing = run('fail', 120);
    memo.set([[{ kind: 'crash', when: { atUs: 5 } }], 7, undefined], failing);
    memo.set([[], 7, undefined], run('pass', 80));
    expect(memo.get([[{ kind: 'crash', when: { atUs: 5 } }], 7, undefined])).toEqual({ failed: true, events: 120, result: failing });
    expect(memo.get([[], 7, undefined])).toEqual({ failed: false, events: 80, result: undefined });
  });

  it('never takes unequal inputs for the same one, where JSON alone would', () => {
    const memo = new ShrinkMemo<unknown>();
    memo.set([{ a: 1, b: undefined }, 0, null], run('fail', 1));
    expect(memo.get([{ a: 1 }, 0, null])).toBeUndefined();
    expect(memo.get([{ a: 1, b: undefined }, -0, null])).toBeUndefined();
    expect(memo.get([{ a: 1, b: null }, 0, null])).toBeUndefined();
    memo.set([[Number.NaN], 1, undefined], run('pass', 1));
    expect(memo.get([[null], 1, undefined])).toBeUndefined();
    expect(memo.get([[Number.NaN], 1, undefined])).toBeDefined();
    expect(memo.get([{ a: 1, b: undefined }, 0, null])).toBeDefined();
  });
});
