import { plantedBugCatalogue, plantedBugNames, type PlantedBug } from '../cluster/planted-bugs.js';
import { scenarios as builtIn } from '../../scenarios/index.js';
import { lookupScenario } from './scenario-registry.js';
import type { FaultProfile } from './arbitraries.js';
import type { OperationLevel } from './operation-arbitraries.js';
import { decodeReplayToken } from './replay-token.js';
import { runCase } from './run-case.js';
import { SweepPlan } from './sweep.js';
import { caseSeedFor, runSweepCase, shrinkEventBudget, type SweepCase, type SweepCaseResult } from './sweep-case.js';
import { CoverageCorpus } from './strategies/coverage-corpus.js';
import { defaultRoundSize, type StrategySettings } from './strategies/strategy.js';

/**
 * The cases a kill matrix runs each planted bug on: those of a sweep (by default the one
 * `npm start` runs: every built-in scenario under swarm faults, the same seed), with the bug
 * switched on and nothing else changed. Plain data, so worker threads can rebuild it.
 */
export interface MutantSweep {
  readonly scenarios: readonly string[];
  readonly runsPerScenario: number;
  readonly seed: number;
  readonly profile: FaultProfile;
  /** Cases tried per bug before it counts as surviving, taken scenario by scenario in turn. */
  readonly budget: number;
  /** The sweep draws scenario parameters and runtime config as `--vary` does. */
  readonly vary?: boolean;
  /** The operations the sweep's cases draw (savepoints, manual checkpoints, stop-with-savepoint...); the default sweep's `some`. */
  readonly operations?: OperationLevel;
  /** The exploration strategy of each bug's search (`mutants --strategy`); absent: random, the sweep's own cases. */
  readonly strategy?: StrategySettings;
  /** Simulated events the shrinking of a bug's failing case may spend; absent: {@link matrixShrinkEventBudget}. */
  readonly shrinkBudget?: number;
}

/** The default sweep's cases (`npm start`: every built-in scenario, swarm faults, some operations), tried up to `budget` per bug. */
export function defaultMutantSweep(budget: number, seed = 1, runsPerScenario = 300): MutantSweep {
  return { scenarios: builtIn.map((scenario) => scenario.name), runsPerScenario, seed, profile: 'swarm', operations: 'some', budget: Math.min(budget, builtIn.length * runsPerScenario) };
}

/**
 * Case `attempt` of a kill-matrix search: the sweep's cases taken round-robin over its
 * scenarios (case 0 of each scenario, then case 1 of each, ...), so that a small budget already
 * reaches every scenario. Each is exactly the sweep's case, with the bug added to its config.
 */
export function mutantCase(sweep: MutantSweep, bug: PlantedBug, attempt: number): SweepCase {
  const plan = new SweepPlan(sweep.scenarios, sweep.runsPerScenario, sweep.seed, sweep.profile, undefined, sweep.vary === true, sweep.operations ?? 'none');
  const scenario = sweep.scenarios[attempt % sweep.scenarios.length] as string;
  const index = Math.floor(attempt / sweep.scenarios.length);
  const sweepCase = plan.at(plan.positionOf(scenario, index) as number) as SweepCase;
  const pct = sweep.strategy?.pct;
  return { ...sweepCase, config: { ...sweepCase.config, plantedBugs: [bug] }, ...(pct === undefined ? {} : { pct }) };
}

/**
 * The cases of one bug's search under the sweep's strategy: {@link mutantCase} as it is (random,
 * pct), or, for the coverage strategy, made from a corpus the search evolves from its own
 * results (rounds of the same size as a sweep's, so the cases are those of a sweep in this order).
 */
export function mutantCases(sweep: MutantSweep, bug: PlantedBug): { at(attempt: number): SweepCase; record(attempt: number, result: SweepCaseResult): void } {
  const strategy = sweep.strategy;
  if (strategy?.name !== 'coverage') return { at: (attempt) => mutantCase(sweep, bug, attempt), record: () => {} };
  const corpus = new CoverageCorpus(strategy.roundSize ?? defaultRoundSize, lookupScenario);
  return { at: (attempt) => corpus.caseFor(attempt, mutantCase(sweep, bug, attempt)), record: (attempt, result) => corpus.record(attempt, result) };
}

