import { describe, expect, it } from 'vitest';
import { JobBuilder } from '../../../src/cluster/jobgraph/job-builder.js';
import { GeneratedPartition, PartitionedLog, type LogRecord } from '../../../src/cluster/storage/partitioned-log.js';
import { runCase } from '../../../src/explore/run-case.js';
import type { Scenario } from '../../../src/explore/scenario.js';

const word = (partition: number, offset: number): LogRecord => ({ key: undefined, value: `w${(partition * 7 + offset * 13) % 11}` });

/** Word counts over two partitions given either as arrays or as generated partitions. */
function countScenario(generated: boolean): Scenario {
  return {
    name: generated ? 'generated' : 'arrays',
    description: 'source -> keyBy -> count -> 2PC sink',
    properties: ['job-finishes', 'exactly-once', 'consistent-snapshot', 'recovery', 'two-phase-commit'],
    defaults: {},
    build: () => {
      const partitions = [0, 1].map((partition) =>
        generated ? new GeneratedPartition(300, (offset) => word(partition, offset)) : Array.from({ length: 300 }, (_, offset) => word(partition, offset)),
      );
      const job = new JobBuilder('count');
      job.source('source', partitions, { parallelism: 2 }).keyBy((value) => String(value)).count('count', { parallelism: 2 }).sink('sink', 'two-phase-commit', { parallelism: 2 });
      return { job: job.build(), cluster: { checkpoint: { intervalUs: 5_000 } } };
    },
  };
}

describe('GeneratedPartition', () => {
  it('reads like the array it stands for, and refuses a bad length', () => {
    const array = Array.from({ length: 5 }, (_, offset) => word(0, offset));
    const log = new PartitionedLog('t', [new GeneratedPartition(5, (offset) => word(0, offset))], 0);
    expect(log.endOffset(0)).toBe(5);
    expect(log.read(0, 3, 10)).toEqual(array.slice(3));
    expect(log.read(0, 0, 2)).toEqual(array.slice(0, 2));
    expect(new GeneratedPartition(5, (offset) => word(0, offset)).at(5)).toBeUndefined();
    expect(() => new GeneratedPartition(-1, (offset) => word(0, offset))).toThrow(/non-negative integer, got -1/);
  });

  it('gives a job the same run, output and verdict as arrays of the same records, under a task failure', () => {
    const faults = [{ kind: 'fail-task', task: 'count#0', when: { onStep: 'task.alignment-completed', occurrence: 2 } }];
    const fromArrays = runCase(countScenario(false), { scenario: 'arrays', seed: 3, faults });
    const generated = runCase(countScenario(true), { scenario: 'generated', seed: 3, faults });
    expect(fromArrays.verdict).toBe('pass');
    expect(fromArrays.stats.restores, `virtual time ${fromArrays.stats.virtualTimeUs}, ${JSON.stringify(fromArrays.faults)}`).toBeGreaterThan(0);
    expect(generated.verdict).toBe('pass');
    expect(generated.traceHash).toBe(fromArrays.traceHash);
    expect(generated.stats.outputDigest).toBe(fromArrays.stats.outputDigest);
  });
});
