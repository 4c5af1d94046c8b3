import type { Observation } from '../../cluster/observations.js';
import type { Violation } from '../violation.js';
import type { Checker, CheckerContext, CheckerFactory, CheckerProperty, FinalState } from './checker.js';
import { createConsistentSnapshotChecker } from './consistent-snapshot.js';
import { createCoordinatorInvariantsChecker } from './coordinator-invariants.js';
import { createLivenessChecker } from './liveness.js';
import { createRecoveryChecker } from './recovery.js';
import { createTriggerResultsChecker } from './trigger-results.js';
import { createFailureAccountingChecker } from './failure-accounting.js';
import { createNotificationOrderChecker } from './notification-order.js';
import { createExplainedFailuresChecker } from './explained-failures.js';
import { createExternalHygieneChecker } from './external-hygiene.js';
import { createTwoPhaseCommitChecker } from './two-phase-commit.js';
import { createWindowedOutputChecker } from './windowed-output.js';
import { createSplitOwnershipChecker } from './split-ownership.js';

export type { Checker, CheckerContext, CheckerFactory, CheckerProperty, FinalState, RetainedCheckpoint } from './checker.js';
export { createConsistentSnapshotChecker } from './consistent-snapshot.js';
export { createCoordinatorInvariantsChecker } from './coordinator-invariants.js';
export { createLivenessChecker } from './liveness.js';
export { createRecoveryChecker } from './recovery.js';
export { createTriggerResultsChecker } from './trigger-results.js';
export { createFailureAccountingChecker } from './failure-accounting.js';
export { createNotificationOrderChecker } from './notification-order.js';
export { createExplainedFailuresChecker } from './explained-failures.js';
export { createExternalHygieneChecker } from './external-hygiene.js';
export { createTwoPhaseCommitChecker } from './two-phase-commit.js';
export { createWindowedOutputChecker } from './windowed-output.js';
export { createSplitOwnershipChecker } from './split-ownership.js';

/** Every streaming checker, by the property it judges. */
export const checkerRegistry: Readonly<Record<CheckerProperty, CheckerFactory>> = {
  'consistent-snapshot': createConsistentSnapshotChecker,
  recovery: createRecoveryChecker,
  'coordinator-invariants': createCoordinatorInvariantsChecker,
  'two-phase-commit': createTwoPhaseCommitChecker,
  liveness: createLivenessChecker,
  'trigger-results': createTriggerResultsChecker,
  'failure-accounting': createFailureAccountingChecker,
  'notification-order': createNotificationOrderChecker,
  'explained-failures': createExplainedFailuresChecker,
  'external-hygiene': createExternalHygieneChecker,
  'windowed-output': createWindowedOutputChecker,
  'split-ownership': createSplitOwnershipChecker,
};

/** The property names the registry knows, in a stable order. */
export const checkerProperties = Object.keys(checkerRegistry) as CheckerProperty[];

/** True when `property` names a streaming checker (scenarios also declare output properties, judged elsewhere). */
export function isCheckerProperty(property: string): property is CheckerProperty {
  return Object.prototype.hasOwnProperty.call(checkerRegistry, property);
}

/**
 * Creates a fresh checker for each streaming property among `properties` (others are ignored),
 * each guarded by {@link guardChecker}.
 */
export function createCheckers(properties: readonly string[], context: CheckerContext): Checker[] {
  return properties.filter(isCheckerProperty).map((property) => guardChecker(checkerRegistry[property](context)));
}

/**
 * Wraps a checker so that an exception in `observe` (a bug in the checker, or an observation it
 * cannot read) neither escapes into the runtime's call stack, where it would look like a task
 * failure, nor goes unnoticed: the checker stops observing and reports the crash as its violation.
 */
export function guardChecker(checker: Checker): Checker {
  let crash: Violation | undefined;
  return {
    property: checker.property,
    observe(observation: Observation): void {
      if (crash !== undefined) return;
      try {
        checker.observe(observation);
      } catch (error) {
        crash = {
          property: checker.property,
          message: `the ${checker.property} checker failed on a ${observation.type} observation: ${error instanceof Error ? error.message : String(error)}`,
          timeUs: observation.timeUs,
          details: { observation: observation.type, stack: error instanceof Error ? error.stack : undefined },
        };
      }
    },
    finish(final: FinalState): Violation[] {
      if (crash !== undefined) return [crash];
      return checker.finish(final);
    },
  };
}
