import { JobBuilder } from '../cluster/jobgraph/job-builder.js';
import type { Scenario } from '../explore/scenario.js';
import { deriveStream, finalizeWord, mixWord } from '../sim/index.js';
import { GeneratedPartition } from '../cluster/storage/partitioned-log.js';
import { BareEventLoop } from './bare-event-loop.js';

/**
 * The same number of events on a bare binary-heap loop with trivial handlers (1,024 events in
 * flight, each rescheduling itself after a seeded random delay): the ceiling the simulation is
 * measured against.
 */
export function bareLoopEventsPerSecond(events: number): number {
  const measure = (count: number): number => {
    const loop = new BareEventLoop();
    const random = deriveStream(1, 'bench.bare');
    const step = (): void => loop.schedule(random.intBetween(1, 5_000), step);
    for (let index = 0; index < 1_024; index++) step();
    const startedMs = performance.now();
    const ran = loop.run(count);
    return (ran * 1000) / Math.max(1e-3, performance.now() - startedMs);
  };
  measure(Math.min(events, 200_000)); // JIT warm-up, as the simulation's figure is taken warm
  return measure(events);
}

/**
 * A large job: `parallelism` sources reading `records` records in all, a map, a keyed count and
 * a two-phase-commit sink, every vertex at `parallelism`. Its input is generated on read (each
 * record a hash of the case's input seed, its partition and offset, over 1,000 keys), so a run of
 * millions of records holds none of them.
 */
export function largeJobScenario(parallelism: number, records: number): Scenario {
  return {
    name: `large-p${parallelism}-${records}`,
    description: `source p=${parallelism} -> map -> keyBy -> count -> 2PC sink, ${records} records`,
    properties: ['job-finishes', 'exactly-once', 'consistent-snapshot', 'recovery', 'coordinator-invariants', 'two-phase-commit', 'liveness'],
    defaults: {},
    build: (_parameters, input) => {
      const perPartition = Math.ceil(records / parallelism);
      const salt = input.int(0x7fffffff);
      const partitions = Array.from(
        { length: parallelism },
        (_, partition) => new GeneratedPartition(perPartition, (offset) => ({ key: undefined, value: keyNames[(finalizeWord(mixWord(mixWord(salt, partition), offset)) >>> 0) % keyNames.length] })),
      );
      const job = new JobBuilder(`large-p${parallelism}`);
      job
        .source('source', partitions, { parallelism, recordCostUs: 20 })
        .map('tag', (value) => value, { parallelism })
        .keyBy((value) => String(value))
        .count('count', { parallelism })
        .sink('sink', 'two-phase-commit', { parallelism });
      return { job: job.build(), cluster: { executors: 4, slotsPerExecutor: Math.ceil((parallelism * 4) / 4), checkpoint: { intervalUs: 20_000 } } };
    },
  };
}

/** The large job's 1,000 keys, made once. */
const keyNames = Array.from({ length: 1_000 }, (_, index) => `k${index}`);
