import { describe, expect, it } from 'vitest';
import { createLivenessChecker } from '../../src/oracle/checkers/index.js';
import { alignedCheckpoint, at, finalState, judge, tinyContext, triggered } from './support/fixtures.js';

/** Timeout 1 s, so the default liveness bound is 10 s. */
const context = tinyContext();

describe('liveness checker', () => {
  it('judges nothing when the job finished', () => {
    const stream = [at(1_000, { type: 'alignment-started', checkpointId: 1, task: 'count#0' }), triggered(1_000, 1)];
    expect(judge(createLivenessChecker(context), stream, finalState({ jobStatus: 'FINISHED', endUs: 60_000_000 }))).toEqual([]);
  });

  it('stays silent on a running job that keeps completing checkpoints', () => {
    const stream = [
      ...alignedCheckpoint(1_000, 1, 1),
      at(5_000_000, { type: 'alignment-started', checkpointId: 2, task: 'count#0' }),
      at(9_000_000, { type: 'alignment-completed', checkpointId: 2, task: 'count#0', alignmentDurationUs: 4_000_000, unaligned: false }),
      ...alignedCheckpoint(9_000_000, 2, 2),
      // Open, but for less than the bound when the run ends.
      at(11_000_000, { type: 'alignment-started', checkpointId: 3, task: 'count#0' }),
    ];
    expect(judge(createLivenessChecker(context), stream, finalState({ jobStatus: 'RUNNING', endUs: 12_000_000, lastFaultHealedUs: 4_000_000 }))).toEqual([]);
  });

  it('names a task stuck in alignment', () => {
    const stream = [
      at(1_000, { type: 'alignment-started', checkpointId: 1, task: 'sink#0' }),
      at(2_000, { type: 'alignment-started', checkpointId: 1, task: 'count#0' }),
      at(3_000, { type: 'alignment-completed', checkpointId: 1, task: 'sink#0', alignmentDurationUs: 2_000, unaligned: false }),
    ];
    const violations = judge(createLivenessChecker(context), stream, finalState({ jobStatus: 'RUNNING', endUs: 20_000_000 }));
    expect(violations).toHaveLength(1);
    expect(violations[0]?.property).toBe('liveness');
    expect(violations[0]?.message).toBe('count#0 has been aligning checkpoint 1 since 0.002000 s without completing it (run ended at 20.000000 s, job RUNNING)');
  });

  it('names a checkpoint that neither completed nor aborted', () => {
    const violations = judge(createLivenessChecker(context), [triggered(1_000, 7)], finalState({ jobStatus: 'RUNNING', endUs: 5_000_000 }));
    expect(violations[0]?.message).toBe('checkpoint 7, triggered at 0.001000 s, neither completed nor aborted by the end of the run at 5.000000 s (timeout 1000000 us)');
  });

  it('names the lack of a completed checkpoint after the last fault healed', () => {
    const stream = alignedCheckpoint(1_000, 1, 1);
    const violations = judge(createLivenessChecker(context), stream, finalState({ jobStatus: 'RESTARTING', endUs: 30_000_000, lastFaultHealedUs: 2_000_000 }));
    expect(violations[0]?.message).toBe(
      'no checkpoint completed within 10000000 us after the last fault healed at 2.000000 s (none completed after it; run ended at 30.000000 s, job RESTARTING)',
    );
  });
});
