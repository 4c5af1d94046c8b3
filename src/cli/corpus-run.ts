import type { FaultProfile } from '../explore/arbitraries.js';
import type { CorpusSummary } from '../explore/results.js';
import { UsageError } from '../explore/scenario.js';
import { lookupScenario } from '../explore/scenario-registry.js';
import { maxSavedCases, rejudged, type RerunCase, type SavedCase } from '../explore/strategies/saved-corpus.js';
import { runSweep } from '../explore/sweep.js';
import type { SweepCase, SweepCaseResult } from '../explore/sweep-case.js';
import { writeSavedCases, type CorpusDirectory } from './corpus-directory.js';

/**
 * The sweep's side of `--corpus DIR`: re-running the saved cases before the sweep, and deciding
 * what to save after it. The decision is made before results.json is finished, so that results
 * say what the corpus run did (`corpus` in the tail); the files are written after.
 */

/**
 * Re-runs the saved cases of the sweep's scenarios (on the sweep's workers), each given whole, and
 * says on stderr how many replayed the same and how many were re-judged.
 */
export async function rerunSavedCases(corpus: CorpusDirectory, scenarios: readonly string[], profile: FaultProfile, workers: number): Promise<RerunCase[]> {
  const entries = corpus.entries.filter((entry) => scenarios.includes(entry.spec.scenario) && lookupScenario(entry.spec.scenario) !== undefined);
  const cases: SweepCase[] = entries.map((entry, index) => ({ index, scenario: entry.spec.scenario, caseSeed: 0, profile, input: entry.spec, keepReplay: true }));
  const results: SweepCaseResult[] = [];
  const { interrupted } = await runSweep(cases, Math.min(workers, Math.max(1, cases.length)), { onResult: (result) => void (results[result.index] = result) }).finished;
  if (interrupted) throw new UsageError(`the re-run of the corpus ${corpus.directory} was interrupted`);
  const reruns = entries.map((entry, index) => {
    const result = results[index] as SweepCaseResult;
    return { file: entry.file, saved: entry.saved, result, same: result.traceHash === entry.saved.traceHash };
  });
  const rejudgedCount = reruns.filter((rerun) => !rerun.same).length;
  process.stderr.write(`corpus ${corpus.directory}: ${reruns.length} saved case(s) re-run first, ${reruns.length - rejudgedCount} replayed the same, ${rejudgedCount} replay differently now (the code changed) and are re-judged by their new run${corpus.entries.length > entries.length ? `; ${corpus.entries.length - entries.length} saved case(s) of other scenarios left as they are` : ''}\n`);
  return reruns;
}

/** What a corpus run will write, and its summary for results.json. */
export interface CorpusSave {
  readonly summary: CorpusSummary;
  /** Re-judged saved cases (their new trace hash and verdict) and the sweep's new interesting cases. */
  readonly files: readonly SavedCase[];
  /** The saved cases that fail now: each fails the sweep. */
  readonly failing: readonly RerunCase[];
}

/**
 * Decides what the corpus keeps of a sweep: re-judged saved cases are saved again; of the sweep's
 * interesting cases not saved yet, failures always, new coverage while the corpus has room.
 */
export function planCorpusSave(corpus: CorpusDirectory, reruns: readonly RerunCase[], picked: readonly SavedCase[]): CorpusSave {
  const failing = reruns.filter((rerun) => rerun.result.verdict === 'fail');
  const known = new Set(reruns.map((rerun) => rerun.saved.token));
  const fresh = picked.filter((saved) => !known.has(saved.token));
  let room = Math.max(0, maxSavedCases - corpus.fileCount);
  const kept = fresh.filter((saved) => saved.reason.startsWith('failure') || room-- > 0);
  const rejudgedCases = reruns.filter((rerun) => !rerun.same).map(rejudged);
  const summary: CorpusSummary = {
    directory: corpus.directory,
    rerun: reruns.length,
    replayedSame: reruns.length - rejudgedCases.length,
    rejudged: rejudgedCases.length,
    failingNow: failing.map((rerun) => ({ file: rerun.file, property: rerun.result.failure?.property ?? rerun.result.violated.join(', '), replay: rerun.saved.token })),
    saved: kept.length,
    savedFailing: kept.filter((saved) => saved.reason.startsWith('failure')).length,
    leftOut: fresh.length - kept.length,
  };
  return { summary, files: [...rejudgedCases, ...kept], failing };
}

/** Writes the planned files and prints each saved case that fails now, with its replay command, and what was saved. */
export function writeCorpusSave(save: CorpusSave): void {
  for (const rerun of save.failing) process.stdout.write(`corpus case ${rerun.file} fails: ${rerun.result.failure?.property ?? rerun.result.violated.join(', ')}\n  ckptsim replay ${rerun.saved.token}\n`);
  const { summary } = save;
  writeSavedCases(summary.directory, save.files);
  process.stdout.write(`corpus ${summary.directory}: ${summary.saved} new case(s) saved (${summary.savedFailing} failing, the rest reaching new coverage)${summary.leftOut > 0 ? `, ${summary.leftOut} left out: the corpus holds at most ${maxSavedCases}` : ''}\n`);
}
