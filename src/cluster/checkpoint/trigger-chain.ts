import { bugOn } from '../planted-bugs.js';
import type { TriggerKind } from '../observations.js';
import { calculateCheckpointPlan } from './checkpoint-plan.js';
import { CheckpointRequestDecider, defaultMaxQueuedRequests, type DecidableRequest, type DeciderState, type RequestDecision } from './checkpoint-request-decider.js';
import type { CheckpointDone, CheckpointResult } from './checkpoint-result.js';
import { triggerFailureReason, triggerKindOf } from './coordinator-helpers.js';
import type { CoordinatorState } from './coordinator-state.js';
import { PendingCheckpoint } from './pending-checkpoint.js';
import { PeriodicTrigger } from './periodic-trigger.js';
import type { CancellableTimer } from './ports.js';
import { checkpointOptionsFor, type CheckpointBarrier, type CheckpointFailureReason, type CheckpointOptions, type SnapshotType } from './types.js';

/** A trigger request waiting for, or given, its turn. */
export interface TriggerRequest extends DecidableRequest {
  readonly type: SnapshotType;
  /** Unique in the run; named in the request's trigger-requested and trigger-answered observations. */
  readonly requestId: string;
  readonly kind: TriggerKind;
  readonly done: CheckpointDone | undefined;
  /** Stop-with-savepoint --drain: sources end their input before the savepoint (SavepointType.shouldDrain). */
  readonly drain: boolean;
}

/** What the trigger chain is built with beyond the shared state. */
export interface TriggerChainOptions {
  /** Bound on queued trigger requests (Flink's 1000). */
  readonly maxQueuedRequests?: number;
  /** Prefix of trigger request ids, unique per coordinator of a run. */
  readonly requestIdPrefix: string;
}

/**
 * The triggering side of the CheckpointCoordinator: trigger requests, the request queue of
 * Flink's CheckpointRequestDecider, and the chain from a request to the tasks' trigger RPCs
 * (Flink's startTriggeringCheckpoint: plan, id, PendingCheckpoint, storage location, master
 * hooks, triggerTasks), with isTriggering holding other requests back while it runs.
 */
export class CheckpointTriggerChain {
  private readonly decider: CheckpointRequestDecider<TriggerRequest>;
  /** Fires the periodic requests; undefined when periodic checkpoints are off. */
  readonly periodicTrigger: PeriodicTrigger | undefined;
  /** Bound on triggers started in one go: every one consumes a queued request, and the queue is bounded. */
  private readonly maxTriggersPerDecision: number;
  private readonly requestIdPrefix: string;
  private nextRequestSequence = 0;
  private queuedRequestTimer: CancellableTimer | undefined = undefined;
  /** Inside {@link startTriggeringCheckpoint}: a chain that ends now leaves the queue to the caller's loop. */
  private startingSynchronously = false;

  constructor(
    private readonly state: CoordinatorState,
    options: TriggerChainOptions,
  ) {
    const { config, bugs, ports } = state;
    this.maxTriggersPerDecision = 10 * (options.maxQueuedRequests ?? defaultMaxQueuedRequests) + 10;
    this.requestIdPrefix = options.requestIdPrefix;
    this.decider = new CheckpointRequestDecider<TriggerRequest>({
      maxConcurrentCheckpoints: bugOn(bugs, 'coordinator-ignores-max-concurrent') ? Number.MAX_SAFE_INTEGER : config.maxConcurrentCheckpoints,
      minPauseBetweenCheckpointsUs: config.minPauseBetweenCheckpointsUs,
      ...(options.maxQueuedRequests === undefined ? {} : { maxQueuedRequests: options.maxQueuedRequests }),
    });
    this.periodicTrigger =
      state.baseIntervalUs === 0 ? undefined : new PeriodicTrigger(ports.clock, state.baseIntervalUs, () => this.submit('checkpoint', true, undefined));
  }

  /** Trigger requests waiting in the request decider's queue. */
  get numberOfQueuedRequests(): number {
    return this.decider.queuedRequests;
  }

