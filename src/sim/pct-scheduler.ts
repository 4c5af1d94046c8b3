import type { EventQueue, QueueEntry } from './event-queue.js';
import type { RandomStream } from './random.js';

/**
 * PCT scheduling (Burckhardt et al., "A randomized scheduler with probabilistic guarantees of
 * finding bugs", ASPLOS 2010; PCTCP for distributed systems, Ozkan et al. 2018) over the events
 * of the discrete-event kernel.
 *
 * Without it the kernel runs events in (time, sequence) order: events due at the same virtual
 * time run in the order they were scheduled, always. With it, the events due within `windowUs`
 * of the earliest one are treated as concurrent, and the one to run is picked by priority:
 *
 * - Events are grouped in lanes: the node an event is addressed to (every event of the kernel
 *   without a node shares one lane). A lane keeps its own (time, sequence) order, so the FIFO
 *   order of every channel and of every mailbox holds (all of them deliver to one node); only
 *   events of different nodes are reordered, which any real distributed run may also do.
 * - Each lane gets a random priority the first time it is seen (at least `depth`, a random
 *   permutation drawn as random keys); the enabled lane of highest priority runs its earliest
 *   event.
 * - `depth - 1` change points are drawn uniformly among the first `steps` decisions (a decision:
 *   more than one lane was enabled). At the i-th change point the chosen lane's priority drops
 *   to `depth - i`, below every initial priority, and the choice is made again.
 *
 * An event picked ahead of an earlier one moves the clock to its own time; the earlier ones
 * then run at that time: late by at most `windowUs`, never before they were due. With
 * `windowUs` 0 no event runs late at all. For n lanes and k decisions, PCT finds a given
 * ordering bug of depth d with probability at least 1/(n·k^(d−1)) per run.
 */

/** The PCT settings of one run. */
export interface PctOptions {
  /** The bug depth d aimed at: d − 1 priority change points (1 to 8). */
  readonly depth: number;
  /** Events due within this many microseconds of the earliest one count as enabled together (0: only the same time). */
  readonly windowUs: number;
  /** k: the change points are drawn among the first `steps` decisions. */
  readonly steps: number;
}

/** What a run's PCT scheduler saw: the n and k of the probability bound. */
export interface PctStatistics {
  /** Lanes seen (n). */
  readonly lanes: number;
  /** Decisions made: steps at which more than one lane was enabled (k). */
  readonly decisions: number;
}

/** An event as the scheduler sees it: its queue key and its lane. */
export interface PctEntry extends QueueEntry {
  /** The lane of the event: the id of its node, or −1 for the kernel's own. */
  readonly lane: number;
}

/** Most events popped to look for the enabled lanes of one decision: a bound on one step's work. */
const maxCandidates = 4096;

/** Picks the next event among those enabled together, by lane priority with change points. */
export class PctScheduler<Entry extends PctEntry> {
  private readonly priorities = new Map<number, number>();
  private readonly changePoints: number[];
  private decisionCount = 0;
  private nextChange = 0;

  constructor(
    private readonly options: PctOptions,
    private readonly random: RandomStream,
  ) {
    // Drawn once, up front: the run's own events draw nothing from this stream.
    this.changePoints = Array.from({ length: Math.max(0, options.depth - 1) }, () => random.intBetween(1, options.steps)).sort((left, right) => left - right);
  }

  /** The n and k of the run so far. */
  get statistics(): PctStatistics {
    return { lanes: this.priorities.size, decisions: this.decisionCount };
  }

  /**
   * Removes and returns the event to run next (undefined when the queue is empty). Every event it
   * looked at and did not pick goes back into the queue with its own (time, sequence) key.
   */
  take(queue: EventQueue<Entry>): Entry | undefined {
    const first = queue.pop();
    if (first === undefined) return undefined;
    const limitUs = first.timeUs + this.options.windowUs;
    const popped: Entry[] = [first];
    // The earliest event of each lane, in the order lanes were first met.
    const heads = new Map<number, Entry>([[first.lane, first]]);
    this.priorityOf(first.lane);
    for (let top = queue.peek(); top !== undefined && top.timeUs <= limitUs && popped.length < maxCandidates; top = queue.peek()) {
      const entry = queue.pop() as Entry;
      popped.push(entry);
      if (!heads.has(entry.lane)) {
        heads.set(entry.lane, entry);
        this.priorityOf(entry.lane);
      }
    }
    const chosen = heads.size === 1 ? first : this.decide(heads);
    for (const entry of popped) if (entry !== chosen) queue.restore(entry);
    return chosen;
  }

  private decide(heads: ReadonlyMap<number, Entry>): Entry {
    this.decisionCount++;
    let chosen = this.highest(heads);
    while (this.nextChange < this.changePoints.length && this.changePoints[this.nextChange] === this.decisionCount) {
      this.nextChange++;
      // The i-th change point lowers the running lane below every initial priority (>= depth).
      this.priorities.set(chosen.lane, this.options.depth - this.nextChange);
      chosen = this.highest(heads);
    }
    return chosen;
  }

  private highest(heads: ReadonlyMap<number, Entry>): Entry {
    let best: Entry | undefined;
    let bestPriority = -1;
    for (const [lane, entry] of heads) {
      const priority = this.priorities.get(lane) as number;
      // Ties (two lanes drew the same key) go to the lower lane id: deterministic.
      if (best === undefined || priority > bestPriority || (priority === bestPriority && lane < best.lane)) {
        best = entry;
        bestPriority = priority;
      }
    }
    return best as Entry;
  }

  private priorityOf(lane: number): void {
    if (!this.priorities.has(lane)) this.priorities.set(lane, this.options.depth + this.random.int(0x7fffffff));
  }
}
