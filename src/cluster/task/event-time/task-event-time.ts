import { bugOn } from '../../planted-bugs.js';
import type { CheckpointOptions } from '../../checkpoint/types.js';
import { defaultAutoWatermarkIntervalUs, maxWatermark, type WatermarkStrategy } from '../../jobgraph/event-time.js';
import type { StreamRecord } from '../../jobgraph/records.js';
import type { NetworkBuffer } from '../buffers.js';
import type { StreamOperator } from '../operator.js';
import { SourceWatermarks, type SourcePartitionExtent } from './source-watermarks.js';
import { StatusWatermarkValve, type ValveOutput, type WatermarkStatus } from './status-watermark-valve.js';

/** What event time needs from its StreamTask. */
export interface EventTimeHost {
  readonly plantedBugs: readonly string[];
  /** Input channels of the task (the valve's width). */
  readonly channelCount: number;
  /** The task's operator, once open (undefined for a source). */
  operator(): StreamOperator | undefined;
  /** Runs `action` as a mailbox letter after `delayUs` of virtual time, unless the task ended. */
  scheduleTimer(delayUs: number, action: () => void): void;
  /** Sends an event on every output channel after the records already buffered for it (a priority event jumps the queue). */
  broadcastEvent(event: NetworkBuffer): void;
}

/** A watermark on a data channel. */
export function watermarkEvent(timestamp: number): NetworkBuffer {
  return { kind: 'watermark', isEvent: true, priority: false, timestamp };
}

/** Planted bug max-watermark-overtakes-buffered-records: a watermark sent as a priority event, ahead of queued buffers. */
function overtakingWatermarkEvent(timestamp: number): NetworkBuffer {
  return { kind: 'watermark', isEvent: true, priority: true, timestamp };
}

/** A watermark status on a data channel. */
export function watermarkStatusEvent(status: WatermarkStatus): NetworkBuffer {
  return { kind: 'watermark-status', isEvent: true, priority: false, status };
}

/**
 * Whether a checkpoint's barrier makes a source stop with drain: only a synchronous savepoint
 * (stop-with-savepoint) may, as Flink's source tasks take the stop path only for a synchronous
 * SavepointType and drain only when it says shouldDrain (a plain savepoint or checkpoint never
 * advances event time).
 */
export function drainsAtBarrier(options: CheckpointOptions): boolean {
  return options.drain === true && options.type === 'sync-savepoint';
}

/**
 * Event time in one StreamTask. At a source: per-partition watermark generators, the current
 * watermark emitted periodically (only when it advanced), idleness for a subtask with nothing
 * to read, and MAX_WATERMARK when the input ends (Flink's advanceToEndOfEventTime, on end of
 * input and on stop-with-savepoint --drain). At any other task: a StatusWatermarkValve over the
 * input channels, whose output the operator processes (firing its timers) before it goes
 * downstream, as Flink's AbstractStreamOperator.processWatermark does. Watermarks are ordinary
 * in-band events: they keep their place among records and barriers on every channel.
 *
 * Created for every task but inert unless the job has event time: a task with no watermark
 * strategy and no watermark arriving sends nothing, so jobs without event time run as before.
 */
export class TaskEventTime implements ValveOutput {
  private valve: StatusWatermarkValve | undefined;
  private source: SourceWatermarks | undefined;
  private strategy: WatermarkStrategy | undefined;
  private lastEmittedWatermark: number | undefined;
  private announcedStatus: WatermarkStatus = 'active';
  private tickScheduled = false;
  private ended = false;

  constructor(private readonly host: EventTimeHost) {}

  // ---- at a source ------------------------------------------------------------------------

  /**
   * The source opened with `strategy` over `partitions` (restored at `offsets`): a legacy subtask
   * with nothing to read announces itself idle at once; a FLIP-27 reader (`assignedSplits`) gets
   * its further partitions through {@link addSourcePartitions} and is never idle for want of one.
   */
  openSource(strategy: WatermarkStrategy | undefined, partitions: readonly SourcePartitionExtent[], offsets: Readonly<Record<string, number>> | undefined, assignedSplits = false): void {
    if (strategy === undefined) return;
    this.strategy = strategy;
    this.source = new SourceWatermarks(strategy, partitions, offsets, assignedSplits);
    if (this.source.idle) this.emitWatermarkStatus('idle');
  }

