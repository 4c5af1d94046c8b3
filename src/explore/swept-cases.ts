import type { SweptCase } from './mutants.js';
import type { CaseList, SweepPlan } from './sweep.js';
import type { SweepCaseResult } from './sweep-case.js';

/**
 * What a sweep keeps for the kill matrix run after it (`--mutants`, `npm start`): for its first
 * `indices` cases of each scenario (those the matrix's budget reaches), whether each passed and
 * which planted bugs its run consulted (cluster/planted-bug-reach.ts). The matrix then runs a bug
 * only on the cases that reached it or did not pass (mutants.ts, knownPassingCases): the others
 * would run event for event as the sweep ran them.
 */
export class SweptCases {
  private readonly cases = new Map<string, SweptCase>();

  /** @param indices - case indices per scenario to record (0: none) */
  constructor(private readonly indices: number) {}

  /** The plan with the cases to record marked for it. */
  marking<Plan extends CaseList & Pick<SweepPlan, 'positionOf'>>(plan: Plan): CaseList & Pick<SweepPlan, 'positionOf'> {
    if (this.indices === 0) return plan;
    return {
      length: plan.length,
      at: (position) => {
        const sweepCase = plan.at(position);
        return sweepCase === undefined || sweepCase.index >= this.indices ? sweepCase : { ...sweepCase, recordConsultedBugs: true };
      },
      ready: (position) => plan.ready?.(position) ?? true,
      positionOf: (scenario, index) => plan.positionOf(scenario, index),
    };
  }

  /** Keeps what a result tells the matrix, and gives the result without it (results.json has no such field). */
  take(result: SweepCaseResult): SweepCaseResult {
    if (result.consultedBugs === undefined) return result;
    const { consultedBugs, ...rest } = result;
    const failed = result.verdict === 'fail' || result.verdict === 'nondeterministic' || result.failure !== undefined;
    this.cases.set(`${result.scenario}#${result.index}`, { caseSeed: result.caseSeed, failed, consultedBugs });
    return rest;
  }

  /** What the sweep recorded of case `index` of `scenario`; undefined when nothing. */
  lookup(scenario: string, index: number): SweptCase | undefined {
    return this.cases.get(`${scenario}#${index}`);
  }
}
