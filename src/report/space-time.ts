import type { Observation } from '../cluster/observations.js';
import type { FiredFault } from '../faults/nemesis.js';
import { operationKinds } from '../faults/plan.js';
import type { CapturedBuffer, CapturedRpc } from '../net/index.js';
import type { TraceEvent } from '../sim/index.js';

/**
 * What a space-time diagram draws, in columns: one lane per JobMaster, executor and task; marks
 * (things that happened on one lane) and messages (arrows from a sender's lane at its sending
 * time to a receiver's lane at its arrival). Typed arrays keep a million-event trace compact in
 * memory and in the HTML file (base64), and let the page bin them without allocating per event.
 */
export interface SpaceTimeData {
  readonly lanes: readonly string[];
  /** Category names, indexed by the `category` columns. */
  readonly categories: readonly string[];
  /** Label strings, indexed by the `label` columns (deduplicated). */
  readonly labels: readonly string[];
  readonly marks: { readonly timeUs: Float64Array; readonly lane: Uint16Array; readonly category: Uint8Array; readonly label: Uint32Array };
  readonly messages: {
    readonly sentUs: Float64Array;
    readonly arrivedUs: Float64Array;
    readonly from: Uint16Array;
    readonly to: Uint16Array;
    readonly category: Uint8Array;
    readonly label: Uint32Array;
    /** 1 when the receiver had crashed or restarted since it was sent: the message was lost. */
    readonly lost: Uint8Array;
  };
  readonly startUs: number;
  readonly endUs: number;
  /** Where the reader should look first (the violation), if anywhere. */
  readonly focusUs: number | undefined;
  /** Events of the whole run, and whether the diagram holds only a window of them. */
  readonly totalEvents: number;
  readonly windowed: boolean;
}

/** Categories, in drawing order (later ones on top); the page colours and filters by them. */
export const spaceTimeCategories = ['other', 'rpc', 'records', 'task', 'transaction', 'checkpoint', 'ack', 'barrier', 'fault', 'operation'] as const;
type Category = (typeof spaceTimeCategories)[number];
const categoryIndex = new Map<string, number>(spaceTimeCategories.map((name, index) => [name, index]));

/** Options of {@link buildSpaceTime}. */
export interface SpaceTimeOptions {
  /** Keep at most this many marks plus messages: a window of the run around `focusUs` (or its end). */
  readonly maxItems?: number;
  readonly focusUs?: number;
}

/** The default cap of a diagram embedded in a sweep report (a single-case report keeps everything). */
export const sweepDiagramItems = 150_000;

/**
 * Builds a space-time diagram from a case run with trace capture on: the captured events (RPC
 * and buffer deliveries carry what they were), the observations the runtime published, and the
 * faults the nemesis fired.
 */
export function buildSpaceTime(
  events: readonly TraceEvent[],
  observations: readonly Observation[],
  faults: readonly FiredFault[],
  options: SpaceTimeOptions = {},
): SpaceTimeData {
  const builder = new Builder();
  builder.lane('jobmaster');
  for (const observation of observations) {
    if (observation.type === 'task-deployed') builder.lane(observation.executor);
  }
  for (const observation of observations) {
    if (observation.type === 'task-deployed') builder.lane(observation.task);
  }
  for (const event of events) builder.event(event);
  for (const observation of observations) builder.observation(observation);
  for (const fault of faults) {
    // An operation of the plan (savepoint, stop, cancel) is drawn as what a user did, not as a fault; its answer comes from the observations.
    if ((operationKinds as readonly string[]).includes(fault.kind)) {
      builder.mark(fault.firedAtUs, 'jobmaster', 'operation', `operation #${fault.index} ${fault.kind} requested${fault.applied ? '' : ' (not carried out)'}`);
      continue;
    }
    builder.mark(fault.firedAtUs, 'jobmaster', 'fault', `fault #${fault.index} ${fault.kind} fired${fault.applied ? '' : ' (no target)'}`);
    if (fault.healedAtUs > fault.firedAtUs) builder.mark(fault.healedAtUs, 'jobmaster', 'fault', `fault #${fault.index} ${fault.kind} healed`);
  }
  const endUs = Math.max(events.at(-1)?.timeUs ?? 0, observations.at(-1)?.timeUs ?? 0);
  return builder.finish(endUs, events.length, options);
}

