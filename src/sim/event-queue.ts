/**
 * The kernel's event queue: a binary min-heap ordered by (time, sequence number).
 *
 * The sequence number is assigned at scheduling and breaks ties between events at the same
 * virtual time, so their order is the order they were scheduled in: deterministic, and
 * independent of anything outside the simulation. Cancellation is lazy: a cancelled entry stays
 * in the heap, flagged, and is skipped when it reaches the top.
 */

/** An entry in the queue. `cancelled` is the only field that changes after scheduling. */
export interface QueueEntry {
  readonly timeUs: number;
  readonly sequence: number;
  cancelled: boolean;
}

function precedes(left: QueueEntry, right: QueueEntry): boolean {
  return left.timeUs < right.timeUs || (left.timeUs === right.timeUs && left.sequence < right.sequence);
}

/** A min-heap of {@link QueueEntry} values with lazy cancellation. */
export class EventQueue<Entry extends QueueEntry> {
  private readonly heap: Entry[] = [];
  private liveCount = 0;

  /** Entries not cancelled (cancelled ones still in the heap are not counted). */
  get size(): number {
    return this.liveCount;
  }

  /** Entries physically held, cancelled ones included; bounded by the simulation's queue limit. */
  get storedCount(): number {
    return this.heap.length;
  }

  push(entry: Entry): void {
    const heap = this.heap;
    let index = heap.length;
    heap.push(entry);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as Entry;
      if (!precedes(entry, parent)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = entry;
    if (!entry.cancelled) this.liveCount++;
  }

  /** Marks an entry cancelled; a no-op when it already ran or was cancelled. */
  cancel(entry: Entry): void {
    if (entry.cancelled) return;
    entry.cancelled = true;
    this.liveCount--;
  }

  /** Removes and returns the earliest live entry, or undefined when none is left. */
  pop(): Entry | undefined {
    for (;;) {
      const top = this.removeTop();
      if (top === undefined) return undefined;
      if (!top.cancelled) {
        this.liveCount--;
        // Flag it so a later cancel() of an entry that already ran does not miscount.
        top.cancelled = true;
        return top;
      }
    }
  }

  /**
   * Puts back an entry {@link pop} returned and that did not run (a scheduler looked at it and
   * picked another): live again, under its own (time, sequence) key.
   */
  restore(entry: Entry): void {
    entry.cancelled = false;
    this.push(entry);
  }

  /** The earliest live entry without removing it. */
  peek(): Entry | undefined {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || !top.cancelled) return top;
      this.removeTop();
    }
  }

  private removeTop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop() as Entry;
    const length = heap.length;
    if (length === 0) return top;
    let index = 0;
    for (;;) {
      const leftIndex = 2 * index + 1;
      if (leftIndex >= length) break;
      const rightIndex = leftIndex + 1;
      let childIndex = leftIndex;
      let child = heap[leftIndex] as Entry;
      if (rightIndex < length) {
        const right = heap[rightIndex] as Entry;
        if (precedes(right, child)) {
          childIndex = rightIndex;
          child = right;
        }
      }
      if (!precedes(child, last)) break;
      heap[index] = child;
      index = childIndex;
    }
    heap[index] = last;
    return top;
  }
}
