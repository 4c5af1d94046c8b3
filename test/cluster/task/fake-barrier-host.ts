import type { CancellableTimer } from '../../../src/cluster/checkpoint/ports.js';
import {
  checkpointOptionsFor,
  defaultCheckpointConfig,
  type CheckpointBarrier,
  type CheckpointFailureReason,
  type CheckpointOptions,
} from '../../../src/cluster/checkpoint/types.js';
import type { BarrierHandlerHost } from '../../../src/cluster/task/barrier-handler.js';
import type { ObservationBody } from '../../../src/cluster/observations.js';

/** One call a handler made on its host, in the order it was made. */
export type HostCall =
  | { readonly kind: 'block'; readonly channel: number }
  | { readonly kind: 'resume'; readonly channel: number }
  | { readonly kind: 'trigger'; readonly barrier: CheckpointBarrier; readonly unaligned: boolean }
  | { readonly kind: 'abort'; readonly checkpointId: number; readonly reason: CheckpointFailureReason }
  | { readonly kind: 'observe'; readonly body: ObservationBody }
  | { readonly kind: 'schedule'; readonly timer: FakeTimer }
  | { readonly kind: 'cancel-timer'; readonly timer: FakeTimer }
  | { readonly kind: 'prioritize'; readonly channel: number; readonly checkpointId: number };

/** A timer the handler scheduled; nothing fires by itself, the test fires it. */
export interface FakeTimer {
  readonly id: number;
  readonly delayUs: number;
  /** nowUs at scheduling plus the delay. */
  readonly dueUs: number;
  readonly action: () => void;
  cancelled: boolean;
  fired: boolean;
}

/**
 * A BarrierHandlerHost that only records: every block/resume/trigger/abort/observe/timer call in
 * order, the set of channels currently blocked, and timers that fire only when the test says so.
 */
export class FakeBarrierHost implements BarrierHandlerHost {
  nowUs = 0;
  readonly taskName = 'map#0';
  readonly calls: HostCall[] = [];
  readonly timers: FakeTimer[] = [];
  /** Channels blocked and not resumed since. */
  readonly blocked = new Set<number>();
  /** Runs inside triggerCheckpoint, e.g. to look at the handler's state at snapshot time. */
  onTrigger: ((barrier: CheckpointBarrier, unaligned: boolean) => void) | undefined;
  private taken = 0;

  constructor(readonly channelCount: number) {}

  channelName(channel: number): string {
    this.checkChannel(channel);
    return `in${channel}`;
  }

  blockChannel(channel: number): void {
    this.checkChannel(channel);
    this.blocked.add(channel);
    this.calls.push({ kind: 'block', channel });
  }

  resumeChannel(channel: number): void {
    this.checkChannel(channel);
    this.blocked.delete(channel);
    this.calls.push({ kind: 'resume', channel });
  }

  triggerCheckpoint(barrier: CheckpointBarrier, unaligned: boolean): void {
    this.calls.push({ kind: 'trigger', barrier, unaligned });
    this.onTrigger?.(barrier, unaligned);
  }

  abortCheckpoint(checkpointId: number, reason: CheckpointFailureReason): void {
    this.calls.push({ kind: 'abort', checkpointId, reason });
  }

  scheduleTimer(delayUs: number, action: () => void): CancellableTimer {
    const timer: FakeTimer = { id: this.timers.length, delayUs, dueUs: this.nowUs + delayUs, action, cancelled: false, fired: false };
    this.timers.push(timer);
    this.calls.push({ kind: 'schedule', timer });
    return {
      cancel: () => {
        this.calls.push({ kind: 'cancel-timer', timer });
        timer.cancelled = true;
      },
    };
  }

  observe(body: ObservationBody): void {
    this.calls.push({ kind: 'observe', body });
  }

  prioritizeBarrier(channel: number, checkpointId: number): void {
    this.checkChannel(channel);
    this.calls.push({ kind: 'prioritize', channel, checkpointId });
  }

  /** The announced barriers the handler had overtake their channel's data, as `checkpointId@channel`, in order. */
  prioritized(): string[] {
    return this.calls.flatMap((call) => (call.kind === 'prioritize' ? [`${call.checkpointId}@${call.channel}`] : []));
  }

  // ---- driving timers --------------------------------------------------------------------

  /** Fires one timer as the task would: not if cancelled, and at most once. Returns whether it ran. */
  fire(timer: FakeTimer): boolean {
    if (timer.cancelled || timer.fired) return false;
    timer.fired = true;
    timer.action();
    return true;
  }

  /**
   * Runs a timer's action although it was cancelled: what the real task does when the timer had
   * already put its letter in the mailbox before the cancel (cancelling the event cannot take the
   * letter back). A handler must tolerate this.
   */
  runQueuedAction(timer: FakeTimer): void {
    timer.action();
  }

