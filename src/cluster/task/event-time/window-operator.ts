import { bugOn } from '../../planted-bugs.js';
import { windowStartFor, type TumblingWindowSpec, type WindowResult } from '../../jobgraph/event-time.js';
import type { StreamRecord } from '../../jobgraph/records.js';
import type { OperatorContext, OperatorSnapshot, StreamOperator } from '../operator.js';
import { KeyedStateBackend } from '../state-backend.js';
import { EventTimeTimerService, eventTimerStateName } from './timer-service.js';

/** The keyed-state name of a window operator's window contents (Flink's WindowOperator names it so). */
export const windowContentsStateName = 'window-contents';

/** The window operator's timer service name: its timers are keyed state `_timer_state/event_window-timers`. */
export const windowTimerStateName = eventTimerStateName('window-timers');

/** One window's accumulator. */
interface WindowAccumulator {
  sum: number;
  count: number;
}

/**
 * Flink's WindowOperator with TumblingEventTimeWindows, the EventTimeTrigger and an aggregate
 * (sum and count), no allowed lateness: a record is added to its key's window and registers an
 * event-time timer at the window's last millisecond; when the watermark reaches that timer the
 * window fires once and its state is purged. A record whose window the watermark already passed
 * is late and dropped, as Flink drops it (to a side output nobody reads here).
 *
 * Window contents and timers are keyed state, so a checkpoint holds both and a restore brings
 * back exactly the windows still to fire. Records carry no timestamp field in ckptsim: the
 * operator reads the event time from the value with the spec's `timestampOf`, which is the
 * source's timestamp assigner in every built-in job (Flink reads the record's timestamp, which
 * the source's assigner set).
 */
export class WindowOperator implements StreamOperator {
  readonly stateful = true;
  private readonly backend = new KeyedStateBackend();
  private readonly timers = new EventTimeTimerService();
  private context!: OperatorContext;
  /** Records dropped as late since the operator opened (Flink's numLateRecordsDropped). */
  lateRecordsDropped = 0;

  constructor(private readonly spec: TumblingWindowSpec) {}

  open(context: OperatorContext, restored: OperatorSnapshot | undefined): void {
    this.context = context;
    const keyed = restored?.keyed;
    if (keyed === undefined) return;
    const { [windowTimerStateName]: timers, ...contents } = keyed;
    this.backend.restore(contents, (key) => context.ownsKey(key));
    // Planted bug restore-drops-event-timers: the restored timers are silently not read back (FLINK-21486).
    if (timers !== undefined && !bugOn(context.plantedBugs, 'restore-drops-event-timers')) this.timers.restore(timers, (key) => context.ownsKey(key));
  }

  processElement(record: StreamRecord): void {
    const key = record.key;
    if (key === undefined) throw new Error(`${this.context.taskName}: window operator got a record without a key`);
    const timestamp = this.spec.timestampOf(record.value);
    const windowStart = windowStartFor(timestamp, this.spec.sizeMs);
    const maxTimestamp = windowStart + this.spec.sizeMs - 1;
    if (maxTimestamp <= this.timers.currentWatermark) {
      this.lateRecordsDropped++;
      return;
    }
    this.backend.currentKey = key;
    const state = this.backend.valueState<Record<string, WindowAccumulator>>(windowContentsStateName);
    const windows = { ...(state.value() ?? {}) };
    const previous = windows[String(windowStart)];
    windows[String(windowStart)] = { sum: (previous?.sum ?? 0) + this.spec.amountOf(record.value), count: (previous?.count ?? 0) + 1 };
    state.update(windows);
    this.timers.register(key, maxTimestamp);
  }

  processWatermark(watermark: number): void {
    this.timers.advanceWatermark(watermark, (key, timestamp) => this.fire(key, timestamp));
  }

  /** The EventTimeTrigger fires at the window's last millisecond: emit the aggregate, then purge the window. */
  private fire(key: string, timestamp: number): void {
    this.backend.currentKey = key;
    const state = this.backend.valueState<Record<string, WindowAccumulator>>(windowContentsStateName);
    const windowStart = timestamp - this.spec.sizeMs + 1;
    const windows = state.value();
    const accumulator = windows?.[String(windowStart)];
    if (windows === undefined || accumulator === undefined) return;
    const result: WindowResult = { key, windowStart, windowEnd: windowStart + this.spec.sizeMs, sum: accumulator.sum, count: accumulator.count };
    this.context.emit(result);
    const rest = { ...windows };
    delete rest[String(windowStart)];
    if (Object.keys(rest).length === 0) state.clear();
    else state.update(rest);
  }

  snapshotState(): OperatorSnapshot {
    return { keyed: { ...this.backend.snapshot(), [windowTimerStateName]: this.timers.snapshot() }, operator: {} };
  }

  notifyCheckpointComplete(): void {}
  notifyCheckpointAborted(): void {}
  endInput(): void {}
}
