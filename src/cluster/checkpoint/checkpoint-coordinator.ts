import { bugOn } from '../planted-bugs.js';
import type { AcknowledgeResult, JobStatus } from '../observations.js';
import { CheckpointAborts } from './checkpoint-aborts.js';
import { CheckpointCompletion } from './checkpoint-completion.js';
import { CheckpointFailureManager } from './checkpoint-failure-manager.js';
import type { CheckpointDone } from './checkpoint-result.js';
import { assertValidConfig } from './coordinator-helpers.js';
import { CoordinatorState, type CoordinatorSteps } from './coordinator-state.js';
import { masterHookStatesOf, operatorCoordinatorStatesOf } from './master-hook-states.js';
import type { CoordinatorPorts } from './ports.js';
import { TriggerRequestQueue } from './trigger-request-queue.js';
import type { CheckpointConfig, CheckpointFailureReason, CompletedCheckpoint, SubtaskStateSnapshot } from './types.js';

/** Job statuses after which the job runs no more (Flink's globally terminal states). */
const terminalStatuses: ReadonlySet<JobStatus> = new Set<JobStatus>(['FINISHED', 'FAILED', 'CANCELED']);

/** Tuning that is not part of Flink's checkpoint configuration; every field has a default. */
export interface CheckpointCoordinatorOptions {
  /** Bound on queued trigger requests (Flink's 1000). */
  readonly maxQueuedRequests?: number;
  /** Planted bugs switched on (see cluster/planted-bugs.ts); empty for the correct protocol. */
  readonly plantedBugs?: readonly string[];
  /** The failure reasons the failure manager counts (types.ts' countedFailureReasons). */
  readonly countedFailureReasons?: ReadonlySet<CheckpointFailureReason>;
  /**
   * Prefix of this coordinator's trigger request ids, so ids stay unique across the coordinators
   * of one run (the JobMaster passes its leader epoch); default ''.
   */
  readonly requestIdPrefix?: string;
}

/** Checkpoint totals since the coordinator was created, for run statistics. */
export interface CheckpointCounts {
  /** Checkpoints and savepoints that got an id and a PendingCheckpoint. */
  readonly triggered: number;
  readonly completed: number;
  readonly aborted: number;
}

/**
 * Flink's CheckpointCoordinator: schedules and triggers checkpoints and savepoints, collects the
 * tasks' acknowledgements, completes or aborts each checkpoint, keeps the completed ones in the
 * store, tells the tasks the outcome and restores state after a failover.
 *
 * This class is the public face and the life cycle (scheduler, restore, shutdown); the work is
 * done by its modules over one shared {@link CoordinatorState}: trigger requests and their queue
 * (trigger-request-queue.ts), the asynchronous trigger chain (trigger-chain.ts), acknowledgement and completion (checkpoint-completion.ts), and aborts
 * (checkpoint-aborts.ts).
 *
 * Everything runs inside simulation events: asynchronous work (the trigger chain's steps, master
 * hooks, operator coordinators, metadata finalisation, timers) completes through callbacks from
 * the ports, never through Promises.
 */
export class CheckpointCoordinator {
  private readonly state: CoordinatorState;
  private readonly triggerChain: TriggerRequestQueue;
  private readonly completion: CheckpointCompletion;
  private readonly aborts: CheckpointAborts;

