import { readFileSync } from 'node:fs';
import type { Observation } from '../cluster/observations.js';
import type { CaseTimeline } from '../explore/case-timeline.js';
import { CaseTimelineCollector } from '../explore/case-timeline.js';
import { addToCube, canonicalCompare, defaultHeldCases, scenarioPositions, type SweepReport, type VerdictCube } from '../explore/results.js';
import type { SweepCaseResult } from '../explore/sweep-case.js';
import type { CaseResult } from '../explore/run-case.js';
import type { CaseSpec } from '../explore/replay-token.js';
import type { DeclaredProperties } from './markdown.js';
import { sweepVerdict, verdictLine } from './verdict.js';
import { buildSpaceTime, encodeSpaceTime, type SpaceTimeOptions } from './space-time.js';
import { coverageHtmlData } from './coverage-html.js';
import { strategyLine } from '../explore/strategies/strategy-tally.js';
import { corpusLine } from '../explore/strategies/saved-corpus.js';

/**
 * report.html: one self-contained page (inline style, script and data; no network). The data
 * travels as JSON in a `<script type="application/json">` block with every `<`, `>`, `&` and
 * line separator escaped, and the page builds itself with DOM calls that treat every string as
 * text, so nothing from a scenario, plan or trace can become markup.
 */

const assets = new URL('./html/', import.meta.url);
let cachedAssets: { css: string; js: string } | undefined;
function pageAssets(): { css: string; js: string } {
  cachedAssets ??= { css: readFileSync(new URL('report.css', assets), 'utf8'), js: readFileSync(new URL('report.js', assets), 'utf8') };
  return cachedAssets;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] as string);
}

/** JSON that is safe inside a `<script>` element: no `</script>`, `<!--`, or line separators. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function page(title: string, data: unknown): string {
  const { css, js } = pageAssets();
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may load from anywhere: inline style and script only.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    `<main id="report"><noscript>This report draws itself with JavaScript; the same results are in results.json and report.md beside it.</noscript></main>`,
    `<script type="application/json" id="ckptsim-data">${scriptSafeJson(data)}</script>`,
    `<script>${js}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A failing or gap case re-run with trace capture, ready to draw. */
export interface ReplayedCase {
  readonly result: CaseResult;
  readonly observations: readonly Observation[];
  readonly timeline: CaseTimeline;
}

/** Re-runs a case with capture on, collecting what its report needs. */
export function replayForReport(
  run: (spec: CaseSpec, observers: ReadonlyArray<(observation: Observation) => void>) => CaseResult,
  spec: CaseSpec,
  maxCheckpoints = Number.POSITIVE_INFINITY,
): ReplayedCase {
  const observations: Observation[] = [];
  const collector = new CaseTimelineCollector(maxCheckpoints);
  const result = run(spec, [(observation) => observations.push(observation), collector.observe]);
  return { result, observations, timeline: collector.timeline(result.stats.virtualTimeUs) };
}

function diagramOf(replayed: ReplayedCase, options: SpaceTimeOptions): Record<string, unknown> {
  return encodeSpaceTime(buildSpaceTime(replayed.result.capturedEvents ?? [], replayed.observations, replayed.result.faults, options));
}

/** Options of the sweep report. */
export interface SweepHtmlOptions {
  /** Re-runs a case (from its replay token's spec) with trace capture; absent: no diagrams. */
  readonly replay?: (spec: CaseSpec) => ReplayedCase;
  readonly decode?: (token: string) => CaseSpec;
  /** Diagrams for at most this many failures and this many expected-gap examples. */
  readonly maxFailureDiagrams?: number;
  readonly maxGapExamples?: number;
  /** Marks plus messages per embedded diagram. */
  readonly diagramItems?: number;
  /**
   * Rows of the cases table embedded in the page (default {@link defaultListedCases}): every case
   * that did not pass and that the report holds is listed, and the passing cases it holds fill
   * the rest, in sweep order. A sweep of a million cases would otherwise make a page of gigabytes
   * that no browser opens.
   */
  readonly listedCases?: number;
}

