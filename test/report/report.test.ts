import { describe, expect, it } from 'vitest';
import { resultsSchema, summarise, type SweepResults } from '../../src/explore/results.js';
import type { SweepCaseResult } from '../../src/explore/sweep-case.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';

const passing: SweepCaseResult = {
  index: 0, scenario: 'wordcount', caseSeed: 1, simSeed: 2, verdict: 'pass', faultKinds: ['fail-task'], faultCount: 1,
  traceHash: 'aa', events: 10, virtualTimeUs: 5, checkpointsCompleted: 3, restores: 1, violated: [], gaps: [], gapProperties: [],
};
const failing: SweepCaseResult = {
  ...passing,
  index: 1,
  verdict: 'fail',
  violated: ['exactly-once'],
  failure: { property: 'exactly-once', message: 'record <"a"> & | duplicated', shrunkFaults: [], shrunkSeed: 7, shrinkSteps: 3, replay: 'ckpt1.TOKEN.00000000' },
};

function results(cases: SweepCaseResult[]): SweepResults {
  return {
    schema: resultsSchema,
    parameters: { scenarios: ['wordcount'], runsPerScenario: cases.length, seed: 1, profile: 'swarm', vary: false },
    shards: ['0/1'],
    interrupted: false,
    properties: { wordcount: ['exactly-once', 'recovery'] },
    cases,
    summary: summarise(cases, ['wordcount']),
    environment: { tool: 'test', node: 'v20', platform: 'linux', cpus: 2, workers: 1 },
    timing: { wallMs: 1, casesPerSecond: 1 },
  };
}

const declared = new Map([['wordcount', ['exactly-once', 'liveness']]]);

describe('reports', () => {
  it('markdown shows the verdict matrix and each failure with its replay command, escaping table cells', () => {
    const markdown = renderMarkdown(results([passing, failing]), declared);
    expect(markdown).toContain('# ckptsim sweep: 1 failing case(s)');
    expect(markdown).toContain('| exactly-once | **violated in 1** |');
    expect(markdown).toContain('| liveness | held (2) |');
    expect(markdown).toContain('record <"a"> & \\| duplicated');
    expect(markdown).toContain('npx ckptsim replay ckpt1.TOKEN.00000000');
  });

  it('junit has one test case per scenario and property, escaped, failing where violated', () => {
    const junit = renderJunit(results([passing, failing]), declared);
    expect(junit).toContain('<testsuites name="ckptsim" tests="2" failures="1">');
    expect(junit).toContain('<testcase classname="ckptsim.wordcount" name="liveness"/>');
    expect(junit).toContain('<failure message="record &lt;&quot;a&quot;&gt; &amp; | duplicated">');
    expect(junit).toContain('npx ckptsim replay ckpt1.TOKEN.00000000');
    expect(renderJunit(results([passing]), declared)).toContain('failures="0"');
  });
});
