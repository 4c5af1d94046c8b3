/** Flink's FileSink (Sink V2): the FileWriter here; its committables are committed by the Sink V2 CommitterOperator. */
export { FileWriterOperator, partSizeRecords } from './file-writer.js';
