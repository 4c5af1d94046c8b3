import { impossiblePairs, possiblePairs } from '../oracle/protocol-coverage/index.js';
import type { SweepCaseResult } from './sweep-case.js';

/**
 * What a sweep covered, in results.json's tail and the reports: the step × fault pairs (cases per
 * pair), the abstract protocol states (cases per state), and the saturation curve. Computed from
 * the cases' own coverage in canonical order, so it is the same for any worker count or shard
 * split, and `report merge` recomputes it from the merged cases.
 */
export interface CoverageSummary {
  /** Cases that carried coverage (results written before coverage was recorded carry none). */
  readonly cases: number;
  readonly pairs: {
    /** Pairs that may occur: every (row, fault kind) but the impossible ones. */
    readonly possible: number;
    /** Possible pairs some case covered. */
    readonly covered: number;
    /** Pair id (`kind@row`) -> cases that covered it; pairs no case covered are left out (count 0). */
    readonly counts: Readonly<Record<string, number>>;
    /** Pairs that can never occur, with why (oracle/protocol-coverage/step-fault.ts). */
    readonly impossible: ReadonlyArray<{ readonly pair: string; readonly reason: string }>;
  };
  readonly states: {
    /** Distinct abstract states reached. */
    readonly reached: number;
    /** Abstract state id -> cases that reached it. */
    readonly counts: Readonly<Record<string, number>>;
  };
  /** The saturation curve: distinct states and pairs after every `every` cases, and at the last case. */
  readonly curve: {
    readonly every: number;
    readonly points: ReadonlyArray<{ readonly cases: number; readonly states: number; readonly pairs: number }>;
    /** New abstract states in the last `window` cases (all of them when fewer): 1,000 from 5,000 cases on, else 100. */
    readonly lastSlope: { readonly window: number; readonly newStates: number };
  };
}

/** Curve points kept at most; past it, every other one is dropped and the spacing doubles. */
const maxCurvePoints = 1000;
/** The first spacing of curve points, in cases. */
const firstCurveSpacing = 10;
/** The last-slope window: per 1,000 cases, per 100 for sweeps under this many cases. */
const largeSweepCases = 5000;
const ringSize = 1001;

/**
 * Counts coverage case by case, in canonical order. Its memory is bounded by the pairs and
 * abstract states that exist (a few hundred each), a thousand curve points and a 1,000-case ring.
 */
export class CoverageTally {
  private cases = 0;
  private seen = 0;
  private readonly pairs = new Map<string, number>();
  private readonly states = new Map<string, number>();
  private every = firstCurveSpacing;
  private readonly points: Array<{ cases: number; states: number; pairs: number }> = [];
  /** Distinct states after each of the last 1,001 cases, by case number modulo 1,001 (a 1,000-case window reaches back 1,000). */
  private readonly recent = new Int32Array(ringSize);

  /** Counts one case; call in canonical order. */
  add(entry: SweepCaseResult): void {
    this.seen++;
    const coverage = entry.coverage;
    if (coverage !== undefined) {
      this.cases++;
      for (const pair of coverage.pairs) this.pairs.set(pair, (this.pairs.get(pair) ?? 0) + 1);
      for (const state of coverage.states) this.states.set(state, (this.states.get(state) ?? 0) + 1);
    }
    this.recent[this.seen % ringSize] = this.states.size;
    if (this.seen % this.every === 0) {
      this.points.push({ cases: this.seen, states: this.states.size, pairs: this.pairs.size });
      if (this.points.length >= maxCurvePoints) {
        const kept = this.points.filter((point) => point.cases % (this.every * 2) === 0);
        this.points.splice(0, this.points.length, ...kept);
        this.every *= 2;
      }
    }
  }

  /** The summary of the cases so far. */
  summary(): CoverageSummary {
    const possible = new Set(possiblePairs);
    const points = [...this.points];
    if (this.seen % this.every !== 0 || this.seen === 0) points.push({ cases: this.seen, states: this.states.size, pairs: this.pairs.size });
    const window = this.seen >= largeSweepCases ? 1000 : 100;
    const before = this.seen <= window ? 0 : (this.recent[(this.seen - window) % ringSize] as number);
    return {
      cases: this.cases,
      pairs: {
        possible: possible.size,
        covered: [...this.pairs.keys()].filter((pair) => possible.has(pair)).length,
        counts: sortedCounts(this.pairs),
        impossible: impossiblePairs,
      },
      states: { reached: this.states.size, counts: sortedCounts(this.states) },
      curve: { every: this.every, points, lastSlope: { window, newStates: this.states.size - before } },
    };
  }
}

function sortedCounts(counts: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0)));
}
