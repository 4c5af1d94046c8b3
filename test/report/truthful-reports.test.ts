import { describe, expect, it } from 'vitest';
import { reportOf, resultsSchema, summarise, type SweepReport, type SweepResults } from '../../src/explore/results.js';
import { harnessErrorProperty, type SweepCaseResult } from '../../src/explore/sweep-case.js';
import { renderJunit } from '../../src/report/junit.js';
import { markdownByteBudget, renderMarkdown } from '../../src/report/markdown.js';
import { sweepVerdict, verdictLine } from '../../src/report/verdict.js';
import { terminalTables } from '../../src/cli/terminal.js';
import { passingCase } from './fixtures.js';
import { descendants, parseXml, type XmlElement } from './strict-xml.js';

/** Results of a sweep over `scenarios` (runs each) holding `cases`; shards `1/1` unless given. */
function sweepOf(scenarios: string[], runs: number, cases: SweepCaseResult[], extra: Partial<SweepResults> = {}): SweepReport {
  return reportOf({
    schema: resultsSchema,
    parameters: { scenarios, runsPerScenario: runs, seed: 1, profile: 'swarm', vary: false },
    shards: ['1/1'],
    properties: Object.fromEntries(scenarios.map((scenario) => [scenario, ['exactly-once', 'recovery']])),
    cases,
    interrupted: false,
    summary: summarise(cases, scenarios),
    environment: { tool: 'test', node: 'v20', platform: 'linux', cpus: 2, workers: 1 },
    timing: { wallMs: 2_000, casesPerSecond: 1 },
    ...extra,
  });
}

const declaredFor = (...scenarios: string[]) => new Map(scenarios.map((scenario) => [scenario, ['exactly-once', 'recovery']]));

const at = (index: number, scenario = 'wordcount'): SweepCaseResult => ({ ...passingCase, index, scenario, caseSeed: 100 + index });

const harnessError: SweepCaseResult = {
  ...at(1),
  verdict: 'fail',
  violated: [harnessErrorProperty],
  failure: { property: harnessErrorProperty, message: 'the harness threw while running the case: TypeError: boom\n    at build (scenario.ts:1:1)', shrunkFaults: [], shrunkSeed: 5, shrinkSteps: 0, replay: 'ckpt1.HARNESS.00000000' },
  replay: 'ckpt1.HARNESS.00000000',
};

const nondeterministic: SweepCaseResult = { ...at(2), verdict: 'nondeterministic', replay: 'ckpt1.TWICE.00000000' };

/** The counts a JUnit consumer reads: from the attributes, and recounted from the test cases. */
function junitCounts(xml: string) {
  const root = parseXml(xml);
  expect(root.name).toBe('testsuites');
  const suites = descendants(root, 'testsuite');
  const testCases = descendants(root, 'testcase');
  const has = (testCase: XmlElement, child: string): boolean => testCase.children.some((element) => element.name === child);
  const counted = {
    tests: testCases.length,
    failures: testCases.filter((testCase) => has(testCase, 'failure')).length,
    errors: testCases.filter((testCase) => has(testCase, 'error')).length,
    skipped: testCases.filter((testCase) => has(testCase, 'skipped')).length,
  };
  for (const key of ['tests', 'failures', 'errors', 'skipped'] as const) {
    expect(Number(root.attributes[key]), `testsuites ${key}`).toBe(counted[key]);
    const suiteSum = suites.reduce((total, suite) => total + Number(suite.attributes[key]), 0);
    expect(suiteSum, `sum of testsuite ${key}`).toBe(counted[key]);
  }
  for (const suite of suites) {
    const own = suite.children.filter((child) => child.name === 'testcase');
    expect(Number(suite.attributes['tests'])).toBe(own.length);
    expect(Number(suite.attributes['time'])).toBeGreaterThanOrEqual(0);
  }
  for (const testCase of testCases) expect(testCase.attributes['time'], testCase.attributes['name']).toMatch(/^\d+\.\d{3}$/);
  return { root, testCases, ...counted };
}

