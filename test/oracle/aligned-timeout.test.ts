import { describe, expect, it } from 'vitest';
import { createLivenessChecker } from '../../src/oracle/checkers/index.js';
import { at, finalState, judge, tinyContext, triggered } from './support/fixtures.js';

/** Unaligned checkpoints with a 5 ms aligned-checkpoint timeout. */
const context = tinyContext({ unaligned: true, alignedCheckpointTimeoutUs: 5_000 });
/** tinyJob's highest record cost times a buffer's records, plus the letters' margin. */
const latencyBoundUs = 16 * Math.max(...context.job.vertices.map((vertex) => vertex.recordCostUs)) + 1_000;

const started = (timeUs: number, checkpointId: number) => at(timeUs, { type: 'alignment-started', checkpointId, task: 'count#0' });

describe('liveness: the aligned-checkpoint timeout', () => {
  it('names an alignment that outlasts its aligned-checkpoint timeout, even in a finished job', () => {
    const stream = [
      triggered(10_000, 1),
      started(11_000, 1),
      at(10_000 + 5_000 + latencyBoundUs + 1, { type: 'alignment-completed', checkpointId: 1, task: 'count#0', alignmentDurationUs: 9_000, unaligned: false }),
    ];
    const violations = judge(createLivenessChecker(context), stream, finalState({ jobStatus: 'FINISHED', endUs: 1_000_000 }));
    expect(violations).toHaveLength(1);
    expect(violations[0]?.property).toBe('liveness');
    expect(violations[0]?.message).toContain('count#0 still aligns checkpoint 1');
    expect(violations[0]?.timeUs).toBe(10_000 + 5_000 + latencyBoundUs);
  });

  it('names one still open when the run ends', () => {
    const violations = judge(createLivenessChecker(context), [triggered(10_000, 1), started(11_000, 1)], finalState({ jobStatus: 'FINISHED', endUs: 1_000_000 }));
    expect(violations[0]?.message).toContain('without switching to unaligned');
  });

  it('accepts a switch to unaligned or a completion within the timer latency, and ignores savepoints and plain aligned checkpoints', () => {
    const stream = [
      triggered(10_000, 1),
      started(11_000, 1),
      at(10_000 + 5_000 + latencyBoundUs, { type: 'alignment-switched-to-unaligned', checkpointId: 1, task: 'count#0' }),
      triggered(100_000, 2, 'savepoint'),
      started(100_000, 2),
      at(900_000, { type: 'alignment-completed', checkpointId: 2, task: 'count#0', alignmentDurationUs: 800_000, unaligned: false }),
      triggered(1_000_000, 3),
      started(1_000_000, 3),
      at(1_004_000, { type: 'alignment-completed', checkpointId: 3, task: 'count#0', alignmentDurationUs: 4_000, unaligned: false }),
      triggered(2_000_000, 4),
      started(2_000_000, 4),
      at(2_001_000, { type: 'task-failed', task: 'count#0', attempt: 0, cause: 'fault' }),
    ];
    expect(judge(createLivenessChecker(context), stream, finalState({ jobStatus: 'FINISHED', endUs: 9_000_000 }))).toEqual([]);
    const aligned = [triggered(10_000, 1), started(11_000, 1), at(900_000, { type: 'alignment-completed' as const, checkpointId: 1, task: 'count#0', alignmentDurationUs: 889_000, unaligned: false })];
    expect(judge(createLivenessChecker(tinyContext({ unaligned: false })), aligned, finalState({ jobStatus: 'FINISHED', endUs: 9_000_000 }))).toEqual([]);
  });

  it('allows the slowest step after a slow-task fault fired', () => {
    const stream = [
      at(1_000, { type: 'fault-injected', index: 0, kind: 'slow-task' }),
      triggered(10_000, 1),
      started(11_000, 1),
      at(10_000 + 5_000 + 2 * latencyBoundUs, { type: 'alignment-switched-to-unaligned', checkpointId: 1, task: 'count#0' }),
    ];
    expect(judge(createLivenessChecker(context), stream, finalState({ jobStatus: 'FINISHED', endUs: 9_000_000 }))).toEqual([]);
  });
});

describe('liveness: an alignment starting after its aligned-checkpoint timeout', () => {
  it('may end within the timer latency of its start, not later', () => {
    const late = [triggered(10_000, 1), started(100_000, 1), at(100_000, { type: 'alignment-completed' as const, checkpointId: 1, task: 'count#0', alignmentDurationUs: 0, unaligned: false })];
    expect(judge(createLivenessChecker(context), late, finalState({ jobStatus: 'FINISHED', endUs: 9_000_000 }))).toEqual([]);
    const stuck = [triggered(10_000, 1), started(100_000, 1), at(100_000 + latencyBoundUs + 1, { type: 'alignment-completed' as const, checkpointId: 1, task: 'count#0', alignmentDurationUs: 0, unaligned: false })];
    expect(judge(createLivenessChecker(context), stuck, finalState({ jobStatus: 'FINISHED', endUs: 9_000_000 }))[0]?.timeUs).toBe(100_000 + latencyBoundUs);
  });
});

describe('liveness: an alignment whose first barrier came unaligned', () => {
  it('ends with the unaligned snapshot', () => {
    const stream = [
      triggered(10_000, 1),
      started(12_000, 1),
      at(12_000, { type: 'snapshot-taken' as const, checkpointId: 1, task: 'count#0', attempt: 0, unaligned: true, content: { keyed: undefined, operator: {}, lineage: [] } }),
      at(500_000, { type: 'alignment-completed' as const, checkpointId: 1, task: 'count#0', alignmentDurationUs: 488_000, unaligned: true }),
    ];
    expect(judge(createLivenessChecker(context), stream, finalState({ jobStatus: 'FINISHED', endUs: 9_000_000 }))).toEqual([]);
  });

  it('or, for a checkpoint the task heard was aborted, with the cancellation marker it sends in place of the snapshot (aligned-timeout seed 2147483623 of the default sweep)', () => {
    const skipped = at(12_000, { type: 'aborted-checkpoint-skipped' as const, checkpointId: 1, task: 'count#0', attempt: 0 });
    const stream = [triggered(10_000, 1), started(12_000, 1), skipped, at(500_000, { type: 'alignment-completed' as const, checkpointId: 1, task: 'count#0', alignmentDurationUs: 488_000, unaligned: true })];
    expect(judge(createLivenessChecker(context), stream, finalState({ jobStatus: 'FINISHED', endUs: 9_000_000 }))).toEqual([]);
    // Without it the alignment is still open past its timeout; another task's skip, or an older checkpoint's, ends nothing.
    const other = at(12_000, { type: 'aborted-checkpoint-skipped' as const, checkpointId: 1, task: 'count#1', attempt: 0 });
    const older = at(13_000, { type: 'aborted-checkpoint-skipped' as const, checkpointId: 0, task: 'count#0', attempt: 0 });
    for (const end of [[], [other], [older]]) {
      const open = [triggered(10_000, 1), started(12_000, 1), ...end];
      expect(judge(createLivenessChecker(context), open, finalState({ jobStatus: 'FINISHED', endUs: 9_000_000 }))[0]?.message).toContain('count#0 still aligns checkpoint 1');
    }
  });
});
