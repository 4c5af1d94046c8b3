import type { JobStatus, Observation } from '../../cluster/observations.js';
import { AlignedTimeoutRule } from './aligned-timeout.js';
import { FirstViolation, formatTime, livenessBoundOf, type Checker, type CheckerContext, type FinalState } from './checker.js';

/** Grace for a checkpoint canceller firing at exactly trigger time + timeout (event order at equal times). */
const cancellerGraceUs = 1_000;

/**
 * liveness: first, whether the job finished or not, no aligned-with-timeout checkpoint's alignment
 * outlasts its aligned-checkpoint timeout (see {@link AlignedTimeoutRule}). Then, when the job did
 * not reach FINISHED, names what is stuck (the first found, in this order):
 * 1. an alignment: a task whose latest alignment-started has had no alignment-completed for
 *    longer than the liveness bound when the run ended. An alignment ends with its
 *    alignment-completed (for the tracker: of that or a newer checkpoint), the task's decline of
 *    that or a newer checkpoint, a newer alignment-started of the task (the aligned handler
 *    aligns one checkpoint at a time), or the end of the task attempt (failed, canceled,
 *    finished, or a new attempt deployed). An aborted checkpoint does not end it: a task still
 *    blocked on a checkpoint the coordinator gave up is exactly what waits forever.
 * 2. a checkpoint triggered (by the current JobMaster) but neither completed nor aborted, older
 *    than the checkpoint timeout (the canceller should have expired it).
 * 3. progress after faults: when the job kept running (not in a terminal state) until at least
 *    lastFaultHealed + bound, a checkpoint (or savepoint) must have completed within
 *    [lastFaultHealed, lastFaultHealed + bound]. Only with periodic checkpoints configured.
 * The bound is context.livenessBoundUs, by default 10 times the checkpoint timeout.
 */
export function createLivenessChecker(context: CheckerContext): Checker {
  const violation = new FirstViolation('liveness');
  const alignedTimeout = new AlignedTimeoutRule(context, violation);
  const model = new ProgressModel(context, violation);
  return {
    property: 'liveness',
    observe: (observation) => {
      alignedTimeout.observe(observation);
      model.observe(observation);
    },
    finish: (final) => {
      alignedTimeout.finish(final.endUs);
      return model.finish(final);
    },
  };
}

class ProgressModel {
  /** Per task: checkpoint id -> when its alignment started. */
  private readonly alignments = new Map<string, Map<number, number>>();
  /** Triggered checkpoints not yet ended: id -> trigger time. */
  private readonly pending = new Map<number, number>();
  /**
   * Completion times, summarised for "did one complete within the bound after time h" whatever h
   * turns out to be: the first and latest, and each gap between consecutive completions longer
   * than the bound (only inside such a gap can h miss every completion). Memory grows with the
   * long gaps, which faults cause, not with the number of checkpoints.
   */
  private firstCompletionUs: number | undefined;
  private lastCompletionUs: number | undefined;
  private readonly longGaps: Array<{ fromUs: number; toUs: number }> = [];
  private readonly boundUs: number;
  private terminal: { status: JobStatus; timeUs: number } | undefined;

  constructor(private readonly context: CheckerContext, private readonly violation: FirstViolation) {
    this.boundUs = livenessBoundOf(context);
  }

  observe(observation: Observation): void {
    switch (observation.type) {
      case 'alignment-started': {
        // The aligned handler aligns one checkpoint at a time; for the tracker an older one is not blocking.
        this.alignments.set(observation.task, new Map([[observation.checkpointId, observation.timeUs]]));
        return;
      }
      case 'alignment-completed':
      case 'checkpoint-declined':
        this.endAlignmentsUpTo(observation.task, observation.checkpointId);
        return;
      case 'task-failed':
      case 'task-canceled':
      case 'task-finished':
      case 'task-deployed':
        this.alignments.delete(observation.task);
        return;
      case 'checkpoint-triggered':
        this.pending.set(observation.checkpointId, observation.timeUs);
        return;
      case 'jobmaster-started':
        // A new JobMaster has no pending checkpoint: the old one's died with it.
        this.pending.clear();
        return;
      case 'checkpoint-aborted':
        this.pending.delete(observation.checkpointId);
        return;
      case 'checkpoint-completed':
        this.pending.delete(observation.checkpointId);
        this.completedAt(observation.timeUs);
        return;
      case 'job-status':
        this.terminal = isTerminal(observation.status) ? { status: observation.status, timeUs: observation.timeUs } : undefined;
        return;
      default:
        return;
    }
  }

