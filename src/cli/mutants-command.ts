import { table } from 'table';
import { plantedBugNames, type PlantedBug } from '../cluster/planted-bugs.js';
import { runMutant, type MutantResult } from '../explore/mutants.js';
import { UsageError } from '../explore/scenario.js';
import { integerOption, parseCommand } from './arguments.js';

/** `ckptsim mutants [bug...] [--budget N] [--seed S] [--json]`: the kill matrix of the planted bugs. */
export function commandMutants(argv: readonly string[]): number {
  const { values, positionals } = parseCommand('mutants', argv, { budget: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' } });
  for (const name of positionals) {
    if (!(plantedBugNames as string[]).includes(name)) throw new UsageError(`unknown planted bug '${name}'; known: ${plantedBugNames.join(', ')}`);
  }
  const bugs = (positionals.length > 0 ? positionals : plantedBugNames) as PlantedBug[];
  const budget = integerOption('budget', values['budget'], 300, 100_000);
  const seed = integerOption('seed', values['seed'], 1);
  const json = values['json'] === true;
  const results: MutantResult[] = [];
  for (const bug of bugs) {
    const result = runMutant(bug, budget, seed);
    results.push(result);
    if (!json) process.stderr.write(`${result.killed ? 'killed  ' : 'SURVIVED'} ${bug} after ${result.casesToDetection} case(s)\n`);
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({ budget, seed, mutants: results, summary: summary(results) })}\n`);
  } else {
    printMatrix(results);
  }
  return results.every((result) => result.killed && result.control !== 'fail') ? 0 : 1;
}

function summary(results: readonly MutantResult[]) {
  const killed = results.filter((result) => result.killed);
  const cases = killed.map((result) => result.casesToDetection).sort((left, right) => left - right);
  const sizes = killed.map((result) => result.shrunkPlanSize ?? 0).sort((left, right) => left - right);
  const median = (values: number[]) => (values.length === 0 ? 0 : (values[Math.floor((values.length - 1) / 2)] as number));
  return {
    bugs: results.length,
    killed: killed.length,
    casesToDetection: { median: median(cases), worst: cases.at(-1) ?? 0 },
    shrunkPlanSize: { median: median(sizes), worst: sizes.at(-1) ?? 0 },
  };
}

function printMatrix(results: readonly MutantResult[]): void {
  const rows = [['planted bug', 'component', 'detected by', 'cases', 'shrunk faults', 'control']];
  for (const result of results) {
    rows.push([result.bug, result.component, result.detectedBy ?? 'SURVIVED', String(result.casesToDetection), result.shrunkPlanSize === undefined ? '-' : String(result.shrunkPlanSize), result.control ?? '-']);
  }
  process.stdout.write(table(rows));
  for (const result of results) if (result.replay !== undefined) process.stdout.write(`${result.bug}: ${result.message}\n  ckptsim replay ${result.replay}\n`);
  const totals = summary(results);
  process.stdout.write(
    `${totals.killed}/${totals.bugs} planted bugs killed; cases to detection median ${totals.casesToDetection.median}, worst ${totals.casesToDetection.worst}; shrunk plan size median ${totals.shrunkPlanSize.median}, worst ${totals.shrunkPlanSize.worst}\n`,
  );
}
