import { bugOn } from '../planted-bugs.js';
import type { AcknowledgeResult, JobStatus, TriggerKind } from '../observations.js';
import { CheckpointFailureManager, type CheckpointFailure } from './checkpoint-failure-manager.js';
import { calculateCheckpointPlan } from './checkpoint-plan.js';
import { CheckpointRequestDecider, defaultMaxQueuedRequests, type DecidableRequest, type DeciderState, type RequestDecision } from './checkpoint-request-decider.js';
import type { CheckpointDone, CheckpointResult } from './checkpoint-result.js';
import { masterHookStatesOf } from './master-hook-states.js';
import { PendingCheckpoint } from './pending-checkpoint.js';
import { PeriodicTrigger } from './periodic-trigger.js';
import { CheckpointIoError, CheckpointStoreWriteError, type CancellableTimer, type CoordinatorPorts, type ExecutionState, type ExecutionView } from './ports.js';
import { RecentCheckpoints } from './recent-checkpoints.js';
import {
  checkpointOptionsFor,
  type CheckpointOptions,
  countedFailureReasons,
  type CheckpointBarrier,
  type CheckpointConfig,
  type CheckpointFailureReason,
  type CompletedCheckpoint,
  type SnapshotType,
  type StateHandle,
  type SubtaskStateSnapshot,
} from './types.js';

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

/** A trigger request waiting for, or given, its turn. */
interface TriggerRequest extends DecidableRequest {
  readonly type: SnapshotType;
  /** Unique in the run; named in the request's trigger-requested and trigger-answered observations. */
  readonly requestId: string;
  readonly kind: TriggerKind;
  readonly done: CheckpointDone | undefined;
  /** Stop-with-savepoint --drain: sources end their input before the savepoint (SavepointType.shouldDrain). */
  readonly drain: boolean;
}

/** Execution states whose attempt holds a slot and can still receive checkpoint notifications. */
const notifiableStates: ReadonlySet<ExecutionState> = new Set<ExecutionState>(['DEPLOYING', 'INITIALIZING', 'RUNNING', 'CANCELING']);

/**
 * Flink's CheckpointCoordinator: schedules and triggers checkpoints and savepoints, collects the
 * tasks' acknowledgements, completes or aborts each checkpoint, keeps the completed ones in the
 * store, tells the tasks the outcome and restores state after a failover.
 *
 * Everything runs inside simulation events: asynchronous work (metadata finalisation, timers)
 * completes through callbacks from the ports, never through Promises.
 */
export class CheckpointCoordinator {
  private readonly config: CheckpointConfig;
  private readonly ports: CoordinatorPorts;
  /** The periodic interval, raised to the min pause if smaller; 0 when periodic checkpoints are off. */
  private readonly baseIntervalUs: number;
  private readonly pendingById = new Map<number, PendingCheckpoint>();
  /** Ids of stop-with-savepoint --drain savepoints: their barriers carry the drain flag. */
  private readonly drainingSavepoints = new Set<number>();
  private readonly decider: CheckpointRequestDecider<TriggerRequest>;
  private readonly failureManager: CheckpointFailureManager;
  private readonly recent = new RecentCheckpoints();
  private readonly periodicTrigger: PeriodicTrigger | undefined;
  /** Bound on triggers started in one go: every one consumes a queued request, and the queue is bounded. */
  private readonly maxTriggersPerDecision: number;
  private periodicScheduling = false;
  private shutDown = false;
  private triggering = false;
  private lastCompletionUs: number | undefined = undefined;
  private nextRequestSequence = 0;
  private queuedRequestTimer: CancellableTimer | undefined = undefined;
  private triggeredCount = 0;
  private completedCount = 0;
  private abortedCount = 0;
  private readonly bugs: readonly string[];
  /** Checkpoints whose trigger was answered before they were stored (planted bug coordinator-answers-before-store). */
  private readonly answeredEarly = new Set<number>();
  private readonly requestIdPrefix: string;

  /**
   * @param config - Flink's checkpoint configuration (see defaultCheckpointConfig)
   * @param ports - everything the coordinator talks to
   * @param options - tuning beyond Flink's configuration
   */
  constructor(config: CheckpointConfig, ports: CoordinatorPorts, options: CheckpointCoordinatorOptions = {}) {
    assertValidConfig(config);
    this.config = config;
    this.ports = ports;
    this.baseIntervalUs = config.intervalUs === 0 ? 0 : Math.max(config.intervalUs, config.minPauseBetweenCheckpointsUs);
    this.maxTriggersPerDecision = 10 * (options.maxQueuedRequests ?? defaultMaxQueuedRequests) + 10;
    this.bugs = options.plantedBugs ?? [];
    this.requestIdPrefix = options.requestIdPrefix ?? '';
    this.decider = new CheckpointRequestDecider<TriggerRequest>({
      maxConcurrentCheckpoints: bugOn(this.bugs, 'coordinator-ignores-max-concurrent') ? Number.MAX_SAFE_INTEGER : config.maxConcurrentCheckpoints,
      minPauseBetweenCheckpointsUs: config.minPauseBetweenCheckpointsUs,
      ...(options.maxQueuedRequests === undefined ? {} : { maxQueuedRequests: options.maxQueuedRequests }),
    });
    this.failureManager = new CheckpointFailureManager({
      tolerableCheckpointFailures: config.tolerableCheckpointFailures,
      failJob: (cause) => {
        ports.observations.publish({ type: 'job-failure-requested', origin: 'checkpoint-failure-manager', cause, failingTask: undefined, failingAttempt: undefined });
        ports.callbacks.failJob(cause);
      },
      failJobDueToTaskFailure: (cause, task, attempt) => {
        ports.observations.publish({ type: 'job-failure-requested', origin: 'checkpoint-failure-manager', cause, failingTask: task, failingAttempt: attempt });
        ports.callbacks.failJobDueToTaskFailure(cause, task, attempt);
      },
      ...countedReasonsOption(options.countedFailureReasons, this.bugs),
      plantedBugs: this.bugs,
    });
    this.periodicTrigger =
      this.baseIntervalUs === 0 ? undefined : new PeriodicTrigger(ports.clock, this.baseIntervalUs, () => this.submit('checkpoint', true, undefined));
  }

