import { describe, expect, it } from 'vitest';
import { CheckpointRequestDecider, type DeciderState } from '../../../src/cluster/checkpoint/checkpoint-request-decider.js';

interface Request {
  readonly name: string;
  readonly isSavepoint: boolean;
  readonly isForce: boolean;
  readonly isPeriodic: boolean;
  readonly sequence: number;
}

let sequence = 0;
const periodic = (name: string): Request => ({ name, isSavepoint: false, isForce: false, isPeriodic: true, sequence: sequence++ });
const manual = (name: string): Request => ({ name, isSavepoint: false, isForce: false, isPeriodic: false, sequence: sequence++ });
const savepoint = (name: string, isForce = true): Request => ({ name, isSavepoint: true, isForce, isPeriodic: false, sequence: sequence++ });

const idle: DeciderState = { isTriggering: false, pendingCheckpoints: 0, nowUs: 1_000_000, lastCompletionUs: undefined };
const busy: DeciderState = { ...idle, isTriggering: true };

function decider(options: { maxConcurrent?: number; minPauseUs?: number; maxQueued?: number } = {}): CheckpointRequestDecider<Request> {
  return new CheckpointRequestDecider<Request>({
    maxConcurrentCheckpoints: options.maxConcurrent ?? 1,
    minPauseBetweenCheckpointsUs: options.minPauseUs ?? 0,
    maxQueuedRequests: options.maxQueued ?? 1000,
  });
}

function drain(subject: CheckpointRequestDecider<Request>): string[] {
  const order: string[] = [];
  for (let next = subject.chooseQueued(idle).execute; next !== undefined; next = subject.chooseQueued(idle).execute) order.push(next.name);
  return order;
}

describe('CheckpointRequestDecider', () => {
  it('runs a request at once when nothing is in flight', () => {
    const request = manual('m');
    expect(decider().submit(request, idle).execute).toBe(request);
  });

  it('queues while a trigger is in flight (one trigger at a time), then runs the queued request', () => {
    const subject = decider();
    const request = manual('m');
    expect(subject.submit(request, busy).execute).toBeUndefined();
    expect(subject.queuedRequests).toBe(1);
    expect(subject.chooseQueued(idle).execute).toBe(request);
  });

  it('orders by class: savepoints, forced, manual, periodic; oldest first within a class', () => {
    const subject = decider();
    for (const request of [periodic('p1'), manual('m1'), savepoint('s-unforced', false), periodic('p2'), manual('m2'), savepoint('s-forced')]) {
      subject.submit(request, busy);
    }
    expect(drain(subject)).toEqual(['s-forced', 's-unforced', 'm1', 'm2', 'p1', 'p2']);
  });

  it('with pending >= max concurrent, only a forced request at the head runs', () => {
    const subject = decider({ maxConcurrent: 2 });
    const full: DeciderState = { ...idle, pendingCheckpoints: 2 };
    expect(subject.submit(manual('m'), full).execute).toBeUndefined();
    expect(subject.submit(savepoint('unforced', false), full).execute).toBeUndefined();
    expect(subject.queuedRequests).toBe(2);
    expect(subject.submit(savepoint('forced'), full).execute?.name).toBe('forced');
    expect(subject.chooseQueued({ ...idle, pendingCheckpoints: 1 }).execute?.name).toBe('unforced');
  });

  it('drops a periodic request inside the min pause with MINIMUM_TIME_BETWEEN_CHECKPOINTS and asks for a reschedule', () => {
    const subject = decider({ minPauseUs: 500 });
    const state: DeciderState = { ...idle, nowUs: 1_200, lastCompletionUs: 1_000 };
    const request = periodic('p');
    const decision = subject.submit(request, state);
    expect(decision.execute).toBeUndefined();
    expect(decision.dropped).toEqual([{ request, reason: 'MINIMUM_TIME_BETWEEN_CHECKPOINTS' }]);
    expect(decision.rescheduleDelayUs).toBe(300);
    expect(subject.queuedRequests).toBe(0);
  });

  it('lets manual requests and savepoints through the min pause, and periodic ones once it passed', () => {
    const subject = decider({ minPauseUs: 500 });
    const state: DeciderState = { ...idle, nowUs: 1_200, lastCompletionUs: 1_000 };
    expect(subject.submit(manual('m'), state).execute?.name).toBe('m');
    expect(subject.submit(savepoint('s', false), state).execute?.name).toBe('s');
    expect(subject.submit(periodic('p'), { ...state, nowUs: 1_500 }).execute?.name).toBe('p');
  });

  it('drops the lowest-priority request when the queue overflows (TOO_MANY_CHECKPOINT_REQUESTS)', () => {
    const subject = decider({ maxQueued: 2 });
    subject.submit(periodic('p1'), busy);
    subject.submit(periodic('p2'), busy);
    const decision = subject.submit(savepoint('s'), busy);
    expect(decision.dropped.map((dropped) => [dropped.request.name, dropped.reason])).toEqual([['p2', 'TOO_MANY_CHECKPOINT_REQUESTS']]);
    expect(drain(subject)).toEqual(['s', 'p1']);
  });

  it('keeps a full queue of user requests and drops the new one', () => {
    const subject = decider({ maxQueued: 2 });
    subject.submit(manual('m1'), busy);
    subject.submit(manual('m2'), busy);
    const incoming = savepoint('s');
    const decision = subject.submit(incoming, busy);
    expect(decision.dropped).toEqual([{ request: incoming, reason: 'TOO_MANY_CHECKPOINT_REQUESTS' }]);
    expect(drain(subject)).toEqual(['m1', 'm2']);
  });

  it('abortAll empties the queue in queue order', () => {
    const subject = decider();
    subject.submit(periodic('p'), busy);
    subject.submit(manual('m'), busy);
    expect(subject.abortAll().map((request) => request.name)).toEqual(['m', 'p']);
    expect(subject.queuedRequests).toBe(0);
  });
});
