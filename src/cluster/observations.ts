import type { CheckpointFailureReason, SnapshotType } from './checkpoint/types.js';

/**
 * Observations: the typed facts the runtime publishes as it runs. The oracle reads only these,
 * never runtime internals, so a user's own protocol implementation is judged the same way.
 * Every observation is stamped with the virtual time it happened at.
 */
export type Observation = { readonly timeUs: number } & ObservationBody;

/** Per source partition: how many records with this origin an operator has absorbed, and the highest offset. */
export interface LineageEntry {
  readonly partition: number;
  readonly count: number;
  /** Sum of the records' origin digests, modulo 2^32: additive, so channel state can be added in. */
  readonly digestSum: number;
  readonly maxOffset: number;
}

/** What a task's synchronous snapshot captured, as the oracle sees it. */
export interface SnapshotContent {
  /** Keyed state: state name -> key -> value, only for keyed operators. */
  readonly keyed: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined;
  /** Operator (non-keyed) state: source offsets, sink transactions, and so on. */
  readonly operator: Readonly<Record<string, unknown>>;
  /** The lineage of everything the operator's state has absorbed, by source partition. */
  readonly lineage: readonly LineageEntry[];
}

/** One record of in-flight data persisted by an unaligned checkpoint. */
export interface ChannelStateRecord {
  /** 'input' records sit at this task's input channel; 'output' records in its output subpartition. */
  readonly side: 'input' | 'output';
  /** The peer task on the other end of the channel. */
  readonly peer: string;
  readonly origin: { readonly partition: number; readonly offset: number };
  readonly value: unknown;
  readonly key: string | undefined;
}

