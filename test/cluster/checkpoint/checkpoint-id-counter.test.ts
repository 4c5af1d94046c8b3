import { describe, expect, it } from 'vitest';
import { HaCheckpointIdCounter, StandaloneCheckpointIdCounter } from '../../../src/cluster/checkpoint/checkpoint-id-counter.js';
import { InMemoryDurableKeyValue } from './fakes.js';

describe('StandaloneCheckpointIdCounter', () => {
  it('starts at 1 and hands out increasing ids', () => {
    const counter = new StandaloneCheckpointIdCounter();
    expect(counter.get()).toBe(1);
    expect([counter.getAndIncrement(), counter.getAndIncrement(), counter.getAndIncrement()]).toEqual([1, 2, 3]);
    expect(counter.get()).toBe(4);
  });

  it('setCount sets the next id and refuses nonsense', () => {
    const counter = new StandaloneCheckpointIdCounter();
    counter.setCount(42);
    expect(counter.getAndIncrement()).toBe(42);
    expect(() => counter.setCount(0)).toThrow(/at least 1/);
    expect(() => counter.setCount(2.5)).toThrow(/got 2.5/);
  });
});

describe('HaCheckpointIdCounter', () => {
  it('persists the next id, so a new counter over the same store continues above it', () => {
    const durable = new InMemoryDurableKeyValue();
    const first = new HaCheckpointIdCounter(durable);
    expect([first.getAndIncrement(), first.getAndIncrement()]).toEqual([1, 2]);
    const afterCrash = new HaCheckpointIdCounter(durable);
    expect(afterCrash.get()).toBe(3);
    expect(afterCrash.getAndIncrement()).toBe(3);
    expect(durable.get('checkpoint-id-counter')).toBe(4);
  });

  it('setCount persists', () => {
    const durable = new InMemoryDurableKeyValue();
    new HaCheckpointIdCounter(durable, 'job-a/counter').setCount(10);
    expect(new HaCheckpointIdCounter(durable, 'job-a/counter').getAndIncrement()).toBe(10);
  });

  it('does not hand out an id whose successor could not be persisted', () => {
    const durable = new InMemoryDurableKeyValue();
    const counter = new HaCheckpointIdCounter(durable);
    durable.failPuts = true;
    expect(() => counter.getAndIncrement()).toThrow(/HA write/);
    durable.failPuts = false;
    expect(counter.getAndIncrement()).toBe(1);
  });
});
