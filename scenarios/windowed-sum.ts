import { JobBuilder } from '../src/cluster/jobgraph/job-builder.js';
import type { TumblingWindowSpec, WatermarkStrategy } from '../src/cluster/jobgraph/event-time.js';
import type { Scenario } from '../src/explore/scenario.js';
import { deriveStream } from '../src/sim/index.js';
import { eventTimePartitions } from './input.js';
import { scenarioSource } from './sources.js';

// Job functions live at module level (see wordcount.ts).
const eventKey = (value: unknown): string => (value as { key: string }).key;
const eventTimestamp = (value: unknown): number => (value as { timestamp: number }).timestamp;
const eventAmount = (value: unknown): number => (value as { amount: number }).amount;

/**
 * Tumbling event-time windows summing and counting each key's events: watermarks from the
 * sources (bounded out-of-orderness per partition), an idle source subtask (more source subtasks
 * than partitions), watermarks through the data channels to the window operator, whose windows
 * and timers are checkpointed keyed state. Judged by windowed-output: every window fires once
 * with all its records, across failures, restores and stop-with-savepoint (with drain too).
 *
 * It keeps the legacy source (legacySource = 1): its idle source subtask is the one idle input
 * channel of the built-in scenarios, and a FLIP-27 reader without a split is not idle in Flink
 * 1.20 (with no split output its watermark neither advances nor idles; only withIdleness idles
 * it): it ends once the enumerator has no more splits. legacySource = 0 runs it on a FLIP-27
 * source, with watermarks per assigned split.
 */
export const windowedSum: Scenario = {
  name: 'windowed-sum',
  description:
    'Event time: source p=4 over 3 partitions (one source subtask idle) with bounded-out-of-orderness watermarks -> keyBy -> tumbling event-time window sum and count p=2 -> 2PC sink p=2. Every window must fire exactly once with all its records, across failures and restores; a stop-with-savepoint --drain fires every open window before its savepoint.',
  properties: ['job-finishes', 'windowed-output', 'consistent-snapshot', 'recovery', 'coordinator-invariants', 'two-phase-commit', 'liveness', 'trigger-results', 'failure-accounting', 'notification-order', 'explained-failures', 'external-hygiene'],
  defaults: { legacySource: 1, partitions: 3, events: 400, keys: 12, skew: 5, sourceParallelism: 4, windowParallelism: 2, windowMs: 20, outOfOrdernessMs: 8 },
  build(parameters, input) {
    const outOfOrdernessMs = parameters['outOfOrdernessMs']!;
    const windowMs = parameters['windowMs']!;
    if (windowMs < 1) throw new RangeError(`windowed-sum: windowMs must be at least 1, got ${windowMs}`);
    // Event timestamps draw from a stream of their own, seeded from the case's input stream.
    const eventTime = deriveStream(input.int(0x7fffffff), 'scenario.event-time');
    const partitions = eventTimePartitions(input, eventTime, parameters['partitions']!, parameters['events']!, parameters['keys']!, parameters['skew']!, outOfOrdernessMs);
    const watermarks: WatermarkStrategy = { outOfOrdernessMs, timestampOf: eventTimestamp };
    const window: TumblingWindowSpec = { sizeMs: windowMs, timestampOf: eventTimestamp, amountOf: eventAmount };
    const job = new JobBuilder('windowed-sum');
    scenarioSource(job, 'source', partitions, parameters, { parallelism: parameters['sourceParallelism']!, recordCostUs: 200, watermarks })
      .keyBy(eventKey)
      .windowSum('window', window, { parallelism: parameters['windowParallelism']!, recordCostUs: 150 })
      .sink('sink', 'two-phase-commit', { parallelism: parameters['windowParallelism']! });
    return { job: job.build(), cluster: { checkpoint: { intervalUs: 7_000 } } };
  },
};