  private completedAt(timeUs: number): void {
    if (this.lastCompletionUs === undefined) this.firstCompletionUs = timeUs;
    else if (timeUs - this.lastCompletionUs > this.boundUs) this.longGaps.push({ fromUs: this.lastCompletionUs, toUs: timeUs });
    this.lastCompletionUs = timeUs;
  }

  /** Whether a checkpoint completed within [timeUs, timeUs + bound]; if none did, the first completion after timeUs (undefined: none). */
  private completionWithinBound(timeUs: number): { inTime: true } | { inTime: false; nextUs: number | undefined } {
    const first = this.firstCompletionUs;
    if (first === undefined || timeUs > (this.lastCompletionUs as number)) return { inTime: false, nextUs: undefined };
    // Between the first and the latest completion, only a long gap can hold timeUs with no completion within the bound.
    const nextUs = timeUs <= first ? first : this.longGaps.find((gap) => gap.fromUs < timeUs && timeUs <= gap.toUs)?.toUs;
    return nextUs === undefined || nextUs <= timeUs + this.boundUs ? { inTime: true } : { inTime: false, nextUs };
  }

  private endAlignmentsUpTo(task: string, checkpointId: number): void {
    const open = this.alignments.get(task);
    if (open === undefined) return;
    for (const id of [...open.keys()]) if (id <= checkpointId) open.delete(id);
    if (open.size === 0) this.alignments.delete(task);
  }

  finish(final: FinalState): ReturnType<Checker['finish']> {
    if (final.jobStatus === 'FINISHED') return this.violation.list();
    const boundUs = livenessBoundOf(this.context);
    this.checkAlignments(final, boundUs);
    this.checkPendingCheckpoints(final);
    this.checkProgressAfterFaults(final, boundUs);
    return this.violation.list();
  }

  private checkAlignments(final: FinalState, boundUs: number): void {
    let oldest: { task: string; checkpointId: number; sinceUs: number } | undefined;
    for (const [task, open] of this.alignments) {
      for (const [checkpointId, sinceUs] of open) {
        if (final.endUs - sinceUs < boundUs) continue;
        if (oldest === undefined || sinceUs < oldest.sinceUs) oldest = { task, checkpointId, sinceUs };
      }
    }
    if (oldest === undefined) return;
    this.violation.report(
      `${oldest.task} has been aligning checkpoint ${oldest.checkpointId} since ${formatTime(oldest.sinceUs)} without completing it (run ended at ${formatTime(final.endUs)}, job ${final.jobStatus})`,
      oldest.sinceUs + boundUs,
      { task: oldest.task, checkpointId: oldest.checkpointId, alignmentStartedUs: oldest.sinceUs, endUs: final.endUs, boundUs },
    );
  }

  private checkPendingCheckpoints(final: FinalState): void {
    const timeoutUs = this.context.checkpoint.timeoutUs;
    const stuck = [...this.pending.entries()].filter(([, triggeredUs]) => final.endUs - triggeredUs > timeoutUs + cancellerGraceUs).sort((a, b) => a[0] - b[0]);
    const first = stuck[0];
    if (first === undefined) return;
    const [checkpointId, triggeredUs] = first;
    this.violation.report(
      `checkpoint ${checkpointId}, triggered at ${formatTime(triggeredUs)}, neither completed nor aborted by the end of the run at ${formatTime(final.endUs)} (timeout ${timeoutUs} us)`,
      triggeredUs + timeoutUs,
      { checkpointId, triggeredUs, endUs: final.endUs, timeoutUs, stuckCheckpointIds: stuck.map(([id]) => id) },
    );
  }

  private checkProgressAfterFaults(final: FinalState, boundUs: number): void {
    if (this.context.checkpoint.intervalUs === 0) return;
    const healedUs = final.lastFaultHealedUs;
    const ranUntilUs = this.terminal?.timeUs ?? final.endUs;
    if (ranUntilUs < healedUs + boundUs) return;
    const completion = this.completionWithinBound(healedUs);
    if (completion.inTime) return;
    const after = completion.nextUs;
    this.violation.report(
      `no checkpoint completed within ${boundUs} us after the last fault healed at ${formatTime(healedUs)} (${after === undefined ? 'none completed after it' : `the next completed at ${formatTime(after)}`}; run ended at ${formatTime(final.endUs)}, job ${final.jobStatus})`,
      healedUs + boundUs,
      { lastFaultHealedUs: healedUs, boundUs, nextCompletionUs: after, endUs: final.endUs, jobStatus: final.jobStatus },
    );
  }
}

function isTerminal(status: JobStatus): boolean {
  return status === 'FINISHED' || status === 'FAILED' || status === 'CANCELED';
}
