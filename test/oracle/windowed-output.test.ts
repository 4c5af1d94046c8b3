import { describe, expect, it } from 'vitest';
import { defaultCheckpointConfig } from '../../src/cluster/checkpoint/types.js';
import { JobBuilder } from '../../src/cluster/jobgraph/job-builder.js';
import { windowTimerStateName } from '../../src/cluster/task/event-time/index.js';
import { createWindowedOutputChecker } from '../../src/oracle/checkers/index.js';
import type { CheckerContext } from '../../src/oracle/checkers/index.js';
import { at, finalState, judge } from './support/fixtures.js';

/** One partition of six events; windows of 10 ms: k@0 = 1+2 (2), k@10 = 4 (1), j@0 = 8 (1), k@20 = 16+32 (2). */
const events = [
  { key: 'k', timestamp: 1, amount: 1 },
  { key: 'k', timestamp: 4, amount: 2 },
  { key: 'j', timestamp: 3, amount: 8 },
  { key: 'k', timestamp: 12, amount: 4 },
  { key: 'k', timestamp: 21, amount: 16 },
  { key: 'k', timestamp: 25, amount: 32 },
];

function windowContext(mode: 'EXACTLY_ONCE' | 'AT_LEAST_ONCE' = 'EXACTLY_ONCE'): CheckerContext {
  const job = new JobBuilder('windows');
  const timestampOf = (value: unknown): number => (value as { timestamp: number }).timestamp;
  job
    .source('source', [events.map((value) => ({ key: value.key, value }))], { parallelism: 1, watermarks: { outOfOrdernessMs: 5, timestampOf } })
    .keyBy((value) => (value as { key: string }).key)
    .windowSum('window', { sizeMs: 10, timestampOf, amountOf: (value) => (value as { amount: number }).amount }, { parallelism: 1 })
    .sink('sink', 'two-phase-commit', { parallelism: 1 });
  return { job: job.build(), checkpoint: { ...defaultCheckpointConfig, mode, intervalUs: 10_000, timeoutUs: 1_000_000 } };
}

const result = (key: string, windowStart: number, sum: number, count: number) => ({ key: undefined, value: { key, windowStart, windowEnd: windowStart + 10, sum, count } });
const allWindows = [result('k', 0, 3, 2), result('j', 0, 8, 1), result('k', 10, 4, 1), result('k', 20, 48, 2)];

/** A completed stop-with-savepoint --drain: savepoint 3, the source at `offset`, the window holding `timers`. */
function drainedStop(offset: number, timers: Record<string, number[]> = {}) {
  return [
    at(900, { type: 'job-operation-requested', operation: 'stop-with-savepoint-drain' }),
    at(1_000, { type: 'checkpoint-triggered', checkpointId: 3, checkpointType: 'sync-savepoint', timestampUs: 1_000, tasksToWaitFor: [], preAcknowledged: [] }),
    at(1_100, { type: 'snapshot-taken', checkpointId: 3, task: 'source#0', attempt: 0, unaligned: false, content: { keyed: undefined, operator: { '0': offset }, lineage: [] } }),
    at(1_200, { type: 'snapshot-taken', checkpointId: 3, task: 'window#0', attempt: 0, unaligned: false, content: { keyed: { [windowTimerStateName]: timers }, operator: {}, lineage: [] } }),
    at(1_250, { type: 'checkpoint-completed', checkpointId: 3, checkpointType: 'sync-savepoint', acknowledgedTasks: [], awaitedTasks: [], stateHandles: [] }),
    at(1_300, { type: 'job-operation-answered', operation: 'stop-with-savepoint-drain', ok: true, checkpointId: 3 }),
  ];
}

