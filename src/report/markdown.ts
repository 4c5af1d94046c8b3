import type { SweepReport } from '../explore/results.js';

/** The properties each scenario declares, by scenario name (from the scenario registry). */
export type DeclaredProperties = ReadonlyMap<string, readonly string[]>;

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * report.md: a sweep's results for a pull-request comment or a CI job summary: totals per
 * scenario, the property x scenario verdict matrix, fault-kind coverage, and every failure with
 * its replay command.
 */
export function renderMarkdown(results: SweepReport, declared: DeclaredProperties): string {
  const lines: string[] = [];
  const failed = results.summary.reduce((total, entry) => total + entry.failed + entry.nondeterministic, 0);
  lines.push(`# ckptsim sweep: ${failed === 0 ? 'no violation' : `${failed} failing case(s)`}`);
  lines.push('');
  lines.push(
    `${results.caseCount} cases (${results.parameters.runsPerScenario} per scenario, seed ${results.parameters.seed}, profile \`${results.parameters.profile}\`${results.parameters.vary ? ', varied parameters and config' : ''}${timelinesNote(results.parameters.timelines)}), shards ${results.shards.join(', ')}${results.interrupted ? ', **interrupted**' : ''}.`,
  );
  lines.push('');
  lines.push('| scenario | cases | passed | failed | expected gaps | nondeterministic |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const entry of results.summary) lines.push(`| ${entry.scenario} | ${entry.cases} | ${entry.passed} | ${entry.failed} | ${entry.expectedGaps} | ${entry.nondeterministic} |`);
  lines.push('');
  const properties = [...new Set([...declared.values()].flat())].sort();
  lines.push('## Properties');
  lines.push('');
  lines.push(`| property | ${results.summary.map((entry) => entry.scenario).join(' | ')} |`);
  lines.push(`|---|${results.summary.map(() => '---').join('|')}|`);
  for (const property of properties) {
    const cells = results.summary.map((entry) => {
      if (!(declared.get(entry.scenario) ?? []).includes(property)) return '·';
      const violated = entry.violations[property] ?? 0;
      return violated === 0 ? `held (${entry.cases})` : `**violated in ${violated}**`;
    });
    lines.push(`| ${property} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  lines.push('## Fault kinds exercised (cases per kind: drawn / fired)');
  lines.push('');
  lines.push('Drawn: cases whose fault plan had the kind. Fired: cases in which a fault of the kind fired and took effect.');
  lines.push('');
  const kinds = [...new Set(results.summary.flatMap((entry) => Object.keys(entry.faultKinds)))].sort();
  lines.push(`| fault kind | ${results.summary.map((entry) => entry.scenario).join(' | ')} |`);
  lines.push(`|---|${results.summary.map(() => '---:').join('|')}|`);
  for (const kind of kinds) lines.push(`| ${kind} | ${results.summary.map((entry) => `${entry.faultKinds[kind] ?? 0} / ${entry.firedFaultKinds?.[kind] ?? 0}`).join(' | ')} |`);
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
      lines.push(`| ${mutant.bug} | ${mutant.issue ?? '–'} | ${mutant.killed ? (mutant.detectedBy ?? '') : '**not caught**'} | ${mutant.casesToDetection} | ${mutant.secondsToDetection ?? '–'} | ${mutant.shrunkPlanSize ?? '–'} | ${mutant.control ?? '–'} |`);
    }
  }
  const failures = results.notPassing.filter((entry) => entry.failure !== undefined);
  if (failures.length > 0) {
    lines.push('');
    lines.push('## Failures');
    for (const entry of failures) {
      const failure = entry.failure!;
      lines.push('');
      lines.push(`- **${entry.scenario}** case ${entry.index}, \`${failure.property}\`: ${escapeCell(failure.message)}`);
      lines.push(`  shrunk to ${failure.shrunkFaults.length} fault(s) in ${failure.shrinkSteps} steps:`);
      lines.push('  ```sh');
      lines.push(`  npx ckptsim replay ${failure.replay}`);
      lines.push('  ```');
    }
    if (results.failureCount > failures.length) {
      lines.push('');
      lines.push(`${results.failureCount - failures.length} more failing case(s) are listed in results.json.`);
    }
  }
  lines.push('');
  return lines.join('\n');
}

/** How the lead line tells which cases kept their checkpoint timeline, when not every case did. */
function timelinesNote(timelines: SweepReport['parameters']['timelines']): string {
  if (timelines === 'not-passing') return ', timelines kept for cases that did not pass';
  if (timelines === 'none') return ', no timelines kept';
  return '';
}
