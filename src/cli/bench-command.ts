import { table } from 'table';
import { fixedHeapOldSpaceMb, runBenchmarks, warmupCasesPerWorker } from '../bench/benchmarks.js';
import { noExtraPositionals, parseCommand } from './arguments.js';

/** `ckptsim bench [--json] [--full]`: speed and memory figures, as numbers and ratios. */
export async function commandBench(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('bench', argv, { json: { type: 'boolean' }, full: { type: 'boolean' } });
  noExtraPositionals('bench', positionals, 0, 'no arguments');
  const json = values['json'] === true;
  const report = await runBenchmarks(values['full'] === true, (line) => {
    if (!json) process.stderr.write(`${line}...\n`);
  });
  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  const million = (value: number) => `${(value / 1e6).toFixed(2)} M`;
  process.stdout.write(
    table([
      ['workload', 'events', 'events/s', 'bare loop events/s', 'ratio', 'time compression'],
      ...report.throughput.map((figure) => [figure.workload, String(figure.events), million(figure.eventsPerSecond), million(figure.bareEventsPerSecond), figure.ratio.toFixed(3), `${figure.timeCompression.toFixed(1)}x`]),
    ]),
  );
  const cases = report.casesPerSecond;
  process.stdout.write(
    `cases/s over ${cases.cases} cases, worker start-up excluded: ${cases.oneWorker.toFixed(1)} with 1 worker, ${cases.allWorkers.toFixed(1)} with ${cases.workers} (${cases.speedup.toFixed(2)}x); ` +
      `start-up included: ${cases.oneWorkerWithStartup.toFixed(1)} and ${cases.allWorkersWithStartup.toFixed(1)} (${cases.speedupWithStartup.toFixed(2)}x); ` +
      `cores busy: ${cases.oneWorkerCoresBusy.toFixed(2)} with 1 worker, ${cases.allWorkersCoresBusy.toFixed(2)} with ${cases.workers}; cases per CPU-second with ${cases.workers} over 1: ${cases.cpuEfficiency.toFixed(2)}\n` +
      (cases.warm === null
        ? ''
        : `warm workers (after ${warmupCasesPerWorker} cases each): ${cases.warm.oneWorker.toFixed(1)} with 1 worker, ${cases.warm.allWorkers.toFixed(1)} with ${cases.workers} (${cases.warm.speedup.toFixed(2)}x); ` +
          `cores busy ${cases.warm.oneWorkerCoresBusy.toFixed(2)} and ${cases.warm.allWorkersCoresBusy.toFixed(2)}; cases per CPU-second ${cases.warm.cpuEfficiency.toFixed(2)}; machine ceiling ${cases.warm.ceiling.toFixed(2)}x\n`),
  );
  process.stdout.write(
    table([
      ['records', 'trace capture', 'events', 'checkpoints', 'events/s', 'µs/event', 'peak RSS MB', 'RSS before run MB', 'live heap MB', `peak RSS MB, old space ${fixedHeapOldSpaceMb} MB`],
      ...report.growth.map((point) => [
        String(point.records),
        point.capture ? 'on' : 'off',
        String(point.events),
        String(point.checkpoints),
        million(point.eventsPerSecond),
        ((point.wallMs * 1000) / point.events).toFixed(2),
        point.maxRssMb.toFixed(0),
        point.baselineRssMb.toFixed(0),
        point.liveHeapMb === null ? '-' : point.liveHeapMb.toFixed(1),
        point.fixedHeap === null ? '-' : point.fixedHeap.finished ? (point.fixedHeap.maxRssMb as number).toFixed(0) : 'out of memory',
      ]),
    ]),
  );
  const growth = report.growthSummary;
  if (growth !== undefined) {
    process.stdout.write(
      `growth from ${growth.fromEvents} to ${growth.toEvents} events, capture off: cost per event x${growth.perEventCostGrowth.toFixed(2)} (x${growth.perEventCostGrowthWarm.toFixed(2)} from the second point); ` +
        `live heap ${growth.liveHeapMb.from?.toFixed(1)} -> ${growth.liveHeapMb.to?.toFixed(1)} MB; peak RSS ${growth.maxRssMb.from.toFixed(0)} -> ${growth.maxRssMb.to.toFixed(0)} MB; ` +
        `with old space capped at ${fixedHeapOldSpaceMb} MB ${growth.fixedHeapAllFinished ? `every point finished, peak RSS ${growth.fixedHeapMaxRssMb.from?.toFixed(0)} -> ${growth.fixedHeapMaxRssMb.to?.toFixed(0)} MB` : 'a point ran out of memory'}\n`,
    );
  }
  process.stdout.write(`oracle share of a ${report.oracle.scenario} case: ${(report.oracle.share * 100).toFixed(1)}%\n`);
  const { stream, holdAll } = report.sweepMemory;
  const heaps = (point: typeof stream) => point.points.map((sample) => `${sample.liveHeapMb.toFixed(1)}`).join(', ');
  process.stdout.write(
    `sweep main thread, live heap after ${stream.points.map((sample) => sample.cases).join(', ')} results: ${heaps(stream)} MB (${stream.bytesPerCase.toFixed(0)} B per case); ` +
      `every result held, as before streaming: ${heaps(holdAll)} MB (${holdAll.bytesPerCase.toFixed(0)} B per case); results.json ${((stream.resultsJsonBytesPerCase ?? 0) / 1024).toFixed(1)} KB per case\n`,
  );
  const { figures, pctOverhead } = report.strategies;
  process.stdout.write(
    `strategies on one small sweep (${figures[0]?.cases ?? 0} cases each, this thread): ${figures.map((figure) => `${figure.strategy} ${figure.casesPerCpuSecond.toFixed(1)} cases per CPU-second, ${figure.states} abstract states, ${figure.pairs} step x fault pairs`).join('; ')}; ` +
      `PCT scheduling runs the kernel at ${(pctOverhead.ratio * 100).toFixed(0)}% of its plain speed (${million(pctOverhead.onEventsPerCpuSecond)} vs ${million(pctOverhead.offEventsPerCpuSecond)} events per CPU-second, oracle off)\n`,
  );
  return 0;
}
