import { table } from 'table';
import type { SweepReport } from '../explore/results.js';
import type { DeclaredProperties } from '../report/markdown.js';
import { printable } from '../report/sanitise.js';
import { matrixCell, sweepVerdict, totalsHeader, totalsRow, type MatrixCell } from '../report/verdict.js';

const codes = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

/** Wraps text in an ANSI colour when `colour` is on (a TTY without NO_COLOR); plain otherwise. */
export function paint(colour: boolean, style: keyof typeof codes, text: string): string {
  return colour ? `\u001b[${codes[style]}m${text}\u001b[0m` : text;
}

const cellStyle: Record<MatrixCell['kind'], keyof typeof codes> = { 'not-declared': 'dim', skipped: 'yellow', violated: 'red', gap: 'yellow', held: 'green' };

/** Failures the terminal lists; report.md and results.json have every one. */
const terminalFailureRows = 20;

/**
 * The sweep's summary for a terminal, built with `table`: totals per scenario, the property x
 * scenario verdict matrix, and the failures with their replay commands. Colour only when asked
 * (the caller decides from isTTY and NO_COLOR), so logs and pipes get plain text.
 */
export function terminalTables(results: SweepReport, declared: DeclaredProperties, colour: boolean): string {
  const parts: string[] = [];
  const verdict = sweepVerdict(results, declared);
  const totals: string[][] = [totalsHeader(verdict)];
  for (const entry of verdict.scenarios) {
    const [scenario, cases, passed, violated, harnessErrors, gaps, nondeterministic, undecided] = totalsRow(entry, verdict).map(printable) as [string, string, string, string, string, string, string, string | undefined];
    totals.push([
      scenario,
      entry.cases < entry.planned ? paint(colour, 'yellow', cases) : cases,
      paint(colour, 'green', passed),
      entry.violated > 0 ? paint(colour, 'red', violated) : violated,
      entry.harnessErrors > 0 ? paint(colour, 'red', harnessErrors) : harnessErrors,
      entry.expectedGaps > 0 ? paint(colour, 'yellow', gaps) : gaps,
      entry.nondeterministic > 0 ? paint(colour, 'red', nondeterministic) : nondeterministic,
      ...(undecided === undefined ? [] : [entry.undecided > 0 ? paint(colour, 'yellow', undecided) : undecided]),
    ]);
  }
  parts.push(table(totals));
  const properties = [...new Set([...declared.values()].flat())].sort();
  const matrix = [['property', ...results.summary.map((entry) => printable(entry.scenario))]];
  for (const property of properties) {
    matrix.push([
      printable(property),
      ...results.summary.map((entry) => {
        const cell = matrixCell(results, declared, entry, property);
        return paint(colour, cellStyle[cell.kind], cell.text);
      }),
    ]);
  }
  parts.push(table(matrix, { header: { alignment: 'center', content: 'verdicts: property x scenario' } }));
  const failing = results.notPassing.filter((entry) => entry.failure !== undefined || entry.verdict === 'nondeterministic');
  const failures = failing.slice(0, terminalFailureRows);
  const failingTotal = results.summary.reduce((total, entry) => total + entry.failed + entry.nondeterministic, 0);
  if (failures.length > 0) {
    // Replay commands go below the table, one per line, so a terminal can copy them whole.
    const rows = [['#', 'scenario', 'case', 'property', 'what went wrong', 'shrunk faults']];
    const commands: string[] = [];
    failures.forEach((entry, position) => {
      const failure = entry.failure;
      if (failure !== undefined) {
        rows.push([String(position + 1), printable(entry.scenario), String(entry.index), paint(colour, 'red', printable(failure.property)), printable(failure.message.length > 2_000 ? `${failure.message.slice(0, 2_000)}...` : failure.message), String(failure.shrunkFaults.length)]);
        commands.push(`[${position + 1}] npx ckptsim replay ${failure.replay}`);
      } else {
        rows.push([String(position + 1), printable(entry.scenario), String(entry.index), paint(colour, 'red', 'determinism'), 'two runs of the same case gave different trace hashes (a harness bug)', '-']);
        if (entry.replay !== undefined) commands.push(`[${position + 1}] npx ckptsim replay ${entry.replay}`);
      }
    });
    const title = failingTotal > failures.length ? `failures (first ${failures.length} of ${failingTotal}; the rest in report.md and results.json)` : `failures (${failures.length})`;
    parts.push(table(rows, { header: { alignment: 'center', content: title }, columns: { 4: { width: 60, wrapWord: true } } }));
    parts.push(`${commands.join('\n')}\n`);
  }
  if (results.plantedBugs !== undefined) {
    const rows = [['planted bug', 'Flink bug', 'caught by', 'cases', 'seconds', 'shrunk', 'control']];
    for (const mutant of results.plantedBugs.mutants) {
      rows.push([
        printable(mutant.bug),
        mutant.issue ?? '-',
        mutant.killed ? (mutant.detectedBy ?? '') : mutant.knownSurvivor === undefined ? paint(colour, 'red', 'NOT CAUGHT') : paint(colour, 'yellow', 'known survivor'),
        String(mutant.casesToDetection),
        mutant.secondsToDetection === undefined ? '-' : mutant.secondsToDetection.toFixed(1),
        mutant.shrunkPlanSize === undefined ? '-' : `${mutant.shrunkPlanSize}${mutant.shrinkBudgetSpent === true ? ' (budget)' : ''}`,
        mutant.control === 'fail' ? paint(colour, 'red', 'FAILS') : (mutant.control ?? '-'),
      ]);
    }
    parts.push(table(rows, { header: { alignment: 'center', content: `planted bugs: ${results.plantedBugs.killed}/${results.plantedBugs.mutants.length} caught` } }));
  }
  return parts.join('');
}
