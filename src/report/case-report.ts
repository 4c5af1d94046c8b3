import type { Observation } from '../cluster/observations.js';
import type { CaseSpec } from '../explore/replay-token.js';
import { runCase, type CaseResult } from '../explore/run-case.js';
import type { Scenario } from '../explore/scenario.js';
import { renderCaseHtml, replayForReport } from './html.js';
import { PerfettoTraceBuilder } from './perfetto.js';

/** One case re-run with trace capture, with its single-case report and its Perfetto trace. */
export interface CaseReport {
  readonly result: CaseResult;
  /** The single-case report.html (what `ckptsim replay <token> --html` writes), rendered when asked. */
  html(): string;
  /** The Chrome trace-event JSON for Perfetto (what `ckptsim replay <token> --trace` writes), rendered when asked. */
  perfetto(): string;
}

/**
 * Re-runs the case `spec` describes (deterministic: the same run as the one that failed) with
 * trace capture, and renders both per-case artifacts. For library callers and test integrations
 * that hold a scenario object rather than a registered name.
 */
export function renderCaseReport(scenario: Scenario, spec: CaseSpec, tool = 'ckptsim'): CaseReport {
  const builder = new PerfettoTraceBuilder();
  const replayed = replayForReport(
    (caseSpec, observers) => runCase(scenario, caseSpec, { captureTrace: true, observers: [...observers, (observation: Observation) => builder.observe(observation)] }),
    spec,
  );
  const { result } = replayed;
  for (const fault of result.faults) builder.fault(fault.kind, fault.firedAtUs, fault.index);
  builder.messages(result.capturedEvents ?? []);
  // Rendered on demand: a whole-trace page of a long case is worth building only when written.
  return { result, html: () => renderCaseHtml(spec, replayed, tool), perfetto: () => builder.toJson() };
}
