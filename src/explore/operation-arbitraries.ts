import fc from 'fast-check';
import type { Operation } from '../faults/plan.js';
import { triggerArbitrary, type Topology } from './arbitraries.js';

/**
 * How many operations a sweep case draws beside its faults: none, some (up to two), or many
 * (one to five). `none` draws nothing at all, so a sweep's fault draws are exactly those of a
 * sweep without operations.
 */
export const operationLevels = ['none', 'some', 'many'] as const;
export type OperationLevel = (typeof operationLevels)[number];

/**
 * One operation, fired like a fault (at a time in the fault window, or after a protocol step).
 * Parameters shrink towards the plainest: a savepoint first, no drain, an immediate resume.
 */
export function operationArbitrary(topology: Topology): fc.Arbitrary<Operation> {
  const when = triggerArbitrary(topology);
  return fc.oneof(
    fc.record({ kind: fc.constant('savepoint' as const), when }),
    fc.record({ kind: fc.constant('checkpoint' as const), when }),
    fc.record({ kind: fc.constant('stop-with-savepoint' as const), drain: fc.boolean(), when }),
    // Only 'latest': resuming from an older snapshot than the newest replays output an
    // exactly-once sink already committed, which is the user's doing, not the protocol's.
    fc.record({ kind: fc.constant('cancel' as const), resumeFrom: fc.constant('latest' as const), resumeAfterUs: fc.integer({ min: 0, max: 200_000 }), when }),
  );
}

/** The operations of one case at `level`, shrinking by dropping operations as fault plans do. */
export function operationsArbitrary(topology: Topology, level: OperationLevel): fc.Arbitrary<Operation[]> {
  if (level === 'none') return fc.constant([]);
  const operation = operationArbitrary(topology);
  return level === 'some' ? fc.array(operation, { minLength: 0, maxLength: 2 }) : fc.array(operation, { minLength: 1, maxLength: 5 });
}
