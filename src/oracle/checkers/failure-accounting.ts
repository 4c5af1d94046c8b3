import type { Observation } from '../../cluster/observations.js';
import { FirstViolation, type Checker, type CheckerContext, type FinalState } from './checker.js';

/**
 * Flink 1.20's CheckpointFailureManager rules, written out independently of the runtime's own
 * failure manager: the reasons that count towards the tolerable number (checkFailureCounter).
 */
export const countedReasonsOfFlink: ReadonlySet<string> = new Set(['IO_EXCEPTION', 'CHECKPOINT_ASYNC_EXCEPTION', 'CHECKPOINT_DECLINED', 'CHECKPOINT_EXPIRED', 'FINALIZE_CHECKPOINT_FAILURE']);

/** Flink's pre-flight reasons (CheckpointFailureReason.isPreFlight): always a job-level failure. */
export const preFlightReasonsOfFlink: ReadonlySet<string> = new Set([
  'PERIODIC_SCHEDULER_SHUTDOWN',
  'TOO_MANY_CHECKPOINT_REQUESTS',
  'MINIMUM_TIME_BETWEEN_CHECKPOINTS',
  'NOT_ALL_REQUIRED_TASKS_RUNNING',
  'IO_EXCEPTION',
  'BLOCKING_OUTPUT_EXIST',
]);

/** Flink's message prefix when the tolerable number is exceeded. */
const exceededPrefix = 'Exceeded checkpoint tolerable failure threshold';

/** What the rules say must follow a reported failure. */
interface ExpectedJobFailure {
  /** The declining attempt for failJobDueToTaskFailure; undefined for failJob. */
  readonly failingTask: string | undefined;
  readonly failingAttempt: number | undefined;
  readonly why: string;
  readonly timeUs: number;
}

/**
 * failure-accounting: every job failure the CheckpointFailureManager asks for is warranted by
 * Flink 1.20's rules, and every warranted one is asked for. Replayed from
 * `checkpoint-failure-reported` (each failure the coordinator hands its failure manager),
 * `checkpoint-completed` (a success) and `job-failure-requested`:
 *
 * - Job-level failures (no declining task, or a pre-flight reason) count only for checkpoints,
 *   never for savepoints; the job fails with failJob.
 * - Task-level failures: a declined synchronous savepoint (stop-with-savepoint) always fails the
 *   job (failJob); otherwise the failure counts (checkpoints and plain savepoints alike) and, past
 *   the tolerance, fails the job with failJobDueToTaskFailure naming the declining attempt.
 * - Only IO_EXCEPTION, CHECKPOINT_ASYNC_EXCEPTION, CHECKPOINT_DECLINED, CHECKPOINT_EXPIRED and
 *   FINALIZE_CHECKPOINT_FAILURE count; each checkpoint id once; a failure without an id every
 *   time; failures of checkpoints at or below the latest successful one not at all; a success of a
 *   newer checkpoint resets the count, and so does failing the job. One more than the tolerable
 *   number fails the job. A new JobMaster starts with a fresh failure manager.
 * - The request follows its failure at once (the failure manager calls back synchronously); a
 *   job status whose cause is the tolerance message follows a request with that cause.
 * - Every aborted checkpoint is reported to the failure manager exactly once.
 */
export function createFailureAccountingChecker(context: CheckerContext): Checker {
  const checker = new FailureAccounting(context.checkpoint.tolerableCheckpointFailures, new FirstViolation('failure-accounting'));
  return { property: 'failure-accounting', observe: (observation) => checker.observe(observation), finish: (final) => checker.finish(final) };
}

class FailureAccounting {
  private lastSucceeded = Number.NEGATIVE_INFINITY;
  private count = 0;
  private readonly countedIds = new Set<number>();
  /** A job failure the rules demand, which must be the very next observation. */
  private expected: ExpectedJobFailure | undefined;
  /** Causes of job failures requested, so a job status naming one is accounted for. */
  private readonly requestedCauses = new Set<string>();
  /** Aborted checkpoints not yet reported to the failure manager. */
  private readonly unreported = new Map<number, number>();

  constructor(private readonly tolerable: number, private readonly violation: FirstViolation) {}

