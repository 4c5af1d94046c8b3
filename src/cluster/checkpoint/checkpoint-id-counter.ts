import type { RuntimeHooks } from '../hooks.js';
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
   * @param hooks - asked before each increment (the fault nemesis fails some); none for a reader
   */
  constructor(
    durable: DurableKeyValue,
    key: string = defaultCheckpointIdCounterKey,
    private readonly hooks?: RuntimeHooks,
  ) {
    this.durable = durable;
    this.key = key;
  }

  /**
   * Returns the next id and persists its successor before handing it out. A failed HA write
   * throws and hands out nothing; so does one whose outcome is unknown, and then the successor
   * may have landed, so the id is skipped (ZooKeeper's shared counter behaves the same).
   */
  getAndIncrement(): number {
    const verdict = this.hooks?.haWrite('id-counter', this.key) ?? 'proceed';
    if (verdict === 'fail') throw new Error(`the HA store refused the increment of ${this.key}`);
    const id = this.get();
    this.durable.put(this.key, id + 1);
    if (verdict === 'ambiguous') throw new Error(`the increment of ${this.key} in the HA store had no answer; it may have landed`);
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
