/**
 * The simulation kernel: virtual time, the event queue, seeded random streams, nodes with
 * incarnations, the bounded run loop and the trace. Knows nothing of checkpoints.
 */
export { EventQueue, type QueueEntry } from './event-queue.js';
export { finalizeWord, hashIntegers, hashString, mixInteger, mixWord, toHex32 } from './hash.js';
export { SimNode } from './node.js';
export { RandomStream, deriveStream, type RandomStreamState } from './random.js';
export {
  Simulation,
  Timer,
  defaultRunLimits,
  eventKind,
  type EventKind,
  type RunLimits,
  type RunOutcome,
  type RunOutcomeKind,
  type SimulationOptions,
} from './simulation.js';
export { Trace, type TraceEvent } from './trace.js';
export { PctScheduler, type PctEntry, type PctOptions, type PctStatistics } from './pct-scheduler.js';
export { RunMap, SequencedIdMap, type RunValue } from './run-map.js';
export { MultisetDigest } from './multiset-digest.js';
export { UsageError } from './usage-error.js';
