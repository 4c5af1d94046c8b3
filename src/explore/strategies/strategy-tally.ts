import type { SweepCaseResult } from '../sweep-case.js';
import { pctProbabilityBound, type StrategySettings } from './strategy.js';

/**
 * What a sweep's strategy did, in results.json's tail (`strategy`) and the reports: the cases the
 * coverage strategy made by mutation, and for PCT the lanes (n) and decisions (k) its cases saw,
 * with the probability bound they give. Counted from the cases themselves, so `report merge`
 * recomputes it from the merged cases.
 */
export interface StrategySummary {
  readonly name: StrategySettings['name'];
  /** Cases made by mutating a corpus entry (coverage strategy). */
  readonly mutatedCases: number;
  readonly pct?: {
    readonly depth: number;
    readonly windowUs: number;
    readonly steps: number;
    /** Cases run with PCT scheduling. */
    readonly cases: number;
    /** The most lanes (n) and decisions any case saw. */
    readonly lanesMax: number;
    readonly decisionsMax: number;
    /** Cases that made more decisions than `steps` (k): change points never fell past k in them, so the bound does not cover them. */
    readonly casesOverSteps: number;
    /** 1/(n·k^(d−1)) with n = lanesMax and k = steps: per case, the least chance of hitting a given depth-d ordering bug. */
    readonly probabilityBound: number;
  };
}

/** Counts a sweep's cases, in any order, into a {@link StrategySummary}. */
export class StrategyTally {
  private mutated = 0;
  private pctCases = 0;
  private lanesMax = 0;
  private decisionsMax = 0;
  private overSteps = 0;

  constructor(private readonly settings: StrategySettings | undefined) {}

  add(entry: SweepCaseResult): void {
    if (entry.mutation !== undefined) this.mutated++;
    const pct = entry.pct;
    if (pct === undefined) return;
    this.pctCases++;
    this.lanesMax = Math.max(this.lanesMax, pct.lanes);
    this.decisionsMax = Math.max(this.decisionsMax, pct.decisions);
    if (this.settings?.pct !== undefined && pct.decisions > this.settings.pct.steps) this.overSteps++;
  }

  /** The summary; undefined for a sweep without a strategy of its own (random). */
  summary(): StrategySummary | undefined {
    const settings = this.settings;
    if (settings === undefined || settings.name === 'random') return undefined;
    const pct = settings.pct;
    return {
      name: settings.name,
      mutatedCases: this.mutated,
      ...(pct === undefined
        ? {}
        : {
            pct: {
              ...pct,
              cases: this.pctCases,
              lanesMax: this.lanesMax,
              decisionsMax: this.decisionsMax,
              casesOverSteps: this.overSteps,
              probabilityBound: pctProbabilityBound(this.lanesMax, pct.steps, pct.depth),
            },
          }),
    };
  }
}

/** The strategy in one line, for the terminal and report.md; undefined for random. */
export function strategyLine(summary: StrategySummary | undefined, cases: number): string | undefined {
  if (summary === undefined) return undefined;
  if (summary.pct !== undefined) {
    const { depth, windowUs, steps, lanesMax, decisionsMax, casesOverSteps, probabilityBound } = summary.pct;
    return `strategy pct (depth d=${depth}, window ${windowUs} us, k=${steps}): up to n=${lanesMax} lanes and ${decisionsMax} decisions per case; each case hits a given ordering bug of depth ${depth} with probability at least 1/(n·k^(d−1)) = ${probabilityBound.toExponential(2)}, so ${cases} cases miss it with probability at most ${Math.exp(-cases * probabilityBound).toFixed(3)}${casesOverSteps === 0 ? '' : ` (${casesOverSteps} case(s) made more than k decisions; the bound does not cover their later decisions)`}`;
  }
  return `strategy coverage: ${summary.mutatedCases} of ${cases} cases mutated from the corpus of cases that reached new coverage, the rest drawn afresh`;
}