  observe(observation: Observation): void {
    if (this.violation.found) return;
    const expected = this.expected;
    if (expected !== undefined) {
      this.expected = undefined;
      if (observation.type !== 'job-failure-requested') {
        return this.violation.report(`the failure manager did not fail the job after ${expected.why}`, expected.timeUs, {
          failingTask: expected.failingTask,
          next: observation.type,
        });
      }
      return this.requested(observation, expected);
    }
    switch (observation.type) {
      case 'jobmaster-started':
        this.lastSucceeded = Number.NEGATIVE_INFINITY;
        return this.clear();
      case 'checkpoint-completed':
        if (observation.checkpointId > this.lastSucceeded) {
          this.lastSucceeded = observation.checkpointId;
          this.clear();
        }
        return;
      case 'checkpoint-aborted':
        this.unreported.set(observation.checkpointId, observation.timeUs);
        return;
      case 'checkpoint-failure-reported':
        return this.reported(observation);
      case 'job-failure-requested':
        return this.violation.report(`the failure manager failed the job (${observation.cause}) though Flink's rules do not warrant it`, observation.timeUs, {
          cause: observation.cause,
          failingTask: observation.failingTask,
          continuousFailures: this.count,
          tolerable: this.tolerable,
        });
      case 'job-status':
        if (observation.cause?.startsWith(exceededPrefix) === true && !this.requestedCauses.has(observation.cause)) {
          this.violation.report(`the job went ${observation.status} for "${observation.cause}", which the failure manager never asked for`, observation.timeUs, { status: observation.status });
        }
        return;
      default:
        return;
    }
  }

  private reported(observation: Extract<Observation, { type: 'checkpoint-failure-reported' }>): void {
    const { checkpointId, checkpointType, reason, declinedBy, timeUs } = observation;
    if (checkpointId !== undefined) {
      if (!this.unreported.has(checkpointId)) {
        return this.violation.report(`checkpoint ${checkpointId} was reported to the failure manager (${reason}) without being aborted, or twice`, timeUs, { checkpointId, reason });
      }
      this.unreported.delete(checkpointId);
    }
    const what = `${checkpointType} ${checkpointId ?? '(no id)'} failed with ${reason}`;
    const taskLevel = declinedBy !== undefined && !preFlightReasonsOfFlink.has(reason);
    if (!taskLevel) {
      if (checkpointType === 'checkpoint') this.countAndCheck(checkpointId, reason, undefined, what, timeUs);
      return;
    }
    if (checkpointType === 'sync-savepoint') {
      this.expected = { failingTask: undefined, failingAttempt: undefined, why: `${what}, declined by ${declinedBy.task} (a declined stop-with-savepoint always fails the job)`, timeUs };
      return;
    }
    this.countAndCheck(checkpointId, reason, declinedBy, what, timeUs);
  }

  private countAndCheck(checkpointId: number | undefined, reason: string, declinedBy: { task: string; attempt: number } | undefined, what: string, timeUs: number): void {
    if (checkpointId !== undefined && checkpointId <= this.lastSucceeded) return;
    if (countedReasonsOfFlink.has(reason) && (checkpointId === undefined || !this.countedIds.has(checkpointId))) {
      if (checkpointId !== undefined) this.countedIds.add(checkpointId);
      this.count++;
    }
    if (this.count <= this.tolerable) return;
    this.clear();
    this.expected = {
      failingTask: declinedBy?.task,
      failingAttempt: declinedBy?.attempt,
      why: `${what}${declinedBy === undefined ? '' : ` (declined by ${declinedBy.task})`}, the ${this.tolerable + 1}${ordinal(this.tolerable + 1)} consecutive counted failure (tolerable ${this.tolerable})`,
      timeUs,
    };
  }

  private requested(observation: Extract<Observation, { type: 'job-failure-requested' }>, expected: ExpectedJobFailure): void {
    if (observation.failingTask !== expected.failingTask || observation.failingAttempt !== expected.failingAttempt) {
      const asKind = (task: string | undefined, attempt: number | undefined) => (task === undefined ? 'failJob' : `failJobDueToTaskFailure(${task} attempt ${attempt})`);
      this.violation.report(
        `after ${expected.why}, the failure manager called ${asKind(observation.failingTask, observation.failingAttempt)} instead of ${asKind(expected.failingTask, expected.failingAttempt)}`,
        observation.timeUs,
        { expectedTask: expected.failingTask, actualTask: observation.failingTask },
      );
      return;
    }
    this.requestedCauses.add(observation.cause);
  }

  private clear(): void {
    this.count = 0;
    this.countedIds.clear();
  }

  private requireAllReported(timeUs: number): void {
    const [first] = [...this.unreported.keys()].sort((left, right) => left - right);
    if (first === undefined) return;
    this.violation.report(`checkpoint ${first} was aborted but never reported to the failure manager`, timeUs, { checkpointId: first, abortedAtUs: this.unreported.get(first) });
  }

  finish(final: FinalState): ReturnType<Checker['finish']> {
    if (!this.violation.found && this.expected !== undefined) {
      this.violation.report(`the failure manager did not fail the job after ${this.expected.why}`, this.expected.timeUs, {});
    }
    if (!this.violation.found) this.requireAllReported(final.endUs);
    return this.violation.list();
  }
}

function ordinal(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return 'th';
  return n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
}
