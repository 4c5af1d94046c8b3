import { plantedBugCatalogue, plantedBugNames, type PlantedBug } from '../cluster/planted-bugs.js';
import { findScenario } from '../../scenarios/index.js';
import type { FaultProfile } from './arbitraries.js';
import { runCase } from './run-case.js';
import { caseSeedFor, runSweepCase, type SweepCaseResult } from './sweep-case.js';

/** Where a planted bug shows: the scenarios to run, the faults to inject, and config that exposes it. */
interface MutantSetup {
  readonly scenarios: readonly string[];
  readonly profile: FaultProfile;
  readonly config?: Readonly<Record<string, unknown>>;
}

const overlapping = { checkpoint: { maxConcurrentCheckpoints: 3, intervalUs: 3_000 } };

/** For each planted bug, a setup in which a correct oracle must catch it. */
export const mutantSetups: Readonly<Record<PlantedBug, MutantSetup>> = {
  'coordinator-completes-without-all-acks': { scenarios: ['wordcount'], profile: 'none' },
  'coordinator-ignores-max-concurrent': { scenarios: ['fan-in-skew'], profile: 'none', config: { checkpoint: { intervalUs: 2_000 } } },
  'coordinator-never-expires': { scenarios: ['wordcount', 'diamond'], profile: 'network' },
  // Caught when a checkpoint whose HA write was ambiguous stays in HA without its state.
  'coordinator-discards-possibly-stored-checkpoint': { scenarios: ['wordcount', 'diamond'], profile: 'ha' },
  'coordinator-leaks-subsumed-state': { scenarios: ['wordcount'], profile: 'none' },
  'handler-snapshots-before-alignment': { scenarios: ['fan-in-skew', 'wordcount'], profile: 'none' },
  'handler-never-blocks-channels': { scenarios: ['fan-in-skew', 'wordcount'], profile: 'none' },
  // A newer barrier reaches an alignment only when some producer skipped the older checkpoint
  // entirely (its trigger RPC was lost): overlapping checkpoints under network faults.
  'handler-ignores-newer-barrier': { scenarios: ['fan-in-skew', 'wordcount'], profile: 'network', config: overlapping },
  'exactly-once-uses-tracker': { scenarios: ['fan-in-skew', 'wordcount'], profile: 'none' },
  'source-offset-after-emit': { scenarios: ['wordcount', 'diamond'], profile: 'crashes' },
  'source-ignores-restored-offsets': { scenarios: ['wordcount', 'diamond'], profile: 'crashes' },
  'task-drops-input-channel-state': { scenarios: ['unaligned'], profile: 'crashes' },
  'restore-skips-channel-state': { scenarios: ['unaligned'], profile: 'crashes' },
  'sink-commits-on-snapshot': { scenarios: ['wordcount', 'diamond'], profile: 'crashes' },
  'sink-skips-recommit-on-restore': { scenarios: ['wordcount', 'diamond', 'fan-in-skew'], profile: 'everything' },
  'sink-commits-only-exact-id': { scenarios: ['wordcount', 'diamond'], profile: 'network' },
  'restore-oldest-retained-checkpoint': { scenarios: ['wordcount', 'diamond'], profile: 'crashes', config: { checkpoint: { retainedCheckpoints: 3 } } },
  'checkpoint-id-counter-not-ha': { scenarios: ['wordcount', 'diamond'], profile: 'crashes' },
};

/** One row of the kill matrix. */
export interface MutantResult {
  readonly bug: PlantedBug;
  readonly component: string;
  readonly description: string;
  readonly killed: boolean;
  /** Cases run until the first one that failed (or the budget, when it survived). */
  readonly casesToDetection: number;
  readonly detectedBy: string | undefined;
  readonly scenario: string | undefined;
  readonly message: string | undefined;
  readonly shrunkPlanSize: number | undefined;
  readonly shrinkSteps: number | undefined;
  readonly replay: string | undefined;
  /** The shrunk case run again without the bug: 'pass' shows the bug, not the harness, failed it. */
  readonly control: 'pass' | 'fail' | 'expected-gap' | undefined;
}

/**
 * Runs the suite against one planted bug: cases of its setup, in a fixed order from `seed`,
 * until one fails; that case is shrunk by fast-check. A bug no case catches within `budget`
 * cases survived, and that is a finding about the oracle.
 */
export function runMutant(bug: PlantedBug, budget: number, seed: number): MutantResult {
  const setup = mutantSetups[bug];
  const config = { ...setup.config, plantedBugs: [bug] };
  let last: SweepCaseResult | undefined;
  for (let index = 0; index < budget; index++) {
    const scenarioName = setup.scenarios[index % setup.scenarios.length] as string;
    const scenario = findScenario(scenarioName);
    if (scenario === undefined) throw new Error(`mutant ${bug} names unknown scenario ${scenarioName}`);
    last = runSweepCase(scenario, { index, scenario: scenarioName, caseSeed: caseSeedFor(seed, `${bug}/${scenarioName}`, index), profile: setup.profile, config });
    if (last.failure !== undefined) {
      const control = runCase(scenario, { scenario: scenarioName, seed: last.failure.shrunkSeed, faults: last.failure.shrunkFaults, ...(setup.config === undefined ? {} : { config: setup.config }) });
      return {
        control: control.verdict,
        bug,
        ...plantedBugCatalogue[bug],
        killed: true,
        casesToDetection: index + 1,
        detectedBy: last.failure.property,
        scenario: scenarioName,
        message: last.failure.message,
        shrunkPlanSize: last.failure.shrunkFaults.length,
        shrinkSteps: last.failure.shrinkSteps,
        replay: last.failure.replay,
      };
    }
  }
  return { bug, ...plantedBugCatalogue[bug], killed: false, casesToDetection: budget, detectedBy: undefined, scenario: undefined, message: undefined, shrunkPlanSize: undefined, shrinkSteps: undefined, replay: undefined, control: undefined };
}

/** Runs every planted bug (or the named ones) and returns the kill matrix in catalogue order. */
export function runMutants(budget: number, seed: number, only?: readonly PlantedBug[]): MutantResult[] {
  return (only ?? plantedBugNames).map((bug) => runMutant(bug, budget, seed));
}
