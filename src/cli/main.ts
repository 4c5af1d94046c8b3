#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { table } from 'table';
import { renderCaseReport } from '../report/case-report.js';
import { runCase, type CaseResult } from '../explore/run-case.js';
import { decodeReplayToken, type CaseSpec } from '../explore/replay-token.js';
import { UsageError, type Scenario } from '../explore/scenario.js';
import { registeredScenarios, requireScenario, scenarioOrigin } from '../explore/scenario-registry.js';
import { scenarioForSpec } from '../explore/scenario-modules.js';
import { loadProject, takeScenariosOption } from './project.js';
import { operationKinds, parseFaultPlan } from '../faults/plan.js';
import type { OperationRecord } from '../faults/operations.js';
import { checkTokenParameters } from '../explore/token-bounds.js';
import { integerOption, noExtraPositionals, parseCommand, readJsonOption, withDefaults } from './arguments.js';
import { commandReportMerge, commandSweep, harnessFailureExitCode } from './sweep-command.js';
import { commandMutants } from './mutants-command.js';
import { commandBench } from './bench-command.js';
import { toolName } from './version.js';

const usage = `ckptsim: deterministic simulation testing for checkpoint protocols

usage:
  ckptsim run <scenario> --seed N [--faults JSON|@file] [--json]
                                              run one case; exit 0 pass, 1 violation, 2 bad input;
                                              --faults takes faults and operations (docs/fault-plans.md)
  ckptsim replay <token> [--json] [--trace FILE] [--html FILE]
                                              re-run the case a replay token describes; --trace
                                              writes a Chrome trace-event file for Perfetto,
                                              --html a self-contained report of the case
  ckptsim sweep [scenario...] --runs N [--seed S] [--profile P] [--operations none|some|many] [--vary] [--mutants] [--timelines T] [--workers K] [--shard i/n] [--out DIR]
                [--strategy random|coverage|pct] [--pct-depth D] [--pct-window-us W] [--pct-steps K] [--corpus DIR]
                                              many cases across workers; writes results.json,
                                              report.md, report.html and junit.xml in DIR;
                                              --mutants adds the planted-bug kill matrix;
                                              --timelines not-passing|none keeps checkpoint
                                              timelines (most of results.json) for fewer cases;
                                              --shard counts from 1 (1/4 .. 4/4); the last line
                                              is the verdict: PASS: ... or FAIL: ...;
                                              --strategy: random (default) draws every case afresh,
                                              coverage mutates a corpus of the cases that reached
                                              new coverage, pct runs each case with PCT scheduling
                                              (README, "Exploration strategies"); --corpus DIR
                                              re-runs the cases saved there first and saves the
                                              failures and new-coverage cases as replay tokens
  ckptsim report merge <results.json...> [--partial] [--allow-partial] --out DIR
                                              join the results of shards, all of 1..n once
                                              each; --allow-partial merges with shards missing
                                              (every report says which); --partial also reads
                                              a results.json.partial left by a killed sweep
  ckptsim mutants [bug...] [--budget N] [--seed S] [--workers K] [--strategy S] [--tailored] [--json]
                                              the kill matrix: each planted bug run on the default
                                              sweep's cases (no per-bug setup); --tailored adds
                                              each bug's own setup as a second column
  ckptsim bench [--json] [--full]             speed and memory figures (events/s vs a bare loop, cases/s, growth, oracle share)
  ckptsim list [--json]                       the scenarios: built-in, then the project's own
  ckptsim version (or --version)              the version of ckptsim
  ckptsim start [sweep options]               the default sweep (npm start): every scenario, 300 cases
                                              each under swarm faults, then the planted-bug kill
                                              matrix on the same cases; reports in reports/latest

every command takes --scenarios PATH[,PATH...] (repeatable): your own scenario modules, added
to the built-ins (a sweep without scenario names then covers yours); ckptsim.config.{js,mjs,ts,mts}
at the project root (the nearest package.json) may list them and set sweep defaults
`;

