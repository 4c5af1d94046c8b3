import { describe, expect, it } from 'vitest';
import type { ObservationBody } from '../../src/cluster/observations.js';
import type { PlanEntry } from '../../src/faults/plan.js';
import { runCase } from '../../src/explore/run-case.js';
import { caseSeedFor, runSweepCase } from '../../src/explore/sweep-case.js';
import { AbstractStateCollector, CoverageCollector, StepFaultCollector, coverageColumns, coverageRows, impossiblePairs, possiblePairs, type CaseCoverage } from '../../src/oracle/protocol-coverage/index.js';
import { findScenario } from '../../scenarios/index.js';
import { at } from './support/fixtures.js';

function feed(observe: (observation: ReturnType<typeof at>) => void, bodies: ReadonlyArray<[number, ObservationBody]>): void {
  for (const [timeUs, body] of bodies) observe(at(timeUs, body));
}

describe('abstract protocol states', () => {
  it('follow a hand-built stream: coordinator queue and pending, a task aligning two channels, a sink transaction, a new leader', () => {
    const states = new AbstractStateCollector();
    feed(states.observe, [
      [0, { type: 'jobmaster-started', leaderEpoch: 1, recoveredCheckpointIds: [] }],
      [0, { type: 'job-status', status: 'RUNNING', cause: undefined }],
      [1, { type: 'task-deployed', task: 'count#0', attempt: 0, executor: 'taskexecutor-0' }],
      [2, { type: 'task-running', task: 'count#0', attempt: 0 }],
      [3, { type: 'transaction-begun', task: 'sink#0', transactionId: 'tx1' }],
      [10, { type: 'checkpoint-trigger-requested', requestId: 'r1', kind: 'periodic' }],
      [10, { type: 'checkpoint-trigger-requested', requestId: 'r2', kind: 'savepoint' }],
      [10, { type: 'checkpoint-triggered', checkpointId: 1, checkpointType: 'checkpoint', timestampUs: 10, tasksToWaitFor: ['count#0'], preAcknowledged: [] }],
      [11, { type: 'barrier-received', checkpointId: 1, task: 'count#0', channel: 'a' }],
      [11, { type: 'alignment-started', checkpointId: 1, task: 'count#0' }],
      [12, { type: 'barrier-received', checkpointId: 1, task: 'count#0', channel: 'b' }],
      [12, { type: 'alignment-completed', checkpointId: 1, task: 'count#0', alignmentDurationUs: 1, unaligned: false }],
      [12, { type: 'snapshot-taken', checkpointId: 1, task: 'count#0', attempt: 0, unaligned: false, content: { keyed: undefined, operator: {}, lineage: [] } }],
      [13, { type: 'transaction-pre-committed', task: 'sink#0', transactionId: 'tx1', checkpointId: 1 }],
      [14, { type: 'checkpoint-completed', checkpointId: 1, checkpointType: 'checkpoint', acknowledgedTasks: ['count#0'], awaitedTasks: ['count#0'], stateHandles: [] }],
      [15, { type: 'checkpoint-notification-received', checkpointId: 1, kind: 'complete', task: 'count#0', ignored: false }],
      [15, { type: 'transaction-committed', task: 'sink#0', transactionId: 'tx1', checkpointId: 1, records: 1, alreadyCommitted: false }],
      [20, { type: 'task-failed', task: 'count#0', attempt: 0, cause: 'x' }],
      [21, { type: 'job-status', status: 'RESTARTING', cause: 'x' }],
      [30, { type: 'jobmaster-started', leaderEpoch: 2, recoveredCheckpointIds: [1] }],
    ]);
    expect(states.states()).toEqual(
      [
        // coordinator: idle; one request triggering; a second queued behind it; one pending with the second triggering;
        // that one still triggering once the first completed; a new leader starts empty.
        'C000', 'C010', 'C011', 'C110', 'C010', 'C000',
        // JobMaster: created, running, restarting; running again under a new leader epoch.
        'Jc0', 'Jr0', 'JR0', 'JR1',
        // task: deployed; running; aligning with one, then two channels' barriers; a snapshot pending; notified; failed.
        'Ti00d', 'Ti00r', 'Ta10r', 'Ta20r', 'Ti00r', 'Ti01r', 'Ti00x',
        // sink: one open; one pre-committed; none.
        'S10', 'S01', 'S00',
      ].filter((state, index, all) => all.indexOf(state) === index).sort(),
    );
  });

  it('are never read from runtime internals: a stream without observations reaches no state (negative control)', () => {
    expect(new AbstractStateCollector().states()).toEqual([]);
  });
});

