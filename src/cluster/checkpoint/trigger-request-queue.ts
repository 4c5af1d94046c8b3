import { bugOn } from '../planted-bugs.js';
import type { TriggerKind } from '../observations.js';
import { CheckpointRequestDecider, defaultMaxQueuedRequests, type DecidableRequest, type DeciderState, type RequestDecision } from './checkpoint-request-decider.js';
import type { CheckpointDone, CheckpointResult } from './checkpoint-result.js';
import { triggerKindOf } from './coordinator-helpers.js';
import type { CoordinatorState } from './coordinator-state.js';
import { PeriodicTrigger } from './periodic-trigger.js';
import type { CancellableTimer } from './ports.js';
import { CheckpointTriggerChain } from './trigger-chain.js';
import type { CheckpointFailureReason, SnapshotType } from './types.js';

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

/** What the request queue is built with beyond the shared state. */
export interface TriggerRequestQueueOptions {
  /** Bound on queued trigger requests (Flink's 1000). */
  readonly maxQueuedRequests?: number;
  /** Prefix of trigger request ids, unique per coordinator of a run. */
  readonly requestIdPrefix: string;
}

/**
 * Trigger requests and their queue: the periodic trigger and the users' requests go through
 * Flink's CheckpointRequestDecider, which starts one {@link CheckpointTriggerChain} at a time
 * (isTriggering), queues the rest and runs the queue again when a chain ends or a checkpoint
 * completes or aborts. Every request is answered exactly once, here.
 */
export class TriggerRequestQueue {
  private readonly decider: CheckpointRequestDecider<TriggerRequest>;
  /** Fires the periodic requests; undefined when periodic checkpoints are off. */
  readonly periodicTrigger: PeriodicTrigger | undefined;
  /** The chain the queue starts its requests on. */
  readonly chain: CheckpointTriggerChain;
  /** Bound on triggers started in one go: every one consumes a queued request, and the queue is bounded. */
  private readonly maxTriggersPerDecision: number;
  private readonly requestIdPrefix: string;
  private nextRequestSequence = 0;
  private queuedRequestTimer: CancellableTimer | undefined = undefined;

  constructor(
    private readonly state: CoordinatorState,
    options: TriggerRequestQueueOptions,
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
    this.chain = new CheckpointTriggerChain(state, {
      answer: (request, checkpointId, result) => this.answer(request, checkpointId, result),
      failRequest: (request, reason) => this.failRequest(request, reason),
      executeQueuedRequest: () => this.executeQueuedRequest(),
    });
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
    const state = this.deciderState();
    // Planted bug (FLINK-27162): a request made by hand is decided as if no chain were in flight.
    const planted = !isPeriodic && bugOn(this.state.bugs, 'trigger-chain-manual-ignores-triggering');
    this.carryOut(this.decider.submit(request, planted ? { ...state, isTriggering: false } : state));
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

  /** Runs the queue now (Flink's executeQueuedRequest). */
  executeQueuedRequest(): void {
    this.carryOut(this.decider.chooseQueued(this.deciderState()));
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

  /** Answers a request that got no checkpoint with `reason`. */
  private failRequest(request: TriggerRequest, reason: CheckpointFailureReason): void {
    this.state.ports.observations.publish({ type: 'checkpoint-trigger-failed', checkpointType: request.type, reason });
    this.answer(request, undefined, { ok: false, reason });
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
   * chain that ends at once frees the slot again). A loop, not recursion, so a long queue of
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
      this.chain.startTriggeringCheckpoint(decision.execute);
      decision = this.decider.chooseQueued(this.deciderState());
    }
  }
}