export type ObservationBody =
  | { readonly type: 'job-status'; readonly status: JobStatus; readonly cause: string | undefined }
  | { readonly type: 'jobmaster-started'; readonly leaderEpoch: number; readonly recoveredCheckpointIds: readonly number[] }
  /** `requestKind`: who asked (periodic, manual, savepoint, stop-with-savepoint); absent from implementations that do not say. */
  | { readonly type: 'checkpoint-triggered'; readonly checkpointId: number; readonly checkpointType: SnapshotType; readonly timestampUs: number; readonly tasksToWaitFor: readonly string[]; readonly preAcknowledged: readonly string[]; readonly requestKind?: TriggerKind }
  | { readonly type: 'checkpoint-trigger-failed'; readonly checkpointType: SnapshotType; readonly reason: CheckpointFailureReason }
  /**
   * A trigger chain began for a request (Flink's startTriggeringCheckpoint, isTriggering set) or
   * ended (the chain's last step, or its failure; isTriggering is reset only after): one at a time.
   */
  | { readonly type: 'trigger-chain-started'; readonly requestId: string; readonly kind: TriggerKind }
  | { readonly type: 'trigger-chain-ended'; readonly requestId: string }
  /** A trigger request reached the coordinator (before the request decider sees it). */
  | { readonly type: 'checkpoint-trigger-requested'; readonly requestId: string; readonly kind: TriggerKind }
  /**
   * A trigger request's result was given to its caller (its future completed): `checkpointId` is
   * absent only for a request that failed before it had an id.
   */
  | { readonly type: 'checkpoint-trigger-answered'; readonly requestId: string; readonly kind: TriggerKind; readonly checkpointId: number | undefined; readonly outcome: 'success' | 'failure'; readonly reason: CheckpointFailureReason | undefined }
  | { readonly type: 'checkpoint-acknowledged'; readonly checkpointId: number; readonly task: string; readonly result: AcknowledgeResult }
  | { readonly type: 'checkpoint-declined'; readonly checkpointId: number; readonly task: string; readonly reason: CheckpointFailureReason }
  /** A trigger RPC for this task attempt reached its task executor (whether the attempt runs there or not). */
  | { readonly type: 'checkpoint-trigger-received'; readonly checkpointId: number; readonly task: string; readonly attempt: number }
  /** A task attempt, or its task executor for it, sent a decline to the JobMaster (observed at the sender; `checkpoint-declined` is its receipt). */
  /**
   * The task reached the barrier or trigger of a checkpoint it had already been told was aborted,
   * and broadcast its cancellation marker instead of a snapshot (Flink's
   * SubtaskCheckpointCoordinatorImpl.checkpointState for an id it recorded as aborted).
   */
  | { readonly type: 'aborted-checkpoint-skipped'; readonly checkpointId: number; readonly task: string; readonly attempt: number }
  | { readonly type: 'checkpoint-decline-sent'; readonly checkpointId: number; readonly task: string; readonly attempt: number; readonly reason: CheckpointFailureReason }
  | { readonly type: 'checkpoint-completed'; readonly checkpointId: number; readonly checkpointType: SnapshotType; readonly acknowledgedTasks: readonly string[]; readonly awaitedTasks: readonly string[]; readonly stateHandles: readonly string[] }
  /** `declinedBy`: the task attempt whose decline aborted it (a task-side failure); absent for coordinator-side aborts. */
  | { readonly type: 'checkpoint-aborted'; readonly checkpointId: number; readonly checkpointType: SnapshotType; readonly reason: CheckpointFailureReason; readonly declinedBy?: { readonly task: string; readonly attempt: number } }
  | { readonly type: 'checkpoint-removed-from-store'; readonly checkpointId: number }
  /**
   * The coordinator handed a failed checkpoint (or a trigger that failed before it had an id) to
   * its CheckpointFailureManager. `declinedBy`: the declining task attempt of a task-side failure.
   */
  | { readonly type: 'checkpoint-failure-reported'; readonly checkpointId: number | undefined; readonly checkpointType: SnapshotType; readonly reason: CheckpointFailureReason; readonly declinedBy: { readonly task: string; readonly attempt: number } | undefined }
  /**
   * The CheckpointFailureManager asked the JobMaster to fail the job (tolerance exceeded, or a
   * declined synchronous savepoint). `failingTask`/`failingAttempt`: Flink's failJobDueToTaskFailure,
   * which fails the job only while that attempt still runs; absent for failJob.
   */
  | { readonly type: 'job-failure-requested'; readonly origin: 'checkpoint-failure-manager'; readonly cause: string; readonly failingTask: string | undefined; readonly failingAttempt: number | undefined }
  /** The HA write of a completed checkpoint failed; `possiblyStored` when it may have landed (then a later JobMaster may recover it). */
  | { readonly type: 'checkpoint-store-write-failed'; readonly checkpointId: number; readonly possiblyStored: boolean; readonly stateKept: boolean; readonly acknowledgedTasks: readonly string[] }
  | { readonly type: 'checkpoint-notification-sent'; readonly checkpointId: number; readonly kind: 'complete' | 'aborted'; readonly task: string }
  | { readonly type: 'checkpoint-notification-received'; readonly checkpointId: number; readonly kind: 'complete' | 'aborted'; readonly task: string; readonly ignored: boolean }
  | { readonly type: 'barrier-received'; readonly checkpointId: number; readonly task: string; readonly channel: string; readonly priority?: true }
  | { readonly type: 'cancellation-marker-received'; readonly checkpointId: number; readonly task: string; readonly channel: string }
  | { readonly type: 'alignment-started'; readonly checkpointId: number; readonly task: string }
  | { readonly type: 'alignment-completed'; readonly checkpointId: number; readonly task: string; readonly alignmentDurationUs: number; readonly unaligned: boolean }
  | { readonly type: 'alignment-switched-to-unaligned'; readonly checkpointId: number; readonly task: string }
  | { readonly type: 'snapshot-taken'; readonly checkpointId: number; readonly task: string; readonly attempt: number; readonly unaligned: boolean; readonly content: SnapshotContent }
  | { readonly type: 'channel-state-persisted'; readonly checkpointId: number; readonly task: string; readonly records: readonly ChannelStateRecord[] }
  | { readonly type: 'snapshot-uploaded'; readonly checkpointId: number; readonly task: string; readonly handles: readonly string[] }
  | { readonly type: 'storage-written'; readonly key: string; readonly sizeBytes: number }
  /**
   * Incremental checkpoints: a JobMaster's SharedStateRegistry (`registry`: its leader epoch)
   * registered the shared files (`keys`, physical) of an acknowledgement of checkpoint
   * `checkpointId`, as used by it (Flink registers on receipt, whatever becomes of the checkpoint).
   */
  | { readonly type: 'shared-state-registered'; readonly registry: number; readonly checkpointId: number; readonly task: string; readonly keys: readonly string[] }
  /**
   * A JobMaster registered the shared files of a checkpoint it restored: `recovery` for the
   * checkpoints a new JobMaster recovers from HA, `resume` for the snapshot a new job run starts
   * from. In NO_CLAIM mode the registry never deletes them; in CLAIM mode it owns them.
   */
  | { readonly type: 'shared-state-restored'; readonly registry: number; readonly checkpointId: number; readonly keys: readonly string[]; readonly mode: 'CLAIM' | 'NO_CLAIM'; readonly origin: 'recovery' | 'resume' }
  /** The registry forgot every file last used below `lowestCheckpointId` (and deleted those it may). */
  | { readonly type: 'shared-state-unregistered'; readonly registry: number; readonly lowestCheckpointId: number }
  /** An acknowledgement named a shared file the registry refused (Flink's IllegalStateException): the acknowledgement is dropped. */
  | { readonly type: 'shared-state-registration-failed'; readonly registry: number; readonly checkpointId: number; readonly task: string; readonly key: string; readonly reason: string }
  | { readonly type: 'storage-discarded'; readonly key: string }
  | { readonly type: 'task-deployed'; readonly task: string; readonly attempt: number; readonly executor: string }
  | { readonly type: 'task-running'; readonly task: string; readonly attempt: number }
  | { readonly type: 'task-restored'; readonly task: string; readonly attempt: number; readonly checkpointId: number; readonly content: SnapshotContent; readonly channelStateRecords: number }
  /**
   * FLIP-147: a subtask that had finished in the checkpoint it restores was deployed as finished:
   * it opens no operator and reads no input, and ends at once (end of data, end of partition).
   * The oracle tells it from a subtask restored as a fresh one, which would run its input again.
   */
  | { readonly type: 'task-finished-on-restore'; readonly task: string; readonly attempt: number; readonly checkpointId: number }
  | { readonly type: 'task-finished'; readonly task: string; readonly attempt: number }
  | { readonly type: 'task-failed'; readonly task: string; readonly attempt: number; readonly cause: string }
  | { readonly type: 'task-canceled'; readonly task: string; readonly attempt: number }
  | { readonly type: 'failover'; readonly scope: 'region' | 'global'; readonly tasks: readonly string[]; readonly cause: string; readonly restoreCheckpointId: number | undefined }
  | { readonly type: 'executor-lost'; readonly executor: string; readonly cause: string }
  | { readonly type: 'source-records-emitted'; readonly task: string; readonly partition: number; readonly fromOffset: number; readonly count: number }
  /**
   * `idCheckpointId`: Sink V2's Kafka writer only, the checkpoint id its transactional id names
   * (a writer restored from checkpoint K aborts the ids above K only, Kafka's TransactionAborter).
   */
  | { readonly type: 'transaction-begun'; readonly task: string; readonly transactionId: string; readonly idCheckpointId?: number }
  | { readonly type: 'transaction-pre-committed'; readonly task: string; readonly transactionId: string; readonly checkpointId: number }
  /** `records`: what this commit made visible (0 for a repeated commit, alreadyCommitted true). */
  | { readonly type: 'transaction-committed'; readonly task: string; readonly transactionId: string; readonly checkpointId: number; readonly records: number; readonly alreadyCommitted: boolean }
  /**
   * `records`, on a commit that found the transaction already aborted or timed out: the records
   * it held, which that failed commit loses (absent for aborts that lose nothing a checkpoint counts on).
   */
  | { readonly type: 'transaction-aborted'; readonly task: string; readonly transactionId: string; readonly cause: string; readonly records?: number }
  | { readonly type: 'sink-direct-write'; readonly task: string; readonly records: number }
  /** The next job run restores at this parallelism per vertex (every vertex named): a rescale on restore (rescaling/). */
  | { readonly type: 'job-rescaled'; readonly parallelism: Readonly<Record<string, number>> }
  /** A user operation on the job (REST API or CLI) reached the cluster. */
  | { readonly type: 'job-operation-requested'; readonly operation: JobOperation }
  /** Its answer, exactly once: success with the snapshot's id, or Flink's failure reason. */
  | { readonly type: 'job-operation-answered'; readonly operation: JobOperation; readonly ok: boolean; readonly checkpointId?: number; readonly reason?: string }
  /**
   * A fault injector above the runtime fired fault `index` of its plan (published by it, never by
   * the runtime, just before the fault acts): how the oracle learns that a failure may be explained.
   */
  | {
      readonly type: 'fault-injected';
      readonly index: number;
      readonly kind: string;
      /**
       * The protocol step it fires at (aimed at a step) or within (timed: the last step the
       * component it hits announced, 'start' before any); absent from injectors that do not say.
       */
      readonly step?: string;
    }
  | SplitObservation;

