import { describe, expect, it } from 'vitest';
import { findScenario } from '../../scenarios/index.js';
import { terminalTables } from '../../src/cli/terminal.js';
import { runCase } from '../../src/explore/run-case.js';
import type { SweepCaseResult } from '../../src/explore/sweep-case.js';
import { reportOf, type SweepReport } from '../../src/explore/results.js';
import { passingCase, wordcountResults } from './fixtures.js';
import { renderSweepHtml, replayForReport, scriptSafeJson, verdictCube } from '../../src/report/html.js';
import { buildSpaceTime } from '../../src/report/space-time.js';

const base = passingCase;

const results = (cases: SweepCaseResult[]): SweepReport => reportOf(wordcountResults(cases));

describe('report.html', () => {
  it('embeds data that cannot close its script element, and that parses back to the same value', () => {
    const value = { text: '</script><script>alert(1)</script><!-- & \u2028 \u2029 >' };
    const json = scriptSafeJson(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
  });

  it('counts the verdict cube per scenario and fault kind, violations apart from expected gaps', () => {
    const cube = verdictCube(
      [
        base,
        { ...base, index: 1, verdict: 'fail', faultKinds: ['fail-task', 'rpc'], violated: ['exactly-once', 'exactly-once'] },
        { ...base, index: 2, verdict: 'expected-gap', faultKinds: ['rpc'], gaps: ['g'], gapProperties: ['recovery'] },
      ],
    );
    expect(cube['wordcount']?.['*']).toEqual({ cases: 3, violated: { 'exactly-once': 1 }, gaps: { recovery: 1 } });
    expect(cube['wordcount']?.['fail-task']).toEqual({ cases: 2, violated: { 'exactly-once': 1 }, gaps: {} });
    expect(cube['wordcount']?.['rpc']).toEqual({ cases: 2, violated: { 'exactly-once': 1 }, gaps: { recovery: 1 } });
  });

  it('renders a page whose only markup is the template: hostile scenario strings stay inside the escaped data', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const html = renderSweepHtml(results([{ ...base, faultKinds: [hostile as never] }]), new Map([['wordcount', ['exactly-once']]]));
    expect(html).not.toContain(hostile);
    expect(html).toContain('\\u003cimg src=x onerror=alert(1)\\u003e');
  });
});

describe('report.html for a large sweep', () => {
  const pageData = (html: string): { caseCount: number; casesNotListed: number; cases: Array<{ index: number; verdict: string }> } =>
    JSON.parse(html.slice(html.indexOf('id="ckptsim-data">') + 'id="ckptsim-data">'.length, html.indexOf('</script>', html.indexOf('id="ckptsim-data">'))));
  const declared = new Map([['wordcount', ['exactly-once']]]);

  it('lists every case that did not pass, then passing cases in sweep order up to the limit, and counts them all', () => {
    const cases: SweepCaseResult[] = Array.from({ length: 8 }, (_, index) => ({ ...base, index }));
    cases[5] = { ...base, index: 5, verdict: 'fail', violated: ['exactly-once'] };
    cases[7] = { ...base, index: 7, verdict: 'expected-gap', gaps: ['g'], gapProperties: ['exactly-once'] };
    const data = pageData(renderSweepHtml(results(cases), declared, { listedCases: 4 }));
    expect(data.caseCount).toBe(8);
    expect(data.casesNotListed).toBe(4);
    expect(data.cases.map((entry) => entry.index)).toEqual([0, 1, 5, 7]);
    // Failing cases are listed even beyond the limit.
    const all = pageData(renderSweepHtml(results(cases), declared, { listedCases: 1 }));
    expect(all.cases.map((entry) => entry.index)).toEqual([5, 7]);
    expect(all.casesNotListed).toBe(6);
  });

  it("lists each case's operations with their answers", () => {
    const withOperations: SweepCaseResult = {
      ...base,
      faultKinds: ['cancel', 'savepoint'],
      operations: [
        { index: 0, kind: 'savepoint', requestedAtUs: 105_000, applied: true, answeredAtUs: 116_700, ok: true, checkpointId: 1 },
        { index: 1, kind: 'cancel', requestedAtUs: 126_600, applied: true, answeredAtUs: 128_400, ok: true, resumedFromCheckpointId: 2 },
        { index: 2, kind: 'checkpoint', requestedAtUs: 130_000, applied: true, answeredAtUs: 131_000, ok: false, reason: 'CHECKPOINT_DECLINED_TASK_NOT_READY' },
      ],
    };
    const data = pageData(renderSweepHtml(results([withOperations]), declared)) as unknown as { cases: Array<{ operations: string[] }> };
    expect(data.cases[0]?.operations).toEqual(['savepoint at 105.0 ms: ok (1)', 'cancel at 126.6 ms: ok, resumed from 2', 'checkpoint at 130.0 ms: failed, CHECKPOINT_DECLINED_TASK_NOT_READY']);
  });

  it('lists every case of a sweep within the default limit', () => {
    const cases: SweepCaseResult[] = Array.from({ length: 30 }, (_, index) => ({ ...base, index }));
    const data = pageData(renderSweepHtml(results(cases), declared));
    expect(data.caseCount).toBe(30);
    expect(data.casesNotListed).toBe(0);
    expect(data.cases).toHaveLength(30);
  });
});