  /** Splits the enumerator assigned to a FLIP-27 reader: their partitions get generators of their own. */
  addSourcePartitions(partitions: readonly SourcePartitionExtent[], offsets: Readonly<Record<string, number>>): void {
    this.source?.addPartitions(partitions, offsets);
  }

  /** Records the source emitted; the periodic emitter is armed when they may have moved the watermark. */
  onSourceRecords(records: readonly StreamRecord[]): void {
    const source = this.source;
    if (source === undefined || this.ended) return;
    for (const record of records) source.onRecord(record);
    if (this.tickScheduled) return;
    this.tickScheduled = true;
    // Flink emits on a fixed period; a period in which nothing was read emits nothing, so the
    // timer is only armed after a read (a suspended or finished source schedules no events).
    this.host.scheduleTimer(this.strategy?.autoWatermarkIntervalUs ?? defaultAutoWatermarkIntervalUs, () => {
      this.tickScheduled = false;
      if (this.ended || this.source === undefined) return;
      this.emitWatermark(this.source.currentWatermark());
    });
  }

  /**
   * Flink's advanceToEndOfEventTime at a source whose input ends (end of input, or the drain of
   * a stop-with-savepoint): MAX_WATERMARK goes out after every record emitted, so every
   * event-time timer downstream fires before end of data and before the savepoint's barrier.
   */
  advanceToEndOfEventTime(): void {
    if (this.source === undefined || this.ended) return;
    this.ended = true;
    // Planted bug source-omits-max-watermark-at-end: the input ends without MAX_WATERMARK (FLINK-18820).
    if (bugOn(this.host.plantedBugs, 'source-omits-max-watermark-at-end')) return;
    this.emitWatermark(maxWatermark);
  }

  /** A subtask finished in the restored snapshot ends again at once: its consumers still get the end of event time. */
  finishedOnRestore(strategy: WatermarkStrategy | undefined): void {
    if (strategy === undefined) return;
    this.ended = true;
    this.host.broadcastEvent(watermarkEvent(maxWatermark));
  }

  // ---- at a consumer ------------------------------------------------------------------------

  /** A watermark arrived on input channel `channel`. */
  inputWatermark(channel: number, timestamp: number): void {
    this.inputValve().inputWatermark(timestamp, channel, this);
  }

  /** A watermark status arrived on input channel `channel`. */
  inputWatermarkStatus(channel: number, status: WatermarkStatus): void {
    this.inputValve().inputWatermarkStatus(status, channel, this);
  }

  /** The task's current input watermark (the valve's output), undefined before any arrived. */
  get currentInputWatermark(): number | undefined {
    return this.valve?.currentWatermark;
  }

  // ---- ValveOutput: what goes downstream ------------------------------------------------------

  /** The operator fires its timers first, then the watermark follows their output downstream. */
  emitWatermark(timestamp: number): void {
    if (this.lastEmittedWatermark !== undefined && timestamp <= this.lastEmittedWatermark) return;
    this.host.operator()?.processWatermark?.(timestamp);
    this.lastEmittedWatermark = timestamp;
    // Flink's RecordWriterOutput drops watermarks while the output is idle.
    if (this.announcedStatus === 'idle') return;
    // Planted bug max-watermark-overtakes-buffered-records: MAX_WATERMARK jumps ahead of the
    // source's records still queued for the network, so they reach the windows late (FLINK-14239).
    const overtakes = timestamp === maxWatermark && this.source !== undefined && bugOn(this.host.plantedBugs, 'max-watermark-overtakes-buffered-records');
    this.host.broadcastEvent(overtakes ? overtakingWatermarkEvent(timestamp) : watermarkEvent(timestamp));
  }

  emitWatermarkStatus(status: WatermarkStatus): void {
    if (status === this.announcedStatus) return;
    this.announcedStatus = status;
    this.host.broadcastEvent(watermarkStatusEvent(status));
  }

  private inputValve(): StatusWatermarkValve {
    if (this.valve === undefined) this.valve = new StatusWatermarkValve(this.host.channelCount, this.host.plantedBugs);
    return this.valve;
  }
}
