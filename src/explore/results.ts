import type { FaultProfile } from './arbitraries.js';
import type { MutantResult } from './mutants.js';
import type { SweepCaseResult } from './sweep-case.js';

/** The version tag of results.json; bump it on any incompatible change. */
export const resultsSchema = 'ckptsim.results/1';

/** Per-scenario totals of a sweep. */
export interface ScenarioSummary {
  readonly scenario: string;
  readonly cases: number;
  readonly passed: number;
  readonly failed: number;
  readonly expectedGaps: number;
  readonly nondeterministic: number;
  /** Property name -> cases that violated it. */
  readonly violations: Readonly<Record<string, number>>;
  /** Fault kind -> cases whose plan used it. */
  readonly faultKinds: Readonly<Record<string, number>>;
  readonly events: number;
  readonly virtualTimeUs: number;
}

/** What a sweep was asked to do; equal across the shards of one sweep. */
export interface SweepParameters {
  readonly scenarios: readonly string[];
  readonly runsPerScenario: number;
  readonly seed: number;
  readonly profile: FaultProfile;
  /** Whether scenario parameters and runtime config were drawn per case too. */
  readonly vary: boolean;
}

/** results.json: everything a sweep found, deterministic except `environment` and `timing`. */
export interface SweepResults {
  readonly schema: typeof resultsSchema;
  readonly parameters: SweepParameters;
  /** The shards these results cover, as `index/count` strings (one for a single run). */
  readonly shards: readonly string[];
  readonly interrupted: boolean;
  /** The properties each scenario declares (and is judged on), by scenario name. */
  readonly properties: Readonly<Record<string, readonly string[]>>;
  readonly cases: readonly SweepCaseResult[];
  readonly summary: readonly ScenarioSummary[];
  /** The planted-bug kill matrix, when the sweep ran it (`--mutants`). */
  readonly plantedBugs?: PlantedBugMatrix;
  readonly environment: { readonly tool: string; readonly node: string; readonly platform: string; readonly cpus: number; readonly workers: number };
  readonly timing: { readonly wallMs: number; readonly casesPerSecond: number };
}

/** The canary: each planted bug switched on alone, swept until caught, its shrunk case re-run without it. */
export interface PlantedBugMatrix {
  /** Cases tried per bug before it counts as surviving. */
  readonly budget: number;
  readonly seed: number;
  readonly killed: number;
  readonly mutants: readonly MutantResult[];
}

/** Sorts cases into their canonical order: scenario order of the sweep, then case index. */
export function sortCases(cases: readonly SweepCaseResult[], scenarios: readonly string[]): SweepCaseResult[] {
  const position = new Map(scenarios.map((name, index) => [name, index]));
  return [...cases].sort((left, right) => (position.get(left.scenario) ?? 0) - (position.get(right.scenario) ?? 0) || left.index - right.index);
}

/** Totals per scenario, in the sweep's scenario order. */
export function summarise(cases: readonly SweepCaseResult[], scenarios: readonly string[]): ScenarioSummary[] {
  return scenarios.map((scenario) => {
    const mine = cases.filter((entry) => entry.scenario === scenario);
    const violations: Record<string, number> = {};
    const faultKinds: Record<string, number> = {};
    for (const entry of mine) {
      for (const property of new Set(entry.violated)) violations[property] = (violations[property] ?? 0) + 1;
      for (const kind of entry.faultKinds) faultKinds[kind] = (faultKinds[kind] ?? 0) + 1;
    }
    return {
      scenario,
      cases: mine.length,
      passed: mine.filter((entry) => entry.verdict === 'pass').length,
      failed: mine.filter((entry) => entry.verdict === 'fail').length,
      expectedGaps: mine.filter((entry) => entry.verdict === 'expected-gap').length,
      nondeterministic: mine.filter((entry) => entry.verdict === 'nondeterministic').length,
      violations: sortedRecord(violations),
      faultKinds: sortedRecord(faultKinds),
      events: mine.reduce((total, entry) => total + entry.events, 0),
      virtualTimeUs: mine.reduce((total, entry) => total + entry.virtualTimeUs, 0),
    };
  });
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([left], [right]) => (left < right ? -1 : 1)));
}

/** True when any case failed or showed nondeterminism. */
export function hasFailures(results: Pick<SweepResults, 'cases'>): boolean {
  return results.cases.some((entry) => entry.verdict === 'fail' || entry.verdict === 'nondeterministic');
}

/**
 * Joins the results of shards of one sweep. They must share parameters; each case may appear
 * once. The joined results equal those of the same sweep run unsharded (environment aside).
 */
export function mergeResults(parts: readonly SweepResults[], environment: SweepResults['environment']): SweepResults {
  const first = parts[0];
  if (first === undefined) throw new Error('nothing to merge');
  const key = JSON.stringify(first.parameters);
  const seen = new Set<string>();
  const cases: SweepCaseResult[] = [];
  for (const part of parts) {
    if (part.schema !== resultsSchema) throw new MergeError(`cannot merge results of schema ${String(part.schema)}; expected ${resultsSchema}`);
    if (JSON.stringify(part.parameters) !== key) throw new MergeError(`cannot merge results of different sweeps: ${JSON.stringify(part.parameters)} vs ${key}`);
    for (const entry of part.cases) {
      const id = `${entry.scenario}#${entry.index}`;
      if (seen.has(id)) throw new MergeError(`case ${id} appears in more than one of the merged results`);
      seen.add(id);
      cases.push(entry);
    }
  }
  const sorted = sortCases(cases, first.parameters.scenarios);
  const wallMs = parts.reduce((total, part) => total + part.timing.wallMs, 0);
  return {
    schema: resultsSchema,
    parameters: first.parameters,
    shards: parts.flatMap((part) => part.shards).sort(),
    interrupted: parts.some((part) => part.interrupted),
    properties: Object.assign({}, ...parts.map((part) => part.properties ?? {})) as Record<string, readonly string[]>,
    ...(parts.find((part) => part.plantedBugs !== undefined)?.plantedBugs === undefined ? {} : { plantedBugs: parts.find((part) => part.plantedBugs !== undefined)!.plantedBugs! }),
    cases: sorted,
    summary: summarise(sorted, first.parameters.scenarios),
    environment,
    timing: { wallMs, casesPerSecond: wallMs === 0 ? 0 : (sorted.length * 1000) / wallMs },
  };
}

/** Results that cannot be merged. */
export class MergeError extends Error {
  override readonly name = 'MergeError';
}

/**
 * results.json's text in pieces: the same text as `JSON.stringify(results)`, with the cases
 * serialised one at a time and handed out in pieces of about `pieceChars` characters. A sweep of a
 * few hundred thousand cases makes more text than one JavaScript string may hold (about 2^29
 * characters), so the file is written piece by piece.
 */
export function* resultsJsonPieces(results: SweepResults, pieceChars = 1 << 20): Generator<string> {
  let piece = '{';
  let first = true;
  for (const [key, value] of Object.entries(results)) {
    if (value === undefined) continue;
    piece += `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (key !== 'cases') {
      piece += JSON.stringify(value);
      continue;
    }
    piece += '[';
    const cases = value as SweepResults['cases'];
    for (let index = 0; index < cases.length; index++) {
      piece += `${index === 0 ? '' : ','}${JSON.stringify(cases[index])}`;
      if (piece.length >= pieceChars) {
        yield piece;
        piece = '';
      }
    }
    piece += ']';
  }
  yield `${piece}}`;
}
