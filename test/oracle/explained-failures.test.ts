import { describe, expect, it } from 'vitest';
import type { CheckpointFailureReason } from '../../src/cluster/checkpoint/types.js';
import type { Observation } from '../../src/cluster/observations.js';
import { createExplainedFailuresChecker } from '../../src/oracle/checkers/index.js';
import { alignedCheckpoint, at, finalState, judge, tinyContext, triggered } from './support/fixtures.js';
import { decodeReplayToken } from '../../src/explore/replay-token.js';
import { runCase } from '../../src/explore/run-case.js';
import { findScenario } from '../../scenarios/index.js';

const declined = (timeUs: number, checkpointId: number, reason: CheckpointFailureReason, task = 'count#0'): Observation => at(timeUs, { type: 'checkpoint-declined', checkpointId, task, reason });
const aborted = (timeUs: number, checkpointId: number, reason: CheckpointFailureReason): Observation => at(timeUs, { type: 'checkpoint-aborted', checkpointId, checkpointType: 'checkpoint', reason });
const fault = (timeUs: number): Observation => at(timeUs, { type: 'fault-injected', index: 0, kind: 'fail-task' });
const failed = (timeUs: number): Observation => at(timeUs, { type: 'task-failed', task: 'count#0', attempt: 0, cause: 'injected failure of count#0' });

const verdict = (stream: readonly Observation[]) => judge(createExplainedFailuresChecker(tinyContext()), stream, finalState());

