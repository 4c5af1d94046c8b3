import { describe, expect, it } from 'vitest';
import { reportOf } from '../../src/explore/results.js';
import type { SweepCaseResult } from '../../src/explore/sweep-case.js';
import { githubAnnotations } from '../../src/report/github-annotations.js';
import { passingCase, wordcountResults } from './fixtures.js';

const declared = new Map([['wordcount', ['exactly-once', 'recovery']]]);

const failing = (index: number): SweepCaseResult => ({
  ...passingCase,
  index,
  verdict: 'fail',
  violated: ['exactly-once'],
  failure: { property: 'exactly-once', message: `lost 3 records: 100%\nsecond line`, shrunkFaults: [], shrunkSeed: 7, shrinkSteps: 2, replay: `ckpt1.CASE${index}.00000000` },
});

describe('GitHub Actions annotations', () => {
  it('carry each failure with its replay command, escaped as workflow commands', () => {
    const lines = githubAnnotations(reportOf(wordcountResults([passingCase, failing(1)])), declared);
    expect(lines).toEqual(['::error title=ckptsim%3A exactly-once in wordcount case 1::lost 3 records: 100%25%0Asecond line%0Areplay: npx ckptsim replay ckpt1.CASE1.00000000']);
    expect(githubAnnotations(reportOf(wordcountResults([passingCase])), declared)).toEqual([]);
  });

  it('stay within the 10 GitHub shows, the last saying how many more', () => {
    const cases = Array.from({ length: 25 }, (_, index) => failing(index));
    const lines = githubAnnotations(reportOf(wordcountResults(cases)), declared);
    expect(lines).toHaveLength(10);
    expect(lines[8]).toContain('replay: npx ckptsim replay ckpt1.CASE8.00000000');
    expect(lines[9]).toBe('::error title=ckptsim%3A more failures::16 more failing case(s): see report.md, report.html and results.json');
    const ten = githubAnnotations(reportOf(wordcountResults(cases.slice(0, 10))), declared);
    expect(ten).toHaveLength(10);
    expect(ten.every((line) => line.includes('replay: npx ckptsim replay'))).toBe(true);
  });

  it('say when the sweep was interrupted', () => {
    const lines = githubAnnotations(reportOf({ ...wordcountResults([passingCase]), parameters: { ...wordcountResults([]).parameters, runsPerScenario: 4 }, interrupted: true }), declared);
    expect(lines).toEqual(['::error title=ckptsim%3A sweep interrupted::3 of 4 planned cases did not run; the reports cover only what finished']);
  });
});
