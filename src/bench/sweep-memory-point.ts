/**
 * One point of the sweep-memory benchmark, in its own process so its heap is its own:
 * `node --expose-gc --import tsx src/bench/sweep-memory-point.ts <cases> <stream|hold-all>`.
 *
 * It runs {@link sampleCases} real wordcount sweep cases, then hands `cases` results (copies of
 * those, renumbered; each a fresh object, as a worker's message is) to what the sweep's main
 * thread does with results, and samples the live heap (after a full collection) at 1/8, 1/4,
 * 1/2 and all of the cases. `stream` is the sweep as it is: canonical order, the results
 * collector and results.json written as it goes (to a temporary directory, removed after).
 * `hold-all` keeps every result in an array, as the sweep did before results were streamed.
 * Prints one JSON line.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findScenario } from '../../scenarios/index.js';
import { ResultsCollector, resultsSchema } from '../explore/results.js';
import type { Scenario } from '../explore/scenario.js';
import { caseSeedFor, runSweepCase, type SweepCaseResult } from '../explore/sweep-case.js';
import { CanonicalOrder, SweepPlan } from '../explore/sweep.js';
import { ResultsFileWriter } from '../report/results-file.js';

/** Real cases run to draw results from. */
export const sampleCases = 30;

const cases = Number(process.argv[2]);
const mode = process.argv[3];
if (!Number.isInteger(cases) || cases < 8 || (mode !== 'stream' && mode !== 'hold-all')) throw new Error('usage: sweep-memory-point.ts <cases >= 8> <stream|hold-all>');
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('sampling the live heap needs node --expose-gc');
const scenario = findScenario('wordcount') as Scenario;
const samples: SweepCaseResult[] = [];
for (let index = 0; index < sampleCases; index++) samples.push(runSweepCase(scenario, { index, scenario: 'wordcount', caseSeed: caseSeedFor(1, 'wordcount', index), profile: 'swarm' }));
const liveHeap = (): number => {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
};
const directory = mkdtempSync(join(tmpdir(), 'ckptsim-sweep-memory-'));
const path = join(directory, 'results.json');
const plan = new SweepPlan(['wordcount'], cases, 1, 'swarm');
const held: SweepCaseResult[] = [];
const collector = new ResultsCollector(['wordcount']);
const writer = new ResultsFileWriter(path, { schema: resultsSchema, parameters: { scenarios: ['wordcount'], runsPerScenario: cases, seed: 1, profile: 'swarm', vary: false }, shards: ['0/1'], properties: {} });
const order = new CanonicalOrder(plan, (result) => {
  collector.add(result);
  writer.add(result);
});
const marks = [cases / 8, cases / 4, cases / 2, cases].map(Math.floor);
const points: Array<{ cases: number; liveHeapMb: number }> = [];
const baseline = liveHeap();
const startedMs = performance.now();
for (let position = 0; position < cases; position++) {
  // Neighbours swap places, as results of two workers do.
  const index = position % 2 === 0 && position + 1 < cases ? position + 1 : position % 2 === 1 ? position - 1 : position;
  const result = structuredClone({ ...(samples[index % sampleCases] as SweepCaseResult), index });
  if (mode === 'hold-all') held.push(result);
  else order.push(result);
  if (marks.includes(position + 1)) points.push({ cases: position + 1, liveHeapMb: (liveHeap() - baseline) / 1024 / 1024 });
}
const wallMs = performance.now() - startedMs;
writer.finish({ interrupted: false, summary: collector.summary(), environment: { tool: 'bench', node: process.version, platform: process.platform, cpus: 0, workers: 0 }, timing: { wallMs, casesPerSecond: 0 } });
const fileBytes = statSync(path).size;
rmSync(directory, { recursive: true, force: true });
const first = points[0] as { cases: number; liveHeapMb: number };
const last = points.at(-1) as { cases: number; liveHeapMb: number };
process.stdout.write(
  `${JSON.stringify({
    mode,
    cases,
    points,
    bytesPerCase: ((last.liveHeapMb - first.liveHeapMb) * 1024 * 1024) / (last.cases - first.cases),
    resultsJsonBytesPerCase: mode === 'stream' ? fileBytes / cases : null,
    heldResults: held.length,
  })}\n`,
);