/** A split of a FLIP-27 source as observations carry it: the partition, and the offset it is at. */
export interface ObservedSplit {
  readonly partition: number;
  readonly offset: number;
}

/** A FLIP-27 enumerator's state as observations carry it (the unassigned splits and the partitions discovered). */
export interface ObservedEnumeratorState {
  readonly unassigned: readonly ObservedSplit[];
  readonly discovered: readonly number[];
}

/**
 * What FLIP-27 sources publish: the enumerator's snapshots and resets and its assignments on the
 * JobMaster, the splits readers are given and finish. The split-ownership checker reads them.
 */
export type SplitObservation =
  /** The source coordinator's snapshot for a checkpoint (before any task is triggered). */
  | { readonly type: 'enumerator-snapshot-taken'; readonly operator: string; readonly checkpointId: number; readonly state: ObservedEnumeratorState }
  /** A global reset rebuilt the enumerator from a checkpoint (undefined: from nothing). */
  | { readonly type: 'enumerator-reset'; readonly operator: string; readonly checkpointId: number | undefined; readonly state: ObservedEnumeratorState }
  | { readonly type: 'splits-assigned'; readonly operator: string; readonly subtask: number; readonly attempt: number; readonly splits: readonly ObservedSplit[] }
  /** Splits of a restored reader returned to the enumerator (addSplitsBack). */
  | { readonly type: 'splits-added-back'; readonly operator: string; readonly subtask: number; readonly restoredCheckpointId: number | undefined; readonly splits: readonly ObservedSplit[] }
  /** A reader took splits from an AddSplitEvent. */
  | { readonly type: 'splits-added'; readonly task: string; readonly attempt: number; readonly splits: readonly ObservedSplit[] }
  /**
   * A coordinator checkpoint took over the operator events still unconfirmed (it waits for them;
   * no later checkpoint does: Flink's IncompleteFuturesTracker.getCurrentIncompleteAndReset).
   */
  | { readonly type: 'coordinator-events-awaited'; readonly operator: string; readonly checkpointId: number; readonly events: readonly { readonly task: string; readonly attempt: number; readonly kind: string }[] }
  /** A reader read a split to its end and dropped it. */
  | { readonly type: 'split-finished'; readonly task: string; readonly attempt: number; readonly partition: number; readonly endOffset: number };

