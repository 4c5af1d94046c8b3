import type { CoverageSummary } from '../explore/coverage-tally.js';
import { abstractStateKindNames, coverageColumns, coverageRows } from '../oracle/protocol-coverage/index.js';

/**
 * The coverage part of report.html's data: the step × fault matrix's rows, columns and counts
 * (drawn as a heat map, impossible pairs crossed out with their reason), the abstract states, and
 * the saturation curve (drawn as an inline SVG plot). Null when the results carry no coverage.
 */
export function coverageHtmlData(coverage: CoverageSummary | undefined): Record<string, unknown> | null {
  if (coverage === undefined || coverage.cases === 0) return null;
  return {
    rows: coverageRows,
    columns: coverageColumns,
    cases: coverage.cases,
    pairs: coverage.pairs,
    states: coverage.states,
    stateKinds: abstractStateKindNames,
    curve: coverage.curve,
  };
}
