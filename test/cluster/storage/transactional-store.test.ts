import { describe, expect, it } from 'vitest';
import { TransactionalStore, type SinkEntry } from '../../../src/cluster/storage/transactional-store.js';

const entry = (value: number): SinkEntry => ({ key: undefined, value, origin: { partition: 0, offset: value } });

function store(retain = true): { store: TransactionalStore; clock: { nowUs: number } } {
  const clock = { nowUs: 0 };
  return { store: new TransactionalStore(() => clock.nowUs, 1_000, retain), clock };
}

describe('TransactionalStore', () => {
  it('makes records visible at commit, in commit order, and commits idempotently', () => {
    const { store: sink } = store();
    sink.begin('a');
    sink.begin('b');
    expect(sink.write('a', [entry(1), entry(2)])).toBe(true);
    expect(sink.write('b', [entry(3)])).toBe(true);
    expect(sink.entryCount('a')).toBe(2);
    expect(sink.preCommit('b')).toBe(true);
    expect(sink.write('b', [entry(4)])).toBe(false);
    expect(sink.commit('b')).toBe('committed');
    expect(sink.commit('a')).toBe('committed');
    expect(sink.committedEntries().map((committed) => committed.value)).toEqual([3, 1, 2]);
    expect(sink.commit('a')).toBe('already-committed');
    expect(sink.status('a')).toBe('committed');
    expect(sink.abort('a')).toBe(false);
    // A finished transaction is remembered by status only.
    expect(sink.entryCount('a')).toBe(0);
    expect(sink.committedDigest().count).toBe(3);
    expect(sink.commit('nope')).toBe('unknown');
  });

  it('keeps an aborted transaction aborted and its records out', () => {
    const { store: sink } = store();
    sink.begin('a');
    sink.write('a', [entry(1)]);
    expect(sink.abort('a')).toBe(true);
    expect(sink.abort('a')).toBe(false);
    expect(sink.commit('a')).toBe('aborted');
    expect(sink.entryCount('a')).toBe(0);
    expect(sink.committedEntries()).toEqual([]);
    expect(() => sink.begin('a')).toThrow(/already exists/);
  });

  it('times out open and pre-committed transactions past the timeout, losing their records', () => {
    const { store: sink, clock } = store();
    sink.begin('open');
    sink.begin('flushed');
    sink.write('flushed', [entry(1)]);
    sink.preCommit('flushed');
    sink.begin('other/x');
    expect(sink.lingering('')).toEqual(['flushed', 'open', 'other/x']);
    expect(sink.lingering('other/')).toEqual(['other/x']);
    clock.nowUs = 1_001;
    expect(sink.lingering('')).toEqual([]);
    expect(sink.commit('flushed')).toBe('timed-out');
    expect(sink.status('open')).toBe('timed-out');
    expect(sink.write('open', [entry(2)])).toBe(false);
    expect(sink.entryCount('flushed')).toBe(0);
    expect(sink.committedDigest().count).toBe(0);
  });

  it('gives the same digest whether or not it keeps the records', () => {
    const kept = store(true).store;
    const digested = store(false).store;
    for (const sink of [kept, digested]) {
      sink.begin('t');
      sink.write('t', [entry(5), entry(6)]);
      sink.commit('t');
      sink.append([entry(7)]);
    }
    expect(digested.committedDigest().toString()).toBe(kept.committedDigest().toString());
    expect(kept.committedEntries()).toHaveLength(3);
    expect(() => digested.committedEntries()).toThrow(/not retained/);
  });

  it('remembers every finished transaction of a long run, with its status', () => {
    const { store: sink } = store(false);
    const statuses = new Map<string, string>();
    for (let sequence = 0; sequence < 5_000; sequence++) {
      const id = `sink#0/1.0.${sequence}`;
      sink.begin(id);
      sink.write(id, [entry(sequence)]);
      sink.preCommit(id);
      // Every 1000th is aborted (a failover), the rest committed in order.
      if (sequence % 1_000 === 999) sink.abort(id);
      else sink.commit(id);
      statuses.set(id, sequence % 1_000 === 999 ? 'aborted' : 'committed');
    }
    for (const [id, status] of statuses) expect(sink.status(id)).toBe(status);
    expect(sink.commit('sink#0/1.0.17')).toBe('already-committed');
    expect(sink.commit('sink#0/1.0.999')).toBe('aborted');
    expect(() => sink.begin('sink#0/1.0.42')).toThrow(/already exists/);
    expect(sink.status('sink#0/1.0.5000')).toBeUndefined();
    expect(sink.committedDigest().count).toBe(4_995);
  });
});