/**
 * Per-bug setups written to expose each of the first planted bugs (a chosen scenario, fault
 * profile and config). They are not the kill matrix: they stay as its second, labelled column
 * ("tailored"), to show how much easier a bug is to catch when one knows where it is.
 */
interface MutantSetup {
  readonly scenarios: readonly string[];
  readonly profile: FaultProfile;
  readonly config?: Readonly<Record<string, unknown>>;
}

const overlapping = { checkpoint: { maxConcurrentCheckpoints: 3, intervalUs: 3_000 } };

/** For some planted bugs, a setup tailored to catch it (the matrix's second column). */
export const mutantSetups: Readonly<Partial<Record<PlantedBug, MutantSetup>>> = {
  'coordinator-completes-without-all-acks': { scenarios: ['wordcount'], profile: 'none' },
  'coordinator-ignores-max-concurrent': { scenarios: ['fan-in-skew'], profile: 'none', config: { checkpoint: { intervalUs: 2_000 } } },
  'coordinator-never-expires': { scenarios: ['wordcount', 'diamond'], profile: 'network' },
  'coordinator-discards-possibly-stored-checkpoint': { scenarios: ['wordcount', 'diamond'], profile: 'ha' },
  'coordinator-leaks-subsumed-state': { scenarios: ['wordcount'], profile: 'none' },
  'handler-snapshots-before-alignment': { scenarios: ['fan-in-skew', 'wordcount'], profile: 'none' },
  'handler-never-blocks-channels': { scenarios: ['fan-in-skew', 'wordcount'], profile: 'none' },
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
  'committer-ignores-end-of-input': { scenarios: ['sink-v2'], profile: 'none' },
  'committer-commits-incomplete-checkpoints': { scenarios: ['sink-v2'], profile: 'none' },
  'committer-loses-recovered-committables': { scenarios: ['sink-v2'], profile: 'crashes' },
  'sink-writer-emits-committables-after-barrier': { scenarios: ['sink-v2'], profile: 'crashes' },
  'committer-drops-retriable-committables': { scenarios: ['sink-v2'], profile: 'everything' },
};

/** How a tailored setup fared (the matrix's second column). */
export interface TailoredResult {
  readonly killed: boolean;
  readonly casesToDetection: number;
  readonly detectedBy: string | undefined;
}

/** One row of the kill matrix. */
export interface MutantResult {
  readonly bug: PlantedBug;
  readonly component: string;
  readonly description: string;
  /** The real Flink bug the planted one is modelled on (FLINK-NNNNN), or 'generic' for a generic mistake. */
  readonly issue: string;
  readonly killed: boolean;
  /** Default-sweep cases run until the first one that failed (the budget, when it survived). */
  readonly casesToDetection: number;
  /** Wall-clock seconds of those cases and of shrinking the failing one (not deterministic; absent when no clock was given). */
  readonly secondsToDetection?: number;
  readonly detectedBy: string | undefined;
  readonly scenario: string | undefined;
  readonly message: string | undefined;
  readonly shrunkPlanSize: number | undefined;
  readonly shrinkSteps: number | undefined;
  /** Set when shrinking stopped at the shrink budget (explore/sweep-case's shrinkEventBudget). */
  readonly shrinkBudgetSpent?: true;
  readonly replay: string | undefined;
  /** The shrunk case run again without the bug: 'pass' shows the bug, not the harness, failed it. */
  readonly control: 'pass' | 'fail' | 'expected-gap' | 'undecided' | undefined;
  /** The bug's tailored setup, when it has one and it was run (`ckptsim mutants --tailored`). */
  readonly tailored?: TailoredResult;
  /** Not caught, and listed in {@link knownSurvivors}: the workload or property the default sweep lacks. */
  readonly knownSurvivor?: string;
}

/** True when the matrix row holds: caught with a passing control, or a known survivor not caught. */
export function mutantHolds(mutant: Pick<MutantResult, 'killed' | 'control' | 'knownSurvivor'>): boolean {
  return mutant.killed ? mutant.control !== 'fail' : mutant.knownSurvivor !== undefined;
}

/**
 * Planted bugs the default sweep is known not to catch, each with the general workload or
 * property it lacks. A known survivor is a documented blind spot, shown in every report (never
 * counted as caught, skipped in junit.xml with this reason); a bug not caught that is not listed
 * here fails the kill matrix, as does a listed one whose shrunk case fails without the bug. The
 * answer to an entry is the missing workload or property, never a setup for that bug; remove the
 * entry once the default sweep catches it.
 */
