import { describe, expect, it } from 'vitest';
import { CoverageTally } from '../../src/explore/coverage-tally.js';
import type { SweepCaseResult } from '../../src/explore/sweep-case.js';
import { coverageColumns, coverageRows, possiblePairs } from '../../src/oracle/protocol-coverage/index.js';
import { coverageLine, coverageMarkdown } from '../../src/report/coverage-markdown.js';
import { coverageHtmlData } from '../../src/report/coverage-html.js';

function caseWith(index: number, pairs: string[], states: string[]): SweepCaseResult {
  return { index, scenario: 's', caseSeed: index, simSeed: 1, verdict: 'pass', faultKinds: [], faultCount: 0, traceHash: '', events: 0, virtualTimeUs: 0, checkpointsCompleted: 0, restores: 0, violated: [], gaps: [], gapProperties: [], coverage: { pairs, states } };
}

describe('coverage in the reports', () => {
  const tally = new CoverageTally();
  tally.add(caseWith(0, ['fail-task@task.running', 'rpc@operation:savepoint'], ['C000', 'Ti00r']));
  tally.add(caseWith(1, ['fail-task@task.running'], ['C000', 'Ta10r', 'S01', 'Jr0']));
  const summary = tally.summary();

  it('report.md: pairs covered of possible, states per component, the steps no fault reached, the last slope, per fault kind', () => {
    const text = coverageMarkdown(summary).join('\n');
    expect(text).toContain(`Step × fault pairs covered: **2 of ${possiblePairs.length}** possible (3 pairs can never occur`);
    expect(text).toContain('Abstract protocol states reached: **5** (coordinator 1, task 2, sink 1, JobMaster 1)');
    expect(text).toContain('`task.snapshot-taken`');
    expect(text).not.toContain('`task.running`');
    expect(text).toContain('Saturation: 5 new abstract state(s) in the last 2 cases');
    const failTaskPossible = possiblePairs.filter((pair) => pair.startsWith('fail-task@')).length;
    expect(text).toContain(`| fail-task | 1 | ${failTaskPossible} |`);
    expect(coverageLine(summary)).toBe(`coverage: 2 of ${possiblePairs.length} step × fault pairs, 5 abstract states (5 new in the last 2 cases)`);
  });

  it('report.html data: every row and column of the matrix, the counts and the curve; nothing for results without coverage', () => {
    const data = coverageHtmlData(summary) as { rows: string[]; columns: string[]; pairs: { counts: Record<string, number> }; curve: { points: unknown[] } };
    expect(data.rows).toEqual(coverageRows);
    expect(data.columns).toEqual(coverageColumns);
    expect(data.pairs.counts['fail-task@task.running']).toBe(2);
    expect(data.curve.points).toEqual([{ cases: 2, states: 5, pairs: 2 }]);
    expect(coverageHtmlData(undefined)).toBeNull();
    expect(coverageMarkdown(new CoverageTally().summary())).toEqual([]);
  });
});
