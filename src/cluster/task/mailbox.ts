/**
 * Flink's TaskMailbox: letters the task runs between processing steps, one at a time. Priority
 * letters (checkpoint notifications, priority barriers) go before ordinary ones; within a class
 * the order is first in, first out.
 */
export class Mailbox {
  private readonly priority: Array<() => void> = [];
  private readonly ordinary: Array<() => void> = [];
  private priorityHead = 0;
  private ordinaryHead = 0;

  put(letter: () => void): void {
    this.ordinary.push(letter);
  }

  putPriority(letter: () => void): void {
    this.priority.push(letter);
  }

  get isEmpty(): boolean {
    return this.priorityHead === this.priority.length && this.ordinaryHead === this.ordinary.length;
  }

  /** The next letter, priority first; undefined when empty. */
  take(): (() => void) | undefined {
    if (this.priorityHead < this.priority.length) return this.shift(this.priority, true);
    if (this.ordinaryHead < this.ordinary.length) return this.shift(this.ordinary, false);
    return undefined;
  }

  clear(): void {
    this.priority.length = 0;
    this.ordinary.length = 0;
    this.priorityHead = 0;
    this.ordinaryHead = 0;
  }

  private shift(queue: Array<() => void>, isPriority: boolean): () => void {
    const head = isPriority ? this.priorityHead++ : this.ordinaryHead++;
    const letter = queue[head] as () => void;
    // Compact once the consumed prefix dominates, keeping take() amortised O(1).
    if (head > 64 && head * 2 > queue.length) {
      queue.splice(0, head + 1);
      if (isPriority) this.priorityHead = 0;
      else this.ordinaryHead = 0;
    }
    return letter;
  }
}