  /** Moves the clock to `nowUs` and fires, in due order, every live timer due by then. */
  advanceTo(nowUs: number): void {
    if (nowUs < this.nowUs) throw new Error(`time goes forward: ${this.nowUs} -> ${nowUs}`);
    for (;;) {
      const due = this.timers
        .filter((timer) => !timer.cancelled && !timer.fired && timer.dueUs <= nowUs)
        .sort((a, b) => a.dueUs - b.dueUs || a.id - b.id)[0];
      if (due === undefined) break;
      this.nowUs = Math.max(this.nowUs, due.dueUs);
      this.fire(due);
    }
    this.nowUs = nowUs;
  }

  liveTimers(): FakeTimer[] {
    return this.timers.filter((timer) => !timer.cancelled && !timer.fired);
  }

  // ---- reading the record ------------------------------------------------------------------

  /** Every call so far, as compact strings. */
  log(): string[] {
    return this.calls.map(describe);
  }

  /** The calls made since the previous take(), as compact strings. */
  take(): string[] {
    const fresh = this.calls.slice(this.taken);
    this.taken = this.calls.length;
    return fresh.map(describe);
  }

  triggers(): { barrier: CheckpointBarrier; unaligned: boolean }[] {
    return this.calls.flatMap((call) => (call.kind === 'trigger' ? [{ barrier: call.barrier, unaligned: call.unaligned }] : []));
  }

  aborts(): { checkpointId: number; reason: CheckpointFailureReason }[] {
    return this.calls.flatMap((call) => (call.kind === 'abort' ? [{ checkpointId: call.checkpointId, reason: call.reason }] : []));
  }

  observations(): ObservationBody[] {
    return this.calls.flatMap((call) => (call.kind === 'observe' ? [call.body] : []));
  }

  /** Checkpoint ids in the order triggered (positive) or aborted (negative), like Flink's CheckpointSequenceValidator. */
  outcomes(): number[] {
    return this.calls.flatMap((call) => {
      if (call.kind === 'trigger') return [call.barrier.checkpointId];
      if (call.kind === 'abort') return [-call.checkpointId];
      return [];
    });
  }

  private checkChannel(channel: number): void {
    if (!Number.isInteger(channel) || channel < 0 || channel >= this.channelCount) {
      throw new Error(`channel ${channel} out of range 0..${this.channelCount - 1}`);
    }
  }
}

function describe(call: HostCall): string {
  switch (call.kind) {
    case 'block':
      return `block ${call.channel}`;
    case 'resume':
      return `resume ${call.channel}`;
    case 'trigger':
      return `trigger ${call.barrier.checkpointId} ${call.unaligned ? 'unaligned' : 'aligned'}`;
    case 'abort':
      return `abort ${call.checkpointId} ${call.reason}`;
    case 'schedule':
      return `schedule #${call.timer.id} +${call.timer.delayUs}us`;
    case 'cancel-timer':
      return `cancel #${call.timer.id}`;
    case 'prioritize':
      return `prioritize ${call.checkpointId}@${call.channel}`;
    case 'observe': {
      const body = call.body;
      if (body.type === 'alignment-completed') return `observe ${body.type} ${body.checkpointId} unaligned=${body.unaligned}`;
      return 'checkpointId' in body ? `observe ${body.type} ${body.checkpointId}` : `observe ${body.type}`;
    }
  }
}

// ---- barriers -----------------------------------------------------------------------------

/** EXACTLY_ONCE, unaligned off: plain aligned. */
export const alignedOptions: CheckpointOptions = checkpointOptionsFor('checkpoint', defaultCheckpointConfig);
/** EXACTLY_ONCE, unaligned on, no aligned timeout. */
export const unalignedOptions: CheckpointOptions = checkpointOptionsFor('checkpoint', { ...defaultCheckpointConfig, unaligned: true });
/** EXACTLY_ONCE, unaligned on with an aligned-checkpoint timeout: alternating. */
export function alignedWithTimeoutOptions(timeoutUs: number): CheckpointOptions {
  return checkpointOptionsFor('checkpoint', { ...defaultCheckpointConfig, unaligned: true, alignedCheckpointTimeoutUs: timeoutUs });
}
/** AT_LEAST_ONCE. */
export const atLeastOnceOptions: CheckpointOptions = checkpointOptionsFor('checkpoint', { ...defaultCheckpointConfig, mode: 'AT_LEAST_ONCE' });

export function barrier(checkpointId: number, options: CheckpointOptions = alignedOptions, timestampUs = 0): CheckpointBarrier {
  return { checkpointId, timestampUs, options };
}