export const knownSurvivors: Readonly<Partial<Record<PlantedBug, string>>> = {
};

/**
 * The shrink budget of a kill-matrix search, in simulated events: a tenth of a sweep's
 * ({@link shrinkEventBudget}). The matrix shrinks so that its control (the shrunk case without the
 * bug) says something about a small case; a sweep's real failure is shrunk further, since a reader
 * debugs it. Measured over the 73 planted bugs (the depth draw left unshrunk): median shrunk plan
 * 1 entry, largest 7, as with two and a half times the budget, which cost a fifth more CPU.
 */
export const matrixShrinkEventBudget = shrinkEventBudget / 10;

/** A wall clock in milliseconds, given by the caller (simulated code has none). */
export type WallClock = () => number;

/**
 * The control: the shrunk failing case (read back from its replay token, so it carries whatever
 * the case drew: config, parameters, operations) run again with the planted bug taken out.
 */
function control(replay: string): MutantResult['control'] {
  const spec = decodeReplayToken(replay);
  const scenario = lookupScenario(spec.scenario);
  if (scenario === undefined) throw new Error(`kill matrix: unknown scenario ${spec.scenario}`);
  const { plantedBugs: _bugs, ...config } = spec.config ?? {};
  const { config: _config, ...rest } = spec;
  return runCase(scenario, { ...rest, ...(Object.keys(config).length === 0 ? {} : { config }) }).verdict;
}

/**
 * The attempts of one bug's search ({@link mutantCase} numbering) whose case the sweep before the
 * matrix ran without the bug, saw pass, and whose run never consulted the bug's switch.
 */
export type KnownPassingCases = ReadonlySet<number>;

const noKnownPassingCases: KnownPassingCases = new Set();

/**
 * What a sweep's case told about one kill-matrix attempt: its case seed (to match it to the
 * attempt), whether it passed, and the planted bugs its run consulted (absent: not recorded).
 */
export interface SweptCase {
  readonly caseSeed: number;
  readonly failed: boolean;
  readonly consultedBugs: readonly string[] | undefined;
}

/**
 * The attempts of `bug`'s search that need no run: the sweep's result for the same case
 * (`swept(scenario, index)`) passed without consulting the bug. Only for the random strategy's
 * cases; any doubt (no result, another case seed, no record of what it consulted) runs the case.
 */
export function knownPassingCases(sweep: MutantSweep, bug: PlantedBug, swept: (scenario: string, index: number) => SweptCase | undefined): Set<number> {
  const known = new Set<number>();
  if (sweep.strategy !== undefined) return known;
  for (let attempt = 0; attempt < sweep.budget; attempt++) {
    const scenario = sweep.scenarios[attempt % sweep.scenarios.length] as string;
    const index = Math.floor(attempt / sweep.scenarios.length);
    const result = swept(scenario, index);
    if (result === undefined || result.failed || result.consultedBugs === undefined || result.consultedBugs.includes(bug)) continue;
    if (result.caseSeed !== mutantCase(sweep, bug, attempt).caseSeed) continue;
    known.add(attempt);
  }
  return known;
}

/**
 * Runs the default sweep's cases against one planted bug, in the order of {@link mutantCase},
 * until one fails; fast-check shrinks that case, and the shrunk case is run again without the
 * bug (the control). A bug no case catches within the budget survived: a finding about the
 * workload or the oracle, never a reason to tune the sweep for that bug. Attempts in `known`
 * ({@link knownPassingCases}) are answered from the sweep's run of the same case.
 */
