import { runCase } from '/work/main/src/explore/run-case.js';
import { findScenario } from '/work/main/scenarios/index.js';
import { largeJobScenario } from '/work/main/src/bench/workloads.js';
import type { Scenario } from '/work/main/src/explore/scenario.js';
const which = process.argv[2] ?? 'wordcount';
const seeds = Number(process.argv[3] ?? 200);
const scenario = which === 'large' ? largeJobScenario(32, Number(process.argv[4] ?? 100000)) : (findScenario(which) as Scenario);
const oracle = process.argv[5] !== 'nooracle';
let events = 0;
const t0 = performance.now();
const c0 = process.cpuUsage();
for (let seed = 1; seed <= seeds; seed++) {
  const r = runCase(scenario, { scenario: scenario.name, seed }, { oracle, limits: { maxEvents: 50_000_000, deadlineUs: 36_000_000_000, maxQueueLength: 5_000_000 } });
  events += r.stats.events;
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
console.log(JSON.stringify({ which, seeds, events, ms: Math.round(ms), eventsPerSecond: Math.round((events * 1000) / ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000) }));
