import type { CheckpointFailureReason } from './types.js';

/** Flink's default bound on queued trigger requests. */
export const defaultMaxQueuedRequests = 1000;

/** What the decider needs to know of a trigger request to order and admit it. */
export interface DecidableRequest {
  readonly isSavepoint: boolean;
  /** Forced requests ignore max-concurrent and min-pause (savepoints when unaligned is off). */
  readonly isForce: boolean;
  readonly isPeriodic: boolean;
  /** Arrival order; older requests go first within a class. */
  readonly sequence: number;
}

/** The coordinator's state at the moment of a decision. */
export interface DeciderState {
  /** A trigger is already in flight: nothing else starts until it is done. */
  readonly isTriggering: boolean;
  readonly pendingCheckpoints: number;
  readonly nowUs: number;
  /** When the last checkpoint completed; undefined before the first completion. */
  readonly lastCompletionUs: number | undefined;
}

/** A request the decider refused, with the reason it must be failed with. */
export interface DroppedRequest<R> {
  readonly request: R;
  readonly reason: CheckpointFailureReason;
}

/**
 * The outcome of one decision, as data: the request to trigger now (if any), requests to fail,
 * and (when a periodic request came too soon after the last completion) the delay after which the
 * periodic trigger should fire again.
 */
export interface RequestDecision<R> {
  readonly execute: R | undefined;
  readonly dropped: readonly DroppedRequest<R>[];
  readonly rescheduleDelayUs: number | undefined;
}

/** Configuration of a {@link CheckpointRequestDecider}. */
export interface CheckpointRequestDeciderOptions {
  readonly maxConcurrentCheckpoints: number;
  readonly minPauseBetweenCheckpointsUs: number;
  /** Bound on queued requests; defaults to {@link defaultMaxQueuedRequests}. */
  readonly maxQueuedRequests?: number;
}

/**
 * Flink's CheckpointRequestDecider: decides whether a trigger request runs now, waits in the queue
 * or is dropped. Requests queue by class (savepoints, then forced, then manual, then periodic;
 * oldest first within a class). The decider performs no effects: the coordinator carries out the
 * returned {@link RequestDecision}.
 */
export class CheckpointRequestDecider<R extends DecidableRequest> {
  private readonly maxConcurrentCheckpoints: number;
  private readonly minPauseBetweenCheckpointsUs: number;
  private readonly maxQueuedRequests: number;
  /** Sorted by {@link compareRequests}: the head is the next to run. */
  private readonly queue: R[] = [];

  constructor(options: CheckpointRequestDeciderOptions) {
    const maxQueuedRequests = options.maxQueuedRequests ?? defaultMaxQueuedRequests;
    if (!(options.maxConcurrentCheckpoints >= 1)) {
      throw new Error(`maxConcurrentCheckpoints must be at least 1, got ${options.maxConcurrentCheckpoints}`);
    }
    if (!(maxQueuedRequests >= 1)) throw new Error(`maxQueuedRequests must be at least 1, got ${maxQueuedRequests}`);
    if (!(options.minPauseBetweenCheckpointsUs >= 0)) {
      throw new Error(`minPauseBetweenCheckpointsUs must not be negative, got ${options.minPauseBetweenCheckpointsUs}`);
    }
    this.maxConcurrentCheckpoints = options.maxConcurrentCheckpoints;
    this.minPauseBetweenCheckpointsUs = options.minPauseBetweenCheckpointsUs;
    this.maxQueuedRequests = maxQueuedRequests;
  }

  /** Requests waiting in the queue. */
  get queuedRequests(): number {
    return this.queue.length;
  }

  /**
   * Submits a new request and decides whether it, or another queued request, runs now.
   * When the queue is full, a queue holding only user requests keeps them and drops the new one;
   * otherwise the lowest-priority request (possibly the new one) is dropped.
   */
  submit(request: R, state: DeciderState): RequestDecision<R> {
    const last = this.queue[this.queue.length - 1];
    if (this.queue.length >= this.maxQueuedRequests && last !== undefined && !last.isPeriodic) {
      return { execute: undefined, dropped: [{ request, reason: 'TOO_MANY_CHECKPOINT_REQUESTS' }], rescheduleDelayUs: undefined };
    }
    this.insert(request);
    const overflow: DroppedRequest<R>[] = [];
    if (this.queue.length > this.maxQueuedRequests) {
      overflow.push({ request: this.queue.pop() as R, reason: 'TOO_MANY_CHECKPOINT_REQUESTS' });
    }
    const decision = this.chooseQueued(state);
    return { ...decision, dropped: [...overflow, ...decision.dropped] };
  }

  /** Decides whether a queued request can run now (after a trigger, completion or abort). */
  chooseQueued(state: DeciderState): RequestDecision<R> {
    const none: RequestDecision<R> = { execute: undefined, dropped: [], rescheduleDelayUs: undefined };
    const first = this.queue[0];
    if (state.isTriggering || first === undefined) return none;
    if (state.pendingCheckpoints >= this.maxConcurrentCheckpoints) {
      return first.isForce ? { ...none, execute: this.queue.shift() } : none;
    }
    const delayUs = this.minPauseDelayUs(first, state);
    if (delayUs > 0) {
      this.queue.shift();
      return { execute: undefined, dropped: [{ request: first, reason: 'MINIMUM_TIME_BETWEEN_CHECKPOINTS' }], rescheduleDelayUs: delayUs };
    }
    return { ...none, execute: this.queue.shift() };
  }

  /** Empties the queue, returning every request in queue order so the caller can fail them. */
  abortAll(): R[] {
    return this.queue.splice(0, this.queue.length);
  }

  /** How long a periodic, non-forced request must still wait for the min pause; 0 when it may go. */
  private minPauseDelayUs(request: R, state: DeciderState): number {
    if (request.isForce || !request.isPeriodic || state.lastCompletionUs === undefined) return 0;
    return state.lastCompletionUs + this.minPauseBetweenCheckpointsUs - state.nowUs;
  }

  private insert(request: R): void {
    let index = this.queue.length;
    while (index > 0 && compareRequests(this.queue[index - 1] as R, request) > 0) index--;
    this.queue.splice(index, 0, request);
  }
}

/**
 * Flink's request order: savepoints first, then forced requests, then user (non-periodic)
 * requests before periodic ones, then the oldest first.
 */
export function compareRequests(left: DecidableRequest, right: DecidableRequest): number {
  if (left.isSavepoint !== right.isSavepoint) return left.isSavepoint ? -1 : 1;
  if (left.isForce !== right.isForce) return left.isForce ? -1 : 1;
  if (left.isPeriodic !== right.isPeriodic) return left.isPeriodic ? 1 : -1;
  return left.sequence - right.sequence;
}