/** Operations a user runs on a job, as the cluster's entry points name them. */
export type JobOperation = 'savepoint' | 'checkpoint' | 'stop-with-savepoint' | 'stop-with-savepoint-drain' | 'cancel';

export type ObservationType = ObservationBody['type'];

/**
 * Who asked for a checkpoint: the periodic scheduler, a user's manual checkpoint, a plain
 * savepoint, or the synchronous savepoint of stop-with-savepoint.
 */
export type TriggerKind = 'periodic' | 'manual' | 'savepoint' | 'stop-with-savepoint';

/** The result of CheckpointCoordinator.receiveAcknowledgeMessage, as in Flink. */
export type AcknowledgeResult = 'SUCCESS' | 'DUPLICATE' | 'UNKNOWN' | 'DISCARDED';

/** Flink's JobStatus, the states this runtime uses. */
export type JobStatus =
  | 'CREATED'
  | 'RUNNING'
  | 'FAILING'
  | 'RESTARTING'
  | 'CANCELLING'
  | 'CANCELED'
  | 'FINISHED'
  | 'FAILED'
  | 'SUSPENDED';

/** A subscriber to observations. */
export type ObservationListener = (observation: Observation) => void;

/**
 * The runtime's observation bus. Publishing with no subscribers costs one array length check,
 * so the runtime can publish freely.
 */
export class ObservationBus {
  private readonly listeners: ObservationListener[] = [];
  private readonly clock: () => number;

  constructor(clock: () => number) {
    this.clock = clock;
  }

  subscribe(listener: ObservationListener): void {
    this.listeners.push(listener);
  }

  get active(): boolean {
    return this.listeners.length > 0;
  }

  publish(body: ObservationBody): void {
    if (this.listeners.length === 0) return;
    const observation = { timeUs: this.clock(), ...body } as Observation;
    for (const listener of this.listeners) listener(observation);
  }
}

/**
 * The checkpoint id a Sink V2 writer gives the committables it prepares at end of input (Flink's
 * Long.MAX_VALUE, CommittableMessage.EOI): they are committed with the final checkpoint.
 */
export const endOfInputCheckpointId = Number.MAX_SAFE_INTEGER;
