import { describe, expect, it } from 'vitest';
import { JobBuilder } from '../../src/cluster/jobgraph/job-builder.js';
import type { KeyedProcessFunction } from '../../src/cluster/jobgraph/functions.js';
import type { JobGraph } from '../../src/cluster/jobgraph/job-graph.js';
import type { LogRecord } from '../../src/cluster/storage/partitioned-log.js';
import type { SinkEntry } from '../../src/cluster/storage/transactional-store.js';
import { checkExactlyOnceByInterleaving, explainByInterleaving } from '../../src/oracle/interleaving-search.js';
import { firstSeen, runningSum } from '../../scenarios/running-sum.js';

/** Emits the running count of each word: one line's words reach several keys (shared origins). */
const wordPosition: KeyedProcessFunction = {
  processElement(_value, context) {
    const count = context.valueState<number>('count');
    const next = (count.value() ?? 0) + 1;
    count.update(next);
    context.emit({ word: context.currentKey, n: next });
  },
};

const event = (key: string, amount: number): LogRecord => ({ key, value: { key, amount } });

/** Source (one subtask per partition) -> keyBy -> keyed function p=1 -> 2PC sink. */
function keyedJob(partitions: LogRecord[][], fn: KeyedProcessFunction): JobGraph {
  const job = new JobBuilder('interleaving');
  job
    .source('source', partitions, { parallelism: partitions.length })
    .keyBy((value) => (value as { key: string }).key)
    .process('keyed', fn, { parallelism: 1 })
    .sink('sink', 'two-phase-commit', { parallelism: 1 });
  return job.build();
}

const written = (partition: number, offset: number, value: unknown): SinkEntry => ({ key: undefined, value, origin: { partition, offset } });
const sum = (partition: number, offset: number, total: number): SinkEntry => written(partition, offset, { key: 'a', sum: total });

// Key a: p0 carries 1 then 2, p1 carries 4. The three FIFO interleavings write:
//   p0 p0 p1: 1 3 7     p0 p1 p0: 1 5 7     p1 p0 p0: 4 5 7
const sums = keyedJob([[event('a', 1), event('a', 2)], [event('a', 4)]], runningSum);

