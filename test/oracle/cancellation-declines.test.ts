import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/cluster/observations.js';
import type { CheckpointFailureReason } from '../../src/cluster/checkpoint/types.js';
import { createNotificationOrderChecker } from '../../src/oracle/checkers/index.js';
import type { CaseSpec } from '../../src/explore/replay-token.js';
import { runCase } from '../../src/explore/run-case.js';
import { lookupScenario } from '../../src/explore/scenario-registry.js';
import { at, judge, tinyContext } from './support/fixtures.js';

const context = tinyContext();
const deployed = (timeUs: number, attempt = 0) => at(timeUs, { type: 'task-deployed' as const, task: 'count#0', attempt, executor: 'taskexecutor-0' });
const marker = (timeUs: number, checkpointId: number) => at(timeUs, { type: 'cancellation-marker-received' as const, checkpointId, task: 'count#0', channel: 'source#0->count#0' });
const declined = (timeUs: number, checkpointId: number, attempt = 0, reason: CheckpointFailureReason = 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER') =>
  at(timeUs, { type: 'checkpoint-decline-sent' as const, checkpointId, task: 'count#0', attempt, reason });
const run = (observations: readonly Observation[]) => judge(createNotificationOrderChecker(context), observations);

describe('notification-order: a decline on a cancellation barrier names a checkpoint a processed barrier cancels (FLINK-23201)', () => {
  it('names a newer checkpoint declined on the cancellation barrier of an older one', () => {
    const violations = run([deployed(0), marker(5_000, 3), declined(5_000, 4)]);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toBe(
      "count#0 attempt 0 declined checkpoint 4 on a cancellation barrier at 0.005000 s, but the newest cancellation barrier it had processed was checkpoint 3's: a cancellation barrier aborts only its own checkpoint (and, at a barrier tracker, older pending ones), never a newer checkpoint being aligned (FLINK-23201)",
    );
  });

  it('names such a decline with no cancellation barrier processed at all, and counts a new attempt afresh', () => {
    expect(run([deployed(0), declined(10, 1)])[0]?.message).toContain('it had processed no cancellation barrier');
    expect(run([deployed(0), marker(5, 4), deployed(10, 1), declined(20, 4, 1)])).toHaveLength(1);
  });

  it('accepts the marker\'s own checkpoint, older pending ones (a tracker), other reasons, and an earlier attempt\'s decline', () => {
    expect(run([deployed(0), marker(10, 4), declined(10, 4)])).toEqual([]);
    expect(run([deployed(0), marker(10, 4), declined(10, 2), declined(10, 3)])).toEqual([]);
    expect(run([deployed(0), marker(10, 3), declined(20, 4, 0, 'CHECKPOINT_DECLINED_SUBSUMED')])).toEqual([]);
    expect(run([deployed(0), deployed(10, 1), declined(20, 4, 0)])).toEqual([]);
  });
});

/**
 * The kill matrix's shrunk case (default sweep case 22, file-sink, with the trigger chain and the
 * sweep's RPC detours): two concurrent checkpoints, two manual checkpoints and two stalled
 * channels. sink#0 declines checkpoint 6 on the cancellation barrier of checkpoint 5.
 */
const replaySpec: CaseSpec = {scenario: 'file-sink', seed: 14, parameters: {events: 750}, faults: [{kind: 'channel-stall', channel: 'source#0->count#0', extraUs: 5984, durationUs: 1000, when: {onStep: 'task.operator-event-sent', occurrence: 3}}, {kind: 'channel-stall', channel: 'sink#0->sink-committer#0', extraUs: 45516, durationUs: 222068, when: {onStep: 'rpc.notifyCheckpointComplete', occurrence: 1, task: 'sink-committer#1', checkpointId: 6}}, {kind: 'checkpoint', when: {atUs: 189253}}, {kind: 'checkpoint', when: {atUs: 158528}}], config: {checkpoint: {intervalUs: 7000, retainedCheckpoints: 1, maxConcurrentCheckpoints: 2, timeoutUs: 600000000}, rpcDetours: {methods: ['triggerCheckpoint', 'acknowledgeCheckpoint', 'declineCheckpoint', 'notifyCheckpointComplete', 'notifyCheckpointAborted'], numerator: 1, denominator: 8, maxExtraUs: 28000}}};

describe('notification-order catches the handler that drops a newer alignment for an older abort', () => {
  it('fails with handler-resets-alignment-on-older-abort and passes without it', () => {
    const scenario = lookupScenario(replaySpec.scenario);
    if (scenario === undefined) throw new Error(`no ${replaySpec.scenario} scenario`);
    expect(runCase(scenario, replaySpec).verdict).toBe('pass');
    const planted = runCase(scenario, { ...replaySpec, config: { ...replaySpec.config, plantedBugs: ['handler-resets-alignment-on-older-abort'] } });
    expect(planted.violations.map((violation) => violation.property)).toContain('notification-order');
  });
});
