/**
 * Conformance with Flink 1.20's CheckpointRequestDeciderTest (flink-runtime,
 * org.apache.flink.runtime.checkpoint), through ckptsim's CheckpointRequestDecider.
 *
 * Flink methods: 12. Skipped as not behaviour: 0.
 * Ported and todo counts: test/conformance/README.md (generated).
 */
import { describe, expect, it } from 'vitest';
import { CheckpointRequestDecider, type DecidableRequest, type DeciderState } from '../../src/cluster/checkpoint/checkpoint-request-decider.js';

interface Request extends DecidableRequest {
  readonly name: string;
}

let sequence = 0;
function request(name: string, kind: { savepoint: boolean; force: boolean; periodic: boolean }): Request {
  return { name, isSavepoint: kind.savepoint, isForce: kind.force, isPeriodic: kind.periodic, sequence: sequence++ };
}
// Flink's helpers: a "regular" checkpoint is a periodic one; savepoints are forced unless told.
const regularCheckpoint = (name = 'checkpoint'): Request => request(name, { savepoint: false, force: false, periodic: true });
const manualCheckpoint = (name = 'manual'): Request => request(name, { savepoint: false, force: false, periodic: false });
const regularSavepoint = (name = 'savepoint'): Request => request(name, { savepoint: true, force: true, periodic: false });
const periodicSavepoint = (name = 'periodic-savepoint'): Request => request(name, { savepoint: true, force: true, periodic: true });
const nonForcedSavepoint = (name = 'non-forced-savepoint'): Request => request(name, { savepoint: true, force: false, periodic: false });
const nonForcedPeriodicSavepoint = (name = 'non-forced-periodic-savepoint'): Request => request(name, { savepoint: true, force: false, periodic: true });

const day = 86_400_000_000;
function state(overrides: Partial<DeciderState> = {}): DeciderState {
  return { isTriggering: false, pendingCheckpoints: 0, nowUs: day, lastCompletionUs: 0, ...overrides };
}

function decider(maxQueuedRequests: number, maxConcurrentCheckpoints = 1, minPauseBetweenCheckpointsUs = 1_000): CheckpointRequestDecider<Request> {
  return new CheckpointRequestDecider<Request>({ maxQueuedRequests, maxConcurrentCheckpoints, minPauseBetweenCheckpointsUs });
}

function testRequestsOrdering(requests: Request[], expected: Request[]): void {
  const subject = decider(10);
  for (const submitted of requests) expect(subject.submit(submitted, state({ isTriggering: true })).execute).toBeUndefined();
  for (const next of expected) expect(subject.chooseQueued(state()).execute).toBe(next);
}

describe('CheckpointRequestDeciderTest (Flink 1.20)', () => {
  it('testForce', () => {
    const subject = decider(Number.MAX_SAFE_INTEGER, 1, 1_000);
    const forced = periodicSavepoint();
    expect(subject.submit(forced, state({ pendingCheckpoints: 1, lastCompletionUs: day })).execute).toBe(forced);
  });

  it('testEnqueueOnTooManyPending', () => {
    const subject = decider(Number.MAX_SAFE_INTEGER, 1);
    const checkpoint = regularCheckpoint();
    expect(subject.submit(checkpoint, state({ pendingCheckpoints: 1 })).execute).toBeUndefined();
    expect(subject.chooseQueued(state({ pendingCheckpoints: 0 })).execute).toBe(checkpoint);
  });

  it('testNonForcedEnqueueOnTooManyPending', () => {
    const subject = decider(Number.MAX_SAFE_INTEGER, 1);
    const savepoint = nonForcedSavepoint();
    expect(subject.submit(savepoint, state({ pendingCheckpoints: 1 })).execute).toBeUndefined();
    expect(subject.chooseQueued(state({ pendingCheckpoints: 0 })).execute).toBe(savepoint);
  });

  it.todo('testEnqueueOnTooManyCleaning: needs the checkpoint cleaner (checkpoints whose state is still being discarded count against max concurrent)');

  it('testUserSubmittedPrioritized', () => {
    const user = regularSavepoint();
    const periodic = periodicSavepoint();
    testRequestsOrdering([periodic, user], [user, periodic]);
  });

  it('testSavepointPrioritized', () => {
    const savepoint = regularSavepoint();
    const checkpoint = regularCheckpoint();
    testRequestsOrdering([checkpoint, savepoint], [savepoint, checkpoint]);
  });

  it('testNonForcedUserSubmittedPrioritized', () => {
    const user = nonForcedSavepoint();
    const periodic = nonForcedPeriodicSavepoint();
    testRequestsOrdering([periodic, user], [user, periodic]);
  });

  it('testNonForcedSavepointPrioritized', () => {
    const savepoint = nonForcedSavepoint();
    const checkpoint = regularCheckpoint();
    testRequestsOrdering([checkpoint, savepoint], [savepoint, checkpoint]);
  });

  it('testQueueSizeLimit', () => {
    const maxQueued = 10;
    const subject = decider(maxQueued);
    const dropped: Request[] = [];
    for (let added = 1; added <= maxQueued + 1; added++) {
      const decision = subject.submit(regularCheckpoint(`c${added}`), state({ isTriggering: true }));
      expect(decision.execute).toBeUndefined();
      for (const drop of decision.dropped) {
        expect(drop.reason).toBe('TOO_MANY_CHECKPOINT_REQUESTS');
        dropped.push(drop.request);
      }
      expect(dropped).toHaveLength(Math.max(added - maxQueued, 0));
    }
  });

  it('testQueueSizeLimitPriority', () => {
    const subject = decider(1);
    const checkpoint = regularCheckpoint();
    const savepoint = regularSavepoint();
    expect(subject.submit(checkpoint, state({ isTriggering: true })).dropped).toEqual([]);
    expect(subject.submit(savepoint, state({ isTriggering: true })).dropped).toEqual([{ request: checkpoint, reason: 'TOO_MANY_CHECKPOINT_REQUESTS' }]);
    expect(subject.queuedRequests).toBe(1);
  });

  // Flink's testTiming: pause 10 ms, the last completion just now.
  function timing(submitted: Request): 'IMMEDIATELY' | 'DROPPED' {
    const subject = decider(Number.MAX_SAFE_INTEGER, 1, 10_000);
    const decision = subject.submit(submitted, state({ nowUs: day, lastCompletionUs: day }));
    if (decision.execute === submitted) return 'IMMEDIATELY';
    expect(decision.dropped).toEqual([{ request: submitted, reason: 'MINIMUM_TIME_BETWEEN_CHECKPOINTS' }]);
    return 'DROPPED';
  }

  it('testSavepointTiming', () => {
    expect(timing(regularSavepoint())).toBe('IMMEDIATELY');
    expect(timing(periodicSavepoint())).toBe('IMMEDIATELY');
    expect(timing(nonForcedSavepoint())).toBe('IMMEDIATELY');
  });

  it('testCheckpointTiming', () => {
    expect(timing(regularCheckpoint())).toBe('DROPPED');
    expect(timing(manualCheckpoint())).toBe('IMMEDIATELY');
  });
});
