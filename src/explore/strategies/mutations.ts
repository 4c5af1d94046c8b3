import fc from 'fast-check';
import { checkFaultTargets, isOperation, parseFaultPlan, type FaultTrigger, type PlanEntry } from '../../faults/plan.js';
import type { RandomStream } from '../../sim/index.js';
import { faultOfKind, topologyOf, triggerArbitrary, triggerSteps, type Topology } from '../arbitraries.js';
import type { CaseSpec } from '../replay-token.js';
import type { Scenario } from '../scenario.js';

/**
 * The mutations the coverage strategy makes of a corpus entry: add a fault or an operation (one
 * the fresh draw of the same position holds), drop one, move one (a new trigger), retarget one
 * to another protocol step, re-draw one's parameters, take the fresh draw's config and input
 * size, or reseed the simulation. Every random choice comes from the case's own stream, so a
 * mutated case is a pure function of (corpus entry, fresh draw, stream); and the result is a
 * whole case, carried by its replay token.
 */

/** Most entries a mutated plan holds (a drawn plan holds up to 4 faults and a few operations). */
export const maxMutatedPlanEntries = 8;

/** The mutation operators, by name. */
export const mutationNames = ['add', 'drop', 'move', 'retarget', 'redraw', 'config', 'reseed'] as const;

type MutationName = (typeof mutationNames)[number];

/** A mutated case and what was done to it (for reports: "drop rpc, retarget fail-task to task.snapshot-taken"). */
export interface MutatedCase {
  readonly spec: CaseSpec;
  readonly steps: readonly string[];
}

/**
 * Mutates `parent` once or twice. `donor` is the fresh draw of the same case position, the
 * source of added entries and of a new config. Entries that aim at a task, channel or executor
 * the mutated case does not have are dropped (they would never fire).
 */
export function mutateCase(scenario: Scenario, parent: CaseSpec, donor: CaseSpec, random: RandomStream): MutatedCase {
  let spec: CaseSpec = { ...parent, faults: [...((parent.faults ?? []) as PlanEntry[])] };
  const steps: string[] = [];
  const count = random.chance(1, 2) ? 1 : 2;
  for (let made = 0, tries = 0; made < count && tries < 8; tries++) {
    const name = mutationNames[random.int(mutationNames.length)] as MutationName;
    const mutated = applyMutation(name, scenario, spec, donor, random);
    if (mutated === undefined) continue;
    spec = mutated.spec;
    steps.push(mutated.step);
    made++;
  }
  return { spec: { ...spec, faults: aimedWithin(spec.faults as PlanEntry[], topologyFor(scenario, spec.parameters)) }, steps };
}

