import type { SweepReport } from '../explore/results.js';
import type { DeclaredProperties } from './markdown.js';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * junit.xml for CI test tabs: one test suite per scenario, one test case per declared property,
 * failed when any case of the sweep violated it (with the first such case's message and replay
 * command). Names are stable between runs so CI can track them.
 */
export function renderJunit(results: SweepReport, declared: DeclaredProperties): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  for (const entry of results.summary) {
    const properties = declared.get(entry.scenario) ?? [];
    const cases: string[] = [];
    let suiteFailures = 0;
    for (const property of properties) {
      tests++;
      const failing = results.notPassing.find((found) => found.scenario === entry.scenario && found.violated.includes(property));
      if (failing === undefined) {
        cases.push(`    <testcase classname="ckptsim.${escapeXml(entry.scenario)}" name="${escapeXml(property)}"/>`);
        continue;
      }
      failures++;
      suiteFailures++;
      const message = failing.failure?.property === property ? failing.failure.message : `violated in case ${failing.index}`;
      const replay = failing.failure !== undefined ? `npx ckptsim replay ${failing.failure.replay}` : `case ${failing.index} (seed ${failing.caseSeed})`;
      cases.push(
        `    <testcase classname="ckptsim.${escapeXml(entry.scenario)}" name="${escapeXml(property)}">\n      <failure message="${escapeXml(message)}">${escapeXml(`${entry.violations[property] ?? 1} of ${entry.cases} cases violated ${property}.\n${message}\n${replay}`)}</failure>\n    </testcase>`,
      );
    }
    suites.push(`  <testsuite name="ckptsim.${escapeXml(entry.scenario)}" tests="${properties.length}" failures="${suiteFailures}">\n${cases.join('\n')}\n  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="ckptsim" tests="${tests}" failures="${failures}">\n${suites.join('\n')}\n</testsuites>\n`;
}
