import type { CompletedCheckpoint, SubtaskStateSnapshot } from '../../checkpoint/types.js';
import type { ObservationBus } from '../../observations.js';
import { bugOn } from '../../planted-bugs.js';
import { ConflictingSharedStateError, SharedStateRegistry, UnknownSharedStateError, type RestoreMode } from './shared-state-registry.js';

/** The answer to an acknowledgement's registration: the state to keep (placeholders resolved), or why the registry refused it. */
export type RegistrationResult = { readonly ok: true; readonly state: SubtaskStateSnapshot } | { readonly ok: false; readonly reason: string };

/**
 * What the CheckpointCoordinator asks of the shared-state side of its completed store (Flink's
 * `completedCheckpointStore.getSharedStateRegistry()` and the store's unregistering).
 */
export interface SharedStatePort {
  /**
   * An acknowledgement reached the coordinator, before it is matched with its checkpoint: as in
   * Flink 1.20, its shared files register now whatever becomes of the checkpoint (kept if the
   * message is late or the task uses them again, removed on subsumption), except a savepoint's.
   */
  acknowledged(checkpointId: number, state: SubtaskStateSnapshot, savepoint: boolean): RegistrationResult;
  /** The completed store changed (`added` went in): files last used below its lowest retained checkpoint go. */
  storeChanged(retained: readonly CompletedCheckpoint[], added: CompletedCheckpoint): void;
  /** A new job run starts from `checkpoint` (CLAIM mode, as ckptsim's runs resume), before it goes into the store. */
  resumedFrom(checkpoint: CompletedCheckpoint): void;
}

/** How a JobMaster's shared-state side is built. */
export interface SharedStateLifecycleOptions {
  /** The registry's id in observations: the JobMaster's leader epoch. */
  readonly registryId: number;
  readonly observations: ObservationBus;
  readonly plantedBugs: readonly string[];
  /** Deletes files from checkpoint storage. */
  readonly discard: (keys: readonly string[]) => void;
}

/**
 * One JobMaster's SharedStateRegistry with the coordinator's uses of it, in Flink 1.20's order:
 * registration when an acknowledgement arrives, unregistering after every change of the completed
 * store (`AbstractCompleteCheckpointStore.unregisterUnusedState` over the lowest retained
 * checkpoint that is not a savepoint), and registration of restored checkpoints.
 */
export class SharedStateLifecycle implements SharedStatePort {
  readonly registry: SharedStateRegistry;
  private readonly registryId: number;
  private readonly observations: ObservationBus;
  private readonly bugs: readonly string[];

  constructor(options: SharedStateLifecycleOptions) {
    this.registryId = options.registryId;
    this.observations = options.observations;
    this.bugs = options.plantedBugs;
    this.registry = new SharedStateRegistry({
      discard: (handles) => options.discard(handles.map((handle) => handle.key)),
      keyByLocalName: bugOn(this.bugs, 'shared-state-keyed-by-local-name'),
    });
  }

  /**
   * The checkpoints a new JobMaster recovered from HA, registered in the run's restore mode: a
   * run started without a snapshot runs in Flink's default NO_CLAIM mode, so this registry never
   * deletes their files (FLINK-26985's rule, which leaves them behind); a resumed run claimed its
   * snapshot.
   */
  recovered(checkpoints: readonly CompletedCheckpoint[], mode: RestoreMode): void {
    for (const checkpoint of [...checkpoints].sort((left, right) => left.checkpointId - right.checkpointId)) this.restore(checkpoint, mode, 'recovery');
  }

  resumedFrom(checkpoint: CompletedCheckpoint): void {
    this.restore(checkpoint, 'CLAIM', 'resume');
  }

  acknowledged(checkpointId: number, state: SubtaskStateSnapshot, savepoint: boolean): RegistrationResult {
    if (savepoint || state.sharedState === undefined || state.sharedState.length === 0) return { ok: true, state };
    // Planted bug shared-state-registered-after-store-add: nothing registers before completion.
    if (bugOn(this.bugs, 'shared-state-registered-after-store-add')) return { ok: true, state };
    return this.register(checkpointId, state);
  }

  storeChanged(retained: readonly CompletedCheckpoint[], added: CompletedCheckpoint): void {
    this.registry.checkpointCompleted(added.checkpointId);
    const lowest = retained.find((checkpoint) => checkpoint.type === 'checkpoint');
    if (lowest !== undefined) {
      this.registry.unregisterUnusedState(lowest.checkpointId);
      this.observations.publish({ type: 'shared-state-unregistered', registry: this.registryId, lowestCheckpointId: lowest.checkpointId });
    }
    if (bugOn(this.bugs, 'shared-state-registered-after-store-add') && added.type === 'checkpoint') {
      for (const state of added.subtaskStates.values()) if ((state.sharedState?.length ?? 0) > 0) this.register(added.checkpointId, state);
    }
  }

  private register(checkpointId: number, state: SubtaskStateSnapshot): RegistrationResult {
    try {
      const [resolved] = this.registry.registerAll([state], checkpointId);
      const sharedState = resolved ?? [];
      this.observations.publish({ type: 'shared-state-registered', registry: this.registryId, checkpointId, task: state.taskName, keys: sharedState.map((handle) => handle.key) });
      return { ok: true, state: { ...state, sharedState } };
    } catch (error) {
      if (!(error instanceof UnknownSharedStateError) && !(error instanceof ConflictingSharedStateError)) throw error;
      this.observations.publish({ type: 'shared-state-registration-failed', registry: this.registryId, checkpointId, task: state.taskName, key: error.registrationKey, reason: error.message });
      return { ok: false, reason: error.message };
    }
  }

  private restore(checkpoint: CompletedCheckpoint, mode: RestoreMode, origin: 'recovery' | 'resume'): void {
    const owners = [...checkpoint.subtaskStates.values()].filter((state) => (state.sharedState?.length ?? 0) > 0);
    if (checkpoint.type !== 'checkpoint' || owners.length === 0) return;
    this.registry.registerAllAfterRestored(checkpoint.checkpointId, owners, mode);
    const keys = owners.flatMap((state) => (state.sharedState ?? []).map((handle) => handle.key));
    this.observations.publish({ type: 'shared-state-restored', registry: this.registryId, checkpointId: checkpoint.checkpointId, keys, mode, origin });
  }
}