  // ---------------------------------------------------------------------------------------------
  // Accessors

  /** Ids of the pending checkpoints, ascending. */
  get pendingCheckpointIds(): number[] {
    return [...this.pendingById.keys()].sort((left, right) => left - right);
  }

  /** How many checkpoints are pending (including those whose metadata is being written). */
  get numberOfPendingCheckpoints(): number {
    return this.pendingById.size;
  }

  /** The id of the latest checkpoint in the completed store (savepoints are not stored). */
  get latestCompletedCheckpointId(): number | undefined {
    return this.ports.store.latest()?.checkpointId;
  }

  /** Trigger requests waiting in the request decider's queue. */
  get numberOfQueuedRequests(): number {
    return this.decider.queuedRequests;
  }

  /** Totals of triggered, completed and aborted checkpoints. */
  get counts(): CheckpointCounts {
    return { triggered: this.triggeredCount, completed: this.completedCount, aborted: this.abortedCount };
  }

  /** The consecutive counted failures the failure manager holds. */
  get continuousFailureCount(): number {
    return this.failureManager.continuousFailureCount;
  }

  /** Whether the periodic scheduler runs (between a start and a stop). */
  get isPeriodicCheckpointingStarted(): boolean {
    return this.periodicScheduling;
  }

  /** When the periodic trigger fires next, if it is scheduled. */
  get nextPeriodicTriggerTimeUs(): number | undefined {
    return this.periodicTrigger?.nextTriggerTimeUs;
  }

