import { describe, expect, it } from 'vitest';
import { runWithFaults } from '../faults/run-with-faults.js';
import type { Fault } from '../../src/faults/plan.js';

describe('file-sink scenario (FileSink: in-progress, pending, committed part files)', () => {
  it('passes every property without faults and across a failover of a writer', () => {
    expect(runWithFaults('file-sink', 1, []).result.violations).toEqual([]);
    const failWriter: Fault[] = [{ kind: 'fail-task', task: 'sink#0', when: { atUs: 128_000 } }];
    const { result } = runWithFaults('file-sink', 4, failWriter);
    expect(result.violations).toEqual([]);
    expect(result.stats.restores).toBeGreaterThan(0);
  });

  it('catches a writer that resumes its in-progress file without truncating it (planted bug)', () => {
    const failWriter: Fault[] = [{ kind: 'fail-task', task: 'sink#0', when: { atUs: 128_000 } }];
    const { result } = runWithFaults('file-sink', 4, failWriter, { plantedBugs: ['file-writer-resumes-without-truncate'] });
    expect(result.violations.map((violation) => violation.property)).toContain('exactly-once');
  });
});
