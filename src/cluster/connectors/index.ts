/** Sources and sinks: the replayable source, the two-phase-commit sink, Sink V2's writer and committer, the FileSink's writer, at-least-once and upsert sinks. */
export { ReplayableSourceReader, type SourcePoll } from './replayable-source.js';
export { TwoPhaseCommitSink } from './two-phase-commit-sink.js';
export { AtLeastOnceSink, UpsertSink } from './direct-sinks.js';
export { SinkWriterOperator, CommitterOperator } from './sink-v2/index.js';
export { FileWriterOperator } from './file-sink/index.js';
