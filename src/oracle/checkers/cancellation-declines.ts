import type { Observation } from '../../cluster/observations.js';
import { formatTime, type FirstViolation } from './checker.js';

/** The cancellation barriers one task's latest attempt has processed, as far as this rule needs them. */
interface MarkerView {
  readonly attempt: number;
  /** The highest checkpoint id of a cancellation barrier processed (none yet: -Infinity). */
  highestMarkerId: number;
}

/**
 * A task declines a checkpoint with CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER only for a
 * checkpoint a cancellation barrier it processed cancels: in Flink 1.20 the aligning handler
 * (SingleCheckpointBarrierHandler.processCancellationBarrier) aborts only the marker's own
 * checkpoint, when it is newer than the one in progress or is the one being aligned, and ignores
 * a marker of an older checkpoint; the tracker (CheckpointBarrierTracker) aborts the marker's
 * checkpoint and the pending ones older than it. So the declined id is never above the highest
 * marker id the attempt processed. A decline above it is a newer checkpoint's alignment dropped
 * for an older checkpoint's abort (FLINK-23201: the handlers reset the alignment for any aborted
 * checkpoint instead of only the one being processed), which no other property sees: the newer
 * checkpoint is merely lost, and this reason does not count towards the tolerable failures.
 *
 * Both observations come from the consuming task itself (the marker as it is processed, the
 * decline as it is sent), so the rule holds under any fault. Memory: one entry per task.
 */
export class CancellationDeclineRule {
  private readonly tasks = new Map<string, MarkerView>();

  constructor(private readonly violation: FirstViolation) {}

  observe(observation: Observation): void {
    switch (observation.type) {
      case 'task-deployed':
        this.tasks.set(observation.task, { attempt: observation.attempt, highestMarkerId: Number.NEGATIVE_INFINITY });
        return;
      case 'cancellation-marker-received': {
        // Markers are processed by the task's latest attempt (an earlier one no longer reads input).
        const view = this.tasks.get(observation.task);
        if (view !== undefined && observation.checkpointId > view.highestMarkerId) view.highestMarkerId = observation.checkpointId;
        return;
      }
      case 'checkpoint-decline-sent': {
        if (observation.reason !== 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER') return;
        const view = this.tasks.get(observation.task);
        if (view === undefined || view.attempt !== observation.attempt || observation.checkpointId <= view.highestMarkerId) return;
        const { task, attempt, checkpointId, timeUs } = observation;
        const seen = view.highestMarkerId === Number.NEGATIVE_INFINITY ? 'it had processed no cancellation barrier' : `the newest cancellation barrier it had processed was checkpoint ${view.highestMarkerId}'s`;
        this.violation.report(
          `${task} attempt ${attempt} declined checkpoint ${checkpointId} on a cancellation barrier at ${formatTime(timeUs)}, but ${seen}: a cancellation barrier aborts only its own checkpoint (and, at a barrier tracker, older pending ones), never a newer checkpoint being aligned (FLINK-23201)`,
          timeUs,
          { task, attempt, checkpointId, highestMarkerId: view.highestMarkerId },
        );
        return;
      }
      default:
        return;
    }
  }
}
