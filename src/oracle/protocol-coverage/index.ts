import type { Observation } from '../../cluster/observations.js';
import { AbstractStateCollector } from './abstract-states.js';
import { StepFaultCollector } from './step-fault.js';

export { AbstractStateCollector, abstractStateKinds, abstractStateKindNames } from './abstract-states.js';
export { StepFaultCollector, coverageColumns, coverageRows, impossiblePairs, operationRows, pairId, possiblePairs } from './step-fault.js';

/** What one case covered: its step × fault pairs (`kind@row`) and the abstract states it reached, each sorted. */
export interface CaseCoverage {
  readonly pairs: readonly string[];
  readonly states: readonly string[];
}

/** Collects a case's {@link CaseCoverage} from its observations; subscribe `observe` before the job starts. */
export class CoverageCollector {
  private readonly stepFault = new StepFaultCollector();
  private readonly abstractStates = new AbstractStateCollector();

  readonly observe = (observation: Observation): void => {
    this.stepFault.observe(observation);
    this.abstractStates.observe(observation);
  };

  /** The case's coverage; `applied` says which plan entries took effect (the nemesis's records). */
  coverage(applied: (index: number) => boolean): CaseCoverage {
    return { pairs: this.stepFault.pairs(applied), states: this.abstractStates.states() };
  }
}
