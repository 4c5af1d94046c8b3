import { bugOn } from '../planted-bugs.js';
import type { CheckpointPlan } from './checkpoint-plan.js';
import { calculateCheckpointPlan } from './checkpoint-plan.js';
import type { CheckpointResult } from './checkpoint-result.js';
import { triggerFailureReason } from './coordinator-helpers.js';
import type { CoordinatorState } from './coordinator-state.js';
import { PendingCheckpoint } from './pending-checkpoint.js';
import { directTriggerChainExecutor, type MasterHook, type MasterHookResult, type OperatorCoordinatorCheckpointResult, type TriggerChainExecutor, type TriggerChainStep } from './ports.js';
import type { TriggerRequest } from './trigger-request-queue.js';
import { checkpointOptionsFor, type CheckpointBarrier, type CheckpointFailureReason, type CheckpointOptions } from './types.js';

/** What the chain asks of the request queue. */
export interface TriggerChainCallbacks {
  /** Answers a request whose checkpoint got an id (the PendingCheckpoint's `done`). */
  answer(request: TriggerRequest, checkpointId: number, result: CheckpointResult): void;
  /** Answers a request that failed before it had a PendingCheckpoint. */
  failRequest(request: TriggerRequest, reason: CheckpointFailureReason): void;
  /** Runs the request queue (Flink's executeQueuedRequest, after a chain ends). */
  executeQueuedRequest(): void;
}

/** One trigger chain in flight: a request on its way to the tasks' trigger RPCs. */
interface ChainRun {
  readonly request: TriggerRequest;
  /** When the chain started (Flink's trigger timestamp, taken after the request decider's decision). */
  readonly timestampUs: number;
  plan: CheckpointPlan | undefined;
  checkpointId: number | undefined;
  pending: PendingCheckpoint | undefined;
  /** The chain's outcome is decided: its later steps do nothing. */
  ended: boolean;
}

/**
 * Flink 1.20's asynchronous trigger chain (CheckpointCoordinator.startTriggeringCheckpoint), one
 * step per event through the {@link TriggerChainExecutor}:
 *
 * 1. 'calculate-plan': the tasks to trigger, wait for and commit;
 * 2. 'take-checkpoint-id': the id counter (an HA write) on the I/O executor;
 * 3. 'create-pending-checkpoint': re-checks the coordinator's state (shut down, periodic scheduler
 *    stopped) now that the id is taken, then creates the PendingCheckpoint and its canceller;
 * 4. 'initialize-location': the checkpoint's storage location on the I/O executor;
 * 5. the operator coordinators' checkpoints (the OperatorCoordinatorCheckpointing port), then
 *    'acknowledge-coordinators' with their states;
 * 6. the master hooks, each triggered on the I/O executor ('trigger-master-hook') and acknowledged
 *    back ('acknowledge-master-state');
 * 7. 'trigger-request': Flink's triggerCheckpointRequest: the tasks' trigger RPCs (triggerTasks).
 *
 * While a chain runs, isTriggering holds every other request in the queue. A failure on the way
 * ends the chain through Flink's onTriggerFailure; a checkpoint aborted mid-chain (expired,
 * suspended, failed over, declined) ends it at once, as Flink completes the chain's master-trigger
 * promise exceptionally when a pending checkpoint is aborted (FLINK-26394), so a step that never
 * returns (a stuck operator coordinator) cannot hold isTriggering. Each step announces a
 * `coordinator.*` protocol step, so fault plans can aim at it.
 */
export class CheckpointTriggerChain {
  private readonly executor: TriggerChainExecutor;
  /** Chains in flight: at most one, as isTriggering ensures (unless a planted bug lets a second start). */
  private readonly running = new Set<ChainRun>();
  /** Inside {@link startTriggeringCheckpoint}: a chain that ends now leaves the queue to the caller's loop. */
  private startingSynchronously = false;

  constructor(
    private readonly state: CoordinatorState,
    private readonly callbacks: TriggerChainCallbacks,
  ) {
    this.executor = state.ports.triggerChain ?? directTriggerChainExecutor;
  }

