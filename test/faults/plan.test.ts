import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/explore/scenario.js';
import { parseFaultPlan } from '../../src/faults/plan.js';

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
    ];
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
  ])('rejects %j with a sentence naming the bad field', (plan, message) => {
    expect(() => parseFaultPlan(plan)).toThrow(UsageError);
    expect(() => parseFaultPlan(plan)).toThrow(message);
  });
});