  /** Whether {@link CheckpointCoordinator.shutdown} was called: nothing is triggered any more. */
  get isShutdown(): boolean {
    return this.shutDown;
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduling

  /**
   * Starts periodic checkpoints: the first after a random delay in [minPause, interval], then at a
   * fixed rate. Starting again first stops (and so aborts what is pending), as Flink does.
   */
  startCheckpointScheduler(): void {
    if (this.shutDown) throw new Error('cannot start the checkpoint scheduler: the coordinator is shut down');
    const trigger = this.periodicTrigger;
    if (trigger === undefined) throw new Error('cannot start the checkpoint scheduler: no checkpoint interval is configured');
    if (this.periodicScheduling) this.stopCheckpointScheduler();
    this.periodicScheduling = true;
    trigger.scheduleAfter(this.ports.clock.randomBetween(this.config.minPauseBetweenCheckpointsUs, this.baseIntervalUs));
  }

  /** Stops periodic checkpoints and aborts queued and pending ones with CHECKPOINT_COORDINATOR_SUSPEND. */
  stopCheckpointScheduler(): void {
    if (!bugOn(this.bugs, 'coordinator-triggers-after-stop')) {
      this.periodicScheduling = false;
      this.periodicTrigger?.cancel();
    }
    this.abortPendingAndQueuedCheckpoints('CHECKPOINT_COORDINATOR_SUSPEND');
  }

  /**
   * Flink's CheckpointCoordinatorDeActivator, the job-status listener: RUNNING starts the periodic
   * scheduler, any other status stops it. Without a checkpoint interval Flink registers no
   * listener, so then (and after shutdown) status changes are ignored.
   */
  jobStatusChanges(status: JobStatus): void {
    if (this.periodicTrigger === undefined || this.shutDown) return;
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
    return this.submit('checkpoint', isPeriodic, done);
  }

  /** Requests a savepoint: not stored, not notified, never subsumed. Returns the request id. */
  triggerSavepoint(done?: CheckpointDone): string {
    return this.submit('savepoint', false, done);
  }

  /**
   * Requests the synchronous savepoint of stop-with-savepoint: notified on completion; a task
   * decline fails the job. With `drain`, sources end their input before taking it. Returns the
   * request id.
   */
  triggerSynchronousSavepoint(done?: CheckpointDone, drain = false): string {
    return this.submit('sync-savepoint', false, done, drain);
  }

  private submit(type: SnapshotType, isPeriodic: boolean, done: CheckpointDone | undefined, drain = false): string {
    const isSavepoint = type !== 'checkpoint';
    const sequence = this.nextRequestSequence++;
    const request: TriggerRequest = {
      type,
      isPeriodic,
      isSavepoint,
      // Flink 1.20: savepoints are forced past max concurrent and min pause only when unaligned
      // checkpoints are off; with them on, a savepoint queues like a checkpoint (FLINK-17342).
      isForce: isSavepoint && (!this.config.unaligned || bugOn(this.bugs, 'savepoint-forced-in-unaligned-mode')),
      sequence,
      requestId: `${this.requestIdPrefix}${sequence}`,
      kind: triggerKindOf(type, isPeriodic),
      done,
      drain,
    };
    this.ports.observations.publish({ type: 'checkpoint-trigger-requested', requestId: request.requestId, kind: request.kind });
    this.carryOut(this.decider.submit(request, this.deciderState()));
    return request.requestId;
  }

  /** Completes a request's result for its caller, once, and publishes it. */
  private answer(request: TriggerRequest, checkpointId: number | undefined, result: CheckpointResult): void {
    this.ports.observations.publish({
      type: 'checkpoint-trigger-answered',
      requestId: request.requestId,
      kind: request.kind,
      checkpointId,
      outcome: result.ok ? 'success' : 'failure',
      reason: result.ok ? undefined : result.reason,
    });
    request.done?.(result);
  }

  private executeQueuedRequest(): void {
    this.carryOut(this.decider.chooseQueued(this.deciderState()));
  }

  private deciderState(): DeciderState {
    return {
      isTriggering: this.triggering,
      pendingCheckpoints: this.pendingById.size,
      nowUs: this.ports.clock.nowUs,
      lastCompletionUs: this.lastCompletionUs,
    };
  }

  /**
   * Carries out a decision, then keeps asking for the next queued request while one can run (a
   * trigger that fails at once frees the slot again). A loop, not recursion, so a long queue of
   * failing requests cannot exhaust the stack; the bound catches a caller that resubmits forever.
   */
  private carryOut(first: RequestDecision<TriggerRequest>): void {
    let decision = first;
    for (let started = 0; ; started++) {
      if (started > this.maxTriggersPerDecision) {
        throw new Error(`more than ${this.maxTriggersPerDecision} triggers started from one decision: a caller resubmits without end`);
      }
      for (const { request, reason } of decision.dropped) this.failRequest(request, reason);
      if (decision.rescheduleDelayUs !== undefined && this.periodicScheduling) {
        this.periodicTrigger?.scheduleAfter(decision.rescheduleDelayUs);
      }
      if (decision.execute === undefined) return;
      this.startTriggeringCheckpoint(decision.execute);
      decision = this.decider.chooseQueued(this.deciderState());
    }
  }

  /** Runs the queue again soon (Flink's scheduleTriggerRequest), once per batch of changes. */
  private scheduleTriggerRequest(): void {
    if (this.shutDown || this.queuedRequestTimer !== undefined || this.decider.queuedRequests === 0) return;
    this.queuedRequestTimer = this.ports.clock.schedule(0, 'checkpoint-coordinator.execute-queued-request', () => {
      this.queuedRequestTimer = undefined;
      this.executeQueuedRequest();
    });
  }

  private startTriggeringCheckpoint(request: TriggerRequest): void {
    if (this.triggering) throw new Error('a checkpoint trigger started while another was in flight');
    const refusal = this.preCheckGlobalState(request.isPeriodic);
    if (refusal !== undefined) {
      this.failBeforeId(request, refusal);
    } else {
      this.triggering = true;
      const pending = this.createPendingCheckpoint(request);
      if (pending !== undefined) this.prepareAndTriggerTasks(pending);
      this.triggering = false;
      if (pending !== undefined && pending.isFullyAcknowledged && !pending.isFinalizing) this.completePendingCheckpoint(pending);
    }
  }

  private preCheckGlobalState(isPeriodic: boolean): CheckpointFailureReason | undefined {
    if (this.shutDown) return 'CHECKPOINT_COORDINATOR_SHUTDOWN';
    if (isPeriodic && !this.periodicScheduling) return 'PERIODIC_SCHEDULER_SHUTDOWN';
    return undefined;
  }

  /** Plan, id, PendingCheckpoint and canceller; undefined when the attempt failed before. */
  private createPendingCheckpoint(request: TriggerRequest): PendingCheckpoint | undefined {
    const triggerTimestampUs = this.ports.clock.nowUs;
    const planned = calculateCheckpointPlan(this.ports.graph.executions(), this.config.checkpointsAfterTasksFinish, this.bugs);
    if (!planned.ok) {
      this.failBeforeId(request, planned.reason);
      return undefined;
    }
    const checkpointId = this.nextCheckpointId();
    if (typeof checkpointId !== 'number') {
      this.failBeforeId(request, checkpointId.reason);
      return undefined;
    }
    const pending = new PendingCheckpoint({
      checkpointId,
      type: request.type,
      isPeriodic: request.isPeriodic,
      triggerTimestampUs,
      plan: planned.plan,
      masterHookIdentifiers: this.ports.masterHooks.map((hook) => hook.identifier),
      done: (result) => this.answer(request, checkpointId, result),
    });
    this.pendingById.set(checkpointId, pending);
    if (request.drain) this.drainingSavepoints.add(checkpointId);
    const expire = (): void => this.abortPendingCheckpoint(pending, 'CHECKPOINT_EXPIRED', undefined);
    if (!bugOn(this.bugs, 'coordinator-never-expires')) {
      const timeoutUs = bugOn(this.bugs, 'coordinator-expires-after-interval') && this.baseIntervalUs > 0 ? this.baseIntervalUs : this.config.timeoutUs;
      pending.setCanceller(this.ports.clock.schedule(timeoutUs, 'checkpoint-coordinator.canceller', expire));
    }
    this.triggeredCount++;
    this.publishTriggered(pending);
    return pending;
  }

  /** The next id from the counter, or why the counter (an HA write) failed. */
  private nextCheckpointId(): number | { readonly reason: CheckpointFailureReason } {
    try {
      return this.ports.idCounter.getAndIncrement();
    } catch (error) {
      return { reason: triggerFailureReason(error) };
    }
  }

  /** Storage location, master hooks, then the trigger RPCs, unless the checkpoint is aborted on the way. */
  private prepareAndTriggerTasks(pending: PendingCheckpoint): void {
    try {
      pending.storageLocation = this.ports.storage.initializeLocation(pending.checkpointId, pending.type !== 'checkpoint');
    } catch {
      this.abortPendingCheckpoint(pending, 'IO_EXCEPTION', undefined);
      return;
    }
    try {
      for (const hook of this.ports.masterHooks) {
        pending.acknowledgeMasterState(hook.identifier, hook.triggerCheckpoint(pending.checkpointId, pending.triggerTimestampUs));
      }
    } catch (error) {
      this.abortPendingCheckpoint(pending, triggerFailureReason(error), undefined);
      return;
    }
    this.ports.hooks.step({ name: 'coordinator.checkpoint-triggered', checkpointId: pending.checkpointId });
    if (!pending.isDisposed) this.triggerTasks(pending);
  }

  private triggerTasks(pending: PendingCheckpoint): void {
    const barrier: CheckpointBarrier = {
      checkpointId: pending.checkpointId,
      timestampUs: pending.triggerTimestampUs,
      options: this.barrierOptions(pending),
    };
    for (const task of pending.plan.tasksToTrigger) {
      // A failed send may abort the checkpoint at once; the remaining tasks then get nothing.
      if (pending.isDisposed) return;
      this.ports.gateway.triggerCheckpoint(task.taskName, task.attempt, barrier, () => {
        if (!pending.isDisposed) this.abortPendingCheckpoint(pending, 'TRIGGER_CHECKPOINT_FAILURE', undefined);
      });
    }
  }

  /** The options of a checkpoint's barriers: its type's, marked when drained or asked for by hand. */
  private barrierOptions(pending: PendingCheckpoint): CheckpointOptions {
    const options = checkpointOptionsFor(pending.type, this.config, this.bugs);
    const drain = this.drainingSavepoints.has(pending.checkpointId);
    const manual = pending.type === 'savepoint' || (pending.type === 'checkpoint' && !pending.isPeriodic);
    if (!drain && !manual) return options;
    return { ...options, ...(drain ? { drain: true as const } : {}), ...(manual ? { manual: true as const } : {}) };
  }

  /** An attempt that failed before it had an id: no PendingCheckpoint to clean up. */
  private failBeforeId(request: TriggerRequest, reason: CheckpointFailureReason): void {
    this.failRequest(request, reason);
    this.reportFailure({ checkpointId: undefined, type: request.type, reason, declinedBy: undefined });
  }

  private failRequest(request: TriggerRequest, reason: CheckpointFailureReason): void {
    this.ports.observations.publish({ type: 'checkpoint-trigger-failed', checkpointType: request.type, reason });
    this.answer(request, undefined, { ok: false, reason });
  }

  // ---------------------------------------------------------------------------------------------
  // Acknowledgements and declines

  /**
   * Handles a task's acknowledgement. Duplicates are ignored; the state of an acknowledgement that
   * is not taken (unknown task or attempt, unknown, expired or aborted checkpoint) is discarded,
   * except for handles that a completed checkpoint or savepoint still owns.
   */
  receiveAcknowledgeMessage(task: string, attempt: number, checkpointId: number, state: SubtaskStateSnapshot): AcknowledgeResult {
    if (state.taskName !== task) throw new Error(`task ${task} acknowledged checkpoint ${checkpointId} with the state of ${state.taskName}`);
    this.ports.hooks.step({ name: 'coordinator.acknowledge-received', checkpointId, task });
    const pending = this.shutDown ? undefined : this.pendingById.get(checkpointId);
    if (pending === undefined) return this.acknowledgeLate(task, checkpointId, state);
    const held = pending.acknowledgedState(task);
    const result = pending.acknowledgeTask(task, attempt, state);
    this.ports.observations.publish({ type: 'checkpoint-acknowledged', checkpointId, task, result });
    if (result === 'SUCCESS' && bugOn(this.bugs, 'coordinator-completes-without-all-acks') && pending.numberOfNonAcknowledgedTasks === 1) {
      const [missingTask, missingAttempt] = pending.unacknowledgedTasks()[0] as [string, number];
      pending.acknowledgeTask(missingTask, missingAttempt, { taskName: missingTask, operatorState: undefined, channelState: undefined, finished: false });
    }
    if (result !== 'SUCCESS') {
      this.discardState(keysOf(state).filter((key) => held === undefined || !keysOf(held).includes(key)));
    } else if (pending.isFullyAcknowledged) {
      this.completePendingCheckpoint(pending);
    }
    return result;
  }

  /** An acknowledgement for a checkpoint that is not pending (any more, or ever). */
  private acknowledgeLate(task: string, checkpointId: number, state: SubtaskStateSnapshot): AcknowledgeResult {
    const completed = this.recent.completed(checkpointId);
    const ownedKeys = completed === undefined ? [] : checkpointKeys(completed);
    let result: AcknowledgeResult = 'UNKNOWN';
    if (completed?.subtaskStates.get(task)?.finished === false) result = 'DUPLICATE';
    else if (this.recent.wasAborted(checkpointId)) result = 'DISCARDED';
    this.ports.observations.publish({ type: 'checkpoint-acknowledged', checkpointId, task, result });
    this.discardState(keysOf(state).filter((key) => !ownedKeys.includes(key)));
    return result;
  }

  /**
   * Handles a task's decline: the whole checkpoint is aborted with the task's reason (Flink
   * reports the reason the task declined with), which the failure manager judges as a task-side
   * failure. Like Flink, the attempt is not checked.
   */
  receiveDeclineMessage(task: string, attempt: number, checkpointId: number, reason: CheckpointFailureReason): void {
    this.ports.observations.publish({ type: 'checkpoint-declined', checkpointId, task, reason });
    this.ports.hooks.step({ name: 'coordinator.decline-received', checkpointId, task });
    if (this.shutDown) return;
    const pending = this.pendingById.get(checkpointId);
    if (pending === undefined || pending.isDisposed) return;
    this.abortPendingCheckpoint(pending, reason, { task, attempt });
  }

  // ---------------------------------------------------------------------------------------------
  // Completion

  private completePendingCheckpoint(pending: PendingCheckpoint): void {
    pending.startFinalizing();
    this.ports.hooks.step({ name: 'coordinator.all-acknowledged', checkpointId: pending.checkpointId });
    if (pending.isDisposed) return;
    const location = pending.storageLocation;
    if (location === undefined) throw new Error(`checkpoint ${pending.checkpointId} completed without a storage location`);
    if (pending.type !== 'savepoint' && bugOn(this.bugs, 'coordinator-notifies-before-finalize')) this.sendCompleteMessages(pending, pending.checkpointId);
    if (bugOn(this.bugs, 'coordinator-answers-before-store')) {
      // Planted bug: the caller is told of success before the checkpoint is finalized and stored.
      this.answeredEarly.add(pending.checkpointId);
      pending.done?.({ ok: true, checkpoint: pending.toCompletedCheckpoint(this.ports.clock.nowUs, { key: `${location}/_metadata`, sizeBytes: 0 }) });
    }
    let answered = false;
    this.ports.storage.finalizeMetadata(location, pending.checkpointId, pending.stateHandles(), (result) => {
      if (answered) throw new Error(`storage finalized checkpoint ${pending.checkpointId} twice`);
      answered = true;
      if (pending.isDisposed) {
        // Aborted while the metadata was being written (suspended, expired, subsumed): drop it.
        if (result.ok) this.discardState([result.handle.key]);
      } else if (!result.ok) {
        this.abortPendingCheckpoint(pending, 'FINALIZE_CHECKPOINT_FAILURE', undefined);
      } else {
        this.storeCompletedCheckpoint(pending, result.handle);
      }
    });
  }

  /**
   * Checkpoints go to the completed store (HA first); a failing store aborts with
   * FINALIZE_CHECKPOINT_FAILURE. As in Flink, the state is discarded only when the write surely
   * did not land: a write that may have (Flink's PossibleInconsistentStateException) leaves the
   * checkpoint to a later JobMaster, which may recover it from HA and restore it.
   */
  private storeCompletedCheckpoint(pending: PendingCheckpoint, metadataHandle: StateHandle): void {
    const completed = pending.toCompletedCheckpoint(this.ports.clock.nowUs, metadataHandle);
    let subsumed: CompletedCheckpoint[] = [];
    if (completed.type === 'checkpoint') {
      try {
        subsumed = this.ports.store.addCheckpointAndSubsumeOldest(completed);
      } catch (error) {
        const possiblyStored = error instanceof CheckpointStoreWriteError && error.possiblyStored;
        const keepState = possiblyStored && !bugOn(this.bugs, 'coordinator-discards-possibly-stored-checkpoint');
        if (this.ports.observations.active) {
          this.ports.observations.publish({ type: 'checkpoint-store-write-failed', checkpointId: pending.checkpointId, possiblyStored, stateKept: keepState, acknowledgedTasks: acknowledgedTasksOf(completed) });
        }
        if (keepState) this.recent.rememberPossiblyStored(completed);
        else this.discardState([metadataHandle.key]);
        this.abortPendingCheckpoint(pending, 'FINALIZE_CHECKPOINT_FAILURE', undefined, keepState, bugOn(this.bugs, 'failure-manager-ignores-store-failures'));
        return;
      }
    }
    this.onCheckpointCompleted(pending, completed, subsumed);
  }

  private onCheckpointCompleted(pending: PendingCheckpoint, completed: CompletedCheckpoint, subsumed: readonly CompletedCheckpoint[]): void {
    const checkpointId = completed.checkpointId;
    pending.disposeAfterCompletion();
    this.pendingById.delete(checkpointId);
    this.recent.rememberCompleted(completed);
    this.completedCount++;
    this.lastCompletionUs = this.ports.clock.nowUs;
    this.failureManager.handleCheckpointSuccess(checkpointId);
    this.publishCompleted(pending, completed);
    this.removeSubsumedFromStore(subsumed);
    this.ports.hooks.step({ name: 'coordinator.checkpoint-completed', checkpointId });
    if (!this.answeredEarly.delete(checkpointId)) pending.done?.({ ok: true, checkpoint: completed });
    if (completed.type !== 'savepoint') {
      this.dropSubsumedCheckpoints(checkpointId);
      if (!bugOn(this.bugs, 'coordinator-notifies-before-finalize')) this.sendCompleteMessages(pending, completed.checkpointId);
    }
    this.scheduleTriggerRequest();
  }

  /** Completed checkpoints the store dropped: their state goes, unless they are savepoints (the user's). */
  private removeSubsumedFromStore(subsumed: readonly CompletedCheckpoint[]): void {
    for (const checkpoint of subsumed) {
      this.ports.observations.publish({ type: 'checkpoint-removed-from-store', checkpointId: checkpoint.checkpointId });
      if (checkpoint.type === 'checkpoint' && !bugOn(this.bugs, 'coordinator-leaks-subsumed-state')) this.discardState(checkpointKeys(checkpoint));
    }
  }

  /** Older pending checkpoints are aborted as CHECKPOINT_SUBSUMED; savepoints never are. */
  private dropSubsumedCheckpoints(completedId: number): void {
    for (const pending of this.pendingInIdOrder()) {
      if (pending.checkpointId < completedId && pending.canBeSubsumed) {
        this.abortPendingCheckpoint(pending, 'CHECKPOINT_SUBSUMED', undefined);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Aborting

  /** Aborts every pending checkpoint (the JobMaster does this at failover, with JOB_FAILOVER_REGION). */
  abortPendingCheckpoints(reason: CheckpointFailureReason): void {
    for (const pending of this.pendingInIdOrder()) this.abortPendingCheckpoint(pending, reason, undefined);
  }

  private abortPendingAndQueuedCheckpoints(reason: CheckpointFailureReason): void {
    for (const request of this.decider.abortAll()) this.failRequest(request, reason);
    this.abortPendingCheckpoints(reason);
  }

  /**
   * The one way a pending checkpoint ends without completing: dispose it and discard its state,
   * tell its tasks, report the outcome to the trigger's caller and to the failure manager.
   *
   * @param declinedBy - the declining task, for task-side failures
   * @param keepState - leave its state in storage (a checkpoint that may be in the HA store)
   */
  private abortPendingCheckpoint(pending: PendingCheckpoint, reason: CheckpointFailureReason, declinedBy: CheckpointFailure['declinedBy'], keepState = false, unreported = false): void {
    if (pending.isDisposed) return;
    const checkpointId = pending.checkpointId;
    if (reason === 'CHECKPOINT_SUBSUMED' && !pending.canBeSubsumed) throw new Error(`savepoint ${checkpointId} cannot be subsumed`);
    const keys = pending.dispose(reason);
    this.pendingById.delete(checkpointId);
    this.recent.rememberAborted(checkpointId);
    this.abortedCount++;
    if (!keepState && !bugOn(this.bugs, 'pending-checkpoint-keeps-state-on-abort')) {
      this.discardState(keys);
      // Flink deletes the aborted checkpoint's directory, taking uploads no ack ever announced with it.
      if (pending.storageLocation !== undefined) this.ports.storage.discard([pending.storageLocation]);
    }
    this.ports.observations.publish({ type: 'checkpoint-aborted', checkpointId, checkpointType: pending.type, reason, ...(declinedBy === undefined ? {} : { declinedBy }) });
    this.ports.hooks.step({ name: 'coordinator.checkpoint-aborted', checkpointId });
    this.sendAbortedMessages(pending);
    if (!bugOn(this.bugs, 'coordinator-leaves-aborted-trigger-unanswered') && !this.answeredEarly.delete(checkpointId)) pending.done?.({ ok: false, reason });
    if (!unreported) this.reportFailure({ checkpointId, type: pending.type, reason, declinedBy });
    this.scheduleTriggerRequest();
  }

  /** Hands a failure to the failure manager, published first so its decision can be judged. */
  private reportFailure(failure: CheckpointFailure): void {
    const { checkpointId, type, reason, declinedBy } = failure;
    this.ports.observations.publish({ type: 'checkpoint-failure-reported', checkpointId, checkpointType: type, reason, declinedBy });
    this.failureManager.handleCheckpointException(failure);
  }

  // ---------------------------------------------------------------------------------------------
  // Restore and shutdown

  /**
   * Returns the latest completed checkpoint to restore from (or undefined when there is none) and
   * hands every master hook its state from it. Pending checkpoints must have been aborted first.
   */
  restoreLatestCheckpointedState(): CompletedCheckpoint | undefined {
    if (this.shutDown) throw new Error('cannot restore: the coordinator is shut down');
    const latest = bugOn(this.bugs, 'restore-oldest-retained-checkpoint') ? this.ports.store.all()[0] : this.ports.store.latest();
    if (latest === undefined) {
      // As Flink: with nothing to restore, every master hook is reset to its initial state.
      for (const hook of this.ports.masterHooks) hook.reset?.();
      return undefined;
    }
    const states = masterHookStatesOf(latest);
    for (const hook of this.ports.masterHooks) {
      hook.restoreCheckpoint(latest.checkpointId, states.find((entry) => entry.identifier === hook.identifier)?.state);
    }
    return latest;
  }

  /**
   * Resumes from `savepoint`: adds it to the completed store (so later failovers fall back to it),
   * moves the id counter above it (never down: ids only increase) and restores from the latest.
   */
  restoreSavepoint(savepoint: CompletedCheckpoint): CompletedCheckpoint | undefined {
    if (this.shutDown) throw new Error('cannot restore a savepoint: the coordinator is shut down');
    if (!this.ports.store.all().some((checkpoint) => checkpoint.checkpointId === savepoint.checkpointId)) {
      this.removeSubsumedFromStore(this.ports.store.addCheckpointAndSubsumeOldest(savepoint));
    }
    const { idCounter } = this.ports;
    idCounter.setCount(Math.max(idCounter.get(), savepoint.checkpointId + 1));
    return this.restoreLatestCheckpointedState();
  }

  /** Shuts the coordinator down for good: queued and pending checkpoints abort with CHECKPOINT_COORDINATOR_SHUTDOWN. */
  shutdown(): void {
    if (this.shutDown) return;
    this.shutDown = true;
    this.periodicScheduling = false;
    this.periodicTrigger?.cancel();
    this.queuedRequestTimer?.cancel();
    this.queuedRequestTimer = undefined;
    this.abortPendingAndQueuedCheckpoints('CHECKPOINT_COORDINATOR_SHUTDOWN');
    for (const hook of this.ports.masterHooks) hook.close?.();
  }

  // ---------------------------------------------------------------------------------------------
  // Notifications, storage and observations

  private sendCompleteMessages(pending: PendingCheckpoint, checkpointId: number): void {
    for (const execution of this.notifiableExecutions(pending)) {
      this.ports.gateway.notifyCheckpointComplete(execution.taskName, execution.attempt, checkpointId, pending.triggerTimestampUs);
      this.ports.observations.publish({ type: 'checkpoint-notification-sent', checkpointId, kind: 'complete', task: execution.taskName });
    }
  }

  private sendAbortedMessages(pending: PendingCheckpoint): void {
    const latestCompletedId = this.latestCompletedCheckpointId ?? 0;
    for (const execution of this.notifiableExecutions(pending)) {
      this.ports.gateway.notifyCheckpointAborted(execution.taskName, execution.attempt, pending.checkpointId, latestCompletedId);
      this.ports.observations.publish({ type: 'checkpoint-notification-sent', checkpointId: pending.checkpointId, kind: 'aborted', task: execution.taskName });
    }
  }

  /** The current attempts (as Flink, not the planned ones) of the checkpoint's tasks that can still be told. */
  private notifiableExecutions(pending: PendingCheckpoint): ExecutionView[] {
    const current = new Map(this.ports.graph.executions().map((execution) => [execution.taskName, execution] as const));
    const executions: ExecutionView[] = [];
    for (const task of pending.tasksToWaitFor) {
      const execution = current.get(task.taskName);
      if (execution !== undefined && notifiableStates.has(execution.state)) executions.push(execution);
    }
    return executions;
  }

  /**
   * Discards `keys`, except those a retained checkpoint, a completed savepoint or a checkpoint
   * that may be in the HA store still owns. A late or duplicated ack names the same keys as the
   * ack the checkpoint was built from; Flink keeps such state alive (a registered state handle
   * outlives a late message's discard, and a possibly stored checkpoint is never cleaned up).
   */
  private discardState(keys: readonly string[]): void {
    if (keys.length === 0) return;
    const live = new Set<string>();
    for (const checkpoint of [...this.ports.store.all(), ...this.recent.completedSavepoints(), ...this.recent.possiblyStored()]) {
      for (const key of checkpointKeys(checkpoint)) live.add(key);
    }
    const doomed = [...new Set(keys)].filter((key) => !live.has(key));
    if (doomed.length > 0) this.ports.storage.discard(doomed);
  }

  private pendingInIdOrder(): PendingCheckpoint[] {
    return [...this.pendingById.values()].sort((left, right) => left.checkpointId - right.checkpointId);
  }

  private publishTriggered(pending: PendingCheckpoint): void {
    if (!this.ports.observations.active) return;
    this.ports.observations.publish({
      type: 'checkpoint-triggered',
      checkpointId: pending.checkpointId,
      checkpointType: pending.type,
      timestampUs: pending.triggerTimestampUs,
      tasksToWaitFor: pending.tasksToWaitFor.map((task) => task.taskName),
      preAcknowledged: [...pending.plan.finishedTasks],
      requestKind: triggerKindOf(pending.type, pending.isPeriodic),
    });
  }

  private publishCompleted(pending: PendingCheckpoint, completed: CompletedCheckpoint): void {
    if (!this.ports.observations.active) return;
    this.ports.observations.publish({
      type: 'checkpoint-completed',
      checkpointId: completed.checkpointId,
      checkpointType: completed.type,
      acknowledgedTasks: acknowledgedTasksOf(completed),
      awaitedTasks: pending.tasksToWaitFor.map((task) => task.taskName),
      stateHandles: [...completed.subtaskStates.values()].flatMap(keysOf),
    });
  }
}

/** The failure manager's counted reasons: as configured, less CHECKPOINT_EXPIRED under the planted bug. */
function countedReasonsOption(configured: ReadonlySet<CheckpointFailureReason> | undefined, bugs: readonly string[]): { countedReasons?: ReadonlySet<CheckpointFailureReason> } {
  const ignored = new Set<CheckpointFailureReason>();
  if (bugOn(bugs, 'failure-manager-ignores-expired')) ignored.add('CHECKPOINT_EXPIRED');
  if (bugOn(bugs, 'failure-manager-ignores-finalize-failures')) ignored.add('FINALIZE_CHECKPOINT_FAILURE');
  if (bugOn(bugs, 'failure-manager-ignores-task-failures')) for (const reason of ['CHECKPOINT_DECLINED', 'CHECKPOINT_ASYNC_EXCEPTION'] as const) ignored.add(reason);
  if (bugOn(bugs, 'failure-manager-ignores-io-exceptions')) ignored.add('IO_EXCEPTION');
  const added: CheckpointFailureReason[] = bugOn(bugs, 'failure-manager-counts-pre-flight-failures') ? ['TOO_MANY_CHECKPOINT_REQUESTS', 'NOT_ALL_REQUIRED_TASKS_RUNNING', 'MINIMUM_TIME_BETWEEN_CHECKPOINTS'] : [];
  if (ignored.size === 0 && added.length === 0) return configured === undefined ? {} : { countedReasons: configured };
  return { countedReasons: new Set([...(configured ?? countedFailureReasons), ...added].filter((reason) => !ignored.has(reason))) };
}

/** Who asked, from the snapshot type and whether the scheduler asked. */
function triggerKindOf(type: SnapshotType, isPeriodic: boolean): TriggerKind {
  if (type === 'savepoint') return 'savepoint';
  if (type === 'sync-savepoint') return 'stop-with-savepoint';
  return isPeriodic ? 'periodic' : 'manual';
}

/** Flink's getCheckpointException for the trigger chain: an I/O failure is IO_EXCEPTION, anything else TRIGGER_CHECKPOINT_FAILURE. */
function triggerFailureReason(error: unknown): CheckpointFailureReason {
  return error instanceof CheckpointIoError ? 'IO_EXCEPTION' : 'TRIGGER_CHECKPOINT_FAILURE';
}

/** The tasks whose snapshot a completed checkpoint holds (finished tasks acknowledged nothing). */
function acknowledgedTasksOf(completed: CompletedCheckpoint): string[] {
  return [...completed.subtaskStates.values()].filter((state) => !state.finished).map((state) => state.taskName);
}

/** The keys of a subtask state's handles. */
function keysOf(state: SubtaskStateSnapshot): string[] {
  const keys: string[] = [];
  if (state.operatorState !== undefined) keys.push(state.operatorState.key);
  if (state.channelState !== undefined) keys.push(state.channelState.key);
  return keys;
}

/** Every key a completed checkpoint owns: its subtasks' handles and its metadata. */
function checkpointKeys(checkpoint: CompletedCheckpoint): string[] {
  return [...[...checkpoint.subtaskStates.values()].flatMap(keysOf), checkpoint.metadataHandle.key];
}

function assertValidConfig(config: CheckpointConfig): void {
  const problems: string[] = [];
  if (!(config.intervalUs >= 0)) problems.push(`intervalUs=${config.intervalUs}`);
  if (!(config.timeoutUs > 0)) problems.push(`timeoutUs=${config.timeoutUs}`);
  if (!(config.maxConcurrentCheckpoints >= 1)) problems.push(`maxConcurrentCheckpoints=${config.maxConcurrentCheckpoints}`);
  if (!(config.minPauseBetweenCheckpointsUs >= 0)) problems.push(`minPauseBetweenCheckpointsUs=${config.minPauseBetweenCheckpointsUs}`);
  if (!(config.tolerableCheckpointFailures >= 0)) problems.push(`tolerableCheckpointFailures=${config.tolerableCheckpointFailures}`);
  if (!(config.retainedCheckpoints >= 1)) problems.push(`retainedCheckpoints=${config.retainedCheckpoints}`);
  if (problems.length > 0) throw new Error(`invalid checkpoint configuration: ${problems.join(', ')}`);
}