/** Properties the oracle judges today; the rest of a scenario's declared list is reported as not checked. */
const checkedProperties = new Set(['job-finishes', 'exactly-once', 'at-least-once', 'upsert-exactly-once', 'consistent-snapshot', 'recovery', 'coordinator-invariants', 'two-phase-commit', 'liveness', 'trigger-results', 'failure-accounting', 'notification-order', 'explained-failures', 'external-hygiene', 'split-ownership', 'windowed-output']);

function scenarioNamed(name: string | undefined): Scenario {
  return requireScenario(name);
}

function caseJson(result: CaseResult, spec: CaseSpec): string {
  const { scenario, seed, verdict, violations, stats, traceHash, replay } = result;
  const expectedGaps = result.gaps.map(({ gap, violation }) => ({ gap: gap.name, description: gap.description, violation }));
  const plantedBugs = plantedBugsOf(spec);
  const operations = result.operations.length === 0 ? {} : { operations: result.operations };
  return JSON.stringify({ scenario, seed, verdict, violations, expectedGaps, ...(result.undecided === undefined ? {} : { undecided: result.undecided }), stats, traceHash, replay, ...(plantedBugs.length === 0 ? {} : { plantedBugs }), ...operations });
}

/** The planted bugs a case switches on (a token from `ckptsim mutants` does): a FAIL then is the bug, on purpose. */
function plantedBugsOf(spec: CaseSpec): readonly string[] {
  const bugs = spec.config !== undefined && Object.hasOwn(spec.config, 'plantedBugs') ? spec.config['plantedBugs'] : undefined;
  return Array.isArray(bugs) ? bugs.map(String) : [];
}

/** One operation's line: when it fired and what it was answered. */
function describeOperation(record: OperationRecord): string {
  const fired = `${record.kind} fired at ${(record.requestedAtUs / 1000).toFixed(1)} ms`;
  if (!record.applied) return `${fired}, not carried out: ${record.reason ?? 'no reason given'}`;
  if (record.ok === undefined) return `${fired}, not answered before the run ended`;
  const at = `at ${((record.answeredAtUs ?? 0) / 1000).toFixed(1)} ms`;
  if (!record.ok) return `${fired}, failed ${at}: ${record.reason ?? 'no reason given'}`;
  const snapshot = record.checkpointId === undefined ? '' : ` (${record.kind === 'checkpoint' ? 'checkpoint' : 'savepoint'} ${record.checkpointId})`;
  const resumed = record.resumedFromCheckpointId === undefined ? '' : `, resumed from ${record.resumedFromCheckpointId}`;
  return `${fired}, succeeded ${at}${snapshot}${resumed}`;
}

