import type { PlanEntry } from '../faults/plan.js';
import type { CaseResult } from './run-case.js';

/**
 * The runs of one sweep case's shrinking, remembered by their input. fast-check's shrinker asks
 * for the same candidate again and again (after each successful step it walks the shrinks of
 * the new value, many of which it has already tried): about half of a kill-matrix bug's shrink
 * runs repeat an earlier one. A run is a pure function of its input, so a repeat is answered
 * from here: its verdict, its event count (still charged to the shrink budget, so shrinking
 * stops exactly where it would have) and, for a failing run, its result.
 */
export class ShrinkMemo<Input> {
  private readonly runs = new Map<string, { readonly failed: boolean; readonly events: number; readonly result: CaseResult | undefined }>();

  /** The remembered run of `input`, if it ran before. */
  get(input: Input): { readonly failed: boolean; readonly events: number; readonly result: CaseResult | undefined } | undefined {
    return this.runs.get(inputKey(input));
  }

  /** Remembers a run of `input`; only a failing run's whole result is kept. */
  set(input: Input, result: CaseResult): void {
    const failed = result.verdict === 'fail';
    this.runs.set(inputKey(input), { failed, events: result.stats.events, result: failed ? result : undefined });
  }
}

/** The input of a shrink run: the fault plan, the simulation seed and the drawn variation. */
export type ShrinkInput = readonly [readonly PlanEntry[], number, unknown];

/**
 * A text that equal inputs share and unequal ones never do: JSON with undefined, non-finite
 * numbers and -0 spelled out (JSON alone would fold them into absent fields, null and 0).
 * Objects whose keys come in another order get another text: a missed repeat, never a wrong one.
 */
function inputKey(input: unknown): string {
  return JSON.stringify(input, (_key, value: unknown) => {
    if (value === undefined) return '\u0000undefined';
    if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return `\u0000number:${Object.is(value, -0) ? '-0' : String(value)}`;
    if (typeof value === 'bigint') return `\u0000bigint:${value}`;
    return value;
  });
}
