import { describe, expect, it } from 'vitest';
import { JobBuilder } from '../../src/cluster/jobgraph/job-builder.js';
import { subtaskForKey } from '../../src/cluster/jobgraph/key-groups.js';
import { ReferenceState, addLineage, canonicalJson } from '../../src/oracle/reference-state.js';
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

  it('adds lineage entries and writes canonical JSON', () => {
    expect(addLineage(lineage([0, 1]), lineage([2]))).toEqual(lineage([0, 1, 2]));
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
});