function printCase(scenario: Scenario, spec: CaseSpec, result: CaseResult): void {
  const violated = new Set(result.violations.map((violation) => violation.property));
  const explained = new Set(result.gaps.map(({ violation }) => violation.property));
  const undecided = new Set((result.undecided ?? []).map((entry) => entry.property));
  const planted = plantedBugsOf(spec);
  const plantedNote = planted.length === 0 ? '' : ` with planted bug${planted.length === 1 ? '' : 's'} ${planted.join(', ')} switched on (a deliberate bug, as ckptsim mutants plants)`;
  const lines = [`${result.scenario} seed ${result.seed}: ${result.verdict.toUpperCase()} (job ${result.jobStatus}, run ${result.outcome})${plantedNote}`];
  for (const property of scenario.properties) {
    if (!checkedProperties.has(property)) continue;
    // A violation a documented gap explains is not "held": it is shown as the gap it is.
    lines.push(`  ${violated.has(property) ? 'VIOLATED' : explained.has(property) ? 'gap     ' : undecided.has(property) ? 'UNDECIDED' : 'held    '}  ${property}`);
  }
  const unchecked = scenario.properties.filter((property) => !checkedProperties.has(property));
  if (unchecked.length > 0) lines.push(`  not yet checked by this version: ${unchecked.join(', ')}`);
  for (const violation of result.violations) lines.push(`  ${violation.property}: ${violation.message}`);
  for (const entry of result.undecided ?? []) lines.push(`  ${entry.property} (undecided): ${entry.message}`);
  for (const { gap, violation } of result.gaps) {
    lines.push(`  expected gap (${gap.name}): ${violation.property}: ${violation.message}`);
    lines.push(`    why it is expected: ${gap.description}`);
  }
  const faultLines = result.faults.map((fault) => {
    const operation = result.operations.find((record) => record.index === fault.index);
    if (operation !== undefined) return { index: fault.index, line: `  operation ${fault.index} ${describeOperation(operation)}` };
    return { index: fault.index, line: `  fault ${fault.index} ${fault.kind} fired at ${(fault.firedAtUs / 1000).toFixed(1)} ms${fault.applied ? '' : ' (target not there: no effect)'}` };
  });
  // runCase accepted the plan, so each fault has a kind.
  (spec.faults ?? []).forEach((planned, index) => {
    const kind = (planned as { kind: string }).kind;
    const what = (operationKinds as readonly string[]).includes(kind) ? 'operation' : 'fault';
    if (!result.faults.some((fault) => fault.index === index)) faultLines.push({ index, line: `  ${what} ${index} ${kind} never fired: the run ended before its trigger came` });
  });
  for (const { line } of faultLines.sort((left, right) => left.index - right.index)) lines.push(line);
  const { stats } = result;
  lines.push(
    `  ${stats.events} events, ${(stats.virtualTimeUs / 1000).toFixed(1)} ms virtual, checkpoints ${stats.checkpoints.completed}/${stats.checkpoints.triggered} completed (${stats.checkpoints.aborted} aborted), ${stats.restores} restores, records in ${stats.records.in} out ${stats.records.out}`,
  );
  lines.push(`  trace ${result.traceHash}`);
  lines.push(`  replay: ckptsim replay ${result.replay}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function runOne(scenario: Scenario, spec: CaseSpec, json: boolean): number {
  const result = runCase(scenario, spec);
  if (json) process.stdout.write(`${caseJson(result, spec)}\n`);
  else printCase(scenario, spec, result);
  return result.verdict === 'fail' ? 1 : 0;
}

/** `ckptsim run --help`: the run line, and where the plan format is documented. */
const runUsage = `usage: ckptsim run <scenario> --seed N [--faults JSON|@file] [--json]

  --faults   a plan: a JSON array of faults and operations (savepoint, checkpoint,
             stop-with-savepoint, cancel), each with its trigger. Every kind, field, type,
             range and default, with a working example of each: docs/fault-plans.md
  --json     print one JSON object instead of the table
exit 0 when every property holds, 1 when one is violated, 2 on bad input
`;

function commandRun(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(runUsage);
    return 0;
  }
  const { values, positionals } = parseCommand('run', argv, { seed: { type: 'string' }, json: { type: 'boolean' }, faults: { type: 'string' } });
  const scenario = scenarioNamed(positionals[0]);
  if (positionals.length > 1) throw new UsageError(`ckptsim run takes one scenario, got extra '${positionals[1]}'`);
  const seed = integerOption('seed', values['seed'], 1);
  const faults = values['faults'] === undefined ? [] : parseFaultPlan(readJsonOption('faults', values['faults'] as string));
  return runOne(scenario, { scenario: scenario.name, seed, faults }, values['json'] === true);
}

async function commandReplay(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('replay', argv, { json: { type: 'boolean' }, trace: { type: 'string' }, html: { type: 'string' } });
  if (positionals[0] === undefined) throw new UsageError('ckptsim replay needs a replay token');
  noExtraPositionals('replay', positionals, 1, 'one replay token');
  const spec = decodeReplayToken(positionals[0]);
  const tracePath = values['trace'] as string | undefined;
  const htmlPath = values['html'] as string | undefined;
  // A user scenario's module is loaded from the path the token records, when not loaded already.
  const scenario = await scenarioForSpec(spec);
  checkTokenParameters(spec.parameters, scenario);
  if (tracePath === undefined && htmlPath === undefined) return runOne(scenario, spec, values['json'] === true);
  const report = renderCaseReport(scenario, spec, toolName);
  const result = report.result;
  const written: string[] = [];
  if (tracePath !== undefined) {
    writeOutput(tracePath, 'trace', report.perfetto());
    written.push(`trace written to ${tracePath} (open it in https://ui.perfetto.dev or chrome://tracing)`);
  }
  if (htmlPath !== undefined) {
    writeOutput(htmlPath, 'report', report.html());
    written.push(`report written to ${htmlPath} (open it in a browser; it needs no network)`);
  }
  if (values['json'] === true) process.stdout.write(`${caseJson(result, spec)}\n`);
  else printCase(scenario, spec, result);
  for (const line of written) process.stderr.write(`${line}\n`);
  return result.verdict === 'fail' ? 1 : 0;
}

function writeOutput(path: string, what: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch {
    throw new UsageError(`cannot write the ${what} to '${path}'`);
  }
}

function commandList(argv: readonly string[]): number {
  const { values, positionals } = parseCommand('list', argv, { json: { type: 'boolean' } });
  noExtraPositionals('list', positionals, 0, 'no arguments');
  if (values['json'] === true) {
    const listed = registeredScenarios().map(({ name, description, properties, defaults }) => {
      const origin = scenarioOrigin(name);
      return { name, description, properties, parameters: defaults, ...(origin === undefined ? {} : { module: origin.path }) };
    });
    process.stdout.write(`${JSON.stringify(listed)}\n`);
    return 0;
  }
  const rows = [['scenario', 'from', 'description'], ...registeredScenarios().map((scenario) => [scenario.name, scenarioOrigin(scenario.name)?.path ?? 'built-in', scenario.description])];
  process.stdout.write(table(rows, { columns: { 1: { width: 24, wrapWord: true }, 2: { width: 64, wrapWord: true } } }));
  return 0;
}

/** The main job (`npm start`): the default sweep, every scenario under swarm faults, then the planted-bug canary. */
function commandStart(argv: readonly string[]): Promise<number> {
  return commandSweep(withDefaults(['--runs', '300', '--profile', 'swarm', '--operations', 'some', '--mutants', '--out', 'reports/latest'], argv));
}

/**
 * `ckptsim <command> --help`: that command's block of the usage text (its line and the lines
 * indented under it), so each command's options are written down once.
 */
function commandUsage(command: string): string | undefined {
  const lines = usage.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`  ckptsim ${command} `) || line === `  ckptsim ${command}`);
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && /^ {4,}\S/.test(lines[end] as string)) end++;
  return `usage:\n${lines.slice(start, end).join('\n')}\n`;
}