describe('junit.xml never passes what did not pass', () => {
  it('a scenario that ran no case has its properties skipped with a reason, and an interrupted sweep adds an error saying what did not run', () => {
    const results = sweepOf(['wordcount', 'diamond'], 4, [at(0), at(1)], { interrupted: true });
    const junit = junitCounts(renderJunit(results, declaredFor('wordcount', 'diamond')));
    const diamond = junit.testCases.filter((testCase) => testCase.attributes['classname'] === 'ckptsim.diamond');
    expect(diamond.map((testCase) => testCase.children[0]?.name)).toEqual(['skipped', 'skipped']);
    expect(diamond[0]?.children[0]?.attributes['message']).toBe('no case of diamond ran, so exactly-once was not judged');
    const interrupted = junit.testCases.find((testCase) => testCase.attributes['name'] === 'interrupted');
    expect(interrupted?.children[0]?.name).toBe('error');
    expect(interrupted?.children[0]?.attributes['message']).toBe('the sweep was interrupted: 6 of 8 planned cases did not run');
    expect(interrupted?.children[0]?.text).toContain('wordcount: 2 of 4, diamond: 4 of 4');
    expect({ tests: junit.tests, failures: junit.failures, errors: junit.errors, skipped: junit.skipped }).toEqual({ tests: 5, failures: 0, errors: 1, skipped: 2 });
    const line = verdictLine(sweepVerdict(results, declaredFor('wordcount', 'diamond')));
    expect(line).toBe('FAIL: 2 cases, 0 violations, 0 expected gaps, interrupted: 6 of 8 planned cases did not run');
    const markdown = renderMarkdown(results, declaredFor('wordcount', 'diamond'));
    expect(markdown.split('\n')[0]).toBe(`# ckptsim sweep: ${line}`);
    expect(markdown).toContain('| diamond | 0 of 4 | 0 | 0 | 0 | 0 | 0 |');
    expect(markdown).toContain('| exactly-once | held (2) | skipped (0 cases) |');
    expect(terminalTables(results, declaredFor('wordcount', 'diamond'), false)).toMatch(/skipped \(0 cases\)/);
  });

  it('a harness error and a nondeterministic case are error test cases naming the case and its replay command', () => {
    const results = sweepOf(['wordcount'], 3, [at(0), harnessError, nondeterministic]);
    const junit = junitCounts(renderJunit(results, declaredFor('wordcount')));
    expect({ tests: junit.tests, failures: junit.failures, errors: junit.errors, skipped: junit.skipped }).toEqual({ tests: 4, failures: 0, errors: 2, skipped: 0 });
    const error = (name: string) => junit.testCases.find((testCase) => testCase.attributes['name'] === name)?.children.find((child) => child.name === 'error');
    expect(error('harness-error')?.attributes['message']).toMatch(/^1 of 3 cases of wordcount: the harness threw .*; first: case 1$/);
    expect(error('harness-error')?.text).toContain('case 1 (seed 101): npx ckptsim replay ckpt1.HARNESS.00000000');
    expect(error('harness-error')?.text).toContain('TypeError: boom');
    expect(error('determinism')?.attributes['message']).toMatch(/^1 of 3 cases of wordcount: two runs of the same case gave different trace hashes .*; first: case 2$/);
    expect(error('determinism')?.text).toContain('npx ckptsim replay ckpt1.TWICE.00000000');
    // The other reports count the same.
    const line = verdictLine(sweepVerdict(results, declaredFor('wordcount')));
    expect(line).toBe('FAIL: 3 cases, 0 violations, 1 harness error, 1 nondeterministic, 0 expected gaps');
    const markdown = renderMarkdown(results, declaredFor('wordcount'));
    expect(markdown).toContain(`# ckptsim sweep: ${line}`);
    expect(markdown).toContain('| wordcount | 3 | 1 | 0 | 1 | 0 | 1 |');
    expect(markdown).toContain('npx ckptsim replay ckpt1.TWICE.00000000');
    const terminal = terminalTables(results, declaredFor('wordcount'), false);
    expect(terminal).toMatch(/║ wordcount │ 3 +│ 1 +│ 0 +│ 1 +│ 0 +│ 1 +║/);
  });

  it('counts violations, gaps and passes alike in junit.xml, report.md and the terminal', () => {
    const violated: SweepCaseResult = { ...at(1), verdict: 'fail', violated: ['exactly-once'], failure: { property: 'exactly-once', message: 'lost 3 records', shrunkFaults: [], shrunkSeed: 7, shrinkSteps: 2, replay: 'ckpt1.LOST.00000000' } };
    const gap: SweepCaseResult = { ...at(2), verdict: 'expected-gap', gaps: ['transaction-timeout'], gapProperties: ['recovery'], replay: 'ckpt1.GAP.00000000' };
    const results = sweepOf(['wordcount'], 4, [at(0), violated, gap, at(3)]);
    const declared = declaredFor('wordcount');
    const junit = junitCounts(renderJunit(results, declared));
    expect({ tests: junit.tests, failures: junit.failures, errors: junit.errors, skipped: junit.skipped }).toEqual({ tests: 2, failures: 1, errors: 0, skipped: 0 });
    const recovery = junit.testCases.find((testCase) => testCase.attributes['name'] === 'recovery');
    expect(recovery?.children.map((child) => child.name)).toEqual(['system-out']);
    expect(recovery?.children[0]?.text).toBe('held in 4 case(s), 1 of them an expected gap (a documented limit of the protocol; see report.md)');
    const line = verdictLine(sweepVerdict(results, declared));
    expect(line).toBe('FAIL: 4 cases, 1 violation, 1 expected gap');
    const markdown = renderMarkdown(results, declared);
    expect(markdown).toContain('| exactly-once | **VIOLATED 1 of 4** |');
    expect(markdown).toContain('| recovery | held (4, 1 expected gap) |');
    const terminal = terminalTables(results, declared, false);
    expect(terminal).toContain('VIOLATED 1 of 4');
    expect(terminal).toContain('held (4, 1 expected gap)');
    const passing = sweepOf(['wordcount'], 2_100, Array.from({ length: 2_100 }, (_, index) => at(index)));
    expect(verdictLine(sweepVerdict(passing, declared))).toBe('PASS: 2,100 cases, 0 violations, 0 expected gaps');
    expect(junitCounts(renderJunit(passing, declared)).failures).toBe(0);
  });

  it('a sweep interrupted in the planted-bug matrix, after every case ran, still fails and says where it stopped', () => {
    const mutant = { bug: 'sink-commits-on-snapshot', killed: true, detectedBy: 'exactly-once', casesToDetection: 3 };
    const results = sweepOf(['wordcount'], 2, [at(0), at(1)], { interrupted: true, plantedBugs: { budget: 300, seed: 1, killed: 1, mutants: [mutant as never] } });
    const declared = declaredFor('wordcount');
    expect(verdictLine(sweepVerdict(results, declared))).toBe('FAIL: 2 cases, 0 violations, 0 expected gaps, interrupted in the planted-bug matrix, after 1 bug, planted bugs: 1 of 1 caught');
    const junit = junitCounts(renderJunit(results, declared));
    expect(junit.errors).toBe(1);
    expect(junit.testCases.find((testCase) => testCase.attributes['name'] === 'interrupted')?.children[0]?.attributes['message']).toBe('the sweep was interrupted in the planted-bug matrix, after 1 bug');
    expect(junit.testCases.filter((testCase) => testCase.attributes['classname'] === 'ckptsim.planted-bugs').map((testCase) => testCase.attributes['name'])).toEqual(['sink-commits-on-snapshot']);
  });

  it('a known survivor passes the matrix as a skipped, named blind spot; any other survivor fails it', () => {
    const caught = { bug: 'sink-commits-on-snapshot', killed: true, detectedBy: 'exactly-once', casesToDetection: 3, control: 'pass' };
    const known = { bug: 'task-notifies-finished-operator', killed: false, casesToDetection: 350, knownSurvivor: 'the missing workload is a notification of a newer checkpoint reaching a finished task' };
    const unknown = { bug: 'handler-never-blocks-channels', killed: false, casesToDetection: 350 };
    const declared = declaredFor('wordcount');
    const withKnown = sweepOf(['wordcount'], 2, [at(0), at(1)], { plantedBugs: { budget: 350, seed: 1, killed: 1, mutants: [caught as never, known as never] } });
    expect(verdictLine(sweepVerdict(withKnown, declared))).toBe('PASS: 2 cases, 0 violations, 0 expected gaps, planted bugs: 1 of 2 caught, 1 known survivor');
    const junit = junitCounts(renderJunit(withKnown, declared));
    expect({ failures: junit.failures, errors: junit.errors, skipped: junit.skipped }).toEqual({ failures: 0, errors: 0, skipped: 1 });
    const skipped = junit.testCases.find((testCase) => testCase.attributes['name'] === 'task-notifies-finished-operator');
    expect(skipped?.children[0]?.attributes['message']).toBe('known survivor, not caught in 350 case(s): the missing workload is a notification of a newer checkpoint reaching a finished task');
    expect(renderMarkdown(withKnown, declared)).toContain('- task-notifies-finished-operator: the missing workload is a notification of a newer checkpoint reaching a finished task');
    const withUnknown = sweepOf(['wordcount'], 2, [at(0), at(1)], { plantedBugs: { budget: 350, seed: 1, killed: 1, mutants: [caught as never, known as never, unknown as never] } });
    expect(verdictLine(sweepVerdict(withUnknown, declared))).toBe('FAIL: 2 cases, 0 violations, 0 expected gaps, planted bugs: 1 of 3 caught, 1 known survivor');
    expect(junitCounts(renderJunit(withUnknown, declared)).failures).toBe(1);
  });

  it('an undecided case is counted alike everywhere: not a failure, never among the passes', () => {
    const undecided: SweepCaseResult = { ...at(1), verdict: 'undecided', undecided: [{ property: 'exactly-once', message: 'order-dependent output of two layers' }], replay: 'ckpt1.UNSURE.00000000' };
    const results = sweepOf(['wordcount'], 2, [at(0), undecided]);
    const declared = declaredFor('wordcount');
    const line = verdictLine(sweepVerdict(results, declared));
    expect(line).toBe('PASS: 2 cases, 0 violations, 0 expected gaps, 1 undecided');
    const junit = junitCounts(renderJunit(results, declared));
    expect({ failures: junit.failures, errors: junit.errors, skipped: junit.skipped }).toEqual({ failures: 0, errors: 0, skipped: 1 });
    const skipped = junit.testCases.find((testCase) => testCase.attributes['name'] === 'undecided');
    expect(skipped?.children[0]?.attributes['message']).toBe('1 of 2 cases of wordcount: the oracle could not decide; first: case 1');
    expect(skipped?.children[1]?.text).toContain('exactly-once: order-dependent output of two layers');
    const markdown = renderMarkdown(results, declared);
    expect(markdown).toContain('| scenario | cases | passed | violated | harness errors | expected gaps | nondeterministic | undecided |');
    expect(markdown).toContain('| wordcount | 2 | 1 | 0 | 0 | 0 | 0 | 1 |');
    expect(terminalTables(results, declared, false)).toMatch(/║ wordcount │ 2 +│ 1 +│ 0 +│ 0 +│ 0 +│ 0 +│ 1 +║/);
  });

  it('a merge missing shards says so everywhere: a skipped test case, the verdict line, report.md', () => {
    const results = sweepOf(['wordcount'], 4, [at(0), at(2)], { shards: ['1/2'], missingShards: ['2/2'] });
    const declared = declaredFor('wordcount');
    const junit = junitCounts(renderJunit(results, declared));
    const missing = junit.testCases.find((testCase) => testCase.attributes['name'] === 'missing shards');
    expect(missing?.children[0]?.name).toBe('skipped');
    expect(missing?.children[0]?.attributes['message']).toContain('shard(s) 2/2 missing');
    expect(verdictLine(sweepVerdict(results, declared))).toBe('PASS: 2 cases, 0 violations, 0 expected gaps, partial: shard 2/2 missing');
    expect(renderMarkdown(results, declared)).toContain('**Partial:** merged without shard(s) 2/2');
  });
});

