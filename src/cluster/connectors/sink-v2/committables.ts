/**
 * Sink V2's committables as they travel from the writer to the committer (Flink's
 * CommittableMessage): per checkpoint and writer subtask, one summary saying how many committables
 * follow, then the committables themselves (CommittableWithLineage). They are ordinary records on
 * the writer -> committer edge, so they precede the checkpoint's barrier, or are channel state in
 * an unaligned checkpoint.
 */

/** What committing needs: the Kafka transactional id, the producer epoch that wrote it, and the store's transaction. */
export interface KafkaCommittable {
  readonly transactionalId: string;
  readonly epoch: number;
  readonly transactionId: string;
}

/** Flink's FileSinkCommittable: a part file closed for commit (pending), to be renamed into place. */
export interface FileSinkCommittable {
  readonly pendingFile: string;
}

/** What a committer commits: a Kafka transaction or a FileSink pending file. */
export type Committable = KafkaCommittable | FileSinkCommittable;

/** True for a FileSink's committable. */
export function isFileSinkCommittable(committable: Committable): committable is FileSinkCommittable {
  return 'pendingFile' in committable;
}

/** Flink's CommittableSummary: how many committables `subtask` prepared for `checkpointId`. */
export interface CommittableSummary {
  readonly kind: 'summary';
  readonly checkpointId: number;
  readonly subtask: number;
  readonly numberOfSubtasks: number;
  readonly numberOfCommittables: number;
}

/** Flink's CommittableWithLineage: one committable, tagged with its checkpoint and writer subtask. */
export interface CommittableWithLineage {
  readonly kind: 'committable';
  readonly checkpointId: number;
  readonly subtask: number;
  readonly committable: Committable;
}

/** A record on the writer -> committer edge. */
export type CommittableMessage = CommittableSummary | CommittableWithLineage;

/** True for a record value that is a committable message (the committer rejects anything else). */
export function isCommittableMessage(value: unknown): value is CommittableMessage {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'summary' || kind === 'committable';
}
