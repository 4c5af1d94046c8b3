import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/explore/scenario.js';
import { checkFaultTargets, faultKinds, isOperation, operationKinds, parseFaultPlan, type PlanEntry } from '../../src/faults/plan.js';

describe('fault plan validation', () => {
  it('accepts every kind as plain JSON and keeps it unchanged', () => {
    const plan = [
      { kind: 'crash-executor', executor: 'taskexecutor-1', restartAfterUs: 1000, replacement: false, when: { atUs: 5 } },
      { kind: 'fail-task', task: 'count#1', when: { onStep: 'task.alignment-completed', task: 'count#1', checkpointId: 3 } },
      { kind: 'crash-jobmaster', recoverAfterUs: 0, when: { onStep: 'coordinator.checkpoint-completed', occurrence: 2, afterUs: 10 } },
      { kind: 'rpc', action: 'drop', method: 'acknowledgeCheckpoint', source: 'taskexecutor-2', count: 1, when: { onStep: 'rpc.acknowledgeCheckpoint', executor: 'taskexecutor-2', occurrence: 2 } },
      { kind: 'partition', nodes: ['jobmaster', 'taskexecutor-0'], oneWay: true, durationUs: 10, when: { atUs: 0 } },
      { kind: 'channel-stall', channel: 'source#0->split#0', extraUs: 5, durationUs: 10, when: { atUs: 0 } },
      { kind: 'slow-task', task: 'sink#0', factor: 3, durationUs: 10, when: { atUs: 0 } },
      { kind: 'storage', action: 'unreadable-handle', count: 1, when: { atUs: 0 } },
      { kind: 'sink-commit-failure', count: 2, when: { atUs: 0 } },
      { kind: 'transaction-timeout', timeoutUs: 100, when: { atUs: 0 } },
      { kind: 'source-unavailable', durationUs: 100, when: { atUs: 0 } },
      { kind: 'ha-store', action: 'ambiguous-writes', count: 1, durationUs: 50, when: { onStep: 'coordinator.all-acknowledged', checkpointId: 2 } },
      { kind: 'ha-store', action: 'fail-writes', target: 'id-counter', count: 2, when: { atUs: 0 } },
    ];
    expect(new Set(plan.map((fault) => fault.kind))).toEqual(new Set(faultKinds));
    expect(parseFaultPlan(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });

  it('accepts every operation beside faults, with the same triggers', () => {
    const plan = [
      { kind: 'savepoint', when: { atUs: 5 } },
      { kind: 'checkpoint', when: { onStep: 'coordinator.checkpoint-completed', occurrence: 2 } },
      { kind: 'stop-with-savepoint', when: { atUs: 7 } },
      { kind: 'stop-with-savepoint', drain: true, when: { onStep: 'task.snapshot-taken', task: 'count#1', afterUs: 3 } },
      { kind: 'cancel', when: { atUs: 9 } },
      { kind: 'cancel', resumeFrom: 'latest-savepoint', resumeAfterUs: 100, when: { atUs: 9 } },
      { kind: 'rescale', parallelism: 'count=2,sink=1', when: { atUs: 11 } },
      { kind: 'fail-task', task: 'count#1', when: { atUs: 5 } },
    ];
    expect(new Set((plan as PlanEntry[]).filter(isOperation).map((entry) => entry.kind))).toEqual(new Set(operationKinds));
    expect(parseFaultPlan(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });

  it.each([
    [{}, 'a fault plan must be a JSON array'],
    [[{ kind: 'meteor', when: { atUs: 0 } }], 'faults[0].kind must be one of'],
    [[{ kind: 'fail-task', task: 'count', when: { atUs: 0 } }], "faults[0].task must be a task name like 'count#1', got \"count\""],
    [[{ kind: 'fail-task', task: 'count#1', when: { atUs: -4 } }], 'faults[0].when.atUs must be an integer in [0, 3600000000], got -4'],
    [[{ kind: 'fail-task', task: 'count#1', when: { onStep: 'task.nap' } }], 'faults[0].when.onStep must be one of'],
    [[{ kind: 'crash-executor', executor: 'worker-1', restartAfterUs: 0, replacement: false, when: { atUs: 0 } }], "faults[0].executor must be an executor name like 'taskexecutor-0', got \"worker-1\""],
    [[{ kind: 'rpc', action: 'drop', method: 'gossip', count: 1, when: { atUs: 0 } }], 'faults[0].method must be one of'],
    [[{ kind: 'partition', nodes: ['jobmaster', 'jobmaster'], oneWay: true, durationUs: 1, when: { atUs: 0 } }], 'faults[0].nodes must be two different node names'],
    [[{ kind: 'storage', action: 'fail-writes', count: 0, when: { atUs: 0 } }], 'faults[0].count must be an integer in [1, 1000000], got 0'],
    [[{ kind: 'ha-store', action: 'lose-writes', count: 1, when: { atUs: 0 } }], 'faults[0].action must be one of fail-writes, ambiguous-writes, got "lose-writes"'],
    [[{ kind: 'ha-store', action: 'fail-writes', target: 'leader', count: 1, when: { atUs: 0 } }], 'faults[0].target must be one of completed-checkpoint, id-counter, got "leader"'],
    // A misspelt optional field would otherwise be ignored, and the fault run without it.
    [[{ kind: 'ha-store', action: 'fail-writes', taget: 'id-counter', count: 1, when: { atUs: 0 } }], 'faults[0] has no field "taget": a ha-store fault takes kind, when, action, target, count, durationUs'],
    [[{ kind: 'stop-with-savepoint', drain: 'yes', when: { atUs: 0 } }], 'faults[0].drain must be true or false, got "yes"'],
    [[{ kind: 'cancel', resumeFrom: 'oldest', when: { atUs: 0 } }], 'faults[0].resumeFrom must be one of latest, latest-savepoint, latest-checkpoint, got "oldest"'],
    [[{ kind: 'cancel', resumeAfterUs: -1, when: { atUs: 0 } }], 'faults[0].resumeAfterUs must be an integer in [0, 3600000000], got -1'],
    [[{ kind: 'savepoint', drain: true, when: { atUs: 0 } }], 'faults[0] has no field "drain": a savepoint operation takes kind, when'],
    [[{ kind: 'checkpoint' }], 'faults[0].when must be an object with atUs or onStep'],
    [[{ kind: 'fail-task', task: 'count#1', when: { atUs: 0, onStep: 'task.snapshot-taken' } }], 'faults[0].when has no field "onStep": a time trigger takes atUs'],
    [[{ kind: 'fail-task', task: 'count#1', when: { onStep: 'task.snapshot-taken', checkpointid: 3 } }], 'faults[0].when has no field "checkpointid": a step trigger takes onStep, task, executor, checkpointId, occurrence, afterUs'],
    // Flink's RPC delivers an operator event at most once and never retries it; a reader given a split twice reads it twice.
    [[{ kind: 'rpc', action: 'duplicate', method: 'sendOperatorEvent', count: 1, when: { atUs: 0 } }], "faults[0].action cannot be 'duplicate' for sendOperatorEvent"],
  ])('rejects %j with a sentence naming the bad field', (plan, message) => {
    expect(() => parseFaultPlan(plan)).toThrow(UsageError);
    expect(() => parseFaultPlan(plan)).toThrow(message);
  });

  it('keeps the other actions on operator events, and duplicates of every other method', () => {
    const plan = [
      { kind: 'rpc', action: 'drop', method: 'sendOperatorEvent', count: 1, when: { atUs: 0 } },
      { kind: 'rpc', action: 'delay', method: 'sendOperatorEvent', count: 1, delayUs: 5, when: { atUs: 0 } },
      { kind: 'rpc', action: 'duplicate', method: 'sendOperatorEventToCoordinator', count: 1, when: { atUs: 0 } },
      { kind: 'rpc', action: 'duplicate', method: 'acknowledgeCheckpoint', count: 1, when: { atUs: 0 } },
    ];
    expect(parseFaultPlan(plan)).toEqual(plan);
  });
});

describe('fault targets', () => {
  const targets = { tasks: ['source#0', 'count#0', 'count#1'], channels: ['source#0->count#0', 'source#0->count#1'], executors: ['taskexecutor-0', 'taskexecutor-1'] };
  const at = { atUs: 5 };

  it('accept faults aimed at what the case has, and an executor a replacement in the plan will start', () => {
    const plan = parseFaultPlan([
      { kind: 'fail-task', task: 'count#1', when: { onStep: 'task.snapshot-taken', task: 'count#0', executor: 'taskexecutor-1' } },
      { kind: 'channel-stall', channel: 'source#0->count#1', extraUs: 5, durationUs: 10, when: at },
      { kind: 'partition', nodes: ['jobmaster', 'taskexecutor-1'], oneWay: false, durationUs: 10, when: at },
      { kind: 'rpc', action: 'drop', method: 'acknowledgeCheckpoint', task: 'count#0', source: 'taskexecutor-0', target: 'jobmaster', count: 1, when: at },
      { kind: 'crash-executor', executor: 'taskexecutor-0', restartAfterUs: 0, replacement: true, when: at },
      { kind: 'crash-executor', executor: 'taskexecutor-2', restartAfterUs: 0, replacement: false, when: at },
    ]);
    expect(() => checkFaultTargets(plan, targets)).not.toThrow();
  });

  it.each([
    [{ kind: 'fail-task', task: 'count#2', when: at }, "faults[0].task names no task of this case: 'count#2' (there are source#0, count#0, count#1)"],
    [{ kind: 'slow-task', task: 'sink#0', factor: 2, durationUs: 10, when: at }, "faults[0].task names no task of this case: 'sink#0'"],
    [{ kind: 'channel-stall', channel: 'count#0->source#0', extraUs: 5, durationUs: 10, when: at }, "faults[0].channel names no channel of this case: 'count#0->source#0'"],
    [{ kind: 'crash-executor', executor: 'taskexecutor-2', restartAfterUs: 0, replacement: false, when: at }, "faults[0].executor names no executor of this case: 'taskexecutor-2' (there are taskexecutor-0, taskexecutor-1)"],
    [{ kind: 'partition', nodes: ['jobmaster', 'taskexecutor-5'], oneWay: true, durationUs: 10, when: at }, "faults[0].nodes[1] names no node of this case: 'taskexecutor-5'"],
    [{ kind: 'rpc', action: 'drop', method: 'acknowledgeCheckpoint', target: 'taskexecutor-9', count: 1, when: at }, "faults[0].target names no node of this case: 'taskexecutor-9'"],
    [{ kind: 'sink-commit-failure', count: 1, when: { onStep: 'task.snapshot-taken', task: 'split#0' } }, "faults[0].when.task names no task of this case: 'split#0'"],
  ])('reject a fault aimed at what the case does not have: %j', (fault, message) => {
    expect(() => checkFaultTargets(parseFaultPlan([fault]), targets)).toThrow(UsageError);
    expect(() => checkFaultTargets(parseFaultPlan([fault]), targets)).toThrow(message);
  });
});