  /** Starts the chain for a request the decider let go. */
  startTriggeringCheckpoint(request: TriggerRequest): void {
    if (this.state.triggering && !this.concurrentChainsPlanted(request)) throw new Error('a checkpoint trigger started while another was in flight');
    const refusal = this.preCheckGlobalState(request.isPeriodic);
    if (refusal !== undefined) {
      this.failRequestBeforeId(request, refusal);
      return;
    }
    this.state.triggering = true;
    const run: ChainRun = { request, timestampUs: this.state.ports.clock.nowUs, plan: undefined, checkpointId: undefined, pending: undefined, ended: false };
    this.running.add(run);
    this.state.ports.observations.publish({ type: 'trigger-chain-started', requestId: request.requestId, kind: request.kind });
    const outer = this.startingSynchronously;
    this.startingSynchronously = true;
    this.step(run, 'calculate-plan', () => this.calculatePlan(run));
    this.startingSynchronously = outer;
  }

  /**
   * A pending checkpoint was aborted: if its chain is still running, the chain ends (Flink's
   * master-trigger promise completed exceptionally, handled on the timer thread).
   */
  onPendingCheckpointAborted(pending: PendingCheckpoint): void {
    const run = [...this.running].find((candidate) => candidate.pending === pending);
    if (run === undefined || run.ended) return;
    this.endRun(run);
    this.executor.execute('trigger-request', () => {
      this.state.operatorCoordinators.abortCurrentTriggering();
      // Planted bug (FLINK-18137): a checkpoint discarded while triggering stops the processing of every later request.
      if (!bugOn(this.state.bugs, 'trigger-chain-stuck-after-discard')) this.onTriggerDone();
    });
  }

  /**
   * The coordinator shuts down (or the job reached a terminal status, when Flink shuts it down): a
   * chain whose PendingCheckpoint does not exist yet fails its request now with
   * CHECKPOINT_COORDINATOR_SHUTDOWN, the answer its re-check would give (a crashed JobMaster runs
   * no further step, and a run ends with its job). Chains with a PendingCheckpoint end when it is
   * aborted.
   */
  shutdown(): void {
    for (const run of [...this.running]) {
      if (run.ended || run.pending !== undefined) continue;
      this.failBeforePending(run, 'CHECKPOINT_COORDINATOR_SHUTDOWN', false);
    }
  }

  /** Runs one step of a chain, unless the chain ended meanwhile. */
  private step(run: ChainRun, name: TriggerChainStep, action: () => void): void {
    this.executor.execute(name, () => {
      if (!run.ended) action();
    });
  }

  /** Announces a protocol step of a chain; false when a listener ended the chain there. */
  private announce(run: ChainRun, name: string): boolean {
    this.state.ports.hooks.step({ name, ...(run.checkpointId === undefined ? {} : { checkpointId: run.checkpointId }) });
    return !run.ended;
  }

  private calculatePlan(run: ChainRun): void {
    const { ports, bugs, config } = this.state;
    const planned = calculateCheckpointPlan(ports.graph.executions(), config.checkpointsAfterTasksFinish, bugs);
    if (!planned.ok) {
      this.failBeforePending(run, planned.reason);
      return;
    }
    run.plan = planned.plan;
    this.step(run, 'take-checkpoint-id', () => this.takeCheckpointId(run));
  }

  /** The id counter is an HA write in HA mode, so Flink takes the id on the I/O executor. */
  private takeCheckpointId(run: ChainRun): void {
    let checkpointId: number;
    try {
      checkpointId = this.state.ports.idCounter.getAndIncrement();
    } catch (error) {
      this.failBeforePending(run, triggerFailureReason(error));
      return;
    }
    run.checkpointId = checkpointId;
    if (!this.announce(run, 'coordinator.checkpoint-id-taken')) return;
    this.step(run, 'create-pending-checkpoint', () => this.createPendingCheckpoint(run));
  }