interface Item {
  timeUs: number;
  arrivedUs: number;
  from: number;
  to: number;
  category: number;
  label: number;
  lost: boolean;
  message: boolean;
}

/** Strings numbered in order of first use. */
class Interned {
  readonly values: string[] = [];
  private readonly numbers = new Map<string, number>();

  index(text: string): number {
    let number = this.numbers.get(text);
    if (number === undefined) {
      number = this.values.length;
      this.values.push(text);
      this.numbers.set(text, number);
    }
    return number;
  }
}

class Builder {
  private readonly lanes = new Interned();
  private readonly labels = new Interned();
  private readonly items: Item[] = [];

  lane(name: string): number {
    return this.lanes.index(name);
  }

  private label(text: string): number {
    return this.labels.index(text);
  }

  mark(timeUs: number, lane: string, category: Category, label: string): void {
    const laneNumber = this.lane(lane);
    this.items.push({ timeUs, arrivedUs: timeUs, from: laneNumber, to: laneNumber, category: categoryIndex.get(category) ?? 0, label: this.label(label), lost: false, message: false });
  }

  message(sentUs: number, arrivedUs: number, from: string, to: string, category: Category, label: string, lost: boolean): void {
    this.items.push({
      timeUs: sentUs,
      arrivedUs,
      from: this.lane(from),
      to: this.lane(to),
      category: categoryIndex.get(category) ?? 0,
      label: this.label(lost ? `${label} (lost: receiver restarted)` : label),
      lost,
      message: true,
    });
  }

  event(event: TraceEvent): void {
    const payload = event.payload as { readonly message?: unknown } | undefined;
    if (payload?.message === 'rpc') {
      const rpc = payload as CapturedRpc;
      const fromTask = rpc.task !== undefined && rpc.target === 'jobmaster';
      const toTask = rpc.task !== undefined && rpc.source === 'jobmaster' && rpc.method !== 'submitTask' && rpc.method !== 'cancelTask';
      const from = fromTask ? (rpc.task as string) : rpc.source;
      const to = toTask ? (rpc.task as string) : rpc.target;
      const what = `${rpc.method}${rpc.checkpointId === undefined ? '' : ` ${rpc.checkpointId}`}${rpc.task === undefined || fromTask || toTask ? '' : ` (${rpc.task})`}`;
      this.message(rpc.sentUs, event.timeUs, from, to, rpcCategory(rpc.method), what, event.dropped);
      return;
    }
    if (payload?.message === 'buffer') {
      const captured = payload as CapturedBuffer<{ isEvent: boolean; priority: boolean; kind?: string; records?: readonly unknown[]; barrier?: { checkpointId: number }; checkpointId?: number }>;
      const arrow = captured.channel.indexOf('->');
      const from = captured.channel.slice(0, arrow);
      const to = captured.channel.slice(arrow + 2);
      const buffer = captured.buffer;
      let category: Category = 'other';
      let label: string;
      switch (buffer.kind) {
        case 'records':
          category = 'records';
          label = `${buffer.records?.length ?? 0} record(s)`;
          break;
        case 'barrier':
          category = 'barrier';
          label = `barrier ${buffer.barrier?.checkpointId ?? '?'}${buffer.priority ? ' (priority)' : ''}`;
          break;
        case 'cancel-marker':
          category = 'barrier';
          label = `cancel marker ${buffer.checkpointId ?? '?'}`;
          break;
        default:
          category = 'task';
          label = buffer.kind ?? 'event';
      }
      this.message(captured.sentUs, event.timeUs, from, to, category, label, event.dropped);
      return;
    }
    if (event.kind === 'node.crash' || event.kind === 'node.restart') {
      this.mark(event.timeUs, event.node, 'fault', `${event.node} ${event.kind === 'node.crash' ? 'crashed' : 'restarted'}`);
      return;
    }
    if (event.kind === 'nemesis.fire' || event.kind === 'nemesis.heal') return; // drawn from the fired faults
    this.mark(event.timeUs, event.node === '' ? 'jobmaster' : event.node, 'other', event.dropped ? `${event.kind} (dropped: node restarted)` : event.kind);
  }

