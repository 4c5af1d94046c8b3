/**
 * A bare binary-heap event loop: the least an event loop needs (no tracing, no incarnation
 * checks, no limits, no cancellation). Benchmarks run the same work on it and on the kernel; the
 * ratio is the price of what the simulation adds.
 */
/** The bare loop's entry: the least an event loop needs. */
export interface BareEntry {
  readonly timeUs: number;
  readonly sequence: number;
  readonly action: () => void;
}

function bareEntryPrecedes(left: BareEntry, right: BareEntry): boolean {
  return left.timeUs < right.timeUs || (left.timeUs === right.timeUs && left.sequence < right.sequence);
}

export class BareEventLoop {
  nowUs = 0;
  private nextSequence = 0;
  private readonly heap: BareEntry[] = [];

  schedule(delayUs: number, action: () => void): void {
    const entry: BareEntry = { timeUs: this.nowUs + delayUs, sequence: this.nextSequence++, action };
    const heap = this.heap;
    let index = heap.length;
    heap.push(entry);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as BareEntry;
      if (!bareEntryPrecedes(entry, parent)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = entry;
  }

  /** Runs up to `eventCount` events; returns how many ran. */
  run(eventCount: number): number {
    let events = 0;
    while (events < eventCount) {
      const next = this.popTop();
      if (next === undefined) break;
      this.nowUs = next.timeUs;
      events++;
      next.action();
    }
    return events;
  }

  private popTop(): BareEntry | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop() as BareEntry;
    const length = heap.length;
    if (length === 0) return top;
    let index = 0;
    for (;;) {
      const leftIndex = 2 * index + 1;
      if (leftIndex >= length) break;
      const rightIndex = leftIndex + 1;
      let childIndex = leftIndex;
      let child = heap[leftIndex] as BareEntry;
      if (rightIndex < length) {
        const right = heap[rightIndex] as BareEntry;
        if (bareEntryPrecedes(right, child)) {
          childIndex = rightIndex;
          child = right;
        }
      }
      if (!bareEntryPrecedes(child, last)) break;
      heap[index] = child;
      index = childIndex;
    }
    heap[index] = last;
    return top;
  }
}

