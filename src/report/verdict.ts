import type { ScenarioSummary, SweepReport } from '../explore/results.js';
import { harnessErrorProperty } from '../explore/sweep-case.js';
import { mutantHolds } from '../explore/mutants.js';
import { listLabels, parseShardLabels, plannedCases } from '../explore/shards.js';
import type { DeclaredProperties } from './markdown.js';

/**
 * The counts every report of a sweep shows (terminal, report.md, report.html, junit.xml), made
 * in one place so that they cannot disagree, and the verdict line they end or start with.
 */

/** One scenario's counts as the reports show them. */
export interface ScenarioCounts {
  readonly scenario: string;
  /** Cases that ran. */
  readonly cases: number;
  /** Cases the sweep (its shards at hand) planned for the scenario. */
  readonly planned: number;
  readonly passed: number;
  /** Cases that violated a property (harness errors apart). */
  readonly violated: number;
  /** Cases whose run (or a shrink of it) threw out of the simulation: a bug in ckptsim or a scenario's code. */
  readonly harnessErrors: number;
  readonly nondeterministic: number;
  /** Cases whose only violations a documented gap explains. */
  readonly expectedGaps: number;
  /** Cases the oracle could not decide: neither passed nor violated. */
  readonly undecided: number;
}

/** A sweep's overall verdict and the counts behind it. */
export interface SweepVerdict {
  readonly passed: boolean;
  readonly scenarios: readonly ScenarioCounts[];
  readonly cases: number;
  readonly planned: number;
  readonly violated: number;
  readonly harnessErrors: number;
  readonly nondeterministic: number;
  readonly expectedGaps: number;
  readonly undecided: number;
  /** Scenario x declared property pairs that no case judged (the scenario ran no case). */
  readonly skipped: ReadonlyArray<{ readonly scenario: string; readonly property: string }>;
  readonly interrupted: boolean;
  /** Shards of 1..n that the results do not hold (a merge with --allow-partial). */
  readonly missingShards: readonly string[];
  /** The planted-bug canary, when it ran: caught, and whether each shrunk case passed with its bug off. */
  readonly plantedBugs?: { readonly caught: number; readonly total: number; readonly knownSurvivors: number; readonly held: boolean };
  /** Saved cases of `--corpus DIR` that fail now: each fails the sweep as a violation would. */
  readonly corpusFailing: number;
}

function countsOf(entry: ScenarioSummary, planned: number): ScenarioCounts {
  const harnessErrors = entry.violations[harnessErrorProperty] ?? 0;
  return {
    scenario: entry.scenario,
    cases: entry.cases,
    planned,
    passed: entry.passed,
    violated: entry.failed - harnessErrors,
    harnessErrors,
    nondeterministic: entry.nondeterministic,
    expectedGaps: entry.expectedGaps,
    undecided: entry.undecided ?? 0,
  };
}

/** The verdict of a sweep's report, with the counts every report shows. */
export function sweepVerdict(results: SweepReport, declared: DeclaredProperties): SweepVerdict {
  const shards = parseShardLabels(results.shards) ?? [{ index: 0, count: 1 }];
  const planned = plannedCases(results.parameters.scenarios, results.parameters.runsPerScenario, shards);
  const scenarios = results.summary.map((entry) => countsOf(entry, Math.max(entry.cases, planned.get(entry.scenario) ?? 0)));
  const sum = (field: keyof Omit<ScenarioCounts, 'scenario'>): number => scenarios.reduce((total, entry) => total + entry[field], 0);
  const skipped = results.summary.filter((entry) => entry.cases === 0).flatMap((entry) => (declared.get(entry.scenario) ?? []).map((property) => ({ scenario: entry.scenario, property })));
  const matrix = results.plantedBugs;
  const plantedBugs =
    matrix === undefined
      ? undefined
      : { caught: matrix.killed, total: matrix.mutants.length, knownSurvivors: matrix.mutants.filter((mutant) => !mutant.killed && mutant.knownSurvivor !== undefined).length, held: matrix.mutants.every(mutantHolds) };
  const counts = {
    cases: sum('cases'),
    planned: sum('planned'),
    violated: sum('violated'),
    harnessErrors: sum('harnessErrors'),
    nondeterministic: sum('nondeterministic'),
    expectedGaps: sum('expectedGaps'),
    undecided: sum('undecided'),
  };
  const corpusFailing = results.corpus?.failingNow.length ?? 0;
  const passed = counts.violated === 0 && counts.harnessErrors === 0 && counts.nondeterministic === 0 && !results.interrupted && (plantedBugs?.held ?? true) && counts.cases > 0 && corpusFailing === 0;
  return { passed, scenarios, ...counts, skipped, interrupted: results.interrupted, missingShards: results.missingShards ?? [], ...(plantedBugs === undefined ? {} : { plantedBugs }), corpusFailing };
}

