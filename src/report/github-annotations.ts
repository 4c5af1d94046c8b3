import type { SweepReport } from '../explore/results.js';
import type { DeclaredProperties } from './markdown.js';
import { formatCount, interruptionText, sweepVerdict } from './verdict.js';

/**
 * GitHub Actions workflow commands (`::error title=...::message`) for a sweep's failures, so
 * that each shows as an annotation on the run and the pull request, carrying its replay command.
 * GitHub shows at most 10 error annotations of a step: the first failures get one each, and one
 * more says how many are left and where they are.
 */

/** Error annotations GitHub shows per step; the rest it drops. */
const annotationsPerStep = 10;

/** Escapes the message of a workflow command: `%`, CR and LF. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property (such as `title`) of a workflow command: as data, plus `:` and `,`. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(level: 'error' | 'warning', title: string, message: string): string {
  return `::${level} title=${escapeProperty(title)}::${escapeData(message)}`;
}

/** The annotation lines for a sweep's results, in the order GitHub should show them. */
export function githubAnnotations(results: SweepReport, declared: DeclaredProperties): string[] {
  const verdict = sweepVerdict(results, declared);
  const lines: string[] = [];
  if (verdict.interrupted) lines.push(command('error', 'ckptsim: sweep interrupted', `${interruptionText(verdict).replace(/^interrupted: /, '')}; the reports cover only what finished`));
  if (verdict.missingShards.length > 0) lines.push(command('warning', 'ckptsim: partial results', `merged without shard(s) ${verdict.missingShards.join(', ')}`));
  if (verdict.plantedBugs !== undefined && !verdict.plantedBugs.held) lines.push(command('error', 'ckptsim: planted-bug canary', `${verdict.plantedBugs.caught} of ${verdict.plantedBugs.total} planted bugs caught, or a shrunk case failed with its bug off: the oracle may be blind (see report.md)`));
  const failing = results.notPassing.filter((entry) => entry.failure !== undefined || entry.verdict === 'nondeterministic');
  const total = verdict.violated + verdict.harnessErrors + verdict.nondeterministic;
  // All fit, or all but one line, which then says how many more there are.
  const room = annotationsPerStep - lines.length;
  const listed = failing.slice(0, total <= room ? room : Math.max(0, room - 1));
  for (const entry of listed) {
    const failure = entry.failure;
    const property = failure?.property ?? 'determinism';
    const message = failure?.message ?? 'two runs of the same case gave different trace hashes (a harness bug)';
    const token = failure?.replay ?? entry.replay;
    lines.push(command('error', `ckptsim: ${property} in ${entry.scenario} case ${entry.index}`, `${message}\nreplay: npx ckptsim replay ${token ?? '(no token)'}`));
  }
  if (total > listed.length) lines.push(command('error', 'ckptsim: more failures', `${formatCount(total - listed.length)} more failing case(s): see report.md, report.html and results.json`));
  return lines;
}