describe('reports of a hostile scenario', () => {
  const name = 'evil<img src=x onerror=alert(1)>&\u001b[31m';
  const message = 'record <"a"> & \u0000\u0007\u001b[2J\u000b | \ud800 done\nsecond line';
  const hostile: SweepCaseResult = {
    ...at(0, name),
    verdict: 'fail',
    violated: ['exactly-once'],
    failure: { property: 'exactly-once', message, shrunkFaults: [], shrunkSeed: 1, shrinkSteps: 0, replay: 'ckpt1.EVIL.00000000' },
  };
  const results = sweepOf([name], 1, [hostile]);
  const declared = declaredFor(name);

  it('junit.xml parses strictly, and keeps what the forbidden characters were', () => {
    const xml = renderJunit(results, declared);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    const junit = junitCounts(xml);
    const failure = junit.testCases.find((testCase) => testCase.attributes['name'] === 'exactly-once')?.children[0];
    expect(junit.testCases[0]?.attributes['classname']).toBe('ckptsim.evil<img src=x onerror=alert(1)>&\\u001B[31m');
    expect(failure?.attributes['message']).toBe('record <"a"> & \\u0000\\u0007\\u001B[2J\\u000B | \\uD800 done\nsecond line');
    expect(failure?.text).toContain('npx ckptsim replay ckpt1.EVIL.00000000');
  });

  it('report.md escapes HTML and shows control characters', () => {
    const markdown = renderMarkdown(results, declared);
    expect(markdown).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(markdown).not.toContain('<img');
    expect(markdown).not.toContain('<"a">');
    expect(markdown).toContain('evil&lt;img src=x onerror=alert(1)&gt;&amp;\\x1B[31m');
    expect(markdown).toContain('record &lt;"a"&gt; &amp; \\x00\\x07\\x1B[2J\\x0B \\| \ud800 done second line');
  });

  it('the terminal shows control characters instead of obeying them', () => {
    const terminal = terminalTables(results, declared, false);
    expect(terminal).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(terminal).toContain('\\x1B[2J');
  });
});

describe('report.md', () => {
  it('stays under GitHub summary limit however many failures, and says where the rest are', () => {
    const cases = Array.from({ length: 3_000 }, (_, index): SweepCaseResult => ({
      ...at(index),
      verdict: 'fail',
      violated: ['exactly-once'],
      failure: { property: 'exactly-once', message: `lost records ${'x'.repeat(5_000)}`, shrunkFaults: [], shrunkSeed: 1, shrinkSteps: 0, replay: `ckpt1.${'A'.repeat(400)}.00000000` },
    }));
    const markdown = renderMarkdown(sweepOf(['wordcount'], 3_000, cases), declaredFor('wordcount'));
    expect(Buffer.byteLength(markdown)).toBeLessThan(markdownByteBudget);
    expect(Buffer.byteLength(markdown)).toBeLessThan(1024 * 1024);
    expect(markdown).toMatch(/\n2,900 more failing case\(s\) are in report\.html and results\.json \(report\.md lists the first 100\)\.\n$/);
  });
});
