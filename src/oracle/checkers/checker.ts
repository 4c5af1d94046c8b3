import type { CheckpointConfig, SnapshotType } from '../../cluster/checkpoint/types.js';
import type { JobGraph } from '../../cluster/jobgraph/job-graph.js';
import type { JobStatus, Observation } from '../../cluster/observations.js';
import type { Violation } from '../violation.js';

/** The properties the streaming checkers judge (names as in scenarios' `properties`). */
export type CheckerProperty = 'consistent-snapshot' | 'recovery' | 'coordinator-invariants' | 'two-phase-commit' | 'liveness' | 'trigger-results' | 'failure-accounting' | 'notification-order' | 'explained-failures' | 'external-hygiene' | 'windowed-output' | 'split-ownership';

/** What a checker knows before the run: the job and the checkpoint configuration it runs with. */
export interface CheckerContext {
  readonly job: JobGraph;
  /** The coordinator's configuration: mode, interval, timeout, max concurrent, min pause, unaligned... */
  readonly checkpoint: CheckpointConfig;
  /**
   * Liveness: how long after the last fault healed a checkpoint must complete, and how long an
   * alignment may stay open before it counts as stuck. Default: 10 times the checkpoint timeout.
   */
  readonly livenessBoundUs?: number;
}

/** A checkpoint or savepoint the runtime still owns at the end, with every storage key it owns. */
export interface RetainedCheckpoint {
  readonly checkpointId: number;
  readonly type: SnapshotType;
  /** State handles and the metadata file: every key of checkpoint storage this checkpoint owns. */
  readonly handles: readonly string[];
}

/**
 * What the runtime left behind when the run ended, which some checkers need besides the
 * observations. The runner fills it from the cluster (or any implementation's equivalent).
 */
export interface FinalState {
  /** The job's final status; only FINISHED counts as finished. */
  readonly jobStatus: JobStatus;
  /** Virtual time the run ended at. */
  readonly endUs: number;
  /** When the last injected fault's effect ended; 0 when no fault fired. */
  readonly lastFaultHealedUs: number;
  /** Every key still present in checkpoint storage. */
  readonly storageKeys: readonly string[];
  /**
   * Every checkpoint the runtime still owns: the completed store's checkpoints (of every job run)
   * and the completed savepoints (the user's, never discarded by the runtime).
   */
  readonly retainedCheckpoints: readonly RetainedCheckpoint[];
  /**
   * Transactions still open or pre-committed in the sinks' transactional store (not timed out),
   * sorted; undefined when the implementation has no transactional store to ask.
   */
  readonly openTransactions?: readonly string[];
  /**
   * Every record the sinks committed, when the run kept them (scenarios judged on windowed
   * output, at-least-once or order-dependent output do); undefined otherwise.
   */
  readonly committedOutput?: ReadonlyArray<{ readonly key: string | undefined; readonly value: unknown }>;
}

/**
 * A streaming property checker, created per case: it sees every observation once, in order,
 * keeps only what its property needs (bounded by what is pending or retained, never the whole
 * trace), and reports at the end. Only the first violation of its property is kept.
 */
export interface Checker {
  readonly property: CheckerProperty;
  /** Called for every observation, inside the runtime's call stack: must not throw on valid input. */
  observe(observation: Observation): void;
  /** Called once when the run ended; returns the first violation, if any, then the checker is spent. */
  finish(final: FinalState): Violation[];
}

/** Builds a fresh checker for one case. */
export type CheckerFactory = (context: CheckerContext) => Checker;

/** Keeps the first violation of one property and ignores the rest. */
export class FirstViolation {
  private violation: Violation | undefined;

  constructor(readonly property: CheckerProperty) {}

  /** True once a violation was recorded: a checker may then stop its work. */
  get found(): boolean {
    return this.violation !== undefined;
  }

  /** Records a violation unless one is already recorded. */
  report(message: string, timeUs: number, details: Readonly<Record<string, unknown>> = {}): void {
    if (this.violation === undefined) this.violation = { property: this.property, message, timeUs, details };
  }

  /** The recorded violation as a list (empty or one). */
  list(): Violation[] {
    return this.violation === undefined ? [] : [this.violation];
  }
}

/** The liveness bound of a context: as given, or 10 times the checkpoint timeout. */
export function livenessBoundOf(context: CheckerContext): number {
  return context.livenessBoundUs ?? 10 * context.checkpoint.timeoutUs;
}

/** Formats virtual microseconds for messages: `1.234567 s`. */
export function formatTime(timeUs: number): string {
  return `${(timeUs / 1_000_000).toFixed(6)} s`;
}

/**
 * The checkpoint an observation makes restorable by a later JobMaster, for the checkers that judge
 * every such checkpoint alike: a completed checkpoint, or one whose write to the HA store failed
 * with Flink's PossibleInconsistentStateException (`possiblyStored`). Flink fails that trigger, yet
 * the write may have landed and a new leader may recover it. Undefined for any other observation.
 */
export function restorableCheckpointId(observation: Observation): number | undefined {
  if (observation.type === 'checkpoint-completed') return observation.checkpointId;
  if (observation.type === 'checkpoint-store-write-failed' && observation.possiblyStored) return observation.checkpointId;
  return undefined;
}
