import { describe, expect, it } from 'vitest';
import type { SweepCaseResult } from '../../src/explore/sweep-case.js';
import { reportOf, type SweepReport } from '../../src/explore/results.js';
import { passingCase, wordcountResults } from './fixtures.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';

const passing = passingCase;
const failing: SweepCaseResult = {
  ...passing,
  index: 1,
  verdict: 'fail',
  violated: ['exactly-once'],
  failure: { property: 'exactly-once', message: 'record <"a"> & | duplicated', shrunkFaults: [], shrunkSeed: 7, shrinkSteps: 3, replay: 'ckpt1.TOKEN.00000000' },
};

const results = (cases: SweepCaseResult[]): SweepReport => reportOf(wordcountResults(cases));

const declared = new Map([['wordcount', ['exactly-once', 'liveness']]]);

describe('reports', () => {
  it('markdown shows the verdict matrix and each failure with its replay command, escaping table cells', () => {
    const markdown = renderMarkdown(results([passing, failing]), declared);
    expect(markdown).toContain('# ckptsim sweep: FAIL: 2 cases, 1 violation, 0 expected gaps');
    expect(markdown).toContain('| exactly-once | **VIOLATED 1 of 2** |');
    expect(markdown).toContain('| liveness | held (2) |');
    expect(markdown).toContain('record &lt;"a"&gt; &amp; \\| duplicated');
    expect(markdown).toContain('npx ckptsim replay ckpt1.TOKEN.00000000');
  });

  it('junit has one test case per scenario and property, escaped, failing where violated', () => {
    const junit = renderJunit(results([passing, failing]), declared);
    expect(junit).toContain('<testsuites name="ckptsim" tests="2" failures="1" errors="0" skipped="0" time="0.001">');
    expect(junit).toContain('<testcase classname="ckptsim.wordcount" name="liveness" time="0.001">\n      <system-out>held in 2 case(s)</system-out>');
    expect(junit).toContain('<failure message="record &lt;&quot;a&quot;&gt; &amp; | duplicated">');
    expect(junit).toContain('npx ckptsim replay ckpt1.TOKEN.00000000');
    expect(renderJunit(results([passing]), declared)).toContain('failures="0"');
  });
});
