/**
 * Measures the exploration strategies against each other (issue 24): for each strategy, every
 * planted bug's search on the default sweep's cases up to a budget of cases, timed in CPU
 * seconds, and the coverage a sweep of the correct protocol reaches. Deep, so not in npm test:
 *
 *   npx tsx scripts/strategy-measure.ts <strategy> [--budget N] [--runs R] [--out FILE]
 *   npx tsx scripts/strategy-measure.ts compare FILE...
 *
 * The first form writes one strategy's figures as JSON (run the three side by side); the second
 * prints the comparison table at equal case and CPU budgets.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { plantedBugNames } from '../src/cluster/planted-bugs.js';
import { defaultMutantSweep } from '../src/explore/mutants.js';
import { coverageWithin, killsWithin, measureBugSearch, measureCoverage, type BugSearch, type CoverageCurve } from '../src/explore/strategies/measure.js';
import { strategySettings } from '../src/explore/strategies/strategy.js';
import { scenarios } from '../scenarios/index.js';

interface Measurement {
  readonly strategy: string;
  readonly budget: number;
  readonly searches: BugSearch[];
  readonly coverage: CoverageCurve;
}

const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

function measure(name: string): void {
  const budget = option('budget', 60);
  const runs = option('runs', 30);
  const strategy = strategySettings(name);
  const sweep = { ...defaultMutantSweep(budget), ...(strategy.name === 'random' ? {} : { strategy }) };
  const searches: BugSearch[] = [];
  for (const bug of plantedBugNames) {
    const search = measureBugSearch(sweep, bug, cpuMs);
    searches.push(search);
    process.stderr.write(`${name} ${bug}: ${search.killed ? `killed after ${search.cases}` : 'survived'} in ${(search.cpuMs / 1000).toFixed(1)} s CPU\n`);
  }
  const coverage = measureCoverage(scenarios.map((scenario) => scenario.name), runs, 1, strategy, cpuMs);
  const out = process.argv[process.argv.indexOf('--out') + 1] ?? `strategy-${name}.json`;
  writeFileSync(out, JSON.stringify({ strategy: name, budget, searches, coverage } satisfies Measurement));
}

function compare(files: readonly string[]): void {
  const all = files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as Measurement);
  const caseBudget = Math.min(...all.map((entry) => entry.budget));
  // The CPU budget every strategy's searches were all run to: the least a survivor of any strategy spent.
  const survivorsCpu = all.flatMap((entry) => entry.searches.filter((search) => !search.killed).map((search) => search.cpuMs));
  const cpuBudget = Math.min(...survivorsCpu, ...all.map((entry) => Math.max(...entry.searches.map((search) => search.cpuMs))));
  const coverageCases = Math.min(...all.map((entry) => entry.coverage.points.length));
  const coverageCpu = Math.min(...all.map((entry) => entry.coverage.points.at(-1)?.cpuMs ?? 0));
  const lines = [
    `| strategy | killed (${caseBudget} cases/bug) | median / worst cases | killed (${(cpuBudget / 1000).toFixed(1)} CPU s/bug) | median / worst cases | CPU s, all searches | states / pairs at ${coverageCases} cases | states / pairs at ${(coverageCpu / 1000).toFixed(1)} CPU s |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const entry of all) {
    const byCases = killsWithin(entry.searches, { cases: caseBudget });
    const byCpu = killsWithin(entry.searches, { cpuMs: cpuBudget });
    const cpuTotal = entry.searches.reduce((total, search) => total + search.cpuMs, 0) / 1000;
    const coverageByCases = coverageWithin(entry.coverage, { cases: coverageCases });
    const coverageByCpu = coverageWithin(entry.coverage, { cpuMs: coverageCpu });
    lines.push(`| ${entry.strategy} | ${byCases.killed}/${entry.searches.length} | ${byCases.median} / ${byCases.worst} | ${byCpu.killed} | ${byCpu.median} / ${byCpu.worst} | ${cpuTotal.toFixed(0)} | ${coverageByCases.states} / ${coverageByCases.pairs} | ${coverageByCpu.states} / ${coverageByCpu.pairs} (${coverageByCpu.cases} cases) |`);
  }
  const killedBy = (entry: Measurement) => new Set(entry.searches.filter((search) => search.killed).map((search) => search.bug));
  for (const entry of all) {
    const others = all.filter((other) => other !== entry).map(killedBy);
    const only = [...killedBy(entry)].filter((bug) => others.every((set) => !set.has(bug)));
    if (only.length > 0) lines.push('', `only ${entry.strategy} killed: ${only.join(', ')}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'compare') compare(rest.filter((arg) => !arg.startsWith('--')));
else measure(command ?? 'random');
