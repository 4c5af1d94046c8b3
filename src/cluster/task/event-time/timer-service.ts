import { minWatermark } from '../../jobgraph/event-time.js';

/**
 * The keyed-state name event-time timers are snapshotted under (Flink keeps a timer service's
 * timers in managed keyed state named `_timer_state/event_<service>`, by key group, so they are
 * restored with the keys a subtask owns).
 */
export function eventTimerStateName(service: string): string {
  return `_timer_state/event_${service}`;
}

/**
 * Flink's InternalTimerServiceImpl reduced to keyed event-time timers: at most one timer per
 * (key, timestamp); advancing the watermark fires every timer at or below it, in timestamp
 * order (key order among equal timestamps, so runs are deterministic), each once.
 */
export class EventTimeTimerService {
  /** Key -> its timer timestamps, ascending, without repeats. */
  private readonly timers = new Map<string, number[]>();
  private watermark = minWatermark;

  /** The last watermark this service advanced to (Flink's currentWatermark). */
  get currentWatermark(): number {
    return this.watermark;
  }

  /** How many timers are registered. */
  get size(): number {
    let total = 0;
    for (const list of this.timers.values()) total += list.length;
    return total;
  }

  /** Registers a timer of `key` at `timestamp`; registering it again changes nothing. */
  register(key: string, timestamp: number): void {
    let list = this.timers.get(key);
    if (list === undefined) this.timers.set(key, (list = []));
    let index = list.length;
    while (index > 0 && (list[index - 1] as number) > timestamp) index--;
    if (index > 0 && list[index - 1] === timestamp) return;
    list.splice(index, 0, timestamp);
  }

  /**
   * Advances event time to `watermark` and fires, in order, every timer at or below it. A timer is
   * removed before it fires, so a snapshot taken after never holds a fired timer.
   */
  advanceWatermark(watermark: number, fire: (key: string, timestamp: number) => void): void {
    if (watermark > this.watermark) this.watermark = watermark;
    const due: Array<{ key: string; timestamp: number }> = [];
    for (const [key, list] of this.timers) {
      let count = 0;
      while (count < list.length && (list[count] as number) <= this.watermark) due.push({ key, timestamp: list[count++] as number });
      if (count === 0) continue;
      list.splice(0, count);
      if (list.length === 0) this.timers.delete(key);
    }
    due.sort((left, right) => left.timestamp - right.timestamp || (left.key < right.key ? -1 : left.key > right.key ? 1 : 0));
    for (const timer of due) fire(timer.key, timer.timestamp);
  }

  /** The timers as keyed state: key -> ascending timestamps, keys sorted. */
  snapshot(): Record<string, number[]> {
    const result: Record<string, number[]> = {};
    for (const key of [...this.timers.keys()].sort()) result[key] = [...(this.timers.get(key) as number[])];
    return result;
  }

  /** Restores the timers of the keys `owns` accepts (the subtask's key groups). */
  restore(entries: Readonly<Record<string, unknown>>, owns: (key: string) => boolean): void {
    for (const key of Object.keys(entries).sort()) {
      if (!owns(key)) continue;
      const timestamps = entries[key];
      if (!Array.isArray(timestamps)) throw new Error(`timer state of key ${key} is not a list of timestamps`);
      for (const timestamp of timestamps) this.register(key, timestamp as number);
    }
  }
}
