import { operationKinds } from '../faults/plan.js';
import type { SweepReport } from '../explore/results.js';
import type { SweepCaseResult } from '../explore/sweep-case.js';
import { markdownText } from './sanitise.js';
import { coverageMarkdown } from './coverage-markdown.js';
import { strategyLine } from '../explore/strategies/strategy-tally.js';
import { corpusLine } from '../explore/strategies/saved-corpus.js';
import { formatCount, interruptionText, matrixCell, sweepVerdict, totalsHeader, totalsRow, verdictLine } from './verdict.js';

/** The properties each scenario declares, by scenario name (from the scenario registry). */
export type DeclaredProperties = ReadonlyMap<string, readonly string[]>;

/**
 * report.md stays under this many bytes: GitHub refuses a job summary over 1 MiB, and a
 * pull-request comment over 64 K characters. The failure list is cut to fit, saying how many
 * more report.html and results.json hold.
 */
export const markdownByteBudget = 900 * 1024;

/** Failures report.md lists at most; report.html and results.json list the rest. */
export const markdownFailureRows = 100;

/** A failure's message is cut to this many characters in report.md (a harness error's stack can be long). */
const messageChars = 2_000;

/**
 * report.md: a sweep's results for a pull-request comment or a CI job summary: the verdict line,
 * totals per scenario, the property x scenario verdict matrix, fault-kind coverage, and the
 * failures with their replay commands (capped: see {@link markdownByteBudget}). Every name and
 * message from outside is escaped (see sanitise.ts).
 */
export function renderMarkdown(results: SweepReport, declared: DeclaredProperties): string {
  const verdict = sweepVerdict(results, declared);
  const lines: string[] = [];
  lines.push(`# ckptsim sweep: ${verdictLine(verdict)}`);
  lines.push('');
  const scope = verdict.planned > verdict.cases ? `${formatCount(verdict.cases)} of ${formatCount(verdict.planned)} planned cases` : `${formatCount(results.caseCount)} cases`;
  lines.push(
    `${scope} (${formatCount(results.parameters.runsPerScenario)} per scenario, seed ${results.parameters.seed}, profile \`${markdownText(results.parameters.profile)}\`${results.parameters.operations === undefined ? '' : `, operations \`${markdownText(results.parameters.operations)}\``}${results.parameters.vary ? ', varied parameters and config' : ''}${timelinesNote(results.parameters.timelines)}), shards ${results.shards.map(markdownText).join(', ')}${results.interrupted ? ', **interrupted**' : ''}.`,
  );
  if (verdict.interrupted) {
    lines.push('');
    lines.push(`**Interrupted:** ${interruptionText(verdict).replace(/^interrupted: /, '')}; these results cover only what finished.`);
  }
  if (verdict.missingShards.length > 0) {
    lines.push('');
    lines.push(`**Partial:** merged without shard(s) ${verdict.missingShards.join(', ')} (\`--allow-partial\`); their cases were not run or not merged.`);
  }
  lines.push('');
  const header = totalsHeader(verdict);
  lines.push(`| ${header.join(' | ')} |`);
  lines.push(`|---|${header.slice(1).map(() => '---:').join('|')}|`);
  for (const entry of verdict.scenarios) lines.push(`| ${totalsRow(entry, verdict).map(markdownText).join(' | ')} |`);
  lines.push('');
  const properties = [...new Set([...declared.values()].flat())].sort();
  const scenarioNames = results.summary.map((entry) => markdownText(entry.scenario));
  lines.push('## Properties');
  lines.push('');
  lines.push(`| property | ${scenarioNames.join(' | ')} |`);
  lines.push(`|---|${results.summary.map(() => '---').join('|')}|`);
  for (const property of properties) {
    const cells = results.summary.map((entry) => {
      const cell = matrixCell(results, declared, entry, property);
      return cell.kind === 'violated' ? `**${cell.text}**` : cell.text;
    });
    lines.push(`| ${markdownText(property)} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  lines.push('## Fault kinds and operations exercised (cases per kind: drawn / fired)');
  lines.push('');
  lines.push('Drawn: cases whose fault plan had the kind. Fired: cases in which a fault of the kind fired and took effect.');
  lines.push('');
  const kinds = [...new Set(results.summary.flatMap((entry) => Object.keys(entry.faultKinds)))].sort();
  lines.push(`| fault kind | ${scenarioNames.join(' | ')} |`);
  lines.push(`|---|${results.summary.map(() => '---:').join('|')}|`);
  for (const kind of kinds) lines.push(`| ${markdownText(kind)} | ${results.summary.map((entry) => `${entry.faultKinds[kind] ?? 0} / ${entry.firedFaultKinds?.[kind] ?? 0}`).join(' | ')} |`);
  lines.push(...depthLines(results.summary));
  lines.push(...coverageMarkdown(results.coverage));
  const strategy = strategyLine(results.strategy, results.caseCount);
  if (strategy !== undefined) lines.push('', '## Strategy', '', markdownText(strategy));
  const corpus = corpusLine(results.corpus);
  if (corpus !== undefined) {
    lines.push('', '## Saved corpus', '', markdownText(corpus));
    for (const failing of results.corpus?.failingNow ?? []) lines.push(`- ${markdownText(failing.file)} fails now (${markdownText(failing.property)}): \`npx ckptsim replay ${failing.replay}\``);
  }
  if (results.plantedBugs !== undefined) {
    const matrix = results.plantedBugs;
    lines.push('');
    lines.push(`## Planted bugs: ${matrix.killed} of ${matrix.mutants.length} caught by this sweep's cases`);
    lines.push('');
    lines.push(`Each planted bug switched on alone and run on this sweep's own cases (up to ${matrix.budget}, scenario by scenario in turn), with no setup of its own.`);
    lines.push('');
    lines.push('| planted bug | Flink bug | caught by | cases to detection | seconds | shrunk faults | control without the bug |');
    lines.push('|---|---|---|---:|---:|---:|---|');
    for (const mutant of matrix.mutants) {
      lines.push(`| ${markdownText(mutant.bug)} | ${markdownText(mutant.issue ?? '–')} | ${mutant.killed ? markdownText(mutant.detectedBy ?? '') : mutant.knownSurvivor === undefined ? '**not caught**' : 'not caught (known survivor)'} | ${mutant.casesToDetection} | ${mutant.secondsToDetection ?? '–'} | ${mutant.shrunkPlanSize === undefined ? '–' : `${mutant.shrunkPlanSize}${mutant.shrinkBudgetSpent === true ? ' (budget)' : ''}`} | ${mutant.control ?? '–'} |`);
    }
    const survivors = matrix.mutants.filter((mutant) => !mutant.killed && mutant.knownSurvivor !== undefined);
    if (survivors.length > 0) {
      lines.push('');
      lines.push(`Known survivors (documented blind spots of the default sweep, not counted as caught): ${survivors.length}.`);
      lines.push('');
      for (const mutant of survivors) lines.push(`- ${markdownText(mutant.bug)}: ${markdownText(mutant.knownSurvivor ?? '')}`);
    }
  }
  lines.push(...failureSection(results, Buffer.byteLength(lines.join('\n'))));
  lines.push('');
  return lines.join('\n');
}

