import type { CheckpointFailureReason, CompletedCheckpoint } from './types.js';

/**
 * How one trigger request ended: the completed checkpoint or savepoint, or the reason it failed.
 * Errors are data here so a caller (the JobMaster, a test) decides what a failure means.
 */
export type CheckpointResult =
  | { readonly ok: true; readonly checkpoint: CompletedCheckpoint }
  | { readonly ok: false; readonly reason: CheckpointFailureReason };

/** Receives the {@link CheckpointResult} of one trigger request, exactly once. */
export type CheckpointDone = (result: CheckpointResult) => void;
