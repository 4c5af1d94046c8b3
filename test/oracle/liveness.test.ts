import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLivenessChecker } from '../../src/oracle/checkers/index.js';
import { alignedCheckpoint, at, completed, finalState, judge, tinyContext, triggered } from './support/fixtures.js';
import { formatTime } from '../../src/oracle/checkers/checker.js';

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

  it('judges progress after the last fault as a full list of completion times would, keeping only the long gaps', () => {
    const boundUs = 10_000_000;
    // The heal time is anywhere, or where the edge cases are: at a completion or one bound before it, or 1 us either side.
    const heal = fc.oneof(
      fc.record({ anywhereUs: fc.integer({ min: 0, max: 40_000_000 }) }),
      fc.record({ completion: fc.nat(), offsetUs: fc.constantFrom(-1, 0, 1, -boundUs - 1, -boundUs, -boundUs + 1) }),
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 25_000_000 }), { maxLength: 12 }), heal, (gaps, healAt) => {
        let timeUs = 0;
        const completions = gaps.map((gap) => (timeUs += gap));
        const healedUs =
          'anywhereUs' in healAt ? healAt.anywhereUs : Math.max(0, (completions[healAt.completion % Math.max(1, completions.length)] ?? 0) + healAt.offsetUs);
        const stream = completions.flatMap((completionUs, index) => [triggered(completionUs, index + 1), completed(completionUs, index + 1)]);
        const endUs = Math.max(timeUs, healedUs) + boundUs + 1;
        const violations = judge(createLivenessChecker(context), stream, finalState({ jobStatus: 'RUNNING', endUs, lastFaultHealedUs: healedUs }));
        // The oracle for the oracle: every completion time kept.
        const inTime = completions.some((completionUs) => completionUs >= healedUs && completionUs <= healedUs + boundUs);
        const after = completions.find((completionUs) => completionUs >= healedUs);
        const wanted = inTime
          ? []
          : [
              `no checkpoint completed within ${boundUs} us after the last fault healed at ${formatTime(healedUs)} (${after === undefined ? 'none completed after it' : `the next completed at ${formatTime(after)}`}; run ended at ${formatTime(endUs)}, job RUNNING)`,
            ];
        expect(violations.map((violation) => violation.message)).toEqual(wanted);
      }),
      { numRuns: 500 },
    );
  });
});