  /**
   * @param config - Flink's checkpoint configuration (see defaultCheckpointConfig)
   * @param ports - everything the coordinator talks to
   * @param options - tuning beyond Flink's configuration
   */
  constructor(config: CheckpointConfig, ports: CoordinatorPorts, options: CheckpointCoordinatorOptions = {}) {
    assertValidConfig(config);
    const bugs = options.plantedBugs ?? [];
    const baseIntervalUs = config.intervalUs === 0 ? 0 : Math.max(config.intervalUs, config.minPauseBetweenCheckpointsUs);
    const failureManager = new CheckpointFailureManager({
      tolerableCheckpointFailures: config.tolerableCheckpointFailures,
      failJob: (cause) => {
        ports.observations.publish({ type: 'job-failure-requested', origin: 'checkpoint-failure-manager', cause, failingTask: undefined, failingAttempt: undefined });
        ports.callbacks.failJob(cause);
      },
      failJobDueToTaskFailure: (cause, task, attempt) => {
        ports.observations.publish({ type: 'job-failure-requested', origin: 'checkpoint-failure-manager', cause, failingTask: task, failingAttempt: attempt });
        ports.callbacks.failJobDueToTaskFailure(cause, task, attempt);
      },
      ...(options.countedFailureReasons === undefined ? {} : { countedReasons: options.countedFailureReasons }),
      plantedBugs: bugs,
    });
    const steps: CoordinatorSteps = {
      abortPendingCheckpoint: (pending, reason, declinedBy, keepState, unreported) => this.aborts.abortPendingCheckpoint(pending, reason, declinedBy, keepState, unreported),
      reportFailure: (failure) => this.aborts.reportFailure(failure),
      completePendingCheckpoint: (pending) => this.completion.completePendingCheckpoint(pending),
      scheduleTriggerRequest: () => this.triggerChain.scheduleTriggerRequest(),
      onPendingCheckpointAborted: (pending) => this.triggerChain.chain.onPendingCheckpointAborted(pending),
    };
    this.state = new CoordinatorState(config, ports, bugs, baseIntervalUs, failureManager, steps);
    this.aborts = new CheckpointAborts(this.state);
    this.completion = new CheckpointCompletion(this.state);
    this.triggerChain = new TriggerRequestQueue(this.state, {
      requestIdPrefix: options.requestIdPrefix ?? '',
      ...(options.maxQueuedRequests === undefined ? {} : { maxQueuedRequests: options.maxQueuedRequests }),
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Accessors

  /** Ids of the pending checkpoints, ascending. */
  get pendingCheckpointIds(): number[] {
    return [...this.state.pendingById.keys()].sort((left, right) => left - right);
  }

  /** How many checkpoints are pending (including those whose metadata is being written). */
  get numberOfPendingCheckpoints(): number {
    return this.state.pendingById.size;
  }

  /** The id of the latest checkpoint in the completed store (savepoints are not stored). */
  get latestCompletedCheckpointId(): number | undefined {
    return this.state.latestCompletedCheckpointId;
  }

  /** Trigger requests waiting in the request decider's queue. */
  get numberOfQueuedRequests(): number {
    return this.triggerChain.numberOfQueuedRequests;
  }

  /** Totals of triggered, completed and aborted checkpoints. */
  get counts(): CheckpointCounts {
    return { triggered: this.state.triggeredCount, completed: this.state.completedCount, aborted: this.state.abortedCount };
  }

  /** The consecutive counted failures the failure manager holds. */
  get continuousFailureCount(): number {
    return this.state.failureManager.continuousFailureCount;
  }

  /** Whether the periodic scheduler runs (between a start and a stop). */
  get isPeriodicCheckpointingStarted(): boolean {
    return this.state.periodicScheduling;
  }

  /** When the periodic trigger fires next, if it is scheduled. */
  get nextPeriodicTriggerTimeUs(): number | undefined {
    return this.triggerChain.periodicTrigger?.nextTriggerTimeUs;
  }

  /** Flink's isTriggering: a trigger chain is in flight, so every other request waits in the queue. */
  get isTriggering(): boolean {
    return this.state.triggering;
  }

  /** Whether {@link CheckpointCoordinator.shutdown} was called: nothing is triggered any more. */
  get isShutdown(): boolean {
    return this.state.shutDown;
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduling

  /**
   * Starts periodic checkpoints: the first after a random delay in [minPause, interval], then at a
   * fixed rate. Starting again first stops (and so aborts what is pending), as Flink does.
   */
  startCheckpointScheduler(): void {
    if (this.state.shutDown) throw new Error('cannot start the checkpoint scheduler: the coordinator is shut down');
    const trigger = this.triggerChain.periodicTrigger;
    if (trigger === undefined) throw new Error('cannot start the checkpoint scheduler: no checkpoint interval is configured');
    if (this.state.periodicScheduling) this.stopCheckpointScheduler();
    this.state.periodicScheduling = true;
    trigger.scheduleAfter(this.state.ports.clock.randomBetween(this.state.config.minPauseBetweenCheckpointsUs, this.state.baseIntervalUs));
  }

  /** Stops periodic checkpoints and aborts queued and pending ones with CHECKPOINT_COORDINATOR_SUSPEND. */
  stopCheckpointScheduler(): void {
    if (!bugOn(this.state.bugs, 'coordinator-triggers-after-stop')) {
      this.state.periodicScheduling = false;
      this.triggerChain.periodicTrigger?.cancel();
    }
    this.abortPendingAndQueuedCheckpoints('CHECKPOINT_COORDINATOR_SUSPEND');
  }

  /**
   * Flink's CheckpointCoordinatorDeActivator, the job-status listener: RUNNING starts the periodic
   * scheduler, any other status stops it. Without a checkpoint interval Flink registers no
   * listener, so then (and after shutdown) status changes are ignored.
   */
  jobStatusChanges(status: JobStatus): void {
    if (terminalStatuses.has(status) && !this.state.shutDown) {
      // Flink shuts its coordinator down when the job reaches a terminal status, so a chain still
      // waiting for its PendingCheckpoint fails the re-check with CHECKPOINT_COORDINATOR_SHUTDOWN;
      // the run ends with the job, so that answer is given now.
      this.triggerChain.chain.shutdown();
    }
    if (this.triggerChain.periodicTrigger === undefined || this.state.shutDown) return;
    if (status === 'RUNNING') this.startCheckpointScheduler();
    else this.stopCheckpointScheduler();
  }

  // ---------------------------------------------------------------------------------------------
  // Triggering

  /**
   * Requests a checkpoint; `isPeriodic` marks requests of the scheduler (min pause applies to them).
   * Returns the request id its checkpoint-trigger-answered observation names.
   */
  triggerCheckpoint(isPeriodic: boolean, done?: CheckpointDone): string {
    return this.triggerChain.submit('checkpoint', isPeriodic, done);
  }

  /** Requests a savepoint: not stored, not notified, never subsumed. Returns the request id. */
  triggerSavepoint(done?: CheckpointDone): string {
    return this.triggerChain.submit('savepoint', false, done);
  }

  /**
   * Requests the synchronous savepoint of stop-with-savepoint: notified on completion; a task
   * decline fails the job. With `drain`, sources end their input before taking it. Returns the
   * request id.
   */
  triggerSynchronousSavepoint(done?: CheckpointDone, drain = false): string {
    return this.triggerChain.submit('sync-savepoint', false, done, drain);
  }

  // ---------------------------------------------------------------------------------------------
  // Acknowledgements and declines

  /**
   * Handles a task's acknowledgement. Duplicates are ignored; the state of an acknowledgement that
   * is not taken (unknown task or attempt, unknown, expired or aborted checkpoint) is discarded,
   * except for handles that a completed checkpoint or savepoint still owns.
   */
  receiveAcknowledgeMessage(task: string, attempt: number, checkpointId: number, state: SubtaskStateSnapshot): AcknowledgeResult {
    return this.completion.receiveAcknowledgeMessage(task, attempt, checkpointId, state);
  }

  /**
   * Handles a task's decline: the whole checkpoint is aborted with the task's reason (Flink
   * reports the reason the task declined with), which the failure manager judges as a task-side
   * failure. Like Flink, the attempt is not checked.
   */
  receiveDeclineMessage(task: string, attempt: number, checkpointId: number, reason: CheckpointFailureReason): void {
    this.completion.receiveDeclineMessage(task, attempt, checkpointId, reason);
  }

  // ---------------------------------------------------------------------------------------------
  // Aborting

  /** Aborts every pending checkpoint (the JobMaster does this at failover, with JOB_FAILOVER_REGION). */
  abortPendingCheckpoints(reason: CheckpointFailureReason): void {
    this.aborts.abortPendingCheckpoints(reason);
  }

  private abortPendingAndQueuedCheckpoints(reason: CheckpointFailureReason): void {
    this.triggerChain.abortQueuedRequests(reason);
    this.aborts.abortPendingCheckpoints(reason);
  }

  // ---------------------------------------------------------------------------------------------
  // Restore and shutdown

  /**
   * Returns the latest completed checkpoint to restore from (or undefined when there is none) and
   * hands every master hook, then the operator coordinators, their state from it. Pending checkpoints must have been aborted first.
   */
  restoreLatestCheckpointedState(): CompletedCheckpoint | undefined {
    const { ports, bugs } = this.state;
    if (this.state.shutDown) throw new Error('cannot restore: the coordinator is shut down');
    const latest = bugOn(bugs, 'restore-oldest-retained-checkpoint') ? ports.store.all()[0] : ports.store.latest();
    if (latest === undefined) {
      // As Flink: with nothing to restore, every master hook is reset to its initial state.
      for (const hook of ports.masterHooks) hook.reset?.();
      this.state.operatorCoordinators.resetToCheckpoint(undefined, []);
      return undefined;
    }
    const states = masterHookStatesOf(latest);
    for (const hook of ports.masterHooks) {
      hook.restoreCheckpoint(latest.checkpointId, states.find((entry) => entry.identifier === hook.identifier)?.state);
    }
    this.state.operatorCoordinators.resetToCheckpoint(latest.checkpointId, operatorCoordinatorStatesOf(latest));
    return latest;
  }

  /**
   * Resumes from `savepoint`: adds it to the completed store (so later failovers fall back to it),
   * moves the id counter above it (never down: ids only increase) and restores from the latest.
   */
  restoreSavepoint(savepoint: CompletedCheckpoint): CompletedCheckpoint | undefined {
    const { ports } = this.state;
    if (this.state.shutDown) throw new Error('cannot restore a savepoint: the coordinator is shut down');
    if (!ports.store.all().some((checkpoint) => checkpoint.checkpointId === savepoint.checkpointId)) {
      // As Flink: its shared state registers before it goes into the store, whose subsumption may unregister some.
      ports.sharedState?.resumedFrom(savepoint);
      const subsumed = ports.store.addCheckpointAndSubsumeOldest(savepoint);
      ports.sharedState?.storeChanged(ports.store.all(), savepoint);
      this.completion.removeSubsumedFromStore(subsumed);
    }
    const { idCounter } = ports;
    idCounter.setCount(Math.max(idCounter.get(), savepoint.checkpointId + 1));
    return this.restoreLatestCheckpointedState();
  }

  /** Shuts the coordinator down for good: queued and pending checkpoints abort with CHECKPOINT_COORDINATOR_SHUTDOWN. */
  shutdown(): void {
    if (this.state.shutDown) return;
    this.state.shutDown = true;
    this.state.periodicScheduling = false;
    this.triggerChain.periodicTrigger?.cancel();
    this.triggerChain.cancelQueuedRequestTimer();
    this.triggerChain.abortQueuedRequests('CHECKPOINT_COORDINATOR_SHUTDOWN');
    this.triggerChain.chain.shutdown();
    this.aborts.abortPendingCheckpoints('CHECKPOINT_COORDINATOR_SHUTDOWN');
    for (const hook of this.state.ports.masterHooks) hook.close?.();
  }
}
