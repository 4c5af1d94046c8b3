/** FLIP-27 sources: split enumerator (a coordinator on the JobMaster) and source readers. */
export * from './split.js';
export * from './split-assignment-tracker.js';
export * from './split-enumerator.js';
export * from './source-coordinator.js';
export * from './source-reader.js';
