import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../explore/scenario.js';
import type { CaseSpec } from '../explore/replay-token.js';
import { maxSavedCases, parseSavedCase, savedCaseFileName, type SavedCase } from '../explore/strategies/saved-corpus.js';
import { makeOutputDirectory } from './output-directory.js';

/** A corpus directory as read: its saved cases, in file-name order. */
export interface CorpusDirectory {
  readonly directory: string;
  readonly entries: ReadonlyArray<{ readonly file: string; readonly saved: SavedCase; readonly spec: CaseSpec }>;
  /** Files in it, all scenarios (the bound on saving counts them all). */
  readonly fileCount: number;
}

/**
 * Opens (creating it when missing) and reads a corpus directory (`--corpus DIR`). A path that is
 * a file, or that cannot be created, read or written, is one sentence and exit 2; so is a saved
 * case whose file is not one (a corrupt file is bad input; a case that replays differently is not).
 */
export function openCorpusDirectory(directory: string): CorpusDirectory {
  try {
    makeOutputDirectory(directory);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`--corpus ${error.message.replace('the output directory', 'directory')}`);
    throw error;
  }
  let files: string[];
  try {
    files = readdirSync(directory).filter((name) => name.endsWith('.json')).sort();
  } catch {
    throw new UsageError(`--corpus directory '${directory}' cannot be read`);
  }
  if (files.length > maxSavedCases) throw new UsageError(`--corpus directory '${directory}' holds ${files.length} saved cases; at most ${maxSavedCases} are read (remove some)`);
  const entries = files.map((name) => {
    const file = join(directory, name);
    let text: string;
    try {
      if (statSync(file).size > 1_000_000) throw new UsageError(`corpus file '${file}' is larger than 1 MB; a saved case is a few kB`);
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`corpus file '${file}' cannot be read`);
    }
    return { file, ...parseSavedCase(text, file) };
  });
  return { directory, entries, fileCount: files.length };
}

/** Writes saved cases into the directory, one file each (replacing a file of the same case). */
export function writeSavedCases(directory: string, cases: readonly SavedCase[]): void {
  for (const saved of cases) {
    const file = join(directory, savedCaseFileName(saved.token));
    try {
      writeFileSync(file, `${JSON.stringify(saved, null, 1)}\n`);
    } catch {
      throw new UsageError(`cannot write the corpus file '${file}'`);
    }
  }
}