function applyMutation(name: MutationName, scenario: Scenario, spec: CaseSpec, donor: CaseSpec, random: RandomStream): { spec: CaseSpec; step: string } | undefined {
  const plan = spec.faults as PlanEntry[];
  const donorPlan = (donor.faults ?? []) as PlanEntry[];
  const pick = <T>(list: readonly T[]): T => list[random.int(list.length)] as T;
  const replaceAt = (index: number, entry: PlanEntry): CaseSpec => ({ ...spec, faults: plan.map((old, at) => (at === index ? entry : old)) });
  switch (name) {
    case 'add': {
      if (donorPlan.length === 0 || plan.length >= maxMutatedPlanEntries) return undefined;
      const entry = pick(donorPlan);
      return { spec: { ...spec, faults: [...plan, entry] }, step: `add ${entry.kind}` };
    }
    case 'drop': {
      if (plan.length === 0) return undefined;
      const index = random.int(plan.length);
      return { spec: { ...spec, faults: plan.filter((_, at) => at !== index) }, step: `drop ${(plan[index] as PlanEntry).kind}` };
    }
    case 'move': {
      if (plan.length === 0) return undefined;
      const index = random.int(plan.length);
      const when = sample(triggerArbitrary(topologyFor(scenario, spec.parameters)), random);
      return { spec: replaceAt(index, { ...(plan[index] as PlanEntry), when } as PlanEntry), step: `move ${(plan[index] as PlanEntry).kind}` };
    }
    case 'retarget': {
      if (plan.length === 0) return undefined;
      const index = random.int(plan.length);
      const entry = plan[index] as PlanEntry;
      const onStep = pick(triggerSteps);
      return { spec: replaceAt(index, { ...entry, when: retargeted(entry.when, onStep, random) } as PlanEntry), step: `retarget ${entry.kind} to ${onStep}` };
    }
    case 'redraw': {
      const faults = plan.map((entry, index) => ({ entry, index })).filter(({ entry }) => !isOperation(entry));
      if (faults.length === 0) return undefined;
      const { entry, index } = pick(faults);
      const fresh = sample(faultOfKind(entry.kind as Parameters<typeof faultOfKind>[0], topologyFor(scenario, spec.parameters)), random);
      return { spec: replaceAt(index, { ...fresh, when: entry.when } as PlanEntry), step: `redraw ${entry.kind} parameters` };
    }
    case 'config': {
      if (JSON.stringify(donor.config ?? {}) === JSON.stringify(spec.config ?? {}) && JSON.stringify(donor.parameters ?? {}) === JSON.stringify(spec.parameters ?? {})) return undefined;
      const { config: _config, parameters: _parameters, ...rest } = spec;
      return { spec: { ...rest, ...(donor.config === undefined ? {} : { config: donor.config }), ...(donor.parameters === undefined ? {} : { parameters: donor.parameters }) }, step: 'take config and input size of a fresh draw' };
    }
    case 'reseed':
      return { spec: { ...spec, seed: random.intBetween(1, 2_147_483_646) }, step: 'reseed' };
  }
}

/** A step trigger at `onStep`, keeping what of `when` still fits (the task; the checkpoint id but for end of data). */
function retargeted(when: FaultTrigger, onStep: string, random: RandomStream): FaultTrigger {
  const old = 'onStep' in when ? when : {};
  const task = onStep.startsWith('coordinator.') ? undefined : (old as { task?: string }).task;
  const checkpointId = onStep === 'task.end-of-data' ? undefined : (old as { checkpointId?: number }).checkpointId;
  // As the drawn triggers: a step narrowed to one checkpoint of one task (or of the coordinator), or to one task's end of data, happens once.
  const once = (checkpointId !== undefined && (task !== undefined || onStep.startsWith('coordinator.'))) || (task !== undefined && onStep === 'task.end-of-data');
  return { onStep, occurrence: once ? 1 : random.intBetween(1, 3), ...(task === undefined ? {} : { task }), ...(checkpointId === undefined ? {} : { checkpointId }) };
}

/** One value of `arbitrary`, drawn with a seed from `random` (fast-check's own generator, seeded). */
function sample<T>(arbitrary: fc.Arbitrary<T>, random: RandomStream): T {
  return fc.sample(arbitrary, { seed: random.uint32() | 0, numRuns: 1 })[0] as T;
}

/** The entries of `plan` that parse and aim only at names the case has. */
function aimedWithin(plan: readonly PlanEntry[], topology: Topology): PlanEntry[] {
  const targets = { tasks: topology.tasks, channels: topology.channels, executors: topology.executors };
  return plan.filter((entry) => {
    try {
      checkFaultTargets(parseFaultPlan([entry]), targets);
      return true;
    } catch {
      return false;
    }
  });
}

const topologies = new WeakMap<Scenario, Map<string, Topology>>();

/** The topology of a scenario at given parameters, kept per scenario. */
function topologyFor(scenario: Scenario, parameters: Readonly<Record<string, number>> | undefined): Topology {
  let known = topologies.get(scenario);
  if (known === undefined) topologies.set(scenario, (known = new Map()));
  const key = JSON.stringify(parameters ?? {});
  let topology = known.get(key);
  if (topology === undefined) known.set(key, (topology = topologyOf(scenario, parameters)));
  return topology;
}