/** Cases the report page's table lists by default; results.json holds every case. */
export const defaultListedCases = defaultHeldCases;

/** Counts per scenario and fault kind ('*' for every case): cases, and per property how many violated it or met a gap. */
export function verdictCube(cases: Iterable<SweepCaseResult>): VerdictCube {
  const cube: VerdictCube = {};
  for (const entry of cases) addToCube(cube, entry);
  return cube;
}

/** One operation of a case in a few words: what, when, and its answer. */
function operationSummary(record: NonNullable<SweepCaseResult['operations']>[number]): string {
  const at = `${record.kind} at ${(record.requestedAtUs / 1000).toFixed(1)} ms`;
  if (!record.applied) return `${at}: not carried out (${record.reason ?? 'no reason'})`;
  if (record.ok === undefined) return `${at}: not answered`;
  if (!record.ok) return `${at}: failed, ${record.reason ?? 'no reason'}`;
  return `${at}: ok${record.checkpointId === undefined ? '' : ` (${record.checkpointId})`}${record.resumedFromCheckpointId === undefined ? '' : `, resumed from ${record.resumedFromCheckpointId}`}`;
}

/** The sweep report page. */
export function renderSweepHtml(results: SweepReport, declared: DeclaredProperties, options: SweepHtmlOptions = {}): string {
  const properties = [...new Set([...declared.values()].flat())].sort();
  const faultKinds = [...new Set(results.summary.flatMap((entry) => Object.keys(entry.faultKinds)))].sort();
  const diagramItems = options.diagramItems ?? 150_000;
  const maxFailures = options.maxFailureDiagrams ?? 10;
  const failingCases = results.notPassing.filter((entry) => entry.failure !== undefined);
  const failures = failingCases.slice(0, maxFailures).map((entry) => {
    const failure = entry.failure!;
    const card: Record<string, unknown> = {
      scenario: entry.scenario,
      index: entry.index,
      property: failure.property,
      message: failure.message,
      faults: failure.shrunkFaults,
      shrinkSteps: failure.shrinkSteps,
      replay: failure.replay,
    };
    if (options.replay !== undefined && options.decode !== undefined) {
      const replayed = options.replay(options.decode(failure.replay));
      const violationUs = replayed.result.violations[0]?.timeUs;
      card['timeline'] = replayed.timeline;
      card['violationUs'] = violationUs ?? null;
      card['diagram'] = diagramOf(replayed, { maxItems: diagramItems, ...(violationUs === undefined ? {} : { focusUs: violationUs }) });
    }
    return card;
  });
  const gapCases = results.notPassing.filter((entry) => entry.verdict === 'expected-gap' && entry.replay !== undefined);
  // One example per gap name first, then more, up to the limit.
  const examples: typeof gapCases = [];
  const seenGaps = new Set<string>();
  for (const entry of gapCases) {
    const fresh = entry.gaps.some((gap) => !seenGaps.has(gap));
    if (fresh) {
      examples.push(entry);
      for (const gap of entry.gaps) seenGaps.add(gap);
    }
  }
  const gapExamples = examples.slice(0, options.maxGapExamples ?? 3).map((entry) => {
    const card: Record<string, unknown> = { scenario: entry.scenario, index: entry.index, property: [...new Set(entry.gapProperties ?? [])].join(', '), message: '', faults: [], gaps: [...new Set(entry.gaps)], replay: entry.replay };
    if (options.replay !== undefined && options.decode !== undefined) {
      const spec = options.decode(entry.replay!);
      const replayed = options.replay(spec);
      const first = replayed.result.gaps[0];
      const violationUs = first?.violation.timeUs;
      card['message'] = first === undefined ? 'expected gap' : `${first.violation.message}`;
      card['faults'] = spec.faults ?? [];
      card['timeline'] = replayed.timeline;
      card['violationUs'] = violationUs ?? null;
      card['diagram'] = diagramOf(replayed, { maxItems: diagramItems, ...(violationUs === undefined ? {} : { focusUs: violationUs }) });
    }
    return card;
  });
  const verdict = sweepVerdict(results, declared);
  const passed = results.summary.reduce((total, entry) => total + entry.passed, 0);
  const passingRoom = Math.max(0, (options.listedCases ?? defaultListedCases) - (results.caseCount - passed));
  const position = scenarioPositions(results.parameters.scenarios);
  const listed = [...results.notPassing, ...results.passing.slice(0, passingRoom)].sort((left, right) => canonicalCompare(position, left, right));
  const data = {
    kind: 'sweep',
    title: `ckptsim sweep: ${verdictLine(verdict)}`,
    missingShards: verdict.missingShards,
    tool: results.environment.tool,
    parameters: results.parameters,
    shards: results.shards,
    interrupted: results.interrupted,
    environment: results.environment,
    timing: results.timing,
    scenarios: results.summary.map((entry) => ({ ...entry, name: entry.scenario, properties: declared.get(entry.scenario) ?? [] })),
    properties,
    faultKinds,
    cube: results.cube,
    coverage: coverageHtmlData(results.coverage),
    strategy: strategyLine(results.strategy, results.caseCount) ?? null,
    corpus: results.corpus === undefined ? null : { line: corpusLine(results.corpus), failing: results.corpus.failingNow },
    caseCount: results.caseCount,
    casesNotListed: results.caseCount - listed.length,
    cases: listed.map((entry) => ({
      scenario: entry.scenario,
      index: entry.index,
      verdict: entry.verdict,
      faultKinds: entry.faultKinds,
      operations: (entry.operations ?? []).map(operationSummary),
      events: entry.events,
      virtualTimeUs: entry.virtualTimeUs,
      checkpointsCompleted: entry.checkpointsCompleted,
      restores: entry.restores,
      violated: entry.violated,
      gaps: [...new Set(entry.gaps)],
      timeline: entry.timeline ?? null,
      replay: entry.failure?.replay ?? entry.replay ?? null,
    })),
    failures,
    failuresOmitted: Math.max(0, results.failureCount - failures.length),
    gapExamples,
    plantedBugs:
      results.plantedBugs === undefined
        ? null
        : {
            killed: results.plantedBugs.killed,
            rows: results.plantedBugs.mutants.map((mutant) => ({
              bug: mutant.bug,
              issue: mutant.issue ?? '–',
              scenario: mutant.scenario ?? '–',
              killed: mutant.killed,
              knownSurvivor: mutant.knownSurvivor ?? null,
              property: mutant.detectedBy ?? '',
              casesToDetection: mutant.casesToDetection,
              shrunkFaults: mutant.shrunkPlanSize ?? 0,
              controlPassed: mutant.control === undefined ? undefined : mutant.control !== 'fail',
            })),
          },
  };
  return page(data.title, data);
}

/** The single-case report (`ckptsim replay <token> --html out.html`): the whole trace, undecimated. */
export function renderCaseHtml(spec: CaseSpec, replayed: ReplayedCase, tool: string): string {
  const { result } = replayed;
  const violationUs = result.violations[0]?.timeUs ?? result.gaps[0]?.violation.timeUs;
  const data = {
    kind: 'case',
    title: `ckptsim replay: ${result.scenario} seed ${result.seed}: ${result.verdict}`,
    tool,
    case: {
      scenario: result.scenario,
      seed: result.seed,
      verdict: result.verdict,
      outcome: result.outcome,
      jobStatus: result.jobStatus,
      traceHash: result.traceHash,
      violations: [...result.violations, ...result.gaps.map((gap) => gap.violation), ...(result.undecided ?? [])].map((violation) => ({ property: violation.property, message: violation.message, timeUs: violation.timeUs })),
      faults: spec.faults ?? [],
      stats: result.stats,
      replay: result.replay,
      timeline: replayed.timeline,
      diagram: diagramOf(replayed, violationUs === undefined ? {} : { focusUs: violationUs }),
    },
  };
  return page(data.title, data);
}