describe('windowed-output', () => {
  it('negative control: passes when every window is committed once with all its records', () => {
    expect(judge(createWindowedOutputChecker(windowContext()), [], finalState({ committedOutput: allWindows }))).toEqual([]);
  });

  it('names a window that was never committed', () => {
    const violations = judge(createWindowedOutputChecker(windowContext()), [], finalState({ committedOutput: allWindows.slice(0, 3) }));
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toBe('committed window results differ from what the input demands: 1 expected result(s) not committed, 0 committed unexpectedly; first: window of key k starting at 20 ms was never committed (expected sum/count 48/2)');
    expect(violations[0]?.details['missing']).toEqual(['k@20=48/2']);
  });

  it('names a window that fired twice, and one that fired early with part of its records', () => {
    const twice = judge(createWindowedOutputChecker(windowContext()), [], finalState({ committedOutput: [...allWindows, result('j', 0, 8, 1)] }));
    expect(twice[0]?.message).toContain('window of key j starting at 0 ms fired more than once: committed 8/1, 8/1, expected 8/1');
    const early = judge(createWindowedOutputChecker(windowContext()), [], finalState({ committedOutput: [result('k', 0, 1, 1), ...allWindows.slice(1)] }));
    expect(early[0]?.message).toContain('window of key k starting at 0 ms committed sum/count 1/1, expected 3/2 (fired early, or with records lost or dropped as late)');
  });

  it('expects a drained stop to split the windows at its savepoint, and the run resumed from it to fire the rest', () => {
    // Drained after offset 4: k@20 holds offset 4 before the cut and offset 5 after it.
    const split = [...allWindows.slice(0, 3), result('k', 20, 16, 1), result('k', 20, 32, 1)];
    expect(judge(createWindowedOutputChecker(windowContext()), drainedStop(5), finalState({ committedOutput: split }))).toEqual([]);
    const unsplit = judge(createWindowedOutputChecker(windowContext()), drainedStop(5), finalState({ committedOutput: allWindows }));
    expect(unsplit[0]?.message).toContain('window of key k starting at 20 ms committed sum/count 48/2, expected 16/1, 32/1');
  });

  it('takes no cut for a plain stop-with-savepoint, nor for a drained one that did not complete', () => {
    const plain = drainedStop(5).map((observation) => (observation.type === 'job-operation-requested' ? { ...observation, operation: 'stop-with-savepoint' as const } : observation));
    expect(judge(createWindowedOutputChecker(windowContext()), plain, finalState({ committedOutput: allWindows }))).toEqual([]);
    const aborted = drainedStop(5).filter((observation) => observation.type !== 'checkpoint-completed');
    expect(judge(createWindowedOutputChecker(windowContext()), aborted, finalState({ committedOutput: allWindows }))).toEqual([]);
  });

  it('names a drained savepoint that still holds event-time timers', () => {
    const violations = judge(createWindowedOutputChecker(windowContext()), drainedStop(5, { k: [29] }), finalState({ jobStatus: 'FAILED' }));
    expect(violations[0]?.message).toBe('stop-with-savepoint --drain completed savepoint 3 with 1 event-time timer(s) still pending in window#0: the drain did not advance event time to its end before the savepoint');
  });

  it('under AT_LEAST_ONCE accepts a window fired twice or with replayed records, never one lost or short', () => {
    const context = windowContext('AT_LEAST_ONCE');
    const replayed = [result('k', 0, 4, 3), ...allWindows];
    expect(judge(createWindowedOutputChecker(context), [], finalState({ committedOutput: replayed }))).toEqual([]);
    const short = judge(createWindowedOutputChecker(context), [], finalState({ committedOutput: [result('k', 0, 1, 1), ...allWindows.slice(1)] }));
    expect(short[0]?.message).toBe('window k@0 lost records under at-least-once: expected sum/count 3/2, committed 1/1');
  });

  it('judges nothing of an unfinished job\'s output', () => {
    expect(judge(createWindowedOutputChecker(windowContext()), [], finalState({ jobStatus: 'FAILED', committedOutput: [] }))).toEqual([]);
  });
});
