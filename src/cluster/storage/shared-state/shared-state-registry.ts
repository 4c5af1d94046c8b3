import type { SharedStateHandle } from './handles.js';

/**
 * Flink's RestoreMode (RecoveryClaimMode since 2.0) as far as the registry cares: in CLAIM mode
 * the job owns the snapshot it restored and may delete its files once unused; in NO_CLAIM mode
 * (Flink's default, also what a job started without a snapshot runs in) the files of the
 * checkpoints it restored are never deleted by it.
 */
export type RestoreMode = 'CLAIM' | 'NO_CLAIM';

/** Flink's IllegalStateException "Attempt to reference unknown state": a placeholder for a file the registry does not hold. */
export class UnknownSharedStateError extends Error {
  override readonly name = 'UnknownSharedStateError';

  constructor(readonly registrationKey: string) {
    super(`attempt to reference unknown shared state ${registrationKey}`);
  }
}

/** Flink's IllegalStateException "StateObjects underlying same key should be equal": two files under one registration key. */
export class ConflictingSharedStateError extends Error {
  override readonly name = 'ConflictingSharedStateError';

  constructor(
    readonly registrationKey: string,
    readonly registered: string,
    readonly offered: string,
  ) {
    super(`shared state ${registrationKey} is registered as ${registered}, not ${offered}`);
  }
}

/** One registered file: its handle, the checkpoint that first registered it and the newest that used it. */
export interface SharedStateEntry {
  readonly handle: SharedStateHandle;
  readonly createdByCheckpointId: number;
  readonly lastUsedCheckpointId: number;
  /** A later checkpoint reuses it after a restore: the creating checkpoint stays until its files are unused (CLAIM mode). */
  readonly preventsDiscardingCreatedCheckpoint: boolean;
}

/** Anything whose shared files register under one checkpoint: a subtask's acknowledged state. */
export interface SharedStateOwner {
  readonly sharedState?: readonly SharedStateHandle[];
}

/** How a registry is built: what discards a file, and the registration rule of the planted bug it may carry. */
export interface SharedStateRegistryOptions {
  /** Deletes unused files from checkpoint storage (Flink's asynchronous disposal executor, here direct). */
  readonly discard: (handles: readonly SharedStateHandle[]) => void;
  /**
   * Planted bug shared-state-keyed-by-local-name (FLINK-29913): files register under their local
   * name, and a second file under a name already registered is taken for a duplicate and deleted,
   * as Flink's registry did before physical ids became the key.
   */
  readonly keyByLocalName?: boolean;
}

interface MutableEntry {
  handle: SharedStateHandle;
  readonly createdByCheckpointId: number;
  lastUsedCheckpointId: number;
  preventsDiscardingCreatedCheckpoint: boolean;
  /** Used by a completed checkpoint; only the planted bug's de-duplication reads it. */
  confirmed: boolean;
}

/**
 * Flink 1.20's SharedStateRegistryImpl: the JobMaster's record of the shared files of incremental
 * checkpoints. Rather than counting references it remembers, per file, the newest checkpoint that
 * used it (`lastUsedCheckpointID`); when the completed store changes, every file last used below
 * the lowest retained checkpoint goes (`unregisterUnusedState`), so files of aborted checkpoints
 * go too once a later checkpoint completes without them. Files created by a checkpoint at or
 * below the highest one restored in NO_CLAIM mode are never deleted (FLINK-26985).
 *
 * One registry per JobMaster (per completed store), as Flink scopes them per (re)start: a new
 * JobMaster rebuilds it from the checkpoints it recovers (`registerAllAfterRestored`).
 */
export class SharedStateRegistry {
  private readonly entries = new Map<string, MutableEntry>();
  private highestNotClaimedCheckpointId = -1;
  private open = true;

  constructor(private readonly options: SharedStateRegistryOptions) {}

  /** The key a handle registers under: its physical id (since FLINK-29913), or its local name under the planted bug. */
  registrationKeyOf(handle: SharedStateHandle): string {
    return this.options.keyByLocalName === true ? handle.localName : handle.key;
  }

