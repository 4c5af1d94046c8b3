import { describe, expect, it } from 'vitest';
import { JobBuilder } from '../../src/cluster/jobgraph/job-builder.js';
import { subtaskForKey } from '../../src/cluster/jobgraph/key-groups.js';
import { compareKeyedState } from '../../src/oracle/checkers/consistent-snapshot.js';
import { ReferenceState, addLineage, canonicalJson } from '../../src/oracle/reference-state.js';
import { deriveStream } from '../../src/sim/index.js';
import { scenarios } from '../../scenarios/index.js';
import { lineage, tinyJob } from './support/fixtures.js';

describe('ReferenceState', () => {
  it('computes keyed state and lineage from the source records below the offsets', () => {
    const reference = new ReferenceState(tinyJob());
    const expected = reference.expectedStates(new Map([[0, 3]]));
    expect(expected.get('count#0')).toEqual({ task: 'count#0', keyed: { count: { a: 2, b: 1 } }, listStates: new Set(), lineage: lineage([0, 1, 2]) });
    // A partition missing from the limits counts as fully read.
    expect(reference.expectedStates(new Map()).get('count#0')?.keyed).toEqual({ count: { a: 2, b: 1, c: 1 } });
  });

  it('leaves excluded in-flight arrivals out of the state but not out of the lineage', () => {
    const reference = new ReferenceState(tinyJob());
    const [inFlight] = reference.propagate('count', 0, 0, [{ key: 'a', value: 'a', origin: { partition: 0, offset: 2 } }]);
    expect(inFlight).toBeDefined();
    const excluded = new Map([['count#0', new Map([[`0|p0@2|a|"a"`, 1]])]]);
    const expected = reference.expectedStates(new Map([[0, 3]]), excluded).get('count#0');
    expect(expected?.keyed).toEqual({ count: { a: 1, b: 1 } });
    expect(expected?.lineage).toEqual(lineage([0, 1, 2]));
  });

  it('propagates records through stateless functions and hash routing to keyed subtasks', () => {
    const job = new JobBuilder('split');
    job
      .source('source', [[{ key: undefined, value: 'x y' }]], { parallelism: 1 })
      .flatMap('split', (line) => String(line).split(' '), { parallelism: 1 })
      .keyBy((word) => String(word))
      .count('count', { parallelism: 3 })
      .sink('sink', 'two-phase-commit', { parallelism: 1 });
    const reference = new ReferenceState(job.build());
    const origin = { partition: 0, offset: 0 };
    const arrivals = reference.propagate('split', 0, 0, [{ key: undefined, value: 'x y', origin }]);
    expect(arrivals).toEqual([
      { vertex: 'count', subtask: subtaskForKey('x', 128, 3), gate: 0, record: { key: 'x', value: 'x', origin } },
      { vertex: 'count', subtask: subtaskForKey('y', 128, 3), gate: 0, record: { key: 'y', value: 'y', origin } },
    ]);
    expect(reference.isJudgeable('count')).toBe(true);
    expect(reference.isProjectable('count')).toBe(true);
  });

  it('judges a keyed vertex behind rebalance edges: the hash edge into it decides the subtask', () => {
    const job = new JobBuilder('rebalanced');
    job
      .source('source', [[{ key: 'k', value: 1 }]], { parallelism: 1 })
      .rebalance()
      .map('noop', (value) => value, { parallelism: 2 })
      .forward()
      .map('again', (value) => value, { parallelism: 2 })
      .keyBy(() => 'k')
      .count('count', { parallelism: 2 })
      .sink('sink', 'at-least-once', { parallelism: 1 });
    const reference = new ReferenceState(job.build());
    expect(reference.isJudgeable('count')).toBe(true);
  });

  it('advances running states between calls exactly as a replay from offset 0 computes them, also when offsets go back', () => {
    for (const scenario of scenarios) {
      const { job } = scenario.build(scenario.defaults, deriveStream(3, 'scenario.input'));
      const running = new ReferenceState(job);
      const partitions = running.partitions;
      const random = deriveStream(11, `reference-state.${scenario.name}`);
      const fractions = [0.1, 0.3, 0.3, 0.6, 0.2, 0.5, 0.9, 1, 0.4];
      fractions.forEach((fraction, step) => {
        // Mostly growing offsets, each partition jittered; steps 4 and 8 go back.
        const limits = new Map(partitions.map((partition) => {
          const length = running.partitionLength(partition) as number;
          return [partition, Math.min(length, Math.floor(length * fraction) + random.int(3))] as const;
        }));
        if (step === 2) limits.delete(partitions[0] as number);
        const incremental = running.expectedStates(limits);
        const fresh = new ReferenceState(job).expectedStates(limits);
        expect([...incremental.keys()], scenario.name).toEqual([...fresh.keys()]);
        for (const [task, want] of fresh) {
          const have = incremental.get(task);
          expect(have?.lineage, `${scenario.name} ${task} step ${step}`).toEqual(want.lineage);
          expect(compareKeyedState(have?.keyed ?? {}, want), `${scenario.name} ${task} step ${step}`).toBeUndefined();
          expect(compareKeyedState(want.keyed, have as typeof want), `${scenario.name} ${task} step ${step}`).toBeUndefined();
        }
      });
    }
  });

  it('adds lineage entries and writes canonical JSON', () => {
    expect(addLineage(lineage([0, 1]), lineage([2]))).toEqual(lineage([0, 1, 2]));
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
});