  /**
   * Flink's createPendingCheckpoint: the coordinator may have been shut down, or the periodic
   * scheduler stopped, while the id was taken, so the global state is checked again first.
   */
  private createPendingCheckpoint(run: ChainRun): void {
    const { ports, bugs, config } = this.state;
    const { request } = run;
    // Planted bug (FLINK-13969): the stop that came while the id was taken is not noticed.
    // The switch is read only where it changes something (a kill-matrix case that never gets here runs as the sweep's did).
    const check = this.preCheckGlobalState(request.isPeriodic);
    const refusal = check !== undefined && bugOn(bugs, 'trigger-chain-skips-recheck') ? undefined : check;
    if (refusal !== undefined) {
      this.failBeforePending(run, refusal);
      return;
    }
    const checkpointId = run.checkpointId as number;
    const pending = new PendingCheckpoint({
      checkpointId,
      type: request.type,
      isPeriodic: request.isPeriodic,
      triggerTimestampUs: run.timestampUs,
      plan: run.plan as CheckpointPlan,
      masterHookIdentifiers: ports.masterHooks.map((hook) => hook.identifier),
      done: (result) => this.callbacks.answer(request, checkpointId, result),
    });
    run.pending = pending;
    this.state.pendingById.set(checkpointId, pending);
    if (request.drain) this.state.drainingSavepoints.add(checkpointId);
    // Planted bug coordinator-never-expires: the canceller does nothing. Its switch is read only
    // when a checkpoint would expire, so a kill-matrix case with no expiry runs as the sweep's did.
    const expire = (): void => {
      if (bugOn(bugs, 'coordinator-never-expires')) return;
      this.state.steps.abortPendingCheckpoint(pending, 'CHECKPOINT_EXPIRED', undefined);
    };
    const timeoutUs = bugOn(bugs, 'coordinator-expires-after-interval') && this.state.baseIntervalUs > 0 ? this.state.baseIntervalUs : config.timeoutUs;
    pending.setCanceller(ports.clock.schedule(timeoutUs, 'checkpoint-coordinator.canceller', expire));
    this.state.triggeredCount++;
    this.state.publishTriggered(pending);
    if (!this.announce(run, 'coordinator.pending-checkpoint-created')) return;
    this.step(run, 'initialize-location', () => this.initializeCheckpointLocation(run));
  }

  /** Flink's initializeCheckpointLocation, on the I/O executor. */
  private initializeCheckpointLocation(run: ChainRun): void {
    const pending = run.pending as PendingCheckpoint;
    try {
      pending.storageLocation = this.state.ports.storage.initializeLocation(pending.checkpointId, pending.type !== 'checkpoint');
    } catch {
      this.failWithPending(run, 'IO_EXCEPTION');
      return;
    }
    if (!this.announce(run, 'coordinator.location-initialized')) return;
    this.checkpointOperatorCoordinators(run);
  }

  /** Flink's OperatorCoordinatorCheckpoints: every coordinator's state, before the master hooks and the tasks. */
  private checkpointOperatorCoordinators(run: ChainRun): void {
    const checkpointId = run.checkpointId as number;
    let answered = false;
    const done = (result: OperatorCoordinatorCheckpointResult): void => {
      if (answered) throw new Error(`the operator coordinators answered checkpoint ${checkpointId} twice`);
      answered = true;
      this.step(run, 'acknowledge-coordinators', () => this.acknowledgeCoordinators(run, result));
    };
    try {
      this.state.operatorCoordinators.checkpointAll(checkpointId, done);
    } catch (error) {
      if (!answered) done({ ok: false, error });
    }
  }

  private acknowledgeCoordinators(run: ChainRun, result: OperatorCoordinatorCheckpointResult): void {
    const pending = run.pending as PendingCheckpoint;
    if (!result.ok) {
      this.failWithPending(run, triggerFailureReason(result.error));
      return;
    }
    pending.acknowledgeCoordinatorStates(result.states);
    if (!this.announce(run, 'coordinator.coordinators-checkpointed')) return;
    this.snapshotMasterState(run);
  }

  /** Flink's snapshotMasterState: every hook triggered on the I/O executor, its state acknowledged back. */
  private snapshotMasterState(run: ChainRun): void {
    const hooks = this.state.ports.masterHooks;
    if (hooks.length === 0) {
      this.step(run, 'trigger-request', () => this.triggerCheckpointRequest(run));
      return;
    }
    const outstanding = new Set<string>(hooks.map((hook) => hook.identifier));
    for (const hook of hooks) {
      this.step(run, 'trigger-master-hook', () => this.triggerMasterHook(run, hook, outstanding));
    }
  }

