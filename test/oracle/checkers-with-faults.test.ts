import { describe, expect, it } from 'vitest';
import { findScenario, scenarios } from '../../scenarios/index.js';
import { checkerProperties, isCheckerProperty } from '../../src/oracle/checkers/index.js';
import { runWithCheckers } from './support/run-with-checkers.js';

/**
 * Integration with faults the runtime is believed to handle: a failed task, a crashed executor, a
 * crashed JobMaster, each early in the run, so restores (and, for the unaligned scenarios,
 * restored channel state) are judged too.
 */
const plans = {
  'fail-task': [{ kind: 'fail-task', task: 'source#0', when: { atUs: 130_000 } }],
  'crash-executor': [{ kind: 'crash-executor', executor: 'taskexecutor-0', restartAfterUs: 20_000, replacement: false, when: { atUs: 125_000 } }],
  'crash-jobmaster': [{ kind: 'crash-jobmaster', recoverAfterUs: 30_000, when: { atUs: 128_000 } }],
} as const;
const seedCount = 3;

describe.each(scenarios.map((scenario) => [scenario.name, scenario] as const))('checkers on scenario %s with faults', (_name, scenario) => {
  it.each(Object.keys(plans))('find no violation with %s', (plan) => {
    const properties = scenario.properties.filter(isCheckerProperty);
    const problems: string[] = [];
    let restores = 0;
    for (let seed = 1; seed <= seedCount; seed++) {
      const faults = plans[plan as keyof typeof plans];
      const { result, violations } = runWithCheckers(scenario, { scenario: scenario.name, seed, faults }, properties);
      restores += result.stats.restores;
      for (const violation of violations) problems.push(`seed ${seed}: ${violation.property}: ${violation.message}`);
    }
    expect(problems).toEqual([]);
    if (plan !== 'crash-jobmaster') expect(restores).toBeGreaterThan(0);
  }, 30_000);
});

describe('checkers on known runtime problems', () => {
  it('flag a restore that goes back before a completed stop-with-savepoint savepoint, naming the known gap', () => {
    // The JobMaster crashes after the synchronous savepoint completed (and its transactions were
    // committed) but before the job reached FINISHED; the new one restores the latest stored checkpoint.
    const scenario = findScenario('savepoint-stop')!;
    const faults = [{ kind: 'crash-jobmaster', recoverAfterUs: 0, when: { atUs: 153_200 } }];
    const { violations } = runWithCheckers(scenario, { scenario: scenario.name, seed: 7, faults }, ['recovery']);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toMatch(/^the JobMaster of leader epoch 2 restores checkpoint \d+, older than sync-savepoint \d+/);
    expect(violations[0]?.details['knownGap']).toBe('stop-with-savepoint-failover');
  });

  // Runtime bug: a two-phase-commit sink task finishes (StreamTask.maybeFinish: end of data, the
  // final checkpoint notified, every input at end of partition) while the transaction it
  // pre-committed for a LATER checkpoint is still pending; that checkpoint completes but the
  // transaction (empty: it was begun after end of data) is never committed and lingers in the
  // sink's store. Here a stalled channel delays count#2->sink#0's end of partition past
  // checkpoint 9's snapshot. The two-phase-commit checker names sink#0/1.0.6 of checkpoint 9.
  it('find no violation when a channel stall delays the end of partition (a sink no longer finishes before every checkpoint it snapshotted settles)', () => {
    const scenario = findScenario('wordcount')!;
    const faults = [
      { kind: 'channel-stall', channel: 'count#2->sink#0', extraUs: 17835, durationUs: 299998, when: { onStep: 'task.notify-complete', occurrence: 2, task: 'source#1', checkpointId: 5 } },
      { kind: 'channel-stall', channel: 'split#1->count#0', extraUs: 32256, durationUs: 299729, when: { atUs: 143419 } },
    ];
    expect(runWithCheckers(scenario, { scenario: scenario.name, seed: 13, faults }, checkerProperties).violations).toEqual([]);
  });

  // Runtime bug: with maxConcurrentCheckpoints > 1 and unaligned (here aligned-with-timeout)
  // checkpoints, StreamTask.startInputChannelState persists, for the channel whose barrier of
  // checkpoint N was just taken from the queue, the records queued between that barrier and the
  // next queued barrier (N+1) as channel state of N: `queuedRecordsBefore(N)` stops at any barrier
  // with id >= N and reports barrierQueued, which wins over `hasReceivedBarrier`. Those records
  // are from after N's barrier, so a restore from N processes them twice. The consistent-snapshot
  // checker names them: checkpoint 6, total#0, channel enrich#2->total#0, p2@384. Adding the fault
  // { kind: 'fail-task', task: 'sink#0', when: { onStep: 'coordinator.checkpoint-completed',
  // checkpointId: 6 } } to this case restores checkpoint 6 and duplicates 12 committed records.
  it('find no violation with concurrent aligned-with-timeout checkpoints (channel state stops at the barrier of its own checkpoint)', () => {
    const scenario = findScenario('aligned-timeout')!;
    const config = { checkpoint: { maxConcurrentCheckpoints: 3, minPauseBetweenCheckpointsUs: 3000 } };
    expect(runWithCheckers(scenario, { scenario: scenario.name, seed: 3, config }, checkerProperties).violations).toEqual([]);
  });
});