describe('step × fault pairs', () => {
  it('count a fault at its step and within the operations in progress, only when it took effect', () => {
    const pairs = new StepFaultCollector();
    feed(pairs.observe, [
      [1, { type: 'fault-injected', index: 0, kind: 'fail-task', step: 'task.snapshot-taken' }],
      [2, { type: 'job-operation-requested', operation: 'savepoint' }],
      [3, { type: 'fault-injected', index: 1, kind: 'crash-jobmaster', step: 'coordinator.checkpoint-triggered' }],
      [4, { type: 'job-operation-answered', operation: 'savepoint', ok: true, checkpointId: 2 }],
      [5, { type: 'fault-injected', index: 2, kind: 'rpc', step: 'start' }],
      // An injector that names no step still counts within the operations in progress (none here).
      [6, { type: 'fault-injected', index: 3, kind: 'storage' }],
    ]);
    expect(pairs.pairs(() => true)).toEqual(['crash-jobmaster@coordinator.checkpoint-triggered', 'crash-jobmaster@operation:savepoint', 'fail-task@task.snapshot-taken', 'rpc@start']);
    expect(pairs.pairs((index) => index !== 1)).toEqual(['fail-task@task.snapshot-taken', 'rpc@start']);
  });

  it('list every row and fault kind, the impossible pairs with a reason, and the rest as possible', () => {
    expect(coverageRows[0]).toBe('start');
    expect(coverageRows).toContain('task.alignment-completed');
    expect(coverageRows).toContain('rpc.acknowledgeCheckpoint');
    expect(coverageRows).toContain('operation:stop-with-savepoint-drain');
    expect(possiblePairs.length + impossiblePairs.length).toBe(coverageRows.length * coverageColumns.length);
    for (const { pair, reason } of impossiblePairs) {
      expect(possiblePairs).not.toContain(pair);
      expect(reason.length).toBeGreaterThan(40);
    }
  });
});

function coverageOf(scenarioName: string, seed: number, faults: PlanEntry[]): CaseCoverage {
  const scenario = findScenario(scenarioName)!;
  const collector = new CoverageCollector();
  const result = runCase(scenario, { scenario: scenarioName, seed, faults }, { observers: [collector.observe] });
  const applied = new Set(result.faults.filter((fault) => fault.applied).map((fault) => fault.index));
  return collector.coverage((index) => applied.has(index));
}

describe('step × fault pairs of real runs', () => {
  it('name the step a fault was aimed at, and for a timed fault the last step of the task it hits', () => {
    const aimed = coverageOf('wordcount', 3, [{ kind: 'fail-task', task: 'count#1', when: { onStep: 'task.snapshot-taken', task: 'count#1', checkpointId: 2 } }]);
    expect(aimed.pairs).toEqual(['fail-task@task.snapshot-taken']);
    const timed = coverageOf('wordcount', 3, [{ kind: 'slow-task', task: 'count#1', factor: 3, durationUs: 10_000, when: { atUs: 150_000 } }]);
    expect(timed.pairs).toHaveLength(1);
    expect(timed.pairs[0]).toMatch(/^slow-task@task\./);
    // A savepoint in progress when a timed fault fires: the fault counts within it too.
    const during = coverageOf('wordcount', 3, [
      { kind: 'savepoint', when: { atUs: 120_000 } },
      { kind: 'crash-jobmaster', recoverAfterUs: 50_000, when: { onStep: 'coordinator.checkpoint-triggered', occurrence: 1, afterUs: 0 } },
    ]);
    expect(during.pairs).toContain('crash-jobmaster@coordinator.checkpoint-triggered');
  }, 60_000);

  it('never make an impossible pair, on a sample aimed at them (task-aimed faults timed from the first microsecond) and random swarm cases', () => {
    const scenario = findScenario('wordcount')!;
    const seen = new Set<string>();
    const tasks = ['source#0', 'split#1', 'count#2', 'sink#1'];
    const times = [0, 1, 100, 500, 1_000, 2_000, 5_000, 20_000];
    for (const atUs of times) {
      for (const task of tasks) {
        const plan: PlanEntry[] = [
          { kind: 'fail-task', task, when: { atUs } },
          { kind: 'slow-task', task, factor: 2, durationUs: 1_000, when: { atUs } },
          { kind: 'channel-stall', channel: 'split#0->count#1', extraUs: 100, durationUs: 1_000, when: { atUs } },
          { kind: 'crash-executor', executor: 'taskexecutor-0', restartAfterUs: 100_000, replacement: false, when: { atUs } },
        ];
        for (const pair of coverageOf('wordcount', 7 + atUs, plan).pairs) seen.add(pair);
      }
    }
    for (let index = 0; index < 16; index++) {
      const result = runSweepCase(scenario, { index, scenario: 'wordcount', caseSeed: caseSeedFor(5, 'wordcount', index), profile: 'swarm', operations: 'some' });
      for (const pair of result.coverage?.pairs ?? []) seen.add(pair);
    }
    // The sample reaches the start row (a control: it could see an impossible pair if one occurred) ...
    expect(seen).toContain('crash-executor@start');
    // ... and the task-aimed faults it fired took effect within task steps.
    expect([...seen].some((pair) => pair.startsWith('fail-task@task.'))).toBe(true);
    for (const { pair } of impossiblePairs) expect(seen).not.toContain(pair);
  }, 240_000);
});
