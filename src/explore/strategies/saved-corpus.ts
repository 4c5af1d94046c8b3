import { hashString, toHex32 } from '../../sim/index.js';
import { decodeReplayToken, type CaseSpec } from '../replay-token.js';
import { UsageError } from '../scenario.js';
import type { SweepCaseResult } from '../sweep-case.js';
import type { CorpusSummary } from '../results.js';

/**
 * A corpus that lasts across commits (`--corpus DIR`): the cases a sweep found interesting (a
 * failure, or coverage no earlier case of its scenario reached) saved as replay tokens with the
 * trace hash and verdict they had, one small JSON file each, so that CI can keep the directory
 * (a cache, an artifact) and re-run those cases first on the next commit. A case whose trace hash
 * differs when re-run (the code changed) is re-judged by its new run and saved again: not an
 * error. The files are read and written by the CLI (cli/corpus-directory.ts).
 */

/** One saved case. */
export interface SavedCase {
  readonly token: string;
  /** The trace hash the case had when saved. */
  readonly traceHash: string;
  readonly verdict: SweepCaseResult['verdict'];
  /** Why it was kept: `failure: <property>`, or `new coverage`. */
  readonly reason: string;
}

/** Most saved cases a corpus directory holds; past it, new coverage is not saved (failures still are). */
export const maxSavedCases = 1000;

/** The file name of a saved case: its token's hash, so that saving one twice writes one file. */
export function savedCaseFileName(token: string): string {
  return `${toHex32(hashString(token))}.json`;
}

/** Reads one saved case's file text; bad content is a {@link UsageError} naming the file. */
export function parseSavedCase(text: string, file: string): { saved: SavedCase; spec: CaseSpec } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`corpus file '${file}' is not JSON`);
  }
  const record = value as Partial<SavedCase> | null;
  if (typeof record !== 'object' || record === null || typeof record.token !== 'string' || typeof record.traceHash !== 'string' || typeof record.verdict !== 'string' || typeof record.reason !== 'string') {
    throw new UsageError(`corpus file '${file}' must hold an object with token, traceHash, verdict and reason`);
  }
  let spec: CaseSpec;
  try {
    spec = decodeReplayToken(record.token);
  } catch (error) {
    throw new UsageError(`corpus file '${file}': ${(error as Error).message}`);
  }
  return { saved: record as SavedCase, spec };
}

/** A saved case re-run: the same as saved, or re-judged (another trace hash now). */
export interface RerunCase {
  readonly file: string;
  readonly saved: SavedCase;
  readonly result: SweepCaseResult;
  readonly same: boolean;
}

/** The saved form of a re-run case, carrying its new run's trace hash and verdict. */
export function rejudged(rerun: RerunCase): SavedCase {
  return { ...rerun.saved, traceHash: rerun.result.traceHash, verdict: rerun.result.verdict, reason: rerun.result.failure === undefined ? rerun.saved.reason : `failure: ${rerun.result.failure.property}` };
}

/**
 * Picks a sweep's interesting cases in canonical order: the failures, and the cases that reached
 * a step × fault pair or an abstract state that no earlier case of their scenario reached (the
 * saved cases re-run first count as earlier).
 */
export class InterestingCases {
  private readonly seen = new Map<string, Set<string>>();
  readonly picked: SavedCase[] = [];

  /** Counts what a case covered without picking it (a saved case re-run first). */
  know(result: SweepCaseResult): void {
    this.fresh(result);
  }

  /** Picks the case when it failed or reached new coverage; call in canonical order. */
  add(result: SweepCaseResult): void {
    const fresh = this.fresh(result);
    const token = result.replay;
    if (token === undefined) return;
    if (result.failure !== undefined) this.picked.push({ token, traceHash: result.traceHash, verdict: result.verdict, reason: `failure: ${result.failure.property}` });
    else if (fresh) this.picked.push({ token, traceHash: result.traceHash, verdict: result.verdict, reason: 'new coverage' });
  }

  private fresh(result: SweepCaseResult): boolean {
    let seen = this.seen.get(result.scenario);
    if (seen === undefined) this.seen.set(result.scenario, (seen = new Set()));
    let fresh = false;
    for (const id of [...(result.coverage?.pairs ?? []).map((pair) => `p:${pair}`), ...(result.coverage?.states ?? []).map((state) => `s:${state}`)]) {
      if (seen.has(id)) continue;
      seen.add(id);
      fresh = true;
    }
    return fresh;
  }
}

/** The one-line account of a `--corpus DIR` run, as every report gives it; undefined without a corpus. */
export function corpusLine(corpus: CorpusSummary | undefined): string | undefined {
  if (corpus === undefined) return undefined;
  const failing = corpus.failingNow.length;
  return `corpus ${corpus.directory}: ${corpus.rerun} saved case(s) re-run first (${corpus.replayedSame} replayed the same, ${corpus.rejudged} re-judged because the code changed), ${failing} failing now; ${corpus.saved} new case(s) saved (${corpus.savedFailing} failing, the rest reaching new coverage)${corpus.leftOut > 0 ? `, ${corpus.leftOut} left out because the corpus is full` : ''}`;
}