  /**
   * Registers one use of a file by checkpoint `checkpointId` and returns the handle the
   * checkpoint should keep (the registered one, for a placeholder).
   *
   * @throws UnknownSharedStateError - a placeholder for a file the registry does not hold
   * @throws ConflictingSharedStateError - another file already registered under the key
   */
  registerReference(registrationKey: string, handle: SharedStateHandle, checkpointId: number, preventDiscardingCreatedCheckpoint = false): SharedStateHandle {
    if (!this.open) throw new Error('attempt to register state to a closed SharedStateRegistry');
    const entry = this.entries.get(registrationKey);
    if (entry === undefined) {
      if (handle.placeholder) throw new UnknownSharedStateError(registrationKey);
      this.entries.set(registrationKey, { handle, createdByCheckpointId: checkpointId, lastUsedCheckpointId: checkpointId, preventsDiscardingCreatedCheckpoint: false, confirmed: false });
      return handle;
    }
    if (!handle.placeholder && handle.key !== entry.handle.key) {
      if (this.options.keyByLocalName !== true) throw new ConflictingSharedStateError(registrationKey, entry.handle.key, handle.key);
      // The planted bug's de-duplication, as Flink's registry did between FLINK-24611 and
      // FLINK-29913: a confirmed file wins and the new upload is deleted (the registering
      // checkpoint takes the confirmed one); an unconfirmed one is replaced and deleted, although
      // the checkpoint that registered it may still complete with it.
      if (entry.confirmed) {
        this.options.discard([handle]);
      } else {
        this.options.discard([entry.handle]);
        entry.handle = handle;
      }
    }
    entry.lastUsedCheckpointId = Math.max(entry.lastUsedCheckpointId, checkpointId);
    if (preventDiscardingCreatedCheckpoint) entry.preventsDiscardingCreatedCheckpoint = true;
    return entry.handle;
  }

  /**
   * Registers every shared file of `owners` for checkpoint `checkpointId` (Flink's registerAll
   * over IncrementalRemoteKeyedStateHandle.registerSharedStates). Placeholders are checked
   * first, so an acknowledgement naming an unknown file registers nothing.
   *
   * @returns the owners' handles with placeholders replaced by the registered handles
   */
  registerAll(owners: readonly SharedStateOwner[], checkpointId: number): SharedStateHandle[][] {
    for (const owner of owners) {
      for (const handle of owner.sharedState ?? []) {
        const key = this.registrationKeyOf(handle);
        if (handle.placeholder && !this.entries.has(key)) throw new UnknownSharedStateError(key);
      }
    }
    return owners.map((owner) => (owner.sharedState ?? []).map((handle) => this.registerReference(this.registrationKeyOf(handle), handle, checkpointId)));
  }

  /**
   * Registers a checkpoint the job restored (Flink's registerAllAfterRestored): its files as used
   * by it, and, unless the job claimed it, its id as the highest not-claimed checkpoint, whose
   * files (and those of every checkpoint below it) this registry never deletes.
   */
  registerAllAfterRestored(checkpointId: number, owners: readonly SharedStateOwner[], mode: RestoreMode): void {
    this.registerAll(owners, checkpointId);
    if (mode !== 'CLAIM') this.highestNotClaimedCheckpointId = Math.max(this.highestNotClaimedCheckpointId, checkpointId);
  }

  /**
   * Forgets every file last used below `lowestCheckpointId` (the lowest checkpoint the store
   * retains, savepoints aside) and deletes those the job created. Returns the checkpoints that
   * must stay because a file they created is still used and prevents their discarding.
   */
  unregisterUnusedState(lowestCheckpointId: number): Set<number> {
    const inUse = new Set<number>();
    const unused: SharedStateHandle[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.lastUsedCheckpointId < lowestCheckpointId) {
        if (entry.createdByCheckpointId > this.highestNotClaimedCheckpointId && !entry.handle.placeholder) unused.push(entry.handle);
        this.entries.delete(key);
      } else if (entry.preventsDiscardingCreatedCheckpoint) {
        inUse.add(entry.createdByCheckpointId);
      }
    }
    if (unused.length > 0) this.options.discard(unused);
    return inUse;
  }

  /**
   * Flink calls this when a checkpoint completes. Flink 1.20's registry does nothing then; the
   * older one the planted bug models marked the files that checkpoint used as confirmed.
   */
  checkpointCompleted(checkpointId: number): void {
    if (this.options.keyByLocalName !== true) return;
    for (const entry of this.entries.values()) if (entry.lastUsedCheckpointId <= checkpointId) entry.confirmed = true;
  }

  /** The entry under `registrationKey`, if registered. */
  entry(registrationKey: string): SharedStateEntry | undefined {
    const entry = this.entries.get(registrationKey);
    return entry === undefined ? undefined : { handle: entry.handle, createdByCheckpointId: entry.createdByCheckpointId, lastUsedCheckpointId: entry.lastUsedCheckpointId, preventsDiscardingCreatedCheckpoint: entry.preventsDiscardingCreatedCheckpoint };
  }

  /** How many files are registered. */
  get size(): number {
    return this.entries.size;
  }

  /** The highest checkpoint id restored in NO_CLAIM mode (-1 when none). */
  get highestNotClaimed(): number {
    return this.highestNotClaimedCheckpointId;
  }

  /** Refuses later registrations (the job reached a globally terminal state). */
  close(): void {
    this.open = false;
  }
}