  /** Queues a request (or starts it at once, when nothing holds it back); returns its id. */
  submit(type: SnapshotType, isPeriodic: boolean, done: CheckpointDone | undefined, drain = false): string {
    const isSavepoint = type !== 'checkpoint';
    const sequence = this.nextRequestSequence++;
    const request: TriggerRequest = {
      type,
      isPeriodic,
      isSavepoint,
      // Flink 1.20: savepoints are forced past max concurrent and min pause only when unaligned
      // checkpoints are off; with them on, a savepoint queues like a checkpoint (FLINK-17342).
      isForce: isSavepoint && (!this.state.config.unaligned || bugOn(this.state.bugs, 'savepoint-forced-in-unaligned-mode')),
      sequence,
      requestId: `${this.requestIdPrefix}${sequence}`,
      kind: triggerKindOf(type, isPeriodic),
      done,
      drain,
    };
    this.state.ports.observations.publish({ type: 'checkpoint-trigger-requested', requestId: request.requestId, kind: request.kind });
    this.carryOut(this.decider.submit(request, this.deciderState()));
    return request.requestId;
  }

  /** Fails every queued request with `reason` (stop, shutdown). */
  abortQueuedRequests(reason: CheckpointFailureReason): void {
    for (const request of this.decider.abortAll()) this.failRequest(request, reason);
  }

  /** Cancels the pending run of the queue (shutdown). */
  cancelQueuedRequestTimer(): void {
    this.queuedRequestTimer?.cancel();
    this.queuedRequestTimer = undefined;
  }

  /** Runs the queue again soon (Flink's scheduleTriggerRequest), once per batch of changes. */
  scheduleTriggerRequest(): void {
    if (this.state.shutDown || this.queuedRequestTimer !== undefined || this.decider.queuedRequests === 0) return;
    this.queuedRequestTimer = this.state.ports.clock.schedule(0, 'checkpoint-coordinator.execute-queued-request', () => {
      this.queuedRequestTimer = undefined;
      this.executeQueuedRequest();
    });
  }

