import type { Observation } from '../../cluster/observations.js';
import { formatTime, type FirstViolation } from './checker.js';

/**
 * A job stopped with a savepoint ends at that savepoint's cut (Flink 1.20: a source task that
 * took the stop's synchronous savepoint emits nothing more, its mailbox waits for the savepoint's
 * outcome; with drain it ended its input before the barrier). So when a stop-with-savepoint's
 * synchronous savepoint completes, no source task attempt that took it emitted a record after
 * taking it, before or after the completion.
 *
 * Judged only for a synchronous savepoint that completed: one given up (aborted, or subsumed by a
 * newer periodic checkpoint) lets the sources resume, as in Flink. A new attempt of the task
 * (task-deployed) starts afresh. Memory: one entry per source task.
 */
export class StopSavepointCutRule {
  /** Synchronous savepoints triggered and not yet ended (a few at most). */
  private readonly syncSavepoints = new Set<number>();
  /** Completed synchronous savepoints' ids, the latest few. */
  private readonly completed = new Set<number>();
  /** Per source task attempt: the synchronous savepoint it took, and its first emission after. */
  private readonly suspended = new Map<string, { checkpointId: number; takenUs: number; emitted: { timeUs: number; partition: number; fromOffset: number; count: number } | undefined }>();

  constructor(private readonly violation: FirstViolation) {}

  observe(observation: Observation): void {
    switch (observation.type) {
      case 'checkpoint-triggered':
        if (observation.checkpointType === 'sync-savepoint') this.syncSavepoints.add(observation.checkpointId);
        return;
      case 'snapshot-taken':
        if (this.syncSavepoints.has(observation.checkpointId) || this.completed.has(observation.checkpointId)) {
          this.suspended.set(observation.task, { checkpointId: observation.checkpointId, takenUs: observation.timeUs, emitted: undefined });
        }
        return;
      case 'source-records-emitted': {
        const entry = this.suspended.get(observation.task);
        if (entry === undefined || observation.count === 0) return;
        const emitted = { timeUs: observation.timeUs, partition: observation.partition, fromOffset: observation.fromOffset, count: observation.count };
        if (this.completed.has(entry.checkpointId)) this.report(observation.task, entry.checkpointId, entry.takenUs, emitted);
        else entry.emitted ??= emitted;
        return;
      }
      case 'checkpoint-completed': {
        if (!this.syncSavepoints.delete(observation.checkpointId)) return;
        this.completed.add(observation.checkpointId);
        if (this.completed.size > 8) this.completed.delete(this.completed.values().next().value as number);
        for (const [task, entry] of this.suspended) {
          if (entry.checkpointId === observation.checkpointId && entry.emitted !== undefined) this.report(task, entry.checkpointId, entry.takenUs, entry.emitted);
        }
        return;
      }
      case 'checkpoint-aborted':
        this.syncSavepoints.delete(observation.checkpointId);
        for (const [task, entry] of this.suspended) if (entry.checkpointId === observation.checkpointId) this.suspended.delete(task);
        return;
      case 'task-deployed':
        this.suspended.delete(observation.task);
        return;
      default:
        return;
    }
  }

  private report(task: string, checkpointId: number, takenUs: number, emitted: { timeUs: number; partition: number; fromOffset: number; count: number }): void {
    this.violation.report(
      `${task} emitted ${emitted.count} record(s) of partition ${emitted.partition} from offset ${emitted.fromOffset} at ${formatTime(emitted.timeUs)}, after taking the stop-with-savepoint savepoint ${checkpointId} at ${formatTime(takenUs)}, which completed: the stopped job went past its savepoint`,
      emitted.timeUs,
      { task, checkpointId, savepointTakenUs: takenUs, ...emitted },
    );
  }
}
