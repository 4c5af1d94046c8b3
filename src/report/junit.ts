import type { ScenarioSummary, SweepReport } from '../explore/results.js';
import { harnessErrorProperty, type SweepCaseResult } from '../explore/sweep-case.js';
import type { DeclaredProperties } from './markdown.js';
import { xmlAttribute, xmlText } from './sanitise.js';
import { formatCount, interruptionText, sweepVerdict, type SweepVerdict } from './verdict.js';

/** Cases a harness-error or determinism test case lists by name and replay command; results.json has the rest. */
const listedCasesPerTestCase = 20;

/** A violation message or stack is cut to this many characters in a `message` attribute (the body has it whole). */
const messageAttributeChars = 500;

interface TestCase {
  readonly name: string;
  /** What went wrong, if anything: a property violated (failure), the harness (error), or nothing judged (skipped). */
  readonly outcome?: { readonly kind: 'failure' | 'error' | 'skipped'; readonly message: string; readonly body?: string };
  readonly output?: string;
}

interface Suite {
  readonly name: string;
  readonly seconds: number;
  readonly cases: readonly TestCase[];
}

/**
 * junit.xml for CI test tabs, never all-passing when something went wrong. One test suite per
 * scenario, with a test case per declared property (failed when a case violated it, with the
 * first such case's message and replay command; skipped, with the reason, when the scenario ran
 * no case) and, when they happened, a `harness-error` and a `determinism` test case (errors,
 * naming each case and its replay command). A `ckptsim.sweep` suite reports an interrupted
 * sweep (an error saying what did not run) and shards missing from a merge (skipped); a
 * `ckptsim.planted-bugs` suite has a test case per planted bug when the kill matrix ran. Every
 * suite counts its tests, failures, errors and skipped; every test case has a time (the sweep's
 * wall time shared out by events: cases are not timed one by one). Names are stable between
 * runs so CI can track them.
 */