  /** Completes a request's result for its caller, once, and publishes it. */
  private answer(request: TriggerRequest, checkpointId: number | undefined, result: CheckpointResult): void {
    this.state.ports.observations.publish({
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
      isTriggering: this.state.triggering,
      pendingCheckpoints: this.state.pendingById.size,
      nowUs: this.state.ports.clock.nowUs,
      lastCompletionUs: this.state.lastCompletionUs,
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
      if (decision.rescheduleDelayUs !== undefined && this.state.periodicScheduling) {
        this.periodicTrigger?.scheduleAfter(decision.rescheduleDelayUs);
      }
      if (decision.execute === undefined) return;
      this.startTriggeringCheckpoint(decision.execute);
      decision = this.decider.chooseQueued(this.deciderState());
    }
  }

  private startTriggeringCheckpoint(request: TriggerRequest): void {
    if (this.state.triggering) throw new Error('a checkpoint trigger started while another was in flight');
    const refusal = this.preCheckGlobalState(request.isPeriodic);
    if (refusal !== undefined) {
      this.failBeforeId(request, refusal);
    } else {
      this.state.triggering = true;
      this.startingSynchronously = true;
      const pending = this.createPendingCheckpoint(request);
      if (pending === undefined) this.onTriggerDone();
      else this.initializeCheckpointLocation(pending);
      this.startingSynchronously = false;
    }
  }

  /**
   * The end of a trigger chain, successful or not (Flink's onTriggerSuccess and the finally of
   * onTriggerFailure): other requests may start again. A chain that ended inside
   * {@link startTriggeringCheckpoint} leaves the next request to the caller's loop.
   */
  private onTriggerDone(): void {
    this.state.triggering = false;
    if (!this.startingSynchronously) this.executeQueuedRequest();
  }

  private preCheckGlobalState(isPeriodic: boolean): CheckpointFailureReason | undefined {
    if (this.state.shutDown) return 'CHECKPOINT_COORDINATOR_SHUTDOWN';
    if (isPeriodic && !this.state.periodicScheduling) return 'PERIODIC_SCHEDULER_SHUTDOWN';
    return undefined;
  }

  /** Plan, id, PendingCheckpoint and canceller; undefined when the attempt failed before. */
  private createPendingCheckpoint(request: TriggerRequest): PendingCheckpoint | undefined {
    const { ports, bugs, config } = this.state;
    const triggerTimestampUs = ports.clock.nowUs;
    const planned = calculateCheckpointPlan(ports.graph.executions(), config.checkpointsAfterTasksFinish, bugs);
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
      masterHookIdentifiers: ports.masterHooks.map((hook) => hook.identifier),
      done: (result) => this.answer(request, checkpointId, result),
    });
    this.state.pendingById.set(checkpointId, pending);
    if (request.drain) this.state.drainingSavepoints.add(checkpointId);
    const expire = (): void => this.state.steps.abortPendingCheckpoint(pending, 'CHECKPOINT_EXPIRED', undefined);
    if (!bugOn(bugs, 'coordinator-never-expires')) {
      const timeoutUs = bugOn(bugs, 'coordinator-expires-after-interval') && this.state.baseIntervalUs > 0 ? this.state.baseIntervalUs : config.timeoutUs;
      pending.setCanceller(ports.clock.schedule(timeoutUs, 'checkpoint-coordinator.canceller', expire));
    }
    this.state.triggeredCount++;
    this.state.publishTriggered(pending);
    return pending;
  }

  /** The next id from the counter, or why the counter (an HA write) failed. */
  private nextCheckpointId(): number | { readonly reason: CheckpointFailureReason } {
    try {
      return this.state.ports.idCounter.getAndIncrement();
    } catch (error) {
      return { reason: triggerFailureReason(error) };
    }
  }

  /** The chain's first step after the id: the storage location. */
  private initializeCheckpointLocation(pending: PendingCheckpoint): void {
    const { ports, steps } = this.state;
    try {
      pending.storageLocation = ports.storage.initializeLocation(pending.checkpointId, pending.type !== 'checkpoint');
    } catch {
      steps.abortPendingCheckpoint(pending, 'IO_EXCEPTION', undefined);
      this.onTriggerDone();
      return;
    }
    this.checkpointOperatorCoordinators(pending);
  }

  /** Flink's OperatorCoordinatorCheckpoints: every coordinator's state, before the master hooks and the tasks. */
  private checkpointOperatorCoordinators(pending: PendingCheckpoint): void {
    const { operatorCoordinators, steps } = this.state;
    operatorCoordinators.checkpointAll(pending.checkpointId, (result) => {
      if (!result.ok) {
        operatorCoordinators.abortCurrentTriggering();
        steps.abortPendingCheckpoint(pending, triggerFailureReason(result.error), undefined);
        this.onTriggerDone();
      } else if (!pending.acknowledgeCoordinatorStates(result.states)) {
        // Aborted while the coordinators were checkpointing: the chain ends here.
        operatorCoordinators.abortCurrentTriggering();
        this.onTriggerDone();
      } else {
        this.snapshotMasterState(pending);
      }
    });
  }

  /** The master hooks' states, then the trigger RPCs. */
  private snapshotMasterState(pending: PendingCheckpoint): void {
    const { ports, steps } = this.state;
    try {
      for (const hook of ports.masterHooks) {
        pending.acknowledgeMasterState(hook.identifier, hook.triggerCheckpoint(pending.checkpointId, pending.triggerTimestampUs));
      }
    } catch (error) {
      steps.abortPendingCheckpoint(pending, triggerFailureReason(error), undefined);
      this.onTriggerDone();
      return;
    }
    ports.hooks.step({ name: 'coordinator.checkpoint-triggered', checkpointId: pending.checkpointId });
    if (!pending.isDisposed) this.triggerTasks(pending);
    this.onTriggerDone();
    if (pending.isFullyAcknowledged && !pending.isFinalizing) steps.completePendingCheckpoint(pending);
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
      this.state.ports.gateway.triggerCheckpoint(task.taskName, task.attempt, barrier, () => {
        if (!pending.isDisposed) this.state.steps.abortPendingCheckpoint(pending, 'TRIGGER_CHECKPOINT_FAILURE', undefined);
      });
    }
  }

  /** The options of a checkpoint's barriers: its type's, marked when drained or asked for by hand. */
  private barrierOptions(pending: PendingCheckpoint): CheckpointOptions {
    const options = checkpointOptionsFor(pending.type, this.state.config, this.state.bugs);
    const drain = this.state.drainingSavepoints.has(pending.checkpointId);
    const manual = pending.type === 'savepoint' || (pending.type === 'checkpoint' && !pending.isPeriodic);
    if (!drain && !manual) return options;
    return { ...options, ...(drain ? { drain: true as const } : {}), ...(manual ? { manual: true as const } : {}) };
  }

  /** An attempt that failed before it had an id: no PendingCheckpoint to clean up. */
  private failBeforeId(request: TriggerRequest, reason: CheckpointFailureReason): void {
    this.failRequest(request, reason);
    this.state.steps.reportFailure({ checkpointId: undefined, type: request.type, reason, declinedBy: undefined });
  }

  private failRequest(request: TriggerRequest, reason: CheckpointFailureReason): void {
    this.state.ports.observations.publish({ type: 'checkpoint-trigger-failed', checkpointType: request.type, reason });
    this.answer(request, undefined, { ok: false, reason });
  }
}