  private triggerMasterHook(run: ChainRun, hook: MasterHook, outstanding: Set<string>): void {
    const pending = run.pending as PendingCheckpoint;
    let answered = false;
    const done = (result: MasterHookResult): void => {
      if (answered) throw new Error(`master hook ${hook.identifier} answered checkpoint ${pending.checkpointId} twice`);
      answered = true;
      this.step(run, 'acknowledge-master-state', () => this.acknowledgeMasterState(run, hook, result, outstanding));
    };
    try {
      hook.triggerCheckpoint(pending.checkpointId, pending.triggerTimestampUs, done);
    } catch (error) {
      if (!answered) done({ ok: false, error });
    }
  }

  private acknowledgeMasterState(run: ChainRun, hook: MasterHook, result: MasterHookResult, outstanding: Set<string>): void {
    if (!result.ok) {
      this.failWithPending(run, triggerFailureReason(result.error));
      return;
    }
    (run.pending as PendingCheckpoint).acknowledgeMasterState(hook.identifier, result.state);
    outstanding.delete(hook.identifier);
    if (outstanding.size > 0) return;
    if (!this.announce(run, 'coordinator.master-states-acknowledged')) return;
    this.step(run, 'trigger-request', () => this.triggerCheckpointRequest(run));
  }

  /** Flink's triggerCheckpointRequest: the chain succeeded; the tasks are triggered and the next request may go. */
  private triggerCheckpointRequest(run: ChainRun): void {
    const pending = run.pending as PendingCheckpoint;
    if (!this.announce(run, 'coordinator.checkpoint-triggered')) return;
    this.endRun(run);
    this.triggerTasks(pending);
    if (pending.isFullyAcknowledged && !pending.isFinalizing) this.state.steps.completePendingCheckpoint(pending);
    this.onTriggerDone();
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

  private preCheckGlobalState(isPeriodic: boolean): CheckpointFailureReason | undefined {
    if (this.state.shutDown) return 'CHECKPOINT_COORDINATOR_SHUTDOWN';
    if (isPeriodic && !this.state.periodicScheduling) return 'PERIODIC_SCHEDULER_SHUTDOWN';
    return undefined;
  }

  /** Flink's onTriggerFailure for a chain without a PendingCheckpoint: the request fails, nothing else to clean up. */
  private failBeforePending(run: ChainRun, reason: CheckpointFailureReason, thenRunQueue = true): void {
    this.endRun(run);
    this.state.operatorCoordinators.abortCurrentTriggering();
    this.failRequestBeforeId(run.request, reason);
    if (thenRunQueue) this.onTriggerDone();
    else this.state.triggering = this.running.size > 0;
  }

  /** Flink's onTriggerFailure for a chain whose PendingCheckpoint exists (and is not aborted yet): abort it. */
  private failWithPending(run: ChainRun, reason: CheckpointFailureReason): void {
    this.endRun(run);
    this.state.operatorCoordinators.abortCurrentTriggering();
    this.state.steps.abortPendingCheckpoint(run.pending as PendingCheckpoint, reason, undefined);
    this.onTriggerDone();
  }

  /** A request that failed before it had an id: answered, and reported without one. */
  private failRequestBeforeId(request: TriggerRequest, reason: CheckpointFailureReason): void {
    this.callbacks.failRequest(request, reason);
    this.state.steps.reportFailure({ checkpointId: undefined, type: request.type, reason, declinedBy: undefined });
  }

  private endRun(run: ChainRun): void {
    run.ended = true;
    if (this.running.delete(run)) this.state.ports.observations.publish({ type: 'trigger-chain-ended', requestId: run.request.requestId });
  }

  /**
   * The end of a chain, successful or not (Flink's onTriggerSuccess and the finally of
   * onTriggerFailure): other requests may start again. A chain that ended inside
   * {@link startTriggeringCheckpoint} leaves the next request to the caller's loop.
   */
  private onTriggerDone(): void {
    this.state.triggering = this.running.size > 0;
    if (!this.startingSynchronously) this.callbacks.executeQueuedRequest();
  }

  /** Planted bug (FLINK-27162): a request made by hand runs its own chain beside the one in flight. */
  private concurrentChainsPlanted(request: TriggerRequest): boolean {
    return !request.isPeriodic && bugOn(this.state.bugs, 'trigger-chain-manual-ignores-triggering');
  }
}