export function runMutant(bug: PlantedBug, sweep: MutantSweep, clock?: WallClock, known: KnownPassingCases = noKnownPassingCases): MutantResult {
  const startedMs = clock?.();
  // Only the random strategy's cases are the sweep's own: the coverage strategy makes its own.
  const skippable = sweep.strategy === undefined ? known : noKnownPassingCases;
  const seconds = () => (clock === undefined || startedMs === undefined ? {} : { secondsToDetection: Math.round(clock() - startedMs) / 1000 });
  const { component, description, issue } = plantedBugCatalogue[bug];
  const cases = mutantCases(sweep, bug);
  for (let attempt = 0; attempt < sweep.budget; attempt++) {
    // The sweep ran this very case without the bug, it passed, and its run never consulted the
    // bug's switch: with the bug on it runs the same and passes again (planted-bug-reach.ts).
    if (skippable.has(attempt)) continue;
    const sweepCase = cases.at(attempt);
    const scenario = lookupScenario(sweepCase.scenario);
    if (scenario === undefined) throw new Error(`kill matrix: unknown scenario ${sweepCase.scenario}`);
    // Only whether the case failed counts here: no determinism re-run of every hundredth case
    // (the sweep checks those cases; its verdict here would go unread).
    const last = runSweepCase(scenario, sweepCase, sweep.shrinkBudget ?? matrixShrinkEventBudget, { checkDeterminism: false });
    cases.record(attempt, last);
    if (last.failure === undefined) continue;
    const verdict = control(last.failure.replay);
    return {
      bug,
      component,
      description,
      issue,
      killed: true,
      casesToDetection: attempt + 1,
      ...seconds(),
      detectedBy: last.failure.property,
      scenario: sweepCase.scenario,
      message: last.failure.message,
      shrunkPlanSize: last.failure.shrunkFaults.length,
      shrinkSteps: last.failure.shrinkSteps,
      ...(last.failure.shrinkBudgetSpent === true ? { shrinkBudgetSpent: true as const } : {}),
      replay: last.failure.replay,
      control: verdict,
    };
  }
  const survivor = knownSurvivors[bug];
  return {
    bug, component, description, issue, killed: false, casesToDetection: sweep.budget, ...seconds(), detectedBy: undefined, scenario: undefined, message: undefined, shrunkPlanSize: undefined, shrinkSteps: undefined, replay: undefined, control: undefined,
    ...(survivor === undefined ? {} : { knownSurvivor: survivor }),
  };
}

/**
 * Runs a planted bug's tailored setup (when it has one): cases of its chosen scenarios and
 * profile, with its config, until one fails. The kill matrix's second column only.
 */
export function runTailoredMutant(bug: PlantedBug, budget: number, seed: number): TailoredResult | undefined {
  const setup = mutantSetups[bug];
  if (setup === undefined) return undefined;
  const config = { ...setup.config, plantedBugs: [bug] };
  for (let index = 0; index < budget; index++) {
    const scenarioName = setup.scenarios[index % setup.scenarios.length] as string;
    const scenario = lookupScenario(scenarioName);
    if (scenario === undefined) throw new Error(`mutant ${bug} names unknown scenario ${scenarioName}`);
    const last = runSweepCase(scenario, { index, scenario: scenarioName, caseSeed: caseSeedFor(seed, `${bug}/${scenarioName}`, index), profile: setup.profile, config });
    if (last.failure !== undefined) return { killed: true, casesToDetection: index + 1, detectedBy: last.failure.property };
  }
  return { killed: false, casesToDetection: budget, detectedBy: undefined };
}

/** Runs every planted bug (or the named ones) on the default sweep's cases; the kill matrix in catalogue order. */
export function runMutants(sweep: MutantSweep, only?: readonly PlantedBug[], clock?: WallClock): MutantResult[] {
  return (only ?? plantedBugNames).map((bug) => runMutant(bug, sweep, clock));
}

/** The figures of a kill matrix: killed of total, cases and seconds to detection, shrunk plan sizes. */
export interface MutantSummary {
  readonly bugs: number;
  readonly killed: number;
  readonly casesToDetection: { readonly median: number; readonly worst: number };
  readonly secondsToDetection: { readonly median: number; readonly worst: number };
  readonly shrunkPlanSize: { readonly median: number; readonly worst: number };
}

/** Sums a kill matrix up; medians and worsts are over the killed bugs. */
export function summariseMutants(results: readonly MutantResult[]): MutantSummary {
  const killed = results.filter((result) => result.killed);
  const spread = (values: number[]) => {
    const sorted = values.sort((left, right) => left - right);
    return { median: sorted.length === 0 ? 0 : (sorted[Math.floor((sorted.length - 1) / 2)] as number), worst: sorted.at(-1) ?? 0 };
  };
  return {
    bugs: results.length,
    killed: killed.length,
    casesToDetection: spread(killed.map((result) => result.casesToDetection)),
    secondsToDetection: spread(killed.map((result) => result.secondsToDetection ?? 0)),
    shrunkPlanSize: spread(killed.map((result) => result.shrunkPlanSize ?? 0)),
  };
}