  observation(observation: Observation): void {
    const t = observation.timeUs;
    switch (observation.type) {
      case 'checkpoint-triggered':
        this.mark(t, 'jobmaster', 'checkpoint', `${observation.checkpointType} ${observation.checkpointId} triggered, awaiting ${observation.tasksToWaitFor.length} task(s)`);
        return;
      case 'checkpoint-completed':
        this.mark(t, 'jobmaster', 'checkpoint', `${observation.checkpointType} ${observation.checkpointId} completed`);
        return;
      case 'checkpoint-aborted':
        this.mark(t, 'jobmaster', 'checkpoint', `${observation.checkpointType} ${observation.checkpointId} aborted: ${observation.reason}`);
        return;
      case 'checkpoint-trigger-failed':
        this.mark(t, 'jobmaster', 'checkpoint', `${observation.checkpointType} trigger failed: ${observation.reason}`);
        return;
      case 'checkpoint-acknowledged':
        this.mark(t, 'jobmaster', 'ack', `ack ${observation.checkpointId} from ${observation.task}: ${observation.result}`);
        return;
      case 'checkpoint-declined':
        this.mark(t, 'jobmaster', 'ack', `decline ${observation.checkpointId} from ${observation.task}: ${observation.reason}`);
        return;
      case 'barrier-received':
        this.mark(t, observation.task, 'barrier', `barrier ${observation.checkpointId} on ${observation.channel}`);
        return;
      case 'cancellation-marker-received':
        this.mark(t, observation.task, 'barrier', `cancel marker ${observation.checkpointId} on ${observation.channel}`);
        return;
      case 'alignment-completed':
        this.mark(t, observation.task, 'barrier', `aligned ${observation.checkpointId}${observation.unaligned ? ' (unaligned)' : ''} after ${observation.alignmentDurationUs} us`);
        return;
      case 'alignment-switched-to-unaligned':
        this.mark(t, observation.task, 'barrier', `${observation.checkpointId} switched to unaligned`);
        return;
      case 'snapshot-taken':
        this.mark(t, observation.task, 'barrier', `snapshot ${observation.checkpointId}${observation.unaligned ? ' (unaligned)' : ''}`);
        return;
      case 'snapshot-uploaded':
        this.mark(t, observation.task, 'ack', `snapshot ${observation.checkpointId} uploaded`);
        return;
      case 'task-deployed':
        this.mark(t, observation.task, 'task', `attempt ${observation.attempt} deployed on ${observation.executor}`);
        return;
      case 'task-running':
        this.mark(t, observation.task, 'task', `attempt ${observation.attempt} running`);
        return;
      case 'task-restored':
        this.mark(t, observation.task, 'task', `attempt ${observation.attempt} restored from checkpoint ${observation.checkpointId}`);
        return;
      case 'task-finished':
        this.mark(t, observation.task, 'task', `attempt ${observation.attempt} finished`);
        return;
      case 'task-canceled':
        this.mark(t, observation.task, 'task', `attempt ${observation.attempt} canceled`);
        return;
      case 'task-failed':
        this.mark(t, observation.task, 'fault', `attempt ${observation.attempt} failed: ${observation.cause}`);
        return;
      case 'failover':
        this.mark(t, 'jobmaster', 'fault', `${observation.scope} failover of ${observation.tasks.length} task(s) to ${observation.restoreCheckpointId === undefined ? 'no checkpoint' : `checkpoint ${observation.restoreCheckpointId}`}: ${observation.cause}`);
        return;
      case 'executor-lost':
        this.mark(t, observation.executor, 'fault', `executor lost: ${observation.cause}`);
        return;
      case 'jobmaster-started':
        // A new leader is the recovery, not a fault: the crash that caused it has its own mark.
        this.mark(t, 'jobmaster', 'task', `JobMaster started, leader epoch ${observation.leaderEpoch}`);
        return;
      case 'job-status':
        this.mark(t, 'jobmaster', 'task', `job ${observation.status}${observation.cause === undefined ? '' : `: ${observation.cause}`}`);
        return;
      case 'transaction-pre-committed':
        this.mark(t, observation.task, 'transaction', `pre-commit ${observation.transactionId} for ${observation.checkpointId}`);
        return;
      case 'transaction-committed':
        this.mark(t, observation.task, 'transaction', `commit ${observation.transactionId} (${observation.records} records)${observation.alreadyCommitted ? ' again' : ''}`);
        return;
      case 'transaction-aborted':
        this.mark(t, observation.task, 'transaction', `abort ${observation.transactionId}: ${observation.cause}`);
        return;
      case 'job-operation-answered':
        this.mark(t, 'jobmaster', 'operation', `${observation.operation} ${observation.ok ? `succeeded${observation.checkpointId === undefined ? '' : ` (${observation.checkpointId})`}` : `failed: ${observation.reason ?? 'no reason'}`}`);
        return;
      case 'source-records-emitted':
        this.mark(t, observation.task, 'records', `emitted ${observation.count} from partition ${observation.partition} offset ${observation.fromOffset}`);
        return;
      default:
        return;
    }
  }

