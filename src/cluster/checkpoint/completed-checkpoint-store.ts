import { subsumeOldest } from './checkpoint-subsume-helper.js';
import { completedCheckpointRecordView, fromDetachedCompletedCheckpointRecord } from './completed-checkpoint-record.js';
import type { RuntimeHooks } from '../hooks.js';
import { CheckpointStoreWriteError, type CompletedCheckpointStore, type DurableKeyValue } from './ports.js';
import type { CompletedCheckpoint } from './types.js';

/** The key prefix the HA store keeps completed checkpoints under, unless told otherwise. */
export const defaultCompletedCheckpointKeyPrefix = 'completed-checkpoint/';

/** Digits of a checkpoint id in a durable key: enough for any safe integer, so keys sort by id. */
const checkpointIdDigits = 16;

/**
 * Flink's StandaloneCompletedCheckpointStore: the retained completed checkpoints, in memory only,
 * oldest first. A JobMaster crash loses them.
 */
export class StandaloneCompletedCheckpointStore implements CompletedCheckpointStore {
  private readonly retainedCheckpoints: number;
  private checkpoints: CompletedCheckpoint[] = [];

  /** @param retainedCheckpoints - how many to keep (at least 1; Flink's default 1) */
  constructor(retainedCheckpoints: number) {
    assertRetainedCheckpoints(retainedCheckpoints);
    this.retainedCheckpoints = retainedCheckpoints;
  }

  /** Adds `checkpoint` as the latest and returns the entries it subsumed, oldest first. */
  addCheckpointAndSubsumeOldest(checkpoint: CompletedCheckpoint): CompletedCheckpoint[] {
    const { retained, subsumed } = subsumeOldest([...this.checkpoints, checkpoint], this.retainedCheckpoints);
    this.checkpoints = retained;
    return subsumed;
  }

  /** The most recently added entry. */
  latest(): CompletedCheckpoint | undefined {
    return this.checkpoints[this.checkpoints.length - 1];
  }

  /** Every retained entry, oldest first. */
  all(): readonly CompletedCheckpoint[] {
    return [...this.checkpoints];
  }
}

/**
 * Flink's DefaultCompletedCheckpointStore over the HA services: every completed checkpoint is
 * written to the durable store under a key of its own before it counts as added, and removed from
 * it when subsumed. Constructing one over an existing durable store recovers what an earlier
 * JobMaster left there, sorted by numeric id: this is what a new JobMaster does after a crash.
 */
export class HaCompletedCheckpointStore implements CompletedCheckpointStore {
  private readonly durable: DurableKeyValue;
  private readonly retainedCheckpoints: number;
  private readonly keyPrefix: string;
  private checkpoints: CompletedCheckpoint[];

  /**
   * @param durable - the HA services' store, which survives JobMaster crashes
   * @param retainedCheckpoints - how many to keep (at least 1)
   * @param keyPrefix - where the checkpoints live; defaults to {@link defaultCompletedCheckpointKeyPrefix}
   * @param hooks - asked before each write (the fault nemesis fails some); none for a reader
   */
  constructor(
    durable: DurableKeyValue,
    retainedCheckpoints: number,
    keyPrefix: string = defaultCompletedCheckpointKeyPrefix,
    private readonly hooks?: RuntimeHooks,
  ) {
    assertRetainedCheckpoints(retainedCheckpoints);
    this.durable = durable;
    this.retainedCheckpoints = retainedCheckpoints;
    this.keyPrefix = keyPrefix;
    this.checkpoints = this.recover();
  }

  /**
   * Writes `checkpoint` to the durable store, then subsumes the oldest entries and removes them
   * from the durable store. A failing write throws a {@link CheckpointStoreWriteError} and leaves
   * the retained list as it was; when the write may have landed (`possiblyStored`), the durable
   * store holds the checkpoint and a JobMaster that recovers later finds it.
   */
  addCheckpointAndSubsumeOldest(checkpoint: CompletedCheckpoint): CompletedCheckpoint[] {
    const key = this.keyFor(checkpoint.checkpointId);
    // The coordinator's completions only: a savepoint added at a resume is outside the fault model.
    const verdict = checkpoint.type === 'checkpoint' ? (this.hooks?.haWrite('completed-checkpoint', key) ?? 'proceed') : 'proceed';
    if (verdict === 'fail') throw new CheckpointStoreWriteError(`the HA store refused the write of ${key}`, false);
    this.durable.put(key, completedCheckpointRecordView(checkpoint));
    if (verdict === 'ambiguous') throw new CheckpointStoreWriteError(`the write of ${key} to the HA store had no answer; it may have landed`, true);
    const { retained, subsumed } = subsumeOldest([...this.checkpoints, checkpoint], this.retainedCheckpoints);
    this.checkpoints = retained;
    for (const old of subsumed) this.durable.remove(this.keyFor(old.checkpointId));
    return subsumed;
  }

  /** The most recently added (or, after recovery, the highest-id) entry. */
  latest(): CompletedCheckpoint | undefined {
    return this.checkpoints[this.checkpoints.length - 1];
  }

  /** Every retained entry, oldest first. */
  all(): readonly CompletedCheckpoint[] {
    return [...this.checkpoints];
  }

  private recover(): CompletedCheckpoint[] {
    const recovered = this.durable.keys(this.keyPrefix).map((key) => {
      const checkpoint = fromDetachedCompletedCheckpointRecord(this.durable.get(key), key);
      if (key !== this.keyFor(checkpoint.checkpointId)) {
        throw new Error(`durable key ${key} holds checkpoint ${checkpoint.checkpointId}`);
      }
      return checkpoint;
    });
    return recovered.sort((left, right) => left.checkpointId - right.checkpointId);
  }

  private keyFor(checkpointId: number): string {
    return `${this.keyPrefix}${String(checkpointId).padStart(checkpointIdDigits, '0')}`;
  }
}

function assertRetainedCheckpoints(retainedCheckpoints: number): void {
  if (!Number.isSafeInteger(retainedCheckpoints) || retainedCheckpoints < 1) {
    throw new Error(`retainedCheckpoints must be an integer of at least 1, got ${retainedCheckpoints}`);
  }
}
