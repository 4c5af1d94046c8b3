import { describe, expect, it } from 'vitest';
import { ReferenceKeyedState, type EmittedValueSink } from '../../src/oracle/reference-keyed-state.js';

function collector(): EmittedValueSink & { readonly values: unknown[] } {
  const values: unknown[] = [];
  return { values, accept: (value) => void values.push(value) };
}

describe('ReferenceKeyedState', () => {
  it('scopes value and list state to the current key', () => {
    const state = new ReferenceKeyedState();
    const a = state.contextFor('a');
    a.valueState<number>('count').update(1);
    a.listState<string>('seen').add('x');
    expect(a.currentKey).toBe('a');
    const b = state.contextFor('b');
    expect(b.currentKey).toBe('b');
    expect(b.valueState<number>('count').value()).toBeUndefined();
    expect(b.listState<string>('seen').get()).toEqual([]);
    b.valueState<number>('count').update(7);
    expect(state.contextFor('a').valueState<number>('count').value()).toBe(1);
    expect(state.snapshot()).toEqual({ count: { a: 1, b: 7 }, seen: { a: ['x'] } });
  });

  it('stores copies: values are cloned in and out, and a list read is a copy', () => {
    const state = new ReferenceKeyedState();
    const context = state.contextFor('k');
    const stored = { amount: 1 };
    context.valueState<{ amount: number }>('v').update(stored);
    stored.amount = 99;
    const read = context.valueState<{ amount: number }>('v').value() as { amount: number };
    expect(read).toEqual({ amount: 1 });
    read.amount = 5;
    expect(context.valueState<{ amount: number }>('v').value()).toEqual({ amount: 1 });

    const list = context.listState<{ n: number }>('l');
    const item = { n: 1 };
    list.add(item);
    item.n = 2;
    (list.get() as { n: number }[]).push({ n: 3 });
    expect(list.get()).toEqual([{ n: 1 }]);
    const replacement = [{ n: 4 }];
    list.update(replacement);
    (replacement[0] as { n: number }).n = 5;
    expect(list.get()).toEqual([{ n: 4 }]);
  });

  it('clears one key and leaves names without keys out of the snapshot', () => {
    const state = new ReferenceKeyedState();
    const context = state.contextFor('k');
    context.valueState('v').update(1);
    context.listState('l').add(1);
    context.valueState('v').clear();
    context.listState('l').clear();
    expect(state.snapshot()).toEqual({});
    expect([...state.listStateNames]).toEqual(['l']);
  });

  it('sends emitted values to the sink of the latest record, or the one it was made with', () => {
    const first = collector();
    const second = collector();
    const state = new ReferenceKeyedState(first);
    state.contextFor('a').emit(1);
    state.contextFor('b', second).emit(2);
    state.contextFor('c').emit(3);
    expect(first.values).toEqual([1]);
    expect(second.values).toEqual([2, 3]);
  });

  it('snapshots names and keys in sorted order', () => {
    const state = new ReferenceKeyedState();
    for (const key of ['z', 'a', 'm']) state.contextFor(key).valueState('s2').update(key);
    state.contextFor('b').valueState('s1').update(0);
    const snapshot = state.snapshot();
    expect(Object.keys(snapshot)).toEqual(['s1', 's2']);
    expect(Object.keys(snapshot['s2'] as object)).toEqual(['a', 'm', 'z']);
  });
});
