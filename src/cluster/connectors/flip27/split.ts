import type { OperatorEvent } from '../../coordination/operator-event.js';

/**
 * A source split of the partitioned log (as KafkaPartitionSplit): one partition, read from
 * `offset` to the partition's end. Partitions are numbered globally, so the partition is the
 * split's id.
 */
export interface PartitionSplit {
  readonly partition: number;
  readonly offset: number;
}

/** The enumerator's checkpointed state: the splits it has not assigned, and the partitions it has discovered. */
export interface EnumeratorState {
  readonly unassigned: readonly PartitionSplit[];
  readonly discovered: readonly number[];
}

/** Reader to enumerator: give me a split (Flink's RequestSplitEvent). */
export interface RequestSplitEvent extends OperatorEvent {
  readonly kind: 'request-split';
}

/** Reader to enumerator: this subtask's reader is up (Flink's ReaderRegistrationEvent). */
export interface ReaderRegistrationEvent extends OperatorEvent {
  readonly kind: 'reader-registration';
}

/** Enumerator to reader: read these splits (Flink's AddSplitEvent). */
export interface AddSplitEvent extends OperatorEvent {
  readonly kind: 'add-splits';
  readonly splits: readonly PartitionSplit[];
}

/** Enumerator to reader: there will be no more splits (Flink's NoMoreSplitsEvent). */
export interface NoMoreSplitsEvent extends OperatorEvent {
  readonly kind: 'no-more-splits';
}

/** Every event a FLIP-27 source sends between its readers and its enumerator. */
export type SourceEvent = RequestSplitEvent | ReaderRegistrationEvent | AddSplitEvent | NoMoreSplitsEvent;

/** How a FLIP-27 source finds its partitions: some exist at the start, the rest appear over time. */
export interface PartitionDiscovery {
  /** Partitions that exist when the job starts. */
  readonly initialPartitions: number;
  /** A further partition appears every this many microseconds of virtual time, until all exist. */
  readonly newPartitionEveryUs: number;
  /** How often the enumerator looks for new partitions (Kafka's partition.discovery.interval.ms). */
  readonly discoveryIntervalUs: number;
}

/** The virtual time at which local partition `index` appears in the log. */
export function partitionAppearsAtUs(index: number, discovery: PartitionDiscovery): number {
  return index < discovery.initialPartitions ? 0 : (index - discovery.initialPartitions + 1) * discovery.newPartitionEveryUs;
}

/** Narrows an operator event to a FLIP-27 source event. */
export function isSourceEvent(event: OperatorEvent): event is SourceEvent {
  return event.kind === 'request-split' || event.kind === 'reader-registration' || event.kind === 'add-splits' || event.kind === 'no-more-splits';
}
