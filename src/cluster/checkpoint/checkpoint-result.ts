import type { CheckpointFailureReason, CompletedCheckpoint } from './types.js';

/**
 * How one trigger request ended: the completed checkpoint or savepoint, or the reason it failed.
 * Errors are data here so a caller (the JobMaster, a test) decides what a failure means.
 */
export type CheckpointResult =
  | { readonly ok: true; readonly checkpoint: CompletedCheckpoint }
  | {
      readonly ok: false;
      readonly reason: CheckpointFailureReason;
      /**
       * A stop-with-savepoint whose savepoint completed but whose job then failed while stopping
       * (Flink's StopWithSavepointStoppingException): the savepoint, consistent, to resume from.
       */
      readonly savepoint?: CompletedCheckpoint;
    };

/** Receives the {@link CheckpointResult} of one trigger request, exactly once. */
export type CheckpointDone = (result: CheckpointResult) => void;
