import { casesPerSecond } from '/work/main/src/bench/benchmarks.js';
const w = Number(process.argv[2]); const runs = Number(process.argv[3] ?? 500);
const s = await casesPerSecond(['wordcount', 'diamond', 'fan-in-skew'], runs, w);
console.log(JSON.stringify({ w, flags: process.execArgv.filter((a) => !a.includes('tsx')).join(' '), steady: s.steadyCasesPerSecond.toFixed(1), warm: s.warm && { cps: s.warm.casesPerSecond.toFixed(1), cores: s.warm.coresBusy.toFixed(2), cpcs: s.warm.casesPerCpuSecond.toFixed(1) } }));
