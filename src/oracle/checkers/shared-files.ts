import type { Observation } from '../../cluster/observations.js';

/** Where shared files of incremental checkpoints live in checkpoint storage (Flink's `shared/`). */
const sharedPrefix = 'shared/';

/**
 * What the oracle knows of the shared files of incremental checkpoints, from observations only:
 * which JobMaster registry registered each file, the newest checkpoint that used it there, how
 * far each registry unregistered, and which files a registry may never delete. It answers the
 * storage check's two questions for shared files, with Flink 1.20's deliberate exceptions:
 *
 * - A file no retained checkpoint refers to may stay when (a) no JobMaster ever registered it
 *   (its acknowledgement was lost or refused, or the JobMaster went first: Flink has no owner for
 *   such uploads and leaves them, FLINK-24852 being its open garbage-collection issue); (b) its
 *   registry restored it in NO_CLAIM mode (a new JobMaster of a job started without a snapshot
 *   recovers its checkpoints so, and never deletes their files: FLINK-26985's rule); or (c) its
 *   registry has not unregistered past the newest checkpoint that used it (it deletes files only
 *   when a checkpoint completes: an aborted checkpoint's files wait for the next completion, and
 *   a JobMaster that lost leadership never gets there).
 * - A file a retained checkpoint refers to may be gone only when a later job run claimed it
 *   (resumed in CLAIM mode from a checkpoint using it, which hands its files to the new run:
 *   Flink warns that the older checkpoints sharing them are then not safe to use) and the
 *   retained checkpoint is older than the claimed one.
 */
export class SharedFileLedger {
  /** Files registered and not unregistered since: the registry that last registered each, and the newest checkpoint that used it there. */
  private readonly live = new Map<string, { readonly registry: number; checkpointId: number }>();
  /** Files some registry registered at some point. */
  private readonly everRegistered = new Set<string>();
  /** Files whose registry unregistered past their last use after it last registered them: they must be gone. */
  private readonly unregistered = new Set<string>();
  private readonly keptForever = new Set<string>();
  /** File -> the checkpoint a later run resumed from in CLAIM mode, taking the file over. */
  private readonly claimedBy = new Map<string, number>();

  observe(observation: Observation): void {
    switch (observation.type) {
      case 'shared-state-registered':
        for (const key of observation.keys) this.used(key, observation.registry, observation.checkpointId);
        return;
      case 'shared-state-restored':
        for (const key of observation.keys) {
          this.used(key, observation.registry, observation.checkpointId);
          if (observation.mode === 'NO_CLAIM') this.keptForever.add(key);
          else if (observation.origin === 'resume') this.claimedBy.set(key, Math.max(this.claimedBy.get(key) ?? 0, observation.checkpointId));
        }
        return;
      case 'shared-state-unregistered':
        for (const [key, use] of this.live) {
          if (use.registry !== observation.registry || use.checkpointId >= observation.lowestCheckpointId) continue;
          this.live.delete(key);
          if (!this.keptForever.has(key)) this.unregistered.add(key);
        }
        return;
      default:
        return;
    }
  }

  /** Why `key`, left in storage with no retained checkpoint referring to it, may stay; undefined when it should be gone. */
  excuseForLeftover(key: string): string | undefined {
    if (!key.startsWith(sharedPrefix)) return undefined;
    if (!this.everRegistered.has(key)) return 'no JobMaster registered it';
    if (this.keptForever.has(key)) return 'a JobMaster restored it in NO_CLAIM mode';
    if (!this.unregistered.has(key)) return 'its registry has not unregistered past the newest checkpoint that used it';
    return undefined;
  }

  /** Why `key`, referred to by retained checkpoint `checkpointId`, may be gone; undefined when it must exist. */
  excuseForMissing(key: string, checkpointId: number): string | undefined {
    const claimed = this.claimedBy.get(key);
    return claimed !== undefined && checkpointId < claimed ? `a later run claimed it with checkpoint ${claimed}` : undefined;
  }

  /**
   * True when a registry refused a placeholder for `key` because it had unregistered the file:
   * Flink 1.20's own race with concurrent checkpoints. A snapshot taken before checkpoint N was
   * confirmed uploads its files again; once confirmed, a later snapshot refers to N's copies; a
   * checkpoint completing in between subsumes N and deletes the copies only N used, and the later
   * acknowledgement is refused (its checkpoint expires). A file no registry ever registered is no
   * such race: a task referred to a file nobody confirmed.
   */
  refusedAfterUnregistering(key: string): boolean {
    return this.everRegistered.has(key) && this.unregistered.has(key);
  }

  private used(key: string, registry: number, checkpointId: number): void {
    this.everRegistered.add(key);
    this.unregistered.delete(key);
    const use = this.live.get(key);
    if (use === undefined || use.registry !== registry) this.live.set(key, { registry, checkpointId });
    else use.checkpointId = Math.max(use.checkpointId, checkpointId);
  }
}