export function renderJunit(results: SweepReport, declared: DeclaredProperties): string {
  const verdict = sweepVerdict(results, declared);
  const totalEvents = results.summary.reduce((total, entry) => total + entry.events, 0);
  const wallSeconds = results.timing.wallMs / 1000;
  const suites: Suite[] = results.summary.map((entry) => ({
    name: `ckptsim.${entry.scenario}`,
    seconds: totalEvents === 0 ? 0 : (wallSeconds * entry.events) / totalEvents,
    cases: scenarioCases(results, declared, entry),
  }));
  const sweepCases = sweepLevelCases(verdict);
  if (sweepCases.length > 0) suites.push({ name: 'ckptsim.sweep', seconds: 0, cases: sweepCases });
  if (results.plantedBugs !== undefined) suites.push({ name: 'ckptsim.planted-bugs', seconds: 0, cases: plantedBugCases(results.plantedBugs) });
  if (results.corpus !== undefined) suites.push({ name: 'ckptsim.corpus', seconds: 0, cases: corpusCases(results.corpus) });
  const rendered = suites.map(renderSuite);
  const totals = rendered.reduce((sum, suite) => ({ tests: sum.tests + suite.tests, failures: sum.failures + suite.failures, errors: sum.errors + suite.errors, skipped: sum.skipped + suite.skipped }), { tests: 0, failures: 0, errors: 0, skipped: 0 });
  const seconds = suites.reduce((total, suite) => total + suite.seconds, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="ckptsim" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="${seconds.toFixed(3)}">\n${rendered.map((suite) => suite.xml).join('\n')}\n</testsuites>\n`;
}

function scenarioCases(results: SweepReport, declared: DeclaredProperties, entry: ScenarioSummary): TestCase[] {
  const cases: TestCase[] = [];
  const held = results.notPassing.filter((found) => found.scenario === entry.scenario);
  for (const property of declared.get(entry.scenario) ?? []) {
    if (entry.cases === 0) {
      cases.push({ name: property, outcome: { kind: 'skipped', message: `no case of ${entry.scenario} ran, so ${property} was not judged` } });
      continue;
    }
    const failing = held.find((found) => found.violated.includes(property));
    const violated = entry.violations[property] ?? 0;
    if (violated === 0) {
      const gaps = results.cube[entry.scenario]?.['*']?.gaps[property] ?? 0;
      cases.push({ name: property, output: `held in ${formatCount(entry.cases)} case(s)${gaps > 0 ? `, ${formatCount(gaps)} of them an expected gap (a documented limit of the protocol; see report.md)` : ''}` });
      continue;
    }
    const own = failing?.failure?.property === property ? failing.failure : undefined;
    const message = own?.message ?? (failing === undefined ? `violated in ${formatCount(violated)} case(s), listed in results.json` : `violated in case ${failing.index}`);
    const replay = own !== undefined ? `npx ckptsim replay ${own.replay}` : failing === undefined ? '' : replayOf(failing);
    cases.push({ name: property, outcome: { kind: 'failure', message, body: `${formatCount(violated)} of ${formatCount(entry.cases)} cases violated ${property}.\n${message}\n${replay}` } });
  }
  const harnessErrors = entry.violations[harnessErrorProperty] ?? 0;
  if (harnessErrors > 0) {
    const listed = held.filter((found) => found.failure?.property === harnessErrorProperty);
    cases.push(listedCases(harnessErrorProperty, harnessErrors, entry, listed, 'the harness threw while running it (a bug in ckptsim or in code it calls outside the simulation)', (found) => found.failure?.message ?? ''));
  }
  const undecided = entry.undecided ?? 0;
  if (undecided > 0) {
    // Neither passed nor violated: skipped, so a CI tab shows it without failing on it (the verdict line does not either).
    const listed = held.filter((found) => found.verdict === 'undecided');
    const first = listed[0];
    const message = `${formatCount(undecided)} of ${formatCount(entry.cases)} cases of ${entry.scenario}: the oracle could not decide${first === undefined ? '' : `; first: case ${first.index}`}`;
    const lines = listed.slice(0, listedCasesPerTestCase).map((found) => `case ${found.index} (seed ${found.caseSeed}): ${replayOf(found)}${(found.undecided ?? []).map(({ property, message: why }) => `\n  ${property}: ${why}`).join('')}`);
    cases.push({ name: 'undecided', outcome: { kind: 'skipped', message }, output: [message, ...lines].join('\n') });
  }
  if (entry.nondeterministic > 0) {
    const listed = held.filter((found) => found.verdict === 'nondeterministic');
    cases.push(listedCases('determinism', entry.nondeterministic, entry, listed, 'two runs of the same case gave different trace hashes (a harness bug)', () => ''));
  }
  return cases;
}

/** An error test case naming each listed case, what happened, and its replay command. */
function listedCases(name: string, count: number, entry: ScenarioSummary, listed: readonly SweepCaseResult[], what: string, detail: (found: SweepCaseResult) => string): TestCase {
  const first = listed[0];
  const message = `${formatCount(count)} of ${formatCount(entry.cases)} cases of ${entry.scenario}: ${what}${first === undefined ? '' : `; first: case ${first.index}`}`;
  const lines = listed.slice(0, listedCasesPerTestCase).map((found) => {
    const extra = detail(found);
    return `case ${found.index} (seed ${found.caseSeed}): ${replayOf(found)}${extra === '' ? '' : `\n  ${extra.split('\n').join('\n  ')}`}`;
  });
  if (count > lines.length) lines.push(`${formatCount(count - lines.length)} more in results.json`);
  return { name, outcome: { kind: 'error', message, body: `${message}\n${lines.join('\n')}` } };
}

function replayOf(found: SweepCaseResult): string {
  const token = found.failure?.replay ?? found.replay;
  return token === undefined ? `case ${found.index} (seed ${found.caseSeed})` : `npx ckptsim replay ${token}`;
}

function sweepLevelCases(verdict: SweepVerdict): TestCase[] {
  const cases: TestCase[] = [];
  if (verdict.interrupted) {
    const short = verdict.scenarios.filter((entry) => entry.cases < entry.planned).map((entry) => `${entry.scenario}: ${formatCount(entry.planned - entry.cases)} of ${formatCount(entry.planned)}`);
    const message = `the sweep was ${interruptionText(verdict)}`;
    cases.push({ name: 'interrupted', outcome: { kind: 'error', message, body: `${message}${short.length > 0 ? ` (${short.join(', ')})` : ''}; the other reports cover only the cases that finished.` } });
  }
  if (verdict.missingShards.length > 0) {
    cases.push({ name: 'missing shards', outcome: { kind: 'skipped', message: `merged with --allow-partial: shard(s) ${verdict.missingShards.join(', ')} missing; their cases were not judged` } });
  }
  return cases;
}

function plantedBugCases(matrix: NonNullable<SweepReport['plantedBugs']>): TestCase[] {
  return matrix.mutants.map((mutant) => {
    if (!mutant.killed && mutant.knownSurvivor !== undefined) return { name: mutant.bug, outcome: { kind: 'skipped', message: `known survivor, not caught in ${mutant.casesToDetection} case(s): ${mutant.knownSurvivor}` } };
    if (!mutant.killed) return { name: mutant.bug, outcome: { kind: 'failure', message: `not caught in ${mutant.casesToDetection} case(s): the oracle is blind to it` } };
    if (mutant.control === 'fail') return { name: mutant.bug, outcome: { kind: 'failure', message: `caught by ${mutant.detectedBy ?? '?'}, but its shrunk case fails with the bug off too` } };
    return { name: mutant.bug, output: `caught by ${mutant.detectedBy ?? '?'} after ${mutant.casesToDetection} case(s)` };
  });
}

/** One failed test case per saved corpus case that fails now, and one for those that pass. */
function corpusCases(corpus: NonNullable<SweepReport['corpus']>): TestCase[] {
  const cases: TestCase[] = corpus.failingNow.map((failing) => ({ name: failing.file, outcome: { kind: 'failure', message: `saved corpus case fails now: ${failing.property}`, body: `npx ckptsim replay ${failing.replay}` } }));
  const passing = corpus.rerun - corpus.failingNow.length;
  if (passing > 0) cases.push({ name: 'saved cases', output: `${formatCount(passing)} saved case(s) of ${corpus.directory} re-run and not failing (${formatCount(corpus.rejudged)} re-judged: the code changed since they were saved)` });
  return cases;
}

function renderSuite(suite: Suite): { xml: string; tests: number; failures: number; errors: number; skipped: number } {
  const count = (kind: 'failure' | 'error' | 'skipped'): number => suite.cases.filter((testCase) => testCase.outcome?.kind === kind).length;
  const tests = suite.cases.length;
  const [failures, errors, skipped] = [count('failure'), count('error'), count('skipped')];
  const each = tests === 0 ? 0 : suite.seconds / tests;
  const classname = xmlAttribute(suite.name);
  const body = suite.cases.map((testCase) => {
    const open = `    <testcase classname="${classname}" name="${xmlAttribute(testCase.name)}" time="${each.toFixed(3)}"`;
    const inner: string[] = [];
    const outcome = testCase.outcome;
    if (outcome !== undefined) {
      const message = xmlAttribute(outcome.message.length > messageAttributeChars ? `${outcome.message.slice(0, messageAttributeChars)}...` : outcome.message);
      inner.push(outcome.body === undefined ? `      <${outcome.kind} message="${message}"/>` : `      <${outcome.kind} message="${message}">${xmlText(outcome.body)}</${outcome.kind}>`);
    }
    if (testCase.output !== undefined) inner.push(`      <system-out>${xmlText(testCase.output)}</system-out>`);
    return inner.length === 0 ? `${open}/>` : `${open}>\n${inner.join('\n')}\n    </testcase>`;
  });
  const xml = `  <testsuite name="${classname}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${suite.seconds.toFixed(3)}">\n${body.join('\n')}\n  </testsuite>`;
  return { xml, tests, failures, errors, skipped };
}
