import type { CompletedCheckpoint } from './types.js';

/** The checkpoints a store keeps after an addition, and those it subsumed (oldest first). */
export interface SubsumeResult {
  readonly retained: CompletedCheckpoint[];
  readonly subsumed: CompletedCheckpoint[];
}

/**
 * Flink's CheckpointSubsumeHelper: drops the oldest entries while more than `retainedCheckpoints`
 * remain. The latest entry is never dropped, nor the latest checkpoint that is not a savepoint
 * (a later incremental checkpoint may build on it), unless the latest entry is a synchronous
 * savepoint (the job stops, no checkpoint follows). Savepoints count towards the limit and are
 * dropped first in age order; their state is not the store's to discard.
 *
 * @param checkpoints - the store's entries, oldest first, the new one last
 */
export function subsumeOldest(checkpoints: readonly CompletedCheckpoint[], retainedCheckpoints: number): SubsumeResult {
  if (!(retainedCheckpoints >= 1)) throw new Error(`retainedCheckpoints must be at least 1, got ${retainedCheckpoints}`);
  const retained = [...checkpoints];
  const subsumed: CompletedCheckpoint[] = [];
  const latest = retained[retained.length - 1];
  if (latest === undefined) return { retained, subsumed };
  const latestNotSavepoint = [...retained].reverse().find((checkpoint) => checkpoint.type === 'checkpoint');
  let index = 0;
  while (retained.length > retainedCheckpoints && index < retained.length) {
    const candidate = retained[index] as CompletedCheckpoint;
    if (canSubsume(candidate, latest, latestNotSavepoint)) {
      retained.splice(index, 1);
      subsumed.push(candidate);
    } else {
      index++;
    }
  }
  return { retained, subsumed };
}

function canSubsume(
  candidate: CompletedCheckpoint,
  latest: CompletedCheckpoint,
  latestNotSavepoint: CompletedCheckpoint | undefined,
): boolean {
  if (candidate === latest) return false;
  if (candidate.type !== 'checkpoint') return true;
  if (latest.type === 'sync-savepoint') return true;
  return latestNotSavepoint !== undefined && latestNotSavepoint !== candidate;
}