describe('the space-time diagram data', () => {
  const scenario = findScenario('wordcount')!;
  const replayed = replayForReport(
    (spec, observers) => runCase(scenario, spec, { captureTrace: true, observers }),
    { scenario: 'wordcount', seed: 6, faults: [{ kind: 'crash-executor', executor: 'taskexecutor-1', restartAfterUs: 50_000, replacement: false, when: { atUs: 130_000 } }] },
  );

  it('has a lane per JobMaster, executor and task, time-ordered marks and messages that arrive after they leave', () => {
    const data = buildSpaceTime(replayed.result.capturedEvents!, replayed.observations, replayed.result.faults);
    expect(data.lanes).toEqual(expect.arrayContaining(['jobmaster', 'taskexecutor-0', 'taskexecutor-1', 'source#0', 'count#1', 'sink#1']));
    for (let index = 1; index < data.marks.timeUs.length; index++) expect(data.marks.timeUs[index]).toBeGreaterThanOrEqual(data.marks.timeUs[index - 1] as number);
    expect(data.messages.sentUs.length).toBeGreaterThan(100);
    for (let index = 0; index < data.messages.sentUs.length; index++) expect(data.messages.arrivedUs[index]).toBeGreaterThanOrEqual(data.messages.sentUs[index] as number);
    const labels = [...data.marks.label].map((label) => data.labels[label] as string);
    expect(labels.some((label) => label.includes('taskexecutor-1 crashed'))).toBe(true);
    // The crash lost messages in flight to the executor.
    expect([...data.messages.lost].some((lost) => lost === 1)).toBe(true);
    expect(data.windowed).toBe(false);
  });

  it('draws the operations of a plan and their answers as operations, not faults', () => {
    const withOperations = replayForReport(
      (spec, observers) => runCase(scenario, spec, { captureTrace: true, observers }),
      { scenario: 'wordcount', seed: 1, faults: [{ kind: 'savepoint', when: { atUs: 105_000 } }, { kind: 'cancel', when: { onStep: 'coordinator.checkpoint-completed', occurrence: 2 } }] },
    );
    const data = buildSpaceTime(withOperations.result.capturedEvents!, withOperations.observations, withOperations.result.faults);
    const operation = data.categories.indexOf('operation');
    const marks = [...data.marks.label].map((label, index) => [data.labels[label] as string, data.marks.category[index]] as const);
    expect(marks).toEqual(expect.arrayContaining([
      ['operation #0 savepoint requested', operation],
      ['savepoint succeeded (1)', operation],
      ['operation #1 cancel requested', operation],
      ['cancel succeeded', operation],
    ]));
  });

  it('keeps a bounded window that holds the focus when the trace is too long', () => {
    const full = buildSpaceTime(replayed.result.capturedEvents!, replayed.observations, replayed.result.faults);
    const focusUs = (full.startUs + full.endUs) / 2;
    const windowed = buildSpaceTime(replayed.result.capturedEvents!, replayed.observations, replayed.result.faults, { maxItems: 500, focusUs });
    expect(windowed.windowed).toBe(true);
    expect(windowed.marks.timeUs.length + windowed.messages.sentUs.length).toBe(500);
    expect(windowed.startUs).toBeLessThanOrEqual(focusUs);
    expect(windowed.endUs).toBeGreaterThanOrEqual(focusUs);
  });
});

describe('the terminal tables', () => {
  const failing: SweepCaseResult = {
    ...base, index: 1, verdict: 'fail', violated: ['exactly-once'],
    failure: { property: 'exactly-once', message: 'record duplicated', shrunkFaults: [], shrunkSeed: 7, shrinkSteps: 3, replay: 'ckpt1.TOKEN.00000000' },
  };
  const declared = new Map([['wordcount', ['exactly-once', 'recovery']]]);

  it('colour only when asked, and print each replay command whole on its own line', () => {
    const plain = terminalTables(results([base, failing]), declared, false);
    const coloured = terminalTables(results([base, failing]), declared, true);
    expect(plain).not.toMatch(/\u001b\[/);
    expect(coloured).toMatch(/\u001b\[31mVIOLATED 1 of 2\u001b\[\d+m/);
    expect(plain).toContain('[1] npx ckptsim replay ckpt1.TOKEN.00000000\n');
    expect(plain).toContain('VIOLATED 1 of 2');
  });
});