/** The failures (and nondeterministic cases) with replay commands, as many as fit the budget. */
function failureSection(results: SweepReport, usedBytes: number): string[] {
  const failing = results.notPassing.filter((entry) => entry.failure !== undefined || entry.verdict === 'nondeterministic');
  if (failing.length === 0) return [];
  const total = results.summary.reduce((sum, entry) => sum + entry.failed + entry.nondeterministic, 0);
  const lines = ['', '## Failures'];
  let bytes = usedBytes + 20;
  let listed = 0;
  for (const entry of failing) {
    const item = failureItem(entry);
    const size = Buffer.byteLength(item.join('\n')) + 1;
    // Room is kept for the line that says how many more there are.
    if (listed >= markdownFailureRows || bytes + size > markdownByteBudget - 512) break;
    lines.push(...item);
    bytes += size;
    listed++;
  }
  if (total > listed) {
    lines.push('');
    lines.push(`${formatCount(total - listed)} more failing case(s) are in report.html and results.json (report.md lists the first ${formatCount(listed)}).`);
  }
  return lines;
}

function failureItem(entry: SweepCaseResult): string[] {
  const scenario = markdownText(entry.scenario);
  const failure = entry.failure;
  if (failure === undefined) {
    return ['', `- **${scenario}** case ${entry.index}, \`determinism\`: two runs of the same case gave different trace hashes (a harness bug)`, '  ```sh', `  npx ckptsim replay ${entry.replay ?? ''}`, '  ```'];
  }
  const message = failure.message.length > messageChars ? `${failure.message.slice(0, messageChars)}... (cut; whole in results.json)` : failure.message;
  return [
    '',
    `- **${scenario}** case ${entry.index}, \`${markdownText(failure.property)}\`: ${markdownText(message)}`,
    `  shrunk to ${planSize(failure.shrunkFaults)} in ${failure.shrinkSteps} steps${failure.shrinkBudgetSpent === true ? ' (shrink budget spent: a smaller case may exist)' : ''}:`,
    '  ```sh',
    `  npx ckptsim replay ${failure.replay}`,
    '  ```',
  ];
}

/** A shrunk plan's size in words: faults, and operations with their kinds (what a reader looks for first). */
function planSize(plan: readonly { readonly kind: string }[]): string {
  const operations = plan.filter((entry) => (operationKinds as readonly string[]).includes(entry.kind));
  const faults = plan.length - operations.length;
  if (operations.length === 0) return `${faults} fault(s)`;
  return `${faults} fault(s) and ${operations.length} operation(s) (${operations.map((entry) => markdownText(entry.kind)).join(', ')})`;
}

/** How the lead line tells which cases kept their checkpoint timeline, when not every case did. */
function timelinesNote(timelines: SweepReport['parameters']['timelines']): string {
  if (timelines === 'not-passing') return ', timelines kept for cases that did not pass';
  if (timelines === 'none') return ', no timelines kept';
  return '';
}

/**
 * How deep the cases ran, per scenario: cases per bucket of checkpoints completed and of highest
 * checkpoint id, and per retained-checkpoints setting (nothing for results without depth).
 */
function depthLines(summary: SweepReport['summary']): string[] {
  const withDepth = summary.filter((entry) => entry.depth !== undefined);
  if (withDepth.length === 0) return [];
  const lines = ['', '## Depth reached (cases per bucket)', '', 'Checkpoints completed per case, the highest checkpoint id a case reached, and the retained-checkpoints setting it ran with.', ''];
  lines.push(`| measure | ${withDepth.map((entry) => markdownText(entry.scenario)).join(' | ')} |`);
  lines.push(`|---|${withDepth.map(() => '---:').join('|')}|`);
  const measures = [
    ['checkpointsCompleted', 'checkpoints completed'],
    ['highestCheckpointId', 'highest checkpoint id'],
    ['retainedCheckpoints', 'retained checkpoints'],
  ] as const;
  for (const [key, label] of measures) {
    const buckets = [...new Set(withDepth.flatMap((entry) => Object.keys(entry.depth![key])))];
    for (const bucket of buckets) lines.push(`| ${label} ${bucket} | ${withDepth.map((entry) => entry.depth![key][bucket] ?? 0).join(' | ')} |`);
  }
  return lines;
}
