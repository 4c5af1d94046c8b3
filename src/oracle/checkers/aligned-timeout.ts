import type { Observation } from '../../cluster/observations.js';
import { recordsPerBuffer } from '../../cluster/task/buffers.js';
import { formatTime, type CheckerContext, type FirstViolation } from './checker.js';

/**
 * The largest slow-down factor a slow-task fault may have (the plan validator's maximum): while
 * one has fired, a task's step, and so the wait of its timer's letter, may be that much longer.
 */
const maxSlowTaskFactor = 1000;

/** Mailbox letters ahead of the timer's (notifications, triggers: 1 us each) and event order at equal times. */
const letterMarginUs = 1_000;

/**
 * Flink 1.20's active aligned-checkpoint timeout (the timer SingleCheckpointBarrierHandler
 * registers when an alignment starts, AlternatingWaitingForFirstBarrier / AlternatingCollecting-
 * Barriers switching on it): an aligned-with-timeout checkpoint's alignment ends (completes,
 * switches to unaligned, or is declined) no later than trigger timestamp + aligned-checkpoint
 * timeout + the timer's mailbox latency, even when no further barrier arrives. An alignment that
 * starts after that deadline (its first barrier queued behind records) must end when it starts,
 * as the handler checks the timeout on each barrier: then the latency bound counts from its start.
 *
 * The latency bound: the timer's letter waits for the mailbox step in progress, which processes at
 * most one network buffer (`recordsPerBuffer` records at the job's highest record cost), then for
 * the letters queued ahead of it (`letterMarginUs`); after a slow-task fault fired, a step may be
 * up to the fault's maximum factor slower. Only checkpoints (never savepoints, always aligned) of
 * an EXACTLY_ONCE job with unaligned checkpoints and a positive aligned-checkpoint timeout are
 * judged, from observations only: the trigger's timestamp, the task's alignment-started and what
 * ends it (an unaligned snapshot of the checkpoint counts as a switch, as does the cancellation
 * marker a task sends in place of the snapshot of a checkpoint it heard was aborted). An alignment also ends with its task attempt (failed, canceled, finished, redeployed),
 * a newer alignment-started, or any executor crash (the crashed tasks' end is observed only later).
 */
export class AlignedTimeoutRule {
  /** Checkpoint id -> trigger timestamp, for judged checkpoints (the latest few). */
  private readonly triggers = new Map<number, number>();
  /** Per task: the open judged alignment and when it must have ended. */
  private readonly open = new Map<string, { checkpointId: number; startedUs: number; deadlineUs: number }>();
  private readonly timeoutUs: number;
  private readonly stepUs: number;
  private slowed = false;

  constructor(context: CheckerContext, private readonly violation: FirstViolation) {
    const config = context.checkpoint;
    this.timeoutUs = config.mode === 'EXACTLY_ONCE' && config.unaligned ? config.alignedCheckpointTimeoutUs : 0;
    const maxRecordCostUs = Math.max(1, ...context.job.vertices.map((vertex) => vertex.recordCostUs));
    this.stepUs = recordsPerBuffer * maxRecordCostUs;
  }

  /** The latency the timer's letter may add to the timeout. */
  get latencyBoundUs(): number {
    return this.stepUs * (this.slowed ? maxSlowTaskFactor : 1) + letterMarginUs;
  }

  observe(observation: Observation): void {
    if (this.timeoutUs <= 0 || this.violation.found) return;
    this.checkOpen(observation.timeUs);
    switch (observation.type) {
      case 'checkpoint-triggered':
        if (observation.checkpointType !== 'checkpoint') return;
        this.triggers.set(observation.checkpointId, observation.timestampUs);
        // Bounded: an alignment starts within a few checkpoints of its trigger.
        if (this.triggers.size > 64) this.triggers.delete(this.triggers.keys().next().value as number);
        return;
      case 'alignment-started': {
        const timestampUs = this.triggers.get(observation.checkpointId);
        if (timestampUs === undefined) this.open.delete(observation.task);
        else this.open.set(observation.task, { checkpointId: observation.checkpointId, startedUs: observation.timeUs, deadlineUs: Math.max(timestampUs + this.timeoutUs, observation.timeUs) });
        return;
      }
      case 'alignment-completed':
      case 'alignment-switched-to-unaligned':
      case 'checkpoint-declined': {
        const open = this.open.get(observation.task);
        if (open !== undefined && open.checkpointId <= observation.checkpointId) this.open.delete(observation.task);
        return;
      }
      case 'snapshot-taken': {
        // An unaligned snapshot ends the blocking: the first barrier came unaligned (an upstream
        // switched), so the handler never aligned and publishes no switch.
        const open = this.open.get(observation.task);
        if (observation.unaligned && open !== undefined && open.checkpointId <= observation.checkpointId) this.open.delete(observation.task);
        return;
      }
      case 'aborted-checkpoint-skipped': {
        // The same, for a checkpoint the task had heard was aborted: the handler triggered it on
        // its first (unaligned) barrier, and the task sent its cancellation marker instead of a
        // snapshot. Nothing is blocked; the handler only collects the remaining barriers.
        const open = this.open.get(observation.task);
        if (open !== undefined && open.checkpointId <= observation.checkpointId) this.open.delete(observation.task);
        return;
      }
      case 'task-failed':
      case 'task-canceled':
      case 'task-finished':
      case 'task-deployed':
        this.open.delete(observation.task);
        return;
      case 'fault-injected':
        if (observation.kind === 'crash-executor') this.open.clear();
        if (observation.kind === 'slow-task') this.slowed = true;
        return;
      default:
        return;
    }
  }

  /** At the end of the run: an alignment still open past its bound. */
  finish(endUs: number): void {
    if (this.timeoutUs > 0) this.checkOpen(endUs);
  }

  private checkOpen(nowUs: number): void {
    if (this.violation.found) return;
    const boundUs = this.latencyBoundUs;
    for (const [task, open] of this.open) {
      if (nowUs <= open.deadlineUs + boundUs) continue;
      this.violation.report(
        `${task} still aligns checkpoint ${open.checkpointId} at ${formatTime(nowUs)}, past its aligned-checkpoint timeout of ${this.timeoutUs} us from the trigger (deadline ${formatTime(open.deadlineUs)}, timer latency bound ${boundUs} us) without switching to unaligned`,
        open.deadlineUs + boundUs,
        { task, checkpointId: open.checkpointId, alignmentStartedUs: open.startedUs, deadlineUs: open.deadlineUs, latencyBoundUs: boundUs, alignedCheckpointTimeoutUs: this.timeoutUs },
      );
      return;
    }
  }
}
