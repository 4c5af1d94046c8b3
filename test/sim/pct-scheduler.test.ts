import { describe, expect, it } from 'vitest';
import { Simulation, eventKind, type PctOptions } from '../../src/sim/simulation.js';

const kind = eventKind('test.pct');

/**
 * Three nodes, each sent `perNode` messages that are all due at the same virtual times (0 and
 * 10 us), plus a kernel event: the order they run in is the scheduler's choice across nodes and
 * FIFO within a node.
 */
function run(pct: PctOptions | undefined, seed = 7, perNode = 4): { order: string[]; times: number[]; sim: Simulation } {
  const sim = new Simulation({ seed, ...(pct === undefined ? {} : { pct }) });
  const nodes = ['a', 'b', 'c'].map((name) => sim.createNode(name));
  const order: string[] = [];
  const times: number[] = [];
  for (let index = 0; index < perNode; index++) {
    for (const node of nodes) {
      sim.schedule(index < perNode / 2 ? 0 : 10, kind, () => {
        order.push(`${node.name}${index}`);
        times.push(sim.nowUs);
      }, node);
    }
  }
  sim.schedule(5, kind, () => {
    order.push('k');
    times.push(sim.nowUs);
  });
  expect(sim.run().kind).toBe('quiescent');
  return { order, times, sim };
}

describe('PCT scheduling in the kernel', () => {
  it('is off by default: events due together run in scheduling order, and no statistics are kept', () => {
    const { order, sim } = run(undefined);
    expect(order).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'c1', 'k', 'a2', 'b2', 'c2', 'a3', 'b3', 'c3']);
    expect(sim.pctStatistics).toBeUndefined();
  });

  it('reorders events of different nodes due at the same time, keeps each node in FIFO order, and never runs an event late with a window of 0', () => {
    const orders = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const { order, times } = run({ depth: 2, windowUs: 0, steps: 4 }, seed);
      orders.add(order.join(' '));
      for (const node of ['a', 'b', 'c']) expect(order.filter((name) => name.startsWith(node))).toEqual([0, 1, 2, 3].map((index) => `${node}${index}`));
      // Every event ran at the time it was due.
      expect(times).toEqual([0, 0, 0, 0, 0, 0, 5, 10, 10, 10, 10, 10, 10]);
    }
    expect(orders.size).toBeGreaterThan(3);
  });

  it('is deterministic: the same seed and settings give the same order and trace hash', () => {
    const first = run({ depth: 3, windowUs: 0, steps: 6 }, 11);
    const second = run({ depth: 3, windowUs: 0, steps: 6 }, 11);
    expect(second.order).toEqual(first.order);
    expect(second.sim.trace.digest()).toBe(first.sim.trace.digest());
    expect(first.sim.pctStatistics).toEqual({ lanes: 4, decisions: second.sim.pctStatistics?.decisions });
  });

  it('with depth 1 runs the highest-priority lane first whenever it is enabled (no change point)', () => {
    const { order } = run({ depth: 1, windowUs: 0, steps: 1 }, 3);
    // Each batch due together is run lane by lane: the first lane's events of the batch all come first.
    const firstBatch = order.slice(0, 6);
    const lanes = firstBatch.map((name) => name[0]);
    expect(lanes.slice(0, 2)).toEqual([lanes[0], lanes[0]]);
    expect(lanes.slice(2, 4)).toEqual([lanes[2], lanes[2]]);
  });

  it('a change point lowers the running lane: with depth 2 and k = 1 the first choice is made again without it', () => {
    const plain = run({ depth: 1, windowUs: 0, steps: 1 }, 5).order;
    const changed = run({ depth: 2, windowUs: 0, steps: 1 }, 5).order;
    expect(changed[0]).not.toBe(plain[0]);
  });

  it('with a window, an event due later may run first, and the earlier ones run late by at most the window', () => {
    let late = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const { order, times } = run({ depth: 2, windowUs: 10, steps: 4 }, seed);
      for (let index = 1; index < times.length; index++) expect(times[index]).toBeGreaterThanOrEqual(times[index - 1] as number);
      const kAt = order.indexOf('k');
      if (times[kAt] !== 5) late++;
      for (const time of times) expect(time).toBeLessThanOrEqual(10);
    }
    expect(late).toBeGreaterThan(0);
  });
});
