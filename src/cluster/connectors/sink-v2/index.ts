/** Sink V2: the writer, the committer and the committables between them. */
export { SinkWriterOperator } from './sink-writer.js';
export { CommitterOperator, commitRetryDelayUs } from './committer-operator.js';
export { isCommittableMessage, type CommittableMessage, type CommittableSummary, type CommittableWithLineage, type KafkaCommittable } from './committables.js';