describe('explained-failures checker', () => {
  const protocolOnly: Observation[] = [
    ...alignedCheckpoint(1_000, 1, 1),
    triggered(2_000, 2),
    declined(2_100, 2, 'CHECKPOINT_DECLINED_TASK_NOT_READY', 'source#0'),
    aborted(2_100, 2, 'CHECKPOINT_DECLINED_TASK_NOT_READY'),
    // Follows from the abort: the cancellation barrier downstream, an upload into the disposed location.
    declined(2_200, 2, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER'),
    declined(2_300, 2, 'CHECKPOINT_ASYNC_EXCEPTION', 'sink#0'),
    triggered(3_000, 3),
    declined(3_100, 3, 'CHECKPOINT_DECLINED_TASK_CLOSING'),
    aborted(3_100, 3, 'CHECKPOINT_DECLINED_TASK_CLOSING'),
  ];

  it('stays silent when only the protocol declines checkpoints', () => {
    expect(verdict(protocolOnly)).toEqual([]);
  });

  it('accepts failures, failovers and expiries that come after an injected fault or an operation', () => {
    const afterFault = [...protocolOnly, fault(4_000), failed(4_100), aborted(4_200, 4, 'CHECKPOINT_EXPIRED'), at(4_300, { type: 'job-status', status: 'RESTARTING', cause: 'x' })];
    expect(verdict(afterFault)).toEqual([]);
    const afterOperation = [...protocolOnly, at(4_000, { type: 'job-operation-requested', operation: 'savepoint' }), aborted(4_200, 4, 'CHECKPOINT_EXPIRED')];
    expect(verdict(afterOperation)).toEqual([]);
  });

  it('names a checkpoint that expires without any fault', () => {
    const [violation] = verdict([...protocolOnly, triggered(4_000, 4), aborted(5_000, 4, 'CHECKPOINT_EXPIRED'), fault(6_000)]);
    expect(violation?.property).toBe('explained-failures');
    expect(violation?.message).toBe('checkpoint 4 expired at 0.005000 s, with no injected fault, operation or protocol reason to explain it');
  });

  it('accepts the expiry of a checkpoint whose acknowledgement the shared-state registry refused, and the failover it brings', () => {
    const refused: Observation = at(4_100, { type: 'shared-state-registration-failed', registry: 1, checkpointId: 4, task: 'count#0', key: 'shared/count#0/chk-1-kg0', reason: 'attempt to reference unknown shared state' });
    const failover: Observation = at(5_100, { type: 'failover', scope: 'global', tasks: ['count#0'], cause: 'exceeded checkpoint tolerable failure threshold', restoreCheckpointId: 1 });
    expect(verdict([...protocolOnly, triggered(4_000, 4), refused, aborted(5_000, 4, 'CHECKPOINT_EXPIRED'), failover])).toEqual([]);
  });

  it('negative control: a refusal explains only its own checkpoint\'s expiry, and nothing before it', () => {
    const refused: Observation = at(4_100, { type: 'shared-state-registration-failed', registry: 1, checkpointId: 4, task: 'count#0', key: 'shared/count#0/chk-1-kg0', reason: 'attempt to reference unknown shared state' });
    expect(verdict([...protocolOnly, triggered(4_000, 4), triggered(4_050, 5), refused, aborted(5_000, 5, 'CHECKPOINT_EXPIRED')])[0]?.message).toMatch(/^checkpoint 5 expired/);
    const failover: Observation = at(4_050, { type: 'failover', scope: 'global', tasks: ['count#0'], cause: 'boom', restoreCheckpointId: 1 });
    expect(verdict([...protocolOnly, triggered(4_000, 4), failover, refused, aborted(5_000, 4, 'CHECKPOINT_EXPIRED')])[0]?.message).toMatch(/^a global failover/);
  });

  it('the default sweep case that found it: running-sum case 511 of a 20,000-case sweep (no faults; AT_LEAST_ONCE, incremental, two concurrent checkpoints, one retained, RPC detours): checkpoint 3\'s acknowledgement refers to a file checkpoint 2\'s completion unregistered', () => {
    const spec = decodeReplayToken('ckpt1.eyJzY2VuYXJpbyI6InJ1bm5pbmctc3VtIiwic2VlZCI6NTUxOTk4NzQ4LCJwYXJhbWV0ZXJzIjp7ImV2ZW50cyI6NDAwfSwiY29uZmlnIjp7ImNoZWNrcG9pbnQiOnsiaW50ZXJ2YWxVcyI6Njk4OCwicmV0YWluZWRDaGVja3BvaW50cyI6MSwibWF4Q29uY3VycmVudENoZWNrcG9pbnRzIjoyLCJ0aW1lb3V0VXMiOjg4NTA3Njk0LCJtb2RlIjoiQVRfTEVBU1RfT05DRSJ9LCJpbmNyZW1lbnRhbENoZWNrcG9pbnRzIjp0cnVlLCJycGNEZXRvdXJzIjp7Im1ldGhvZHMiOlsidHJpZ2dlckNoZWNrcG9pbnQiLCJhY2tub3dsZWRnZUNoZWNrcG9pbnQiLCJkZWNsaW5lQ2hlY2twb2ludCIsIm5vdGlmeUNoZWNrcG9pbnRDb21wbGV0ZSIsIm5vdGlmeUNoZWNrcG9pbnRBYm9ydGVkIl0sIm51bWVyYXRvciI6MSwiZGVub21pbmF0b3IiOjgsIm1heEV4dHJhVXMiOjI3OTUyfX19.d250ee00');
    const result = runCase(findScenario(spec.scenario)!, spec);
    expect(result.violations).toEqual([]);
  });

  it('names a task failure and a failover without any fault', () => {
    expect(verdict([...protocolOnly, failed(4_000)])[0]?.message).toBe(
      'count#0 (attempt 0) failed (injected failure of count#0) at 0.004000 s, with no injected fault, operation or protocol reason to explain it',
    );
    const failover: Observation = at(4_000, { type: 'failover', scope: 'global', tasks: ['count#0'], cause: 'boom', restoreCheckpointId: 1 });
    expect(verdict([...protocolOnly, failover])[0]?.message).toMatch(/^a global failover of 1 task\(s\) happened \(boom\)/);
  });

  it('judges declines in the order their tasks sent them, not the order the coordinator received them', () => {
    const sent = (timeUs: number, checkpointId: number, reason: CheckpointFailureReason, task: string): Observation => at(timeUs, { type: 'checkpoint-decline-sent', checkpointId, task, attempt: 0, reason });
    // count#0 gives checkpoint 4 up for a newer one and sends its cancellation barrier; sink#0's
    // decline on that barrier reaches the coordinator first, on another connection.
    const reordered = [
      ...protocolOnly,
      triggered(4_000, 4),
      sent(4_100, 4, 'CHECKPOINT_DECLINED_SUBSUMED', 'count#0'),
      sent(4_200, 4, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER', 'sink#0'),
      declined(4_300, 4, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER', 'sink#0'),
      declined(4_400, 4, 'CHECKPOINT_DECLINED_SUBSUMED', 'count#0'),
    ];
    expect(verdict(reordered)).toEqual([]);
    // A decline on a cancellation barrier no task sent before it is still named, when sent.
    expect(verdict([...protocolOnly, triggered(4_000, 4), sent(4_200, 4, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER', 'sink#0')])[0]?.message).toBe(
      'sink#0 declined checkpoint 4 with CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER at 0.004200 s, with no injected fault, operation or protocol reason to explain it',
    );
  });

  it('names a decline no protocol reason explains', () => {
    expect(verdict([...protocolOnly, triggered(4_000, 4), declined(4_100, 4, 'CHECKPOINT_DECLINED')])[0]?.message).toBe(
      'count#0 declined checkpoint 4 with CHECKPOINT_DECLINED at 0.004100 s, with no injected fault, operation or protocol reason to explain it',
    );
  });
});
