import type { CancellableTimer, CoordinatorClock } from './ports.js';

/**
 * Flink's ScheduledTrigger: fires at a fixed rate, whatever happens to the checkpoints it starts.
 * Each firing first schedules the next one `intervalUs` after the previous planned time, then
 * runs the action; a reschedule (after a min-pause drop) restarts the rate from a new first time.
 */
export class PeriodicTrigger {
  private readonly clock: CoordinatorClock;
  private readonly intervalUs: number;
  private readonly fire: () => void;
  private timer: CancellableTimer | undefined = undefined;
  private nextTriggerUs: number | undefined = undefined;

  /**
   * @param clock - the coordinator's clock
   * @param intervalUs - the fixed rate (already raised to the min pause)
   * @param fire - runs at every firing
   */
  constructor(clock: CoordinatorClock, intervalUs: number, fire: () => void) {
    if (!(intervalUs > 0)) throw new Error(`a periodic trigger needs a positive interval, got ${intervalUs}`);
    this.clock = clock;
    this.intervalUs = intervalUs;
    this.fire = fire;
  }

  /** Whether a firing is scheduled. */
  get isScheduled(): boolean {
    return this.timer !== undefined;
  }

  /** When the next firing is planned, if one is. */
  get nextTriggerTimeUs(): number | undefined {
    return this.nextTriggerUs;
  }

  /** Cancels any planned firing and plans the next one `delayUs` from now, then every interval. */
  scheduleAfter(delayUs: number): void {
    if (!(delayUs >= 0)) throw new Error(`a trigger delay must not be negative, got ${delayUs}`);
    this.cancel();
    this.nextTriggerUs = this.clock.nowUs + delayUs;
    this.timer = this.clock.schedule(delayUs, 'checkpoint-coordinator.periodic-trigger', () => this.onFire());
  }

  /** Cancels the planned firing, if any. */
  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.nextTriggerUs = undefined;
  }

  private onFire(): void {
    const firedAtUs = this.nextTriggerUs;
    if (firedAtUs === undefined) throw new Error('a cancelled periodic trigger fired');
    this.nextTriggerUs = firedAtUs + this.intervalUs;
    const delayUs = Math.max(0, this.nextTriggerUs - this.clock.nowUs);
    this.timer = this.clock.schedule(delayUs, 'checkpoint-coordinator.periodic-trigger', () => this.onFire());
    this.fire();
  }
}
