import fc from 'fast-check';
import type { PlanEntry } from '../../faults/plan.js';
import type { CaseSpec } from '../replay-token.js';

/**
 * A case given whole (one the coverage strategy made by mutating a corpus entry) as the drawn
 * case of a sweep: fast-check runs it as it is and, when it fails, shrinks its plan by dropping
 * entries one at a time (as it shrinks a drawn plan towards fewer entries). Its simulation seed,
 * parameters and config stay as given: the variation (third element) carries the last two.
 */
export function givenCaseArbitrary(input: CaseSpec): fc.Arbitrary<[PlanEntry[], number, { parameters: Record<string, number>; config: Record<string, unknown> }]> {
  const variation = { parameters: { ...input.parameters }, config: { ...input.config } };
  return fc.tuple(new GivenPlanArbitrary((input.faults ?? []) as PlanEntry[]), fc.constant(input.seed), fc.constant(variation));
}

/** Generates exactly the given plan; shrinks a plan to each of the plans with one entry fewer. */
class GivenPlanArbitrary extends fc.Arbitrary<PlanEntry[]> {
  constructor(private readonly plan: readonly PlanEntry[]) {
    super();
  }

  generate(): fc.Value<PlanEntry[]> {
    return new fc.Value([...this.plan], undefined);
  }

  canShrinkWithoutContext(value: unknown): value is PlanEntry[] {
    return Array.isArray(value);
  }

  shrink(value: PlanEntry[]): fc.Stream<fc.Value<PlanEntry[]>> {
    // Bounded by the plan's length: each shrink drops one entry, so a plan of n shrinks at most n levels deep.
    return fc.Stream.of(...value.map((_, index) => new fc.Value(value.filter((__, other) => other !== index), undefined)));
  }
}
