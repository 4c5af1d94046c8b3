import { bugOn, type PlantedBug } from '../planted-bugs.js';
import { countedFailureReasons, type CheckpointFailureReason, type SnapshotType } from './types.js';

/**
 * Reasons Flink marks "pre-flight": failures before the checkpoint reached any task. They are
 * always handled as JobManager-side failures, even when a task reported them.
 */
export const preFlightFailureReasons: ReadonlySet<CheckpointFailureReason> = new Set<CheckpointFailureReason>([
  'PERIODIC_SCHEDULER_SHUTDOWN',
  'TOO_MANY_CHECKPOINT_REQUESTS',
  'MINIMUM_TIME_BETWEEN_CHECKPOINTS',
  'NOT_ALL_REQUIRED_TASKS_RUNNING',
  'IO_EXCEPTION',
]);

/** Planted bugs that change which failure reasons count: leave `reasons` out (`counted` false) or count them too. */
const reasonBugs: ReadonlyArray<{ readonly bug: PlantedBug; readonly reasons: readonly CheckpointFailureReason[]; readonly counted: boolean }> = [
  { bug: 'failure-manager-ignores-expired', reasons: ['CHECKPOINT_EXPIRED'], counted: false },
  { bug: 'failure-manager-ignores-finalize-failures', reasons: ['FINALIZE_CHECKPOINT_FAILURE'], counted: false },
  { bug: 'failure-manager-ignores-task-failures', reasons: ['CHECKPOINT_DECLINED', 'CHECKPOINT_ASYNC_EXCEPTION'], counted: false },
  { bug: 'failure-manager-ignores-io-exceptions', reasons: ['IO_EXCEPTION'], counted: false },
  { bug: 'failure-manager-counts-pre-flight-failures', reasons: ['TOO_MANY_CHECKPOINT_REQUESTS', 'NOT_ALL_REQUIRED_TASKS_RUNNING', 'MINIMUM_TIME_BETWEEN_CHECKPOINTS'], counted: true },
];

/** One failed checkpoint or trigger attempt, as the failure manager is told of it. */
export interface CheckpointFailure {
  /** Undefined when the attempt failed before it got an id. */
  readonly checkpointId: number | undefined;
  readonly type: SnapshotType;
  readonly reason: CheckpointFailureReason;
  /** The task attempt that declined, for failures a task reported; undefined for coordinator-side failures. */
  readonly declinedBy: { readonly task: string; readonly attempt: number } | undefined;
}

/** Configuration of a {@link CheckpointFailureManager}. */
export interface CheckpointFailureManagerOptions {
  /** How many consecutive counted failures are tolerated; one more fails the job. */
  readonly tolerableCheckpointFailures: number;
  /** Fails the job (global failover) with a cause in words. */
  readonly failJob: (cause: string) => void;
  /**
   * Fails the job for a task-side failure: Flink's failJobDueToTaskFailure, which fails the job
   * only while the declining attempt still runs (a failure of an attempt already gone is old news).
   */
  readonly failJobDueToTaskFailure: (cause: string, task: string, attempt: number) => void;
  /** The reasons that count (the planted bugs of {@link reasonBugs} change them); defaults to {@link countedFailureReasons}. */
  readonly countedReasons?: ReadonlySet<CheckpointFailureReason>;
  /** Planted bugs switched on (see cluster/planted-bugs.ts). */
  readonly plantedBugs?: readonly string[];
}

/**
 * Flink's CheckpointFailureManager: counts consecutive checkpoint failures and fails the job once
 * the count exceeds the tolerance.
 *
 * - Coordinator-side failures (and pre-flight ones) count for checkpoints only; savepoints are a
 *   manual action that a failover would not help.
 * - Task-side failures count for checkpoints and plain savepoints; a synchronous savepoint
 *   (stop-with-savepoint) that a task failed always fails the job, or the job could wait forever.
 * - Each checkpoint id counts once; an attempt without an id counts every time. Ids at or below
 *   the last successful one are ignored, and a success resets the count.
 */
