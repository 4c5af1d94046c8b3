import { availableParallelism } from 'node:os';
import { table } from 'table';
import { plantedBugNames, type PlantedBug } from '../cluster/planted-bugs.js';
import { defaultMutantSweep, mutantHolds, summariseMutants, type MutantResult, type MutantSweep } from '../explore/mutants.js';
import { runMutantPool } from '../explore/mutant-pool.js';
import { UsageError } from '../explore/scenario.js';
import { loadedUserScenarios } from '../explore/scenario-registry.js';
import { integerOption, parseCommand } from './arguments.js';
import { strategyOption } from './strategy-option.js';

/** Cases each planted bug is tried on by default: the first 100 of every scenario of the default sweep. */
export const defaultMutantBudget = 700;

/**
 * `ckptsim mutants [bug...] [--budget N] [--seed S] [--workers K] [--tailored] [--json]`: the
 * kill matrix, each planted bug run on the default sweep's cases (those of `npm start`, same
 * seed) with no setup of its own. --tailored adds the second, labelled column: the bug's own
 * setup, where it has one. With user scenarios loaded (--scenarios or the project config), the
 * matrix runs on their cases instead: it then says which planted bugs those scenarios catch.
 */
export async function commandMutants(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('mutants', argv, { budget: { type: 'string' }, seed: { type: 'string' }, workers: { type: 'string' }, tailored: { type: 'boolean' }, json: { type: 'boolean' }, strategy: { type: 'string' }, 'pct-depth': { type: 'string' }, 'pct-window-us': { type: 'string' }, 'pct-steps': { type: 'string' } });
  for (const name of positionals) {
    if (!(plantedBugNames as string[]).includes(name)) throw new UsageError(`unknown planted bug '${name}'; known: ${plantedBugNames.join(', ')}`);
  }
  const bugs = (positionals.length > 0 ? positionals : plantedBugNames) as PlantedBug[];
  const budget = integerOption('budget', values['budget'], defaultMutantBudget, 100_000, 1);
  const seed = integerOption('seed', values['seed'], 1);
  const workers = integerOption('workers', values['workers'], availableParallelism(), 256, 1);
  const json = values['json'] === true;
  const tailored = values['tailored'] === true;
  const strategy = strategyOption(values);
  const base = onUserScenarios(defaultMutantSweep(budget, seed));
  // The random strategy is the default sweep's own cases, exactly as before strategies existed.
  const sweep: MutantSweep = strategy.name === 'random' ? base : { ...base, strategy };
  const { rows } = await runMutantPool(bugs, sweep, workers, (row, done) => {
    if (!json) process.stderr.write(`${done}/${bugs.length} ${row.killed ? 'killed  ' : row.knownSurvivor === undefined ? 'SURVIVED' : 'survived (known)'} ${row.bug} after ${row.casesToDetection} case(s), ${row.secondsToDetection ?? 0} s\n`);
  }, tailored ? { tailoredBudget: 300 } : {});
  if (json) {
    process.stdout.write(`${JSON.stringify({ sweep, budget: sweep.budget, seed, mutants: rows, summary: summariseMutants(rows) })}\n`);
  } else {
    process.stdout.write(mutantMatrixText(rows, sweep, tailored));
  }
  // A known survivor (a documented blind spot) does not fail the matrix; any other survivor does.
  return rows.every(mutantHolds) ? 0 : 1;
}

/** The default sweep's settings over the user's scenarios, when some are loaded. */
function onUserScenarios(sweep: MutantSweep): MutantSweep {
  const scenarios = loadedUserScenarios().map((scenario) => scenario.name);
  if (scenarios.length === 0) return sweep;
  return { ...sweep, scenarios, budget: Math.min(sweep.budget, scenarios.length * sweep.runsPerScenario) };
}

/** The kill matrix as terminal text: the table, each killed bug's replay command, and the figures. */
export function mutantMatrixText(results: readonly MutantResult[], sweep: MutantSweep, tailored = false): string {
  const header = ['planted bug', 'FLINK id', 'killed by', 'cases', 'seconds', 'shrunk faults', 'control'];
  if (tailored) header.push('tailored setup (2nd column)');
  const rows = [header];
  for (const result of results) {
    const row = [
      result.bug,
      result.issue,
      result.detectedBy ?? (result.knownSurvivor === undefined ? 'SURVIVED' : 'survived (known)'),
      String(result.casesToDetection),
      result.secondsToDetection === undefined ? '-' : result.secondsToDetection.toFixed(1),
      result.shrunkPlanSize === undefined ? '-' : `${result.shrunkPlanSize}${result.shrinkBudgetSpent === true ? ' (budget)' : ''}`,
      result.control ?? '-',
    ];
    if (tailored) row.push(result.tailored === undefined ? 'none' : `${result.tailored.killed ? (result.tailored.detectedBy ?? '') : 'survived'} after ${result.tailored.casesToDetection}`);
    rows.push(row);
  }
  const parts = [table(rows, { header: { alignment: 'center', content: `kill matrix on the default sweep${sweep.strategy === undefined ? '' : ` under strategy ${sweep.strategy.name}`}: ${sweep.scenarios.length} scenarios, profile ${sweep.profile}, seed ${sweep.seed}, up to ${sweep.budget} cases per bug, no per-bug setup` } })];
  for (const result of results) if (result.replay !== undefined) parts.push(`${result.bug}: ${result.message}\n  ckptsim replay ${result.replay}\n`);
  for (const result of results) if (!result.killed && result.knownSurvivor !== undefined) parts.push(`${result.bug}: a known survivor: ${result.knownSurvivor}\n`);
  const totals = summariseMutants(results);
  parts.push(
    `${totals.killed}/${totals.bugs} planted bugs killed by the default sweep; cases to detection median ${totals.casesToDetection.median}, worst ${totals.casesToDetection.worst}; seconds to detection median ${totals.secondsToDetection.median}, worst ${totals.secondsToDetection.worst}; shrunk plan size median ${totals.shrunkPlanSize.median}, worst ${totals.shrunkPlanSize.worst}\n`,
  );
  return parts.join('');
}