describe('the interleaving search', () => {
  it('explains the output of every FIFO interleaving, in any commit order (negative control)', () => {
    expect(explainByInterleaving(sums, [sum(0, 0, 1), sum(0, 1, 3), sum(1, 0, 7)]).outcome).toBe('explained');
    expect(explainByInterleaving(sums, [sum(0, 1, 7), sum(1, 0, 5), sum(0, 0, 1)]).outcome).toBe('explained');
    expect(explainByInterleaving(sums, [sum(1, 0, 4), sum(0, 0, 5), sum(0, 1, 7)]).outcome).toBe('explained');
    expect(checkExactlyOnceByInterleaving(sums, [sum(1, 0, 4), sum(0, 0, 5), sum(0, 1, 7)], 0)).toEqual({});
  });

  it('rejects an output no interleaving writes, though each record alone fits some interleaving', () => {
    // 1 and 3 say p0 came first; 5 says p1 came second: no one order writes all three.
    const result = explainByInterleaving(sums, [sum(0, 0, 1), sum(0, 1, 3), sum(1, 0, 5)]);
    expect(result.outcome).toBe('unexplained');
    if (result.outcome === 'explained') return;
    expect(result.reason).toContain('key a of keyed#0');
    expect(result.details).toMatchObject({ key: 'a', explained: 2, records: 3 });
  });

  it('rejects an order that breaks a channel FIFO (p0@1 before p0@0)', () => {
    expect(explainByInterleaving(sums, [sum(0, 1, 2), sum(0, 0, 3), sum(1, 0, 7)]).outcome).toBe('unexplained');
  });

  it('rejects a duplicated or a lost record, and says so as an exactly-once violation', () => {
    expect(explainByInterleaving(sums, [sum(0, 0, 1), sum(0, 1, 3), sum(1, 0, 7), sum(1, 0, 7)]).outcome).toBe('unexplained');
    expect(explainByInterleaving(sums, [sum(0, 0, 1), sum(0, 1, 3)]).outcome).toBe('unexplained');
    const checked = checkExactlyOnceByInterleaving(sums, [sum(0, 0, 1), sum(0, 1, 3)], 42);
    expect(checked.undecided).toBeUndefined();
    expect(checked.violation).toMatchObject({ property: 'exactly-once', timeUs: 42 });
    expect(checked.violation?.message).toMatch(/^no failure-free interleaving of the input channels explains the committed output/);
    // Lost and duplicated records per key, in the terms the known gaps read (a pure loss can be a transaction timeout).
    expect(checked.violation?.details).toMatchObject({ missing: [{ record: 'keys keyed:a', expected: 3, committed: 2 }], extra: [] });
    const duplicated = checkExactlyOnceByInterleaving(sums, [sum(1, 0, 4), sum(0, 0, 5), sum(0, 1, 7), sum(0, 1, 7)], 0).violation;
    expect(duplicated?.details).toMatchObject({ missing: [], extra: [{ record: 'keys keyed:a', expected: 3, committed: 4 }] });
    // A record from a source record no key reads is never explained.
    expect(explainByInterleaving(sums, [sum(0, 0, 1), sum(0, 1, 3), sum(1, 0, 7), sum(2, 0, 9)]).outcome).toBe('unexplained');
  });

  it('rules out an order in which the job would throw', () => {
    const picky: KeyedProcessFunction = {
      processElement(value, context) {
        if (context.valueState<number>('sum').value() === 1 && (value as { amount: number }).amount === 4) throw new Error('4 right after 1');
        runningSum.processElement(value, context);
      },
    };
    const job = keyedJob([[event('a', 1), event('a', 2)], [event('a', 4)]], picky);
    expect(explainByInterleaving(job, [sum(0, 0, 1), sum(0, 1, 3), sum(1, 0, 7)]).outcome).toBe('explained');
    const result = explainByInterleaving(job, [sum(0, 0, 1), sum(1, 0, 5), sum(0, 1, 7)]);
    expect(result).toMatchObject({ outcome: 'unexplained' });
    if (result.outcome !== 'explained') expect(result.reason).toContain('p1@0 throws here (4 right after 1)');
  });

  it('is undecided, never a pass or a violation, when the bound is hit', () => {
    const result = explainByInterleaving(sums, [sum(0, 0, 1), sum(0, 1, 3), sum(1, 0, 7)], { maxStates: 1 });
    expect(result.outcome).toBe('undecided');
    const checked = checkExactlyOnceByInterleaving(sums, [sum(0, 0, 1), sum(0, 1, 3), sum(1, 0, 7)], 0, { maxStates: 1 });
    expect(checked.violation).toBeUndefined();
    expect(checked.undecided?.message).toContain('the search hit its bound of 1 states at key a of keyed');
  });

  it('is undecided for a keyed operator below another keyed operator', () => {
    const job = new JobBuilder('two-layers');
    job
      .source('source', [[event('a', 1)]], { parallelism: 1 })
      .keyBy((value) => (value as { key: string }).key)
      .process('first', runningSum, { parallelism: 1 })
      .keyBy((value) => (value as { key: string }).key)
      .process('second', runningSum, { parallelism: 1 })
      .sink('sink', 'two-phase-commit', { parallelism: 1 });
    const result = explainByInterleaving(job.build(), []);
    expect(result).toMatchObject({ outcome: 'undecided' });
  });

  it('takes records that write nothing and change no state at once: first-seen dedup over six channels stays linear', () => {
    const partitions = Array.from({ length: 6 }, (_, partition) => Array.from({ length: 30 }, (_, offset) => event('a', partition * 100 + offset)));
    const job = keyedJob(partitions, firstSeen);
    const first = (partition: number) => written(partition, 0, { key: 'a', first: partition * 100 });
    for (let partition = 0; partition < 6; partition++) expect(explainByInterleaving(job, [first(partition)], { maxStates: 500 }).outcome).toBe('explained');
    // Only a channel's head can come first: p3@5 cannot.
    expect(explainByInterleaving(job, [written(3, 5, { key: 'a', first: 305 })], { maxStates: 500 }).outcome).toBe('unexplained');
    // A second output of p1 is written by no order: ruling out the 31^6 positions of the silent
    // records takes under 500 states, as each silent record is taken at once.
    expect(explainByInterleaving(job, [first(1), written(1, 29, { key: 'a', first: 129 })], { maxStates: 500 }).outcome).toBe('unexplained');
    expect(explainByInterleaving(job, [first(1), first(2)], { maxStates: 500 }).outcome).toBe('unexplained');
  });

  it('splits records that fan out to several keys, and rejects a duplicate among them', () => {
    const job = new JobBuilder('words');
    job
      .source('source', [[{ key: undefined, value: 'a b' }], [{ key: undefined, value: 'a' }]], { parallelism: 2 })
      .flatMap('split', (line) => String(line).split(' '), { parallelism: 2 })
      .keyBy((word) => String(word))
      .process('position', wordPosition, { parallelism: 1 })
      .sink('sink', 'two-phase-commit', { parallelism: 1 });
    const graph = job.build();
    const word = (partition: number, name: string, n: number) => written(partition, 0, { word: name, n });
    expect(explainByInterleaving(graph, [word(0, 'a', 2), word(0, 'b', 1), word(1, 'a', 1)]).outcome).toBe('explained');
    expect(explainByInterleaving(graph, [word(0, 'a', 1), word(0, 'b', 1), word(1, 'a', 2)]).outcome).toBe('explained');
    expect(explainByInterleaving(graph, [word(0, 'a', 1), word(0, 'b', 1), word(0, 'b', 1), word(1, 'a', 2)]).outcome).toBe('unexplained');
    expect(explainByInterleaving(graph, [word(0, 'a', 1), word(1, 'a', 2)]).outcome).toBe('unexplained');
  });
});
