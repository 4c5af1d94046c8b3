import type { CoverageSummary } from '../explore/coverage-tally.js';
import { abstractStateKindNames, abstractStateKinds, coverageColumns, coverageRows, possiblePairs } from '../oracle/protocol-coverage/index.js';
import { formatCount } from './verdict.js';

/**
 * report.md's coverage section: step × fault pairs covered of those possible (per fault kind),
 * abstract protocol states reached (per component), and the saturation curve's last slope.
 * report.html draws the whole matrix and the curve; results.json has every count.
 */
export function coverageMarkdown(coverage: CoverageSummary | undefined): string[] {
  if (coverage === undefined || coverage.cases === 0) return [];
  const lines = ['', '## Coverage', ''];
  const slope = coverage.curve.lastSlope;
  const byKind = abstractStateKinds.map((kind) => `${abstractStateKindNames[kind]} ${Object.keys(coverage.states.counts).filter((state) => state.startsWith(kind)).length}`);
  lines.push(`- Step × fault pairs covered: **${formatCount(coverage.pairs.covered)} of ${formatCount(coverage.pairs.possible)}** possible (${coverage.pairs.impossible.length} pairs can never occur; results.json says why).`);
  lines.push(`- Abstract protocol states reached: **${formatCount(coverage.states.reached)}** (${byKind.join(', ')}).`);
  const unreached = coverageRows.filter((row) => !coverageColumns.some((kind) => (coverage.pairs.counts[`${kind}@${row}`] ?? 0) > 0));
  if (unreached.length > 0) lines.push(`- Steps and operations no fault took effect at or within: ${unreached.map((row) => `\`${row}\``).join(', ')}.`);
  lines.push(`- Saturation: ${formatCount(slope.newStates)} new abstract state(s) in the last ${formatCount(Math.min(slope.window, coverage.cases))} cases${slope.newStates === 0 ? ' (saturated for this sweep)' : ''}.`);
  lines.push('');
  lines.push('| fault kind | pairs covered | possible |');
  lines.push('|---|---:|---:|');
  for (const kind of coverageColumns) {
    const possible = possiblePairs.filter((pair) => pair.startsWith(`${kind}@`));
    const covered = possible.filter((pair) => (coverage.pairs.counts[pair] ?? 0) > 0).length;
    lines.push(`| ${kind} | ${covered} | ${possible.length} |`);
  }
  return lines;
}

/** One line for the terminal: pairs covered of possible, abstract states reached, the curve's last slope. */
export function coverageLine(coverage: CoverageSummary | undefined): string | undefined {
  if (coverage === undefined || coverage.cases === 0) return undefined;
  const slope = coverage.curve.lastSlope;
  return `coverage: ${formatCount(coverage.pairs.covered)} of ${formatCount(coverage.pairs.possible)} step × fault pairs, ${formatCount(coverage.states.reached)} abstract states (${formatCount(slope.newStates)} new in the last ${formatCount(Math.min(slope.window, coverage.cases))} cases)`;
}