/** Commands that run no scenario, and so load no project config or scenario modules. */
const commandsWithoutScenarios = new Set([undefined, 'help', '--help', '-h', 'bench', 'version', '--version']);

async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  let rest = argv.slice(1);
  if (command !== undefined && command !== 'run' && (rest.includes('--help') || rest.includes('-h'))) {
    const text = commandUsage(command === 'report' ? 'report merge' : command);
    if (text !== undefined) {
      process.stdout.write(text);
      return 0;
    }
  }
  let sweepDefaults: readonly string[] = [];
  if (!commandsWithoutScenarios.has(command)) {
    const taken = takeScenariosOption(rest);
    rest = taken.argv;
    sweepDefaults = (await loadProject(taken.modules)).sweepArguments;
  }
  switch (command) {
    case 'sweep':
      return commandSweep(withDefaults(sweepDefaults, rest));
    case 'mutants':
      return commandMutants(rest);
    case 'bench':
      return commandBench(rest);
    case 'report':
      if (rest[0] !== 'merge') throw new UsageError(`unknown report command '${rest[0] ?? ''}'; try: ckptsim report merge <results.json...> [--partial] [--allow-partial] --out DIR`);
      return commandReportMerge(rest.slice(1));
    case 'run':
      return commandRun(rest);
    case 'replay':
      return commandReplay(rest);
    case 'list':
      return commandList(rest);
    case 'start':
      return commandStart(withDefaults(sweepDefaults, rest));
    case 'version':
    case '--version':
      noExtraPositionals(command, rest, 0, 'no arguments');
      process.stdout.write(`${toolName}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command '${command}'; try: run, replay, sweep, report merge, mutants, bench, list, start, version`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`ckptsim: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    // A bug in ckptsim itself: its own exit code, so CI tells it from a violated property.
    process.stderr.write(`ckptsim: internal error (a fault of ckptsim, not of the protocol under test):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = harnessFailureExitCode;
  }
}
