import type { Observation } from '../../cluster/observations.js';
import { formatTime, type FirstViolation } from './checker.js';

/** A channel's debt: the barrier or cancellation marker of `checkpointId`, owed before `newerId`'s barrier. */
interface Owed {
  readonly channel: string;
  readonly checkpointId: number;
  readonly newerId: number;
  readonly atUs: number;
}

/** What one input channel delivered, as its consumer saw it. */
interface ChannelView {
  /** Checkpoint ids whose barrier arrived or whose cancellation marker was processed (recent ones). */
  readonly delivered: Set<number>;
  /** The highest id of an aligned (non-priority) barrier that arrived. */
  highestAligned: number;
  /** The highest id of an unaligned (priority) barrier that arrived: it may overtake older events. */
  highestPriority: number;
}

const remembered = 32;

/** What one task, as a producer, took up: checkpoints it acted on while each was the newest it knew of. */
interface ProducerView {
  /** The newest checkpoint id the task took up. */
  newest: number;
  /** Recent checkpoint ids it took up, each newer than every one before it. */
  readonly takenUp: Set<number>;
}

/**
 * Every producer tells each consumer, on each channel, about every checkpoint it took up, in
 * order: the checkpoint's barrier, or (Flink 1.20: a task that aborted the checkpoint, declined
 * its trigger, or learnt of its abort before taking it, FLINK-18238) a CancelCheckpointMarker,
 * before the barrier of any newer checkpoint. So once a consumer knows of checkpoint N (from
 * another channel) and an aligned barrier of a newer checkpoint has arrived on channel c, the
 * consumer must still process N's marker on c (it is queued ahead of that barrier) unless N's
 * barrier arrived there. A consumer that finishes with such a debt unpaid had a producer that
 * skipped N, and its alignment of N waited for a newer barrier instead of ending.
 *
 * A producer took up N when, N being newer than anything it took up before, its barrier handler
 * started N's alignment (a barrier, an announcement, or a trigger of a task whose inputs all
 * finished), it processed N's cancellation marker, or N's trigger reached it while running. Only
 * then does Flink 1.20 owe N downstream: SingleCheckpointBarrierHandler ignores a barrier,
 * announcement or marker of a checkpoint older than its current one (processBarrier,
 * processBarrierAnnouncement, processCancellationBarrier), checkpointState ignores an out-of-order
 * trigger, Task.triggerCheckpointBarrier declines a trigger to a task not running without a
 * marker, and an abort notification alone (SubtaskCheckpointCoordinatorImpl.notifyCheckpoint)
 * only records the id, the marker going out when N's barrier or trigger comes, if ever. A
 * producer whose upstream finished before N's barrier reached it, and that is then triggered for
 * N+1 as a task whose inputs all finished, never took up N and owes nothing for it.
 *
 * Barriers are seen on arrival, markers when processed; the debt is judged when the consumer's
 * attempt finishes, by when it has processed everything it received. A producer's take-up is
 * final once it sent a newer barrier, so it is read when the debt opens. Not judged: a priority
 * (unaligned) barrier, which may overtake an older marker as in Flink; and the rest of a run once
 * a fault was injected or any task failed or was canceled (a producer that restarted, or whose
 * trigger was lost, skips checkpoints legitimately). Memory: recent ids per channel and task, and
 * the open debts.
 */
export class AbortedAlignmentRule {
  private judging = true;
  private readonly channels = new Map<string, ChannelView>();
  /** Per consumer task: recent checkpoint ids it learnt of on any channel. */
  private readonly known = new Map<string, Set<number>>();
  /** Per consumer task: open debts, keyed `channel#checkpointId`. */
  private readonly owed = new Map<string, Map<string, Owed>>();
  /** Per task, as a producer: the checkpoints it took up. */
  private readonly producers = new Map<string, ProducerView>();
  /** Tasks whose current attempt is running (a trigger reaching another is declined without a marker). */
  private readonly running = new Set<string>();

  constructor(private readonly violation: FirstViolation) {}

