import type { CaseList, SweepPlan } from '../sweep.js';
import { lookupScenario } from '../scenario-registry.js';
import type { SweepCase, SweepCaseResult } from '../sweep-case.js';
import { CoverageCorpus } from './coverage-corpus.js';
import { defaultRoundSize, type StrategySettings } from './strategy.js';

/**
 * The cases of a sweep under a strategy, by position: the random strategy's cases (the plan's
 * own), the same cases run with PCT scheduling, or the coverage strategy's (fresh or mutated, per
 * round). Results must be handed to {@link StrategyPlan.record} in canonical order: the coverage
 * strategy makes later rounds from them, and a case of a later round is not {@link ready} before.
 */
export class StrategyPlan implements CaseList {
  readonly length: number;
  /** The coverage strategy's corpus (undefined for the other strategies). */
  readonly corpus: CoverageCorpus | undefined;

  constructor(
    private readonly plan: SweepPlan,
    readonly strategy: StrategySettings,
  ) {
    this.length = plan.length;
    this.corpus = strategy.name === 'coverage' ? new CoverageCorpus(strategy.roundSize ?? defaultRoundSize, lookupScenario) : undefined;
  }

  at(position: number): SweepCase | undefined {
    const fresh = this.plan.at(position);
    if (fresh === undefined) return undefined;
    if (this.strategy.name === 'pct') return { ...fresh, pct: this.strategy.pct as NonNullable<SweepCase['pct']> };
    if (this.corpus !== undefined) return this.corpus.caseFor(position, fresh);
    return fresh;
  }

  ready(position: number): boolean {
    return this.corpus === undefined || this.corpus.ready(position);
  }

  positionOf(scenario: string, index: number): number | undefined {
    return this.plan.positionOf(scenario, index);
  }

  /** Takes a result; call in canonical order. */
  record(result: SweepCaseResult): void {
    if (this.corpus === undefined) return;
    this.corpus.record(this.plan.positionOf(result.scenario, result.index) as number, result);
  }
}
