/**
 * Event time in the job DSL: how a source assigns timestamps and generates watermarks (Flink's
 * WatermarkStrategy), and what a window vertex computes (Flink's WindowOperator with tumbling
 * event-time windows and an aggregate). Timestamps are event-time milliseconds, data of the
 * records; they have nothing to do with the simulation's virtual clock.
 */

/** The smallest watermark (Flink's Long.MIN_VALUE): no event time has passed yet. */
export const minWatermark = Number.MIN_SAFE_INTEGER;

/** The largest watermark (Flink's Watermark.MAX_WATERMARK): the end of event time, every timer fires. */
export const maxWatermark = Number.MAX_SAFE_INTEGER;

/**
 * Flink's `WatermarkStrategy.forBoundedOutOfOrderness(bound).withTimestampAssigner(...)` on a
 * FLIP-27 source: one generator per source partition (split), combined as the minimum over the
 * partitions still being read, emitted periodically (Flink's pipeline.auto-watermark-interval).
 */
export interface WatermarkStrategy {
  /** Event-time milliseconds a record may arrive behind the largest timestamp seen before it in its partition. */
  readonly outOfOrdernessMs: number;
  /** The record's event timestamp in milliseconds (Flink's TimestampAssigner). */
  readonly timestampOf: (value: unknown) => number;
  /** How often, in virtual microseconds, the source emits its current watermark; default 2 ms. */
  readonly autoWatermarkIntervalUs?: number;
}

/** The default periodic watermark interval of a source, in virtual microseconds. */
export const defaultAutoWatermarkIntervalUs = 2_000;

/**
 * A tumbling event-time window aggregation per key (Flink's
 * `keyBy(...).window(TumblingEventTimeWindows.of(size)).aggregate(...)` with the default
 * EventTimeTrigger and no allowed lateness): each window fires once, when the watermark passes
 * its end, emitting `{key, windowStart, windowEnd, sum, count}`.
 */
export interface TumblingWindowSpec {
  readonly sizeMs: number;
  /** The record's event timestamp (ckptsim's records carry none of their own; see the window operator). */
  readonly timestampOf: (value: unknown) => number;
  /** What the window sums per record. */
  readonly amountOf: (value: unknown) => number;
}

/** What a fired window emits. */
export interface WindowResult {
  readonly key: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly sum: number;
  readonly count: number;
}

/** The start of the tumbling window of `sizeMs` holding `timestamp` (Flink's TimeWindow.getWindowStartWithOffset, offset 0). */
export function windowStartFor(timestamp: number, sizeMs: number): number {
  const remainder = ((timestamp % sizeMs) + sizeMs) % sizeMs;
  return timestamp - remainder;
}