  observe(observation: Observation): void {
    if (!this.judging) return;
    switch (observation.type) {
      case 'fault-injected':
      case 'task-failed':
      case 'task-canceled':
      case 'failover':
        this.judging = false;
        this.channels.clear();
        this.known.clear();
        this.owed.clear();
        this.producers.clear();
        this.running.clear();
        return;
      case 'task-deployed':
        this.forget(observation.task);
        this.producers.delete(observation.task);
        this.running.delete(observation.task);
        return;
      case 'task-running':
        this.running.add(observation.task);
        return;
      case 'checkpoint-trigger-received':
        if (this.running.has(observation.task)) this.takeUp(observation.task, observation.checkpointId);
        return;
      case 'alignment-started':
        this.takeUp(observation.task, observation.checkpointId);
        return;
      case 'barrier-received': {
        const view = this.channel(observation.channel);
        if (observation.priority === true) view.highestPriority = Math.max(view.highestPriority, observation.checkpointId);
        else view.highestAligned = Math.max(view.highestAligned, observation.checkpointId);
        this.deliver(observation.task, observation.channel, observation.checkpointId, observation.timeUs);
        if (observation.priority !== true) this.oweOlder(observation.task, observation.channel, observation.checkpointId, observation.timeUs);
        return;
      }
      case 'cancellation-marker-received':
        this.takeUp(observation.task, observation.checkpointId);
        this.deliver(observation.task, observation.channel, observation.checkpointId, observation.timeUs);
        return;
      case 'task-finished': {
        const debts = this.owed.get(observation.task);
        const first = debts?.values().next().value;
        if (first !== undefined) {
          this.violation.report(
            `${observation.task} finished without the barrier or a cancellation marker of checkpoint ${first.checkpointId} on ${first.channel}, whose producer sent the barrier of checkpoint ${first.newerId} (arrived at ${formatTime(first.atUs)}) instead: it skipped checkpoint ${first.checkpointId}, so the alignment of it waited for a newer barrier`,
            observation.timeUs,
            { task: observation.task, channel: first.channel, checkpointId: first.checkpointId, newerCheckpointId: first.newerId },
          );
        }
        this.forget(observation.task);
        this.running.delete(observation.task);
        return;
      }
      default:
        return;
    }
  }

  private channel(name: string): ChannelView {
    let view = this.channels.get(name);
    if (view === undefined) this.channels.set(name, (view = { delivered: new Set(), highestAligned: 0, highestPriority: 0 }));
    return view;
  }

  /** The consumer learnt of `checkpointId` on `channel`: that channel's debt for it is paid, and channels past it now owe it. */
  private deliver(task: string, channel: string, checkpointId: number, timeUs: number): void {
    const view = this.channel(channel);
    bounded(view.delivered).add(checkpointId);
    this.owed.get(task)?.delete(`${channel}#${checkpointId}`);
    let known = this.known.get(task);
    if (known === undefined) this.known.set(task, (known = new Set()));
    if (known.has(checkpointId)) return;
    bounded(known).add(checkpointId);
    // Channels of this consumer where a newer aligned barrier already arrived owe this checkpoint.
    for (const [name, other] of this.channels) {
      if (name === channel || consumerOf(name) !== task) continue;
      if (other.highestAligned > checkpointId) this.addDebt(task, name, other, checkpointId, other.highestAligned, timeUs);
    }
  }

  /** An aligned barrier of `newerId` arrived on `channel`: the channel owes every older checkpoint its consumer knows of. */
  private oweOlder(task: string, channel: string, newerId: number, timeUs: number): void {
    const view = this.channel(channel);
    for (const checkpointId of this.known.get(task) ?? []) {
      if (checkpointId < newerId) this.addDebt(task, channel, view, checkpointId, newerId, timeUs);
    }
  }

  /** `task` acted on `checkpointId`: taken up when newer than everything it took up before. */
  private takeUp(task: string, checkpointId: number): void {
    let view = this.producers.get(task);
    if (view === undefined) this.producers.set(task, (view = { newest: 0, takenUp: new Set() }));
    if (checkpointId <= view.newest) return;
    view.newest = checkpointId;
    bounded(view.takenUp).add(checkpointId);
  }

  private addDebt(task: string, channel: string, view: ChannelView, checkpointId: number, newerId: number, atUs: number): void {
    // Delivered already, or overtaken by an unaligned barrier (the marker may come after it).
    if (view.delivered.has(checkpointId) || view.highestPriority > checkpointId) return;
    // The producer never took the checkpoint up: it owes nothing for it (Flink sends nothing).
    if (this.producers.get(producerOf(channel))?.takenUp.has(checkpointId) !== true) return;
    // Older than anything this channel delivered in order: the consumer saw it earlier, not owed now.
    if ([...view.delivered].some((id) => id > checkpointId && id < newerId)) return;
    let debts = this.owed.get(task);
    if (debts === undefined) this.owed.set(task, (debts = new Map()));
    const key = `${channel}#${checkpointId}`;
    if (!debts.has(key)) debts.set(key, { channel, checkpointId, newerId, atUs });
  }

  private forget(task: string): void {
    this.known.delete(task);
    this.owed.delete(task);
    for (const name of [...this.channels.keys()]) if (consumerOf(name) === task) this.channels.delete(name);
  }
}

function producerOf(channel: string): string {
  return channel.slice(0, channel.indexOf('->'));
}

function consumerOf(channel: string): string {
  return channel.slice(channel.indexOf('->') + 2);
}

/** Keeps a set of recent ids to its bound, dropping the oldest inserted. */
function bounded(set: Set<number>): Set<number> {
  if (set.size >= remembered) set.delete(set.values().next().value as number);
  return set;
}
