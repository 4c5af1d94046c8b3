import type { Observation } from '../cluster/observations.js';

/** One checkpoint of a case, from its trigger to its completion or abort. */
export interface CheckpointSpan {
  readonly id: number;
  /** 'checkpoint', 'savepoint' or 'sync-savepoint'. */
  readonly type: string;
  readonly triggerUs: number;
  /** When it completed or was aborted; absent while it was still pending at the end of the run. */
  readonly endUs?: number;
  readonly outcome: 'completed' | 'aborted' | 'pending';
  /** Flink's CheckpointFailureReason of an abort. */
  readonly reason?: string;
  /** Tasks the coordinator waited for (finished tasks are pre-acknowledged and not counted). */
  readonly awaited: number;
  /** When each task acknowledgement the coordinator accepted arrived, as microseconds after the trigger, in arrival order. */
  readonly ackOffsetsUs: readonly number[];
  /** Tasks that declined it. */
  readonly declined: number;
}

/** Something that happened to the job around its checkpoints: a failover, a lost executor, a new leader. */
export interface TimelineIncident {
  readonly timeUs: number;
  readonly kind: 'failover' | 'executor-lost' | 'jobmaster-started' | 'task-failed' | 'trigger-failed' | 'job-status';
  readonly label: string;
  /** Set when the same incident repeated back to back (a trigger failing at every interval): how often, until when. */
  readonly repeats?: number;
  readonly lastUs?: number;
}

/** A case's checkpoint history, small enough to keep for every case of a sweep. */
export interface CaseTimeline {
  readonly checkpoints: readonly CheckpointSpan[];
  readonly incidents: readonly TimelineIncident[];
  readonly endUs: number;
  /** Checkpoints left out of the middle of a long run (the first and last ones are kept). */
  readonly omittedCheckpoints?: number;
}

/** At most this many incidents of one case are kept (a crash loop would otherwise make thousands). */
const maxIncidents = 200;
/** By default at most this many checkpoints of one case are kept: the first ones and the last ones. */
const defaultMaxCheckpoints = 400;

interface OpenSpan {
  id: number;
  type: string;
  triggerUs: number;
  endUs: number | undefined;
  outcome: CheckpointSpan['outcome'];
  reason: string | undefined;
  awaited: number;
  ackUs: number[];
  declined: number;
}

/** Collects a {@link CaseTimeline} from a case's observations; subscribe `observe` before the job starts. */
export class CaseTimelineCollector {
  private readonly spans: OpenSpan[] = [];
  private readonly byId = new Map<number, OpenSpan>();
  private readonly incidents: Array<{ timeUs: number; kind: TimelineIncident['kind']; label: string; repeats: number; lastUs: number }> = [];
  private lastUs = 0;

  /** `maxCheckpoints`: keep at most this many (half from the start, half from the end); unbounded for a single-case report. */
  constructor(private readonly maxCheckpoints: number = defaultMaxCheckpoints) {}

  readonly observe = (observation: Observation): void => {
    this.lastUs = observation.timeUs;
    switch (observation.type) {
      case 'checkpoint-triggered': {
        const span: OpenSpan = {
          id: observation.checkpointId,
          type: observation.checkpointType,
          triggerUs: observation.timeUs,
          endUs: undefined,
          outcome: 'pending',
          reason: undefined,
          awaited: observation.tasksToWaitFor.length,
          ackUs: [],
          declined: 0,
        };
        this.spans.push(span);
        this.byId.set(span.id, span);
        return;
      }
      case 'checkpoint-acknowledged': {
        const span = this.byId.get(observation.checkpointId);
        if (span !== undefined && observation.result === 'SUCCESS') span.ackUs.push(observation.timeUs - span.triggerUs);
        return;
      }
      case 'checkpoint-declined': {
        const span = this.byId.get(observation.checkpointId);
        if (span !== undefined) span.declined++;
        return;
      }
      case 'checkpoint-completed':
      case 'checkpoint-aborted': {
        const span = this.byId.get(observation.checkpointId);
        if (span === undefined || span.outcome !== 'pending') return;
        span.endUs = observation.timeUs;
        span.outcome = observation.type === 'checkpoint-completed' ? 'completed' : 'aborted';
        if (observation.type === 'checkpoint-aborted') span.reason = observation.reason;
        return;
      }
      case 'checkpoint-trigger-failed':
        this.incident(observation.timeUs, 'trigger-failed', `${observation.checkpointType} not triggered: ${observation.reason}`);
        return;
      case 'failover':
        this.incident(
          observation.timeUs,
          'failover',
          `${observation.scope} failover of ${observation.tasks.length} task(s), restore ${observation.restoreCheckpointId === undefined ? 'from scratch' : `checkpoint ${observation.restoreCheckpointId}`}: ${observation.cause}`,
        );
        return;
      case 'executor-lost':
        this.incident(observation.timeUs, 'executor-lost', `${observation.executor} lost: ${observation.cause}`);
        return;
      case 'jobmaster-started':
        this.incident(observation.timeUs, 'jobmaster-started', `JobMaster leader epoch ${observation.leaderEpoch} started`);
        return;
      case 'task-failed':
        this.incident(observation.timeUs, 'task-failed', `${observation.task} attempt ${observation.attempt} failed: ${observation.cause}`);
        return;
      case 'job-status':
        if (observation.status === 'FINISHED' || observation.status === 'FAILED' || observation.status === 'CANCELED' || observation.status === 'SUSPENDED') {
          this.incident(observation.timeUs, 'job-status', `job ${observation.status}`);
        }
        return;
      default:
        return;
    }
  };

  private incident(timeUs: number, kind: TimelineIncident['kind'], label: string): void {
    const previous = this.incidents.at(-1);
    if (previous !== undefined && previous.kind === kind && previous.label === label) {
      previous.repeats++;
      previous.lastUs = timeUs;
      return;
    }
    if (this.incidents.length < maxIncidents) this.incidents.push({ timeUs, kind, label, repeats: 1, lastUs: timeUs });
  }

  /** The timeline so far; `endUs` is the run's end if given, else the last observation's time. */
  timeline(endUs?: number): CaseTimeline {
    const half = Math.floor(this.maxCheckpoints / 2);
    const kept = this.spans.length <= this.maxCheckpoints ? this.spans : [...this.spans.slice(0, half), ...this.spans.slice(-half)];
    return {
      checkpoints: kept.map((span) => ({
        id: span.id,
        type: span.type,
        triggerUs: span.triggerUs,
        ...(span.endUs === undefined ? {} : { endUs: span.endUs }),
        outcome: span.outcome,
        ...(span.reason === undefined ? {} : { reason: span.reason }),
        awaited: span.awaited,
        ackOffsetsUs: span.ackUs,
        declined: span.declined,
      })),
      incidents: this.incidents.map(({ timeUs, kind, label, repeats, lastUs }) => ({ timeUs, kind, label, ...(repeats > 1 ? { repeats, lastUs } : {}) })),
      endUs: endUs ?? this.lastUs,
      ...(kept.length < this.spans.length ? { omittedCheckpoints: this.spans.length - kept.length } : {}),
    };
  }
}
