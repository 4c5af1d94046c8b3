import { describe, expect, it } from 'vitest';
import { JobBuilder } from '../../../src/cluster/jobgraph/job-builder.js';
import { runCase } from '../../../src/explore/run-case.js';
import type { Scenario } from '../../../src/explore/scenario.js';
import { computeReference } from '../../../src/oracle/reference-model.js';

/** A job using the DSL pieces no built-in scenario uses: union, broadcast, rebalance, reduce, upsert sink. */
function buildJob() {
  const job = new JobBuilder('dsl');
  const numbers = (count: number, offset: number) => Array.from({ length: count }, (_, index) => ({ key: undefined, value: offset + index }));
  const left = job.source('left', [numbers(40, 0), numbers(40, 100)], { parallelism: 2, recordCostUs: 100 });
  const right = job.source('right', [numbers(30, 1000)], { parallelism: 1, recordCostUs: 100 });
  left
    .union(right)
    .rebalance()
    .map('tag', (value) => ({ bucket: `b${Number(value) % 4}`, value: Number(value) }), { parallelism: 3 })
    .keyBy((event) => (event as { bucket: string }).bucket)
    .reduce('sum', (accumulator, event) => ({ bucket: (event as { bucket: string }).bucket, value: (accumulator as { value: number }).value + (event as { value: number }).value }), { parallelism: 2 })
    .keyBy((event) => String((event as { key: string }).key))
    .sink('upsert', 'upsert', { parallelism: 2 });
  job.source('ticks', [numbers(10, 0)], { parallelism: 1 }).broadcast().filter('even', (value) => Number(value) % 2 === 0, { parallelism: 3 }).sink('log', 'two-phase-commit', { parallelism: 3 });
  return job.build();
}

const dslScenario: Scenario = {
  name: 'dsl',
  description: 'DSL coverage job',
  properties: ['job-finishes', 'upsert-exactly-once'],
  defaults: {},
  build: () => ({ job: buildJob(), cluster: { executors: 3, checkpoint: { intervalUs: 5_000 } } }),
};

describe('the job DSL', () => {
  it('computes the expected reference output by hand', () => {
    const reference = computeReference(buildJob());
    const upserts = reference.upsertOutput.get('upsert');
    const all = [...Array.from({ length: 40 }, (_, index) => index), ...Array.from({ length: 40 }, (_, index) => 100 + index), ...Array.from({ length: 30 }, (_, index) => 1000 + index)];
    for (let bucket = 0; bucket < 4; bucket++) {
      const sum = all.filter((value) => value % 4 === bucket).reduce((total, value) => total + value, 0);
      expect(upserts?.get(`b${bucket}`)).toEqual({ key: `b${bucket}`, value: { bucket: `b${bucket}`, value: sum } });
    }
    // Broadcast: each of the 5 even ticks reaches all 3 filter subtasks.
    expect(reference.sinkOutput.get('log')).toHaveLength(15);
  });

  it('runs union, rebalance, reduce, broadcast and the upsert sink to the reference output', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const result = runCase(dslScenario, { scenario: 'dsl', seed });
      expect(result.verdict, `seed ${seed}: ${JSON.stringify(result.violations)}`).toBe('pass');
      expect(result.stats.checkpoints.completed).toBeGreaterThan(0);
    }
  });

  it('rejects a forward edge between different parallelisms, naming both', () => {
    const job = new JobBuilder('bad');
    expect(() => job.source('s', [[]], { parallelism: 2 }).forward().map('m', (value) => value, { parallelism: 3 })).toThrow('forward edge s -> m needs equal parallelism (2 vs 3)');
  });
});