  finish(endUs: number, totalEvents: number, options: SpaceTimeOptions): SpaceTimeData {
    // Stable sort by time: the trace is in time order already; observations interleave.
    const items = this.items.map((item, order) => ({ item, order }));
    items.sort((left, right) => left.item.timeUs - right.item.timeUs || left.order - right.order);
    let kept = items.map(({ item }) => item);
    const maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
    let windowed = false;
    if (kept.length > maxItems) {
      windowed = true;
      const focusUs = options.focusUs ?? endUs;
      let focusIndex = kept.findIndex((item) => item.timeUs > focusUs);
      if (focusIndex < 0) focusIndex = kept.length;
      // Mostly what led up to the focus, some of what followed.
      const after = Math.min(kept.length - focusIndex, Math.floor(maxItems / 5));
      const end = focusIndex + after;
      kept = kept.slice(Math.max(0, end - maxItems), end);
    }
    const marks = kept.filter((item) => !item.message);
    const messages = kept.filter((item) => item.message);
    return {
      lanes: this.lanes.values,
      categories: spaceTimeCategories,
      labels: this.labels.values,
      marks: {
        timeUs: Float64Array.from(marks, (item) => item.timeUs),
        lane: Uint16Array.from(marks, (item) => item.from),
        category: Uint8Array.from(marks, (item) => item.category),
        label: Uint32Array.from(marks, (item) => item.label),
      },
      messages: {
        sentUs: Float64Array.from(messages, (item) => item.timeUs),
        arrivedUs: Float64Array.from(messages, (item) => item.arrivedUs),
        from: Uint16Array.from(messages, (item) => item.from),
        to: Uint16Array.from(messages, (item) => item.to),
        category: Uint8Array.from(messages, (item) => item.category),
        label: Uint32Array.from(messages, (item) => item.label),
        lost: Uint8Array.from(messages, (item) => (item.lost ? 1 : 0)),
      },
      startUs: kept[0]?.timeUs ?? 0,
      endUs: windowed ? Math.max(...kept.slice(-1).map((item) => item.arrivedUs), kept.at(-1)?.timeUs ?? 0) : endUs,
      focusUs: options.focusUs,
      totalEvents,
      windowed,
    };
  }
}

function rpcCategory(method: string): Category {
  if (/^(acknowledgeCheckpoint|declineCheckpoint)$/.test(method)) return 'ack';
  if (/checkpoint|trigger|notify/i.test(method)) return 'checkpoint';
  return 'rpc';
}

/** The diagram as JSON-safe data: typed arrays as base64 strings of their little-endian bytes. */
export function encodeSpaceTime(data: SpaceTimeData): Record<string, unknown> {
  const encode = (array: ArrayBufferView): string => Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
  return {
    lanes: data.lanes,
    categories: data.categories,
    labels: data.labels,
    marks: Object.fromEntries(Object.entries(data.marks).map(([name, column]) => [name, encode(column)])),
    messages: Object.fromEntries(Object.entries(data.messages).map(([name, column]) => [name, encode(column)])),
    markCount: data.marks.timeUs.length,
    messageCount: data.messages.sentUs.length,
    startUs: data.startUs,
    endUs: data.endUs,
    focusUs: data.focusUs ?? null,
    totalEvents: data.totalEvents,
    windowed: data.windowed,
  };
}