/** A count with thousands separators: `2,100`. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : plural}`;
}

/**
 * The one-line verdict that ends a sweep's output and heads report.md:
 * `PASS: 2,100 cases, 0 violations, 7 expected gaps` or `FAIL: ...` with whatever made it fail.
 */
export function verdictLine(verdict: SweepVerdict): string {
  const parts = [counted(verdict.cases, 'case'), counted(verdict.violated, 'violation')];
  if (verdict.harnessErrors > 0) parts.push(counted(verdict.harnessErrors, 'harness error'));
  if (verdict.nondeterministic > 0) parts.push(`${formatCount(verdict.nondeterministic)} nondeterministic`);
  parts.push(counted(verdict.expectedGaps, 'expected gap'));
  // Undecided is not a violation, but never hidden among the passes either.
  if (verdict.undecided > 0) parts.push(`${formatCount(verdict.undecided)} undecided`);
  if (verdict.interrupted) parts.push(interruptionText(verdict));
  if (verdict.missingShards.length > 0) parts.push(`partial: ${verdict.missingShards.length === 1 ? 'shard' : 'shards'} ${listLabels(verdict.missingShards)} missing`);
  if (verdict.plantedBugs !== undefined) {
    const { caught, total, knownSurvivors, held } = verdict.plantedBugs;
    const survivors = knownSurvivors === 0 ? '' : `, ${counted(knownSurvivors, 'known survivor')}`;
    parts.push(`planted bugs: ${caught} of ${total} caught${survivors}${held || caught + knownSurvivors < total ? '' : ', a control failed'}`);
  }
  if (verdict.corpusFailing > 0) parts.push(`${counted(verdict.corpusFailing, 'saved corpus case')} failing`);
  if (verdict.cases === 0 && !verdict.interrupted) parts.push('no case ran');
  return `${verdict.passed ? 'PASS' : 'FAIL'}: ${parts.join(', ')}`;
}

/** What an interruption left undone: the cases that did not run, or, when every case ran, the planted-bug matrix. */
export function interruptionText(verdict: SweepVerdict): string {
  const notRun = verdict.planned - verdict.cases;
  if (notRun > 0) return `interrupted: ${formatCount(notRun)} of ${counted(verdict.planned, 'planned case')} did not run`;
  return verdict.plantedBugs === undefined ? 'interrupted after every planned case ran' : `interrupted in the planted-bug matrix, after ${counted(verdict.plantedBugs.total, 'bug')}`;
}

/** What one cell of the property x scenario matrix says, in every report alike. */
export interface MatrixCell {
  readonly kind: 'not-declared' | 'skipped' | 'violated' | 'gap' | 'held';
  readonly text: string;
}

/** The matrix cell of `property` in the scenario whose totals are `entry`. */
export function matrixCell(results: SweepReport, declared: DeclaredProperties, entry: ScenarioSummary, property: string): MatrixCell {
  if (!(declared.get(entry.scenario) ?? []).includes(property)) return { kind: 'not-declared', text: '·' };
  if (entry.cases === 0) return { kind: 'skipped', text: 'skipped (0 cases)' };
  const violated = entry.violations[property] ?? 0;
  if (violated > 0) return { kind: 'violated', text: `VIOLATED ${formatCount(violated)} of ${formatCount(entry.cases)}` };
  const gaps = results.cube[entry.scenario]?.['*']?.gaps[property] ?? 0;
  if (gaps > 0) return { kind: 'gap', text: `held (${formatCount(entry.cases)}, ${counted(gaps, 'expected gap')})` };
  return { kind: 'held', text: `held (${formatCount(entry.cases)})` };
}

/** Column heads of the per-scenario totals, in the terminal and report.md alike; `undecided` only when a case was. */
export function totalsHeader(verdict: Pick<SweepVerdict, 'undecided'>): string[] {
  return ['scenario', 'cases', 'passed', 'violated', 'harness errors', 'expected gaps', 'nondeterministic', ...(verdict.undecided > 0 ? ['undecided'] : [])];
}

/** A scenario's totals row under {@link totalsHeader}: `cases` reads `10 of 20` when fewer ran than were planned. */
export function totalsRow(entry: ScenarioCounts, verdict: Pick<SweepVerdict, 'undecided'>): string[] {
  const cases = entry.cases < entry.planned ? `${formatCount(entry.cases)} of ${formatCount(entry.planned)}` : formatCount(entry.cases);
  const row = [entry.scenario, cases, formatCount(entry.passed), formatCount(entry.violated), formatCount(entry.harnessErrors), formatCount(entry.expectedGaps), formatCount(entry.nondeterministic)];
  return verdict.undecided > 0 ? [...row, formatCount(entry.undecided)] : row;
}