export class CheckpointFailureManager {
  private readonly tolerableCheckpointFailures: number;
  private readonly failJob: (cause: string) => void;
  private readonly failJobDueToTaskFailure: (cause: string, task: string, attempt: number) => void;
  private readonly countedReasons: ReadonlySet<CheckpointFailureReason>;
  private readonly plantedBugs: readonly string[];
  private readonly countedCheckpointIds = new Set<number>();
  private continuousFailures = 0;
  private lastSucceededCheckpointId: number | undefined = undefined;

  constructor(options: CheckpointFailureManagerOptions) {
    if (!(options.tolerableCheckpointFailures >= 0)) {
      throw new Error(`tolerableCheckpointFailures must not be negative, got ${options.tolerableCheckpointFailures}`);
    }
    this.tolerableCheckpointFailures = options.tolerableCheckpointFailures;
    this.failJob = options.failJob;
    this.failJobDueToTaskFailure = options.failJobDueToTaskFailure;
    this.countedReasons = options.countedReasons ?? countedFailureReasons;
    this.plantedBugs = options.plantedBugs ?? [];
  }

  /** Consecutive counted failures since the last success or job failure. */
  get continuousFailureCount(): number {
    return this.continuousFailures;
  }

  /** Handles one failure: counts it where it counts, and fails the job when it must. */
  handleCheckpointException(failure: CheckpointFailure): void {
    const declinedBy = failure.declinedBy;
    if (declinedBy === undefined || preFlightFailureReasons.has(failure.reason)) {
      if (failure.type === 'checkpoint') this.checkAgainstCounter(failure, (cause) => this.failJob(cause));
      return;
    }
    if (failure.type === 'sync-savepoint') {
      this.failJob(`synchronous savepoint ${failure.checkpointId} failed: ${failure.reason} (declined by ${declinedBy.task} attempt ${declinedBy.attempt})`);
      return;
    }
    this.checkAgainstCounter(failure, (cause) => this.failJobDueToTaskFailure(cause, declinedBy.task, declinedBy.attempt));
  }

  /** A checkpoint or savepoint completed: newer than any before, it resets the count. */
  handleCheckpointSuccess(checkpointId: number): void {
    if (this.lastSucceededCheckpointId !== undefined && checkpointId <= this.lastSucceededCheckpointId) return;
    this.lastSucceededCheckpointId = checkpointId;
    this.clearCount();
  }

  private checkAgainstCounter(failure: CheckpointFailure, fail: (cause: string) => void): void {
    const { checkpointId } = failure;
    // Planted bugs' switches are read only for a failure whose handling they change, so a run
    // consults a switch only where the bug would act (cluster/planted-bug-reach.ts).
    const isStale =
      checkpointId !== undefined && this.lastSucceededCheckpointId !== undefined && checkpointId <= this.lastSucceededCheckpointId && !bugOn(this.plantedBugs, 'failure-manager-counts-stale-checkpoints');
    if (isStale || !this.counts(failure.reason)) return;
    if (checkpointId !== undefined) {
      if (this.countedCheckpointIds.has(checkpointId)) return;
      this.countedCheckpointIds.add(checkpointId);
    }
    this.continuousFailures++;
    if (this.continuousFailures > this.tolerableCheckpointFailures) {
      this.clearCount();
      fail(`Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due to ${failure.reason}.`);
    }
  }

  /** Whether a failure for `reason` counts: as configured, less or more under the planted bugs that change it. */
  private counts(reason: CheckpointFailureReason): boolean {
    for (const { bug, reasons, counted } of reasonBugs) {
      if (!counted && reasons.includes(reason) && bugOn(this.plantedBugs, bug)) return false;
    }
    if (this.countedReasons.has(reason)) return true;
    return reasonBugs.some(({ bug, reasons, counted }) => counted && reasons.includes(reason) && bugOn(this.plantedBugs, bug));
  }

  private clearCount(): void {
    this.continuousFailures = 0;
    this.countedCheckpointIds.clear();
  }
}
