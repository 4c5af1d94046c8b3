import type { CheckpointDone, CheckpointResult } from '../checkpoint/checkpoint-result.js';
import type { CheckpointFailureReason, CompletedCheckpoint } from '../checkpoint/types.js';

/** One stop-with-savepoint in progress: its caller's answer, its savepoint once created, and what ended its executions. */
export interface StopInProgress {
  readonly done: CheckpointDone;
  savepoint: CompletedCheckpoint | undefined;
  /**
   * The cause that ended, before the savepoint was created, an execution the stop waits to see
   * FINISHED (Flink's stop holds the terminal-state futures of the attempts running when it
   * began); undefined while they all run.
   */
  executionsEnded: string | undefined;
}

/**
 * Flink 1.20's StopWithSavepointTerminationHandlerImpl, as the JobMaster uses it: one stop at a
 * time; it waits for its synchronous savepoint, then for the executions that ran when it began to
 * finish. Its answer comes once: the savepoint on FINISHED; the savepoint's failure (checkpointing
 * resumes); or, when an execution ended unfinished after the savepoint was created, a failed job
 * with the savepoint handed back (FLINK-26783: StopWithSavepointStoppingException, a
 * NonRecoverableError, instead of restoring a checkpoint older than the savepoint whose
 * notification may have committed). The JobMaster owns the job status; this owns the stop.
 */
export class StopWithSavepointTermination {
  private stop: StopInProgress | undefined;

  /** Whether a stop is in progress (not answered yet). */
  get inProgress(): boolean {
    return this.stop !== undefined;
  }

  /** The savepoint of the stop in progress, once created. */
  get createdSavepoint(): CompletedCheckpoint | undefined {
    return this.stop?.savepoint;
  }

  /** Begins a stop (none may be in progress); the result identifies it to its savepoint's outcome. */
  begin(done: CheckpointDone): StopInProgress {
    if (this.stop !== undefined) throw new Error('a stop-with-savepoint is already in progress');
    this.stop = { done, savepoint: undefined, executionsEnded: undefined };
    return this.stop;
  }

  /**
   * `stop`'s savepoint was created. Returns the cause that ended one of its executions before,
   * which must now fail the job; undefined when they all run on (they finish once notified) or
   * when `stop` was already answered (a cancel gave it up while its savepoint was queued).
   */
  savepointCreated(stop: StopInProgress, savepoint: CompletedCheckpoint): string | undefined {
    if (this.stop !== stop) return undefined;
    stop.savepoint = savepoint;
    return stop.executionsEnded;
  }

  /** `stop`'s savepoint failed: the stop fails with its reason. False when it was already answered. */
  savepointFailed(stop: StopInProgress, result: Extract<CheckpointResult, { ok: false }>): boolean {
    if (this.stop !== stop) return false;
    this.stop = undefined;
    stop.done(result);
    return true;
  }

  /**
   * A failover ends executions the stop waits for, before its savepoint exists (the JobMaster
   * fails the job when it exists: {@link createdSavepoint}). The stop goes on (Flink's failover
   * aborts pending checkpoints only, so a savepoint still queued survives it) and learns of the
   * ended executions once its savepoint is created.
   */
  executionsEnded(cause: string): void {
    if (this.stop !== undefined && this.stop.savepoint === undefined) this.stop.executionsEnded ??= cause;
  }

  /** The job FINISHED: the stop succeeds with its savepoint. */
  jobFinished(): void {
    const stop = this.stop;
    this.stop = undefined;
    if (stop?.savepoint !== undefined) stop.done({ ok: true, checkpoint: stop.savepoint });
  }

  /** The job FAILED after the savepoint: the stop fails and hands the savepoint back (it is consistent: resume from it). */
  jobFailed(): void {
    const stop = this.stop;
    this.stop = undefined;
    if (stop?.savepoint !== undefined) stop.done({ ok: false, reason: 'TASK_FAILURE', savepoint: stop.savepoint });
  }

  /** The stop is given up (a cancel, or its JobMaster is gone): it fails with `reason`. */
  abandon(reason: CheckpointFailureReason): void {
    const stop = this.stop;
    this.stop = undefined;
    stop?.done({ ok: false, reason });
  }
}
