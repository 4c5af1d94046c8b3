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
  const drawn = level === 'some' ? fc.array(operation, { minLength: 0, maxLength: 2 }) : fc.array(operation, { minLength: 1, maxLength: 5 });
  // The rescale is drawn after every other operation, so the draws before it are those of a
  // sweep without rescaling; one case in three gets one.
  return fc.tuple(drawn, rescalesArbitrary(topology)).map(([operations, rescales]) => [...operations, ...rescales]);
}

/** The most subtasks a drawn rescale gives a vertex. */
const maxDrawnParallelism = 4;

/**
 * Zero or one rescale (stop-with-savepoint, resume at another parallelism): a non-empty set of
 * forward groups, each at a parallelism in 1..4, fitting the cluster's slots. Shrinks to none.
 */
export function rescalesArbitrary(topology: Topology): fc.Arbitrary<Operation[]> {
  const groups = topology.forwardGroups ?? [];
  if (groups.length === 0) return fc.constant([]);
  const rescale = fc
    .tuple(
      fc.array(fc.integer({ min: 1, max: maxDrawnParallelism }), { minLength: groups.length, maxLength: groups.length }),
      fc.array(fc.boolean(), { minLength: groups.length, maxLength: groups.length }),
      triggerArbitrary(topology),
    )
    .map(([parallelisms, chosen, when]): Operation | undefined => {
      const pairs: string[] = [];
      groups.forEach((group, index) => {
        if (chosen[index] === true) for (const vertex of group) pairs.push(`${vertex}=${parallelisms[index]}`);
      });
      return pairs.length === 0 ? undefined : { kind: 'rescale', parallelism: pairs.join(','), when };
    });
  return fc.tuple(fc.integer({ min: 0, max: 2 }), rescale).map(([pick, operation]) => (pick === 2 && operation !== undefined ? [operation] : []));
}
