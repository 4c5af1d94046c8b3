import type { CheckpointIdCounter, DurableKeyValue } from './ports.js';

/** Flink's CheckpointIDCounter.INITIAL_CHECKPOINT_ID: the first id a job ever uses. */
export const initialCheckpointId = 1;

/** The key the HA counter keeps the next checkpoint id under, unless told otherwise. */
export const defaultCheckpointIdCounterKey = 'checkpoint-id-counter';

/**
 * Flink's StandaloneCheckpointIDCounter: the next checkpoint id, in memory only. A JobMaster crash
 * loses it, which is why a job with HA uses {@link HaCheckpointIdCounter}.
 */
export class StandaloneCheckpointIdCounter implements CheckpointIdCounter {
  private next = initialCheckpointId;

  /** Returns the next id and advances the counter. */
  getAndIncrement(): number {
    const id = this.next;
    this.next = id + 1;
    return id;
  }

  /** The next id, without advancing. */
  get(): number {
    return this.next;
  }

  /** Sets the next id (after restoring from a savepoint). */
  setCount(next: number): void {
    this.next = checkedCount(next);
  }
}

/**
 * Flink's ZooKeeper / Kubernetes checkpoint id counter: the next id lives in the HA services'
 * durable key-value store, so a new JobMaster after a crash continues strictly above every id the
 * old one handed out.
 */
export class HaCheckpointIdCounter implements CheckpointIdCounter {
  private readonly durable: DurableKeyValue;
  private readonly key: string;

  /**
   * @param durable - the HA services' store, which survives JobMaster crashes
   * @param key - where the next id is kept; defaults to {@link defaultCheckpointIdCounterKey}
   */
  constructor(durable: DurableKeyValue, key: string = defaultCheckpointIdCounterKey) {
    this.durable = durable;
    this.key = key;
  }

  /** Returns the next id and persists its successor before handing it out. */
  getAndIncrement(): number {
    const id = this.get();
    this.durable.put(this.key, id + 1);
    return id;
  }

  /** The next id, as persisted ({@link initialCheckpointId} when nothing is persisted yet). */
  get(): number {
    const stored = this.durable.get(this.key);
    if (stored === undefined) return initialCheckpointId;
    if (typeof stored !== 'number') throw new Error(`checkpoint id counter at ${this.key} holds a non-number: ${String(stored)}`);
    return checkedCount(stored);
  }

  /** Persists `next` as the next id. */
  setCount(next: number): void {
    this.durable.put(this.key, checkedCount(next));
  }
}

function checkedCount(next: number): number {
  if (!Number.isSafeInteger(next) || next < initialCheckpointId) {
    throw new Error(`the next checkpoint id must be an integer of at least ${initialCheckpointId}, got ${next}`);
  }
  return next;
}
