import { partitionAppearsAtUs, type EnumeratorState, type PartitionDiscovery, type PartitionSplit } from './split.js';

/** What a split enumerator may ask of its coordinator (Flink's SplitEnumeratorContext). */
export interface SplitEnumeratorContext {
  readonly nowUs: number;
  /** Subtasks whose reader registered and did not fail since, ascending. */
  registeredReaders(): readonly number[];
  assignSplit(split: PartitionSplit, subtask: number): void;
  signalNoMoreSplits(subtask: number): void;
  /** Runs `action` after `delayUs` on the coordinator (Flink's callAsync with a period, one shot here). */
  schedule(delayUs: number, action: () => void): void;
  /** Announces a protocol step (a partition discovered). */
  step(name: string): void;
}

/** The log's partitions as the enumerator sees them. */
export interface EnumeratedTopic {
  /** Global number of the topic's first partition. */
  readonly firstPartition: number;
  readonly partitionCount: number;
  readonly discovery: PartitionDiscovery;
}

/**
 * A split enumerator for the partitioned log, after Kafka's and FileSource's: it discovers
 * partitions periodically (they appear over time), keeps the splits it has not assigned, and
 * hands one to each reader that asks (pull, as FileSource's readers do). Once every partition is
 * discovered and nothing is left to assign, a reader that asks is told there are no more splits.
 *
 * Its checkpointed state is the unassigned splits and the discovered partitions; splits given to
 * readers are in their state instead.
 */
export class PartitionSplitEnumerator {
  private readonly unassigned: PartitionSplit[] = [];
  private readonly discovered = new Set<number>();
  /** Readers that asked while nothing was left to assign, in the order they asked. */
  private readonly awaiting: number[] = [];
  private started = false;
  private closed = false;

  constructor(
    private readonly context: SplitEnumeratorContext,
    private readonly topic: EnumeratedTopic,
    restored: EnumeratorState | undefined,
  ) {
    if (restored !== undefined) {
      for (const partition of restored.discovered) this.discovered.add(partition);
      this.unassigned.push(...restored.unassigned);
    }
  }

  get discoveryComplete(): boolean {
    return this.discovered.size >= this.topic.partitionCount;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.discover();
  }

  close(): void {
    this.closed = true;
  }

  handleSplitRequest(subtask: number): void {
    if (!this.awaiting.includes(subtask)) this.awaiting.push(subtask);
    this.assignAwaiting();
  }

  /** A reader failed and was restored: the splits it got after its restored checkpoint come back. */
  addSplitsBack(splits: readonly PartitionSplit[]): void {
    // Returned splits go first: they were due before anything discovered since.
    this.unassigned.unshift(...splits);
    this.assignAwaiting();
  }

  /** A reader registered; with pull assignment it asks for splits itself. */
  addReader(subtask: number): void {
    void subtask;
  }

  snapshotState(): EnumeratorState {
    return { unassigned: [...this.unassigned], discovered: [...this.discovered].sort((a, b) => a - b) };
  }

  private discover(): void {
    if (this.closed) return;
    for (let index = 0; index < this.topic.partitionCount; index++) {
      const partition = this.topic.firstPartition + index;
      if (this.discovered.has(partition) || partitionAppearsAtUs(index, this.topic.discovery) > this.context.nowUs) continue;
      this.discovered.add(partition);
      this.unassigned.push({ partition, offset: 0 });
      this.context.step('coordinator.partition-discovered');
    }
    this.assignAwaiting();
    if (!this.discoveryComplete) this.context.schedule(this.topic.discovery.discoveryIntervalUs, () => this.discover());
  }

  private assignAwaiting(): void {
    const registered = this.context.registeredReaders();
    while (this.awaiting.length > 0) {
      const subtask = this.awaiting[0] as number;
      // A reader that failed since it asked gets nothing: its restored attempt asks again.
      if (!registered.includes(subtask)) {
        this.awaiting.shift();
        continue;
      }
      const split = this.unassigned.shift();
      if (split !== undefined) {
        this.awaiting.shift();
        this.context.assignSplit(split, subtask);
        continue;
      }
      if (!this.discoveryComplete) return;
      this.awaiting.shift();
      this.context.signalNoMoreSplits(subtask);
    }
  }
}
