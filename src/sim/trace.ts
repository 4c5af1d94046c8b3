import { finalizeWord, mixInteger, mixWord, toHex32 } from './hash.js';

/** One captured event, recorded only when trace capture is on. */
export interface TraceEvent {
  readonly sequence: number;
  readonly timeUs: number;
  readonly kind: string;
  /** The node the event was addressed to, or '' for the simulation itself. */
  readonly node: string;
  readonly incarnation: number;
  readonly digest: number;
  /** True when the event was dropped because its node crashed or restarted since it was scheduled. */
  readonly dropped: boolean;
  /** Whatever the scheduler attached (a message, a step's details); kept by reference. */
  readonly payload: unknown;
}

/**
 * The run's trace: a rolling 64-bit hash of every event, always on, plus an optional full
 * capture. Two runs with the same inputs end with the same hash; the hash is what determinism
 * checks and replay compare.
 */
export class Trace {
  /** The full event list, or undefined when capture is off (then nothing is allocated per event). */
  readonly events: TraceEvent[] | undefined;
  private laneA = 0x6a09e667 | 0;
  private laneB = 0x3c6ef372 | 0;
  private count = 0;

  constructor(capture: boolean) {
    this.events = capture ? [] : undefined;
  }

  /** Folds one event into the hash: its kind, time, node, incarnation, payload digest and fate. */
  record(
    sequence: number,
    timeUs: number,
    kindHash: number,
    kindName: string,
    nodeId: number,
    nodeName: string,
    incarnation: number,
    digest: number,
    dropped: boolean,
    payload: unknown,
  ): void {
    let a = mixWord(this.laneA, kindHash);
    a = mixInteger(a, timeUs);
    a = mixWord(a, nodeId);
    a = mixWord(a, incarnation);
    a = mixWord(a, dropped ? ~digest : digest);
    this.laneA = a;
    // The second lane takes the fields in another order so the two words are independent.
    let b = mixWord(this.laneB, digest);
    b = mixWord(b, nodeId ^ (incarnation << 16));
    b = mixInteger(b, timeUs);
    b = mixWord(b, dropped ? ~kindHash : kindHash);
    this.laneB = b;
    this.count++;
    if (this.events !== undefined) {
      this.events.push({ sequence, timeUs, kind: kindName, node: nodeName, incarnation, digest, dropped, payload });
    }
  }

  /** Events recorded so far, dropped ones included. */
  get eventCount(): number {
    return this.count;
  }

  /** The hash of everything recorded so far, as 16 hex digits. */
  digest(): string {
    const a = finalizeWord(this.laneA ^ this.count);
    const b = finalizeWord(this.laneB ^ Math.imul(this.count, 0x9e3779b1));
    return toHex32(a) + toHex32(b);
  }
}
