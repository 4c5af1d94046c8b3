import { describe, expect, it } from 'vitest';
import type { SimNode } from '../../src/sim/node.js';
import { Simulation, defaultRunLimits, eventKind, type SimulationOptions } from '../../src/sim/simulation.js';
import { Trace } from '../../src/sim/trace.js';

const messageKind = eventKind('test.message');
const controlKind = eventKind('test.control');
const timerKind = eventKind('test.timer');

interface WorkloadResult {
  readonly simulation: Simulation;
  /** Messages whose action ran, as `messageId@timeUs->nodeName`. */
  readonly deliveries: string[];
}

/**
 * A small message-passing workload: every node starts three chains of messages; each delivery
 * forwards a new message to a random node after a random latency until the receiving node has
 * sent its quota. One random node crashes at a random time and restarts later (and starts a new
 * chain), so the messages in flight to it are dropped.
 */
function runMessageWorkload(seed: number, options: Partial<SimulationOptions> = {}): WorkloadResult {
  const nodeCount = 5;
  const messagesPerNode = 30;
  const simulation = new Simulation({ ...options, seed });
  const network = simulation.random('network');
  const faults = simulation.random('faults');
  const nodes = Array.from({ length: nodeCount }, (_, index) => simulation.createNode(`worker-${index}`));
  const sentCounts = new Array<number>(nodeCount).fill(0);
  const deliveries: string[] = [];
  let nextMessageId = 0;

  const send = (source: SimNode): void => {
    if ((sentCounts[source.id] as number) >= messagesPerNode) return;
    sentCounts[source.id] = (sentCounts[source.id] as number) + 1;
    const target = network.pick(nodes);
    const latencyUs = network.logNormalUs(1_000, 0.5);
    const messageId = nextMessageId++;
    const deliver = (): void => {
      deliveries.push(`${messageId}@${simulation.nowUs}->${target.name}`);
      send(target);
    };
    simulation.schedule(latencyUs, messageKind, deliver, target, messageId, { messageId, source: source.name });
  };

  // Several chains per node, so that the crash, which ends the chains it catches, leaves work behind.
  for (const node of nodes) {
    for (let chain = 0; chain < 3; chain++) simulation.schedule(0, controlKind, () => send(node), node);
  }
  const victim = faults.pick(nodes);
  const crashAtUs = faults.intBetween(1_000, 20_000);
  const downtimeUs = faults.intBetween(100, 5_000);
  simulation.schedule(crashAtUs, controlKind, () => simulation.crash(victim));
  simulation.schedule(crashAtUs + downtimeUs, controlKind, () => {
    simulation.restart(victim);
    send(victim);
  });

  const outcome = simulation.run();
  if (outcome.kind !== 'quiescent') throw new Error(`workload seed ${seed} ended ${outcome.kind}: ${outcome.reason}`);
  return { simulation, deliveries };
}

describe('Simulation determinism', () => {
  it('gives the same trace digest and deliveries for the same seed', () => {
    const first = runMessageWorkload(7);
    const second = runMessageWorkload(7);
    expect(second.simulation.trace.digest()).toBe(first.simulation.trace.digest());
    expect(second.deliveries).toEqual(first.deliveries);
    // Enough happened for the comparison to mean something.
    expect(first.deliveries.length).toBeGreaterThan(50);
    expect(first.simulation.trace.digest()).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives 1,000 distinct digests for 1,000 seeds, each reproduced by a second run', () => {
    const digests = new Set<string>();
    for (let seed = 0; seed < 1_000; seed++) {
      const digest = runMessageWorkload(seed).simulation.trace.digest();
      expect(runMessageWorkload(seed).simulation.trace.digest(), `seed ${seed}`).toBe(digest);
      digests.add(digest);
    }
    expect(digests.size).toBe(1_000);
  });

  it('gives the same digest with trace capture on or off', () => {
    for (const seed of [1, 2, 3]) {
      const captured = runMessageWorkload(seed, { captureTrace: true }).simulation.trace.digest();
      expect(runMessageWorkload(seed, { captureTrace: false }).simulation.trace.digest()).toBe(captured);
    }
  });

  it('changes the digest when one event differs in time, node, payload digest or fate', () => {
    const digestOf = (delayUs: number, nodeName: string, digest: number, crashFirst: boolean): string => {
      const simulation = new Simulation({ seed: 1 });
      // The trace hashes a node's id, not its name, so the variants must address different ids.
      const workers = [simulation.createNode('worker-a'), simulation.createNode('worker-b')];
      const target = workers.find((worker) => worker.name === nodeName) as SimNode;
      simulation.schedule(5, messageKind, () => {}, undefined, 1);
      simulation.schedule(delayUs, messageKind, () => {}, target, digest);
      if (crashFirst) simulation.schedule(1, controlKind, () => simulation.crash(target));
      simulation.run();
      return simulation.trace.digest();
    };
    const baseline = digestOf(10, 'worker-a', 2, false);
    expect(digestOf(10, 'worker-a', 2, false)).toBe(baseline);
    const variants = [
      digestOf(11, 'worker-a', 2, false),
      digestOf(10, 'worker-b', 2, false),
      digestOf(10, 'worker-a', 3, false),
      digestOf(10, 'worker-a', 2, true),
    ];
    expect(new Set([baseline, ...variants]).size).toBe(5);
  });

  it('runs events due at the same time in the order they were scheduled', () => {
    const simulation = new Simulation({ seed: 1 });
    const order: string[] = [];
    simulation.schedule(10, controlKind, () => order.push('first'));
    simulation.schedule(5, controlKind, () => {
      order.push('early');
      simulation.schedule(5, controlKind, () => order.push('scheduled-later'));
    });
    simulation.schedule(10, controlKind, () => order.push('second'));
    simulation.run();
    expect(order).toEqual(['early', 'first', 'second', 'scheduled-later']);
  });
});

describe('Simulation crash and restart', () => {
  it('drops messages scheduled to a node before its restart, and delivers ones scheduled after', () => {
    const simulation = new Simulation({ seed: 1, captureTrace: true });
    const target = simulation.createNode('task-executor-1');
    const received: string[] = [];
    const deliver = (label: string) => (): void => {
      received.push(`${label}@${simulation.nowUs}`);
    };
    const sendLater = (delayUs: number, label: string, messageId: number) => (): void => {
      simulation.schedule(delayUs, messageKind, deliver(label), target, messageId);
    };
    simulation.schedule(100, messageKind, deliver('before-crash'), target, 1);
    simulation.schedule(10, controlKind, () => simulation.crash(target));
    simulation.schedule(20, controlKind, sendLater(10, 'while-down-due-while-down', 2));
    simulation.schedule(25, controlKind, sendLater(50, 'while-down-due-after-restart', 3));
    simulation.schedule(40, controlKind, () => simulation.restart(target));
    simulation.schedule(50, controlKind, sendLater(20, 'after-restart', 4));

    expect(simulation.run().kind).toBe('quiescent');
    expect(received).toEqual(['after-restart@70']);
    expect(target.incarnation).toBe(1);
    expect(target.alive).toBe(true);
    const messages = (simulation.trace.events ?? [])
      .filter((event) => event.kind === 'test.message')
      .map((event) => [event.digest, event.timeUs, event.incarnation, event.dropped]);
    expect(messages).toEqual([
      [2, 30, 0, true],
      [4, 70, 1, false],
      [3, 75, 0, true],
      [1, 100, 0, true],
    ]);
  });

  it('never fires the timers of a crashed node, restarted or not, but fires unowned timers', () => {
    const simulation = new Simulation({ seed: 1 });
    const restarted = simulation.createNode('restarted');
    const stayedDown = simulation.createNode('stayed-down');
    const fired: string[] = [];
    simulation.schedule(100, timerKind, () => fired.push('restarted-old'), restarted);
    simulation.schedule(100, timerKind, () => fired.push('stayed-down'), stayedDown);
    simulation.schedule(100, timerKind, () => fired.push('unowned'));
    simulation.schedule(10, controlKind, () => {
      simulation.crash(restarted);
      simulation.crash(stayedDown);
    });
    simulation.schedule(20, controlKind, () => {
      simulation.restart(restarted);
      simulation.schedule(80, timerKind, () => fired.push('restarted-new'), restarted);
    });
    const outcome = simulation.run();
    expect(fired).toEqual(['unowned', 'restarted-new']);
    // Dropped events still count as events: three timers dropped or run at 100, and two controls.
    expect(outcome.events).toBe(6);
  });

  it('runs crash listeners in registration order at the moment of the crash, on every crash', () => {
    const simulation = new Simulation({ seed: 1 });
    const node = simulation.createNode('job-master');
    const calls: string[] = [];
    node.onCrash(() => calls.push(`wipe-state@${simulation.nowUs}:alive=${node.alive}`));
    node.onCrash(() => calls.push(`cancel-checkpoints@${simulation.nowUs}`));
    simulation.schedule(30, controlKind, () => simulation.crash(node));
    simulation.schedule(40, controlKind, () => simulation.restart(node));
    simulation.schedule(55, controlKind, () => simulation.crash(node));
    simulation.run();
    expect(calls).toEqual([
      'wipe-state@30:alive=false',
      'cancel-checkpoints@30',
      'wipe-state@55:alive=false',
      'cancel-checkpoints@55',
    ]);
  });

  it('throws on a double crash and on restarting a live node', () => {
    const simulation = new Simulation({ seed: 1 });
    const node = simulation.createNode('storage');
    expect(() => simulation.restart(node)).toThrow(/storage restarted while alive/);
    simulation.crash(node);
    expect(() => simulation.crash(node)).toThrow(/storage crashed twice/);
    simulation.restart(node);
    expect(node.incarnation).toBe(1);
    expect(() => simulation.restart(node)).toThrow(/restarted while alive/);
  });

  it('records crashes and restarts in the trace', () => {
    const simulation = new Simulation({ seed: 1, captureTrace: true });
    const node = simulation.createNode('worker');
    simulation.schedule(5, controlKind, () => simulation.crash(node));
    simulation.schedule(9, controlKind, () => simulation.restart(node));
    simulation.run();
    const summary = (simulation.trace.events ?? []).map((event) => `${event.kind}@${event.timeUs}:${event.node}#${event.incarnation}`);
    expect(summary).toEqual([
      'test.control@5:#0',
      'node.crash@5:worker#0',
      'test.control@9:#0',
      'node.restart@9:worker#1',
    ]);
  });
});

describe('Simulation run outcomes', () => {
  it("ends 'quiescent' when nothing is left, at the time of the last event", () => {
    const simulation = new Simulation({ seed: 1 });
    simulation.schedule(5, controlKind, () => {});
    simulation.schedule(12, controlKind, () => {});
    expect(simulation.run()).toEqual({ kind: 'quiescent', reason: 'no events left', events: 2, timeUs: 12 });
    expect(simulation.pendingCount).toBe(0);
  });

  it("ends 'stopped' after the event that called stop(), and run() continues afterwards", () => {
    const simulation = new Simulation({ seed: 1 });
    const ran: number[] = [];
    simulation.schedule(10, controlKind, () => {
      ran.push(simulation.nowUs);
      simulation.stop('invariant violated');
      simulation.stop('a later reason');
    });
    simulation.schedule(20, controlKind, () => ran.push(simulation.nowUs));
    simulation.schedule(30, controlKind, () => ran.push(simulation.nowUs));
    expect(simulation.run()).toEqual({ kind: 'stopped', reason: 'invariant violated', events: 1, timeUs: 10 });
    expect(ran).toEqual([10]);
    expect(simulation.pendingCount).toBe(2);
    expect(simulation.run()).toEqual({ kind: 'quiescent', reason: 'no events left', events: 3, timeUs: 30 });
    expect(ran).toEqual([10, 20, 30]);
  });

  it("ends 'event-threw' when an event's action throws, naming the event and its node, instead of throwing", () => {
    const simulation = new Simulation({ seed: 1 });
    const node = simulation.createNode('tm-1');
    const ran: number[] = [];
    simulation.schedule(10, controlKind, () => ran.push(simulation.nowUs));
    simulation.schedule(20, controlKind, () => {
      throw new Error('channel a->b connected twice');
    }, node);
    simulation.schedule(30, controlKind, () => ran.push(simulation.nowUs));
    const outcome = simulation.run();
    expect(outcome).toMatchObject({ kind: 'event-threw', reason: 'event test.control on tm-1 at 20 us threw: channel a->b connected twice', events: 2, timeUs: 20 });
    expect(outcome.thrown).toMatch(/^Error: channel a->b connected twice\n\s+at /);
    expect(ran).toEqual([10]);
    // The state the exception left is undefined: running again runs nothing and says so again.
    expect(simulation.run()).toEqual(outcome);
    expect(ran).toEqual([10]);
    // What is thrown need not be an Error.
    const other = new Simulation({ seed: 1 });
    other.schedule(5, controlKind, () => {
      throw 'a string';
    });
    expect(other.run()).toMatchObject({ kind: 'event-threw', reason: 'event test.control at 5 us threw: a string', thrown: 'a string' });
  });

  it("ends 'deadline-reached' at the deadline, running events due exactly at it", () => {
    const simulation = new Simulation({ seed: 1, limits: { deadlineUs: 100 } });
    const ran: number[] = [];
    for (const delayUs of [50, 100, 150]) simulation.schedule(delayUs, controlKind, () => ran.push(simulation.nowUs));
    const outcome = simulation.run();
    expect(outcome.kind).toBe('deadline-reached');
    expect(outcome.events).toBe(2);
    expect(outcome.timeUs).toBe(100);
    expect(ran).toEqual([50, 100]);
    expect(simulation.pendingCount).toBe(1);
  });

  it("moves the clock to the deadline when the next event lies beyond it", () => {
    const simulation = new Simulation({ seed: 1, limits: { deadlineUs: 100 } });
    simulation.schedule(60, controlKind, () => {});
    simulation.schedule(150, controlKind, () => {});
    expect(simulation.run()).toMatchObject({ kind: 'deadline-reached', events: 1, timeUs: 100 });
    expect(simulation.nowUs).toBe(100);
  });

  it("ends 'event-budget-exhausted' after exactly maxEvents events", () => {
    const simulation = new Simulation({ seed: 1, limits: { maxEvents: 1_000 } });
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      simulation.schedule(10, timerKind, tick);
    };
    simulation.schedule(0, timerKind, tick);
    const outcome = simulation.run();
    expect(outcome.kind).toBe('event-budget-exhausted');
    expect(outcome.events).toBe(1_000);
    expect(ticks).toBe(1_000);
    expect(outcome.timeUs).toBe(9_990);
  });

  it("ends 'queue-limit-exceeded' as soon as the queue holds more than maxQueueLength entries", () => {
    const simulation = new Simulation({ seed: 1, limits: { maxQueueLength: 100 } });
    // Every event schedules two more, so the queue grows by one per event.
    const fork = (): void => {
      simulation.schedule(1, timerKind, fork);
      simulation.schedule(1, timerKind, fork);
    };
    simulation.schedule(0, timerKind, fork);
    const outcome = simulation.run();
    expect(outcome.kind).toBe('queue-limit-exceeded');
    expect(outcome.events).toBe(100);
    expect(simulation.pendingCount).toBe(101);
  });

  it('falls back to the default for a limit passed as undefined, rather than dropping the bound', () => {
    const unsetFlag: { maxEvents?: number } = {};
    const simulation = new Simulation({ seed: 1, limits: { maxEvents: unsetFlag.maxEvents, deadlineUs: 500 } });
    expect(simulation.limits).toEqual({ ...defaultRunLimits, deadlineUs: 500 });
  });

  it('rejects limits that are negative, fractional or not numbers', () => {
    for (const limits of [{ maxEvents: -1 }, { deadlineUs: 1.5 }, { maxQueueLength: Number.NaN }, { deadlineUs: Number.POSITIVE_INFINITY }]) {
      expect(() => new Simulation({ seed: 1, limits }), JSON.stringify(limits)).toThrow(RangeError);
    }
  });

  it('does not run or trace a cancelled timer', () => {
    const simulation = new Simulation({ seed: 1, captureTrace: true });
    const ran: string[] = [];
    const cancelled = simulation.schedule(10, timerKind, () => ran.push('cancelled'));
    simulation.schedule(20, timerKind, () => ran.push('kept'));
    simulation.cancel(cancelled);
    expect(simulation.pendingCount).toBe(1);
    simulation.run();
    expect(ran).toEqual(['kept']);
    expect(simulation.trace.events?.map((event) => event.timeUs)).toEqual([20]);
    expect(simulation.eventCount).toBe(1);
  });
});

describe('Simulation trace capture', () => {
  it('allocates no event list when capture is off, yet still counts events', () => {
    const { simulation } = runMessageWorkload(5);
    expect(simulation.trace.events).toBeUndefined();
    expect(simulation.trace.eventCount).toBeGreaterThan(50);
  });

  it('captures every event when on, dropped ones flagged, in time order', () => {
    const { simulation, deliveries } = runMessageWorkload(5, { captureTrace: true });
    const events = simulation.trace.events ?? [];
    expect(events.length).toBe(simulation.trace.eventCount);
    // Every dispatched event plus the one crash and one restart, which are recorded directly.
    expect(events.length).toBe(simulation.eventCount + 2);
    const messageEvents = events.filter((event) => event.kind === 'test.message');
    const dropped = messageEvents.filter((event) => event.dropped);
    expect(messageEvents.length - dropped.length).toBe(deliveries.length);
    expect(dropped.length).toBeGreaterThan(0);
    for (const event of dropped) expect(event.incarnation).toBe(0);
    for (let index = 1; index < events.length; index++) {
      expect((events[index] as { timeUs: number }).timeUs).toBeGreaterThanOrEqual((events[index - 1] as { timeUs: number }).timeUs);
    }
    const delivered = messageEvents.filter((event) => !event.dropped);
    expect(delivered.map((event) => `${event.digest}@${event.timeUs}->${event.node}`)).toEqual(deliveries);
    // The payload is kept by reference, as scheduled.
    expect(delivered[0]?.payload).toMatchObject({ messageId: delivered[0]?.digest });
  });
});

describe('Simulation.schedule', () => {
  it('rejects negative, fractional and non-finite delays and queues nothing', () => {
    const simulation = new Simulation({ seed: 1 });
    for (const delayUs of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => simulation.schedule(delayUs, timerKind, () => {})).toThrow(RangeError);
    }
    expect(() => simulation.schedule(-1, timerKind, () => {})).toThrow(/test\.timer.*got -1/);
    expect(simulation.pendingCount).toBe(0);
  });

  it('accepts a zero delay, which runs at the current time', () => {
    const simulation = new Simulation({ seed: 1 });
    const ranAtUs: number[] = [];
    simulation.schedule(7, controlKind, () => simulation.schedule(0, controlKind, () => ranAtUs.push(simulation.nowUs)));
    simulation.run();
    expect(ranAtUs).toEqual([7]);
  });
});

describe('Trace digest', () => {
  interface Fields {
    readonly sequence: number;
    readonly timeUs: number;
    readonly kindHash: number;
    readonly kindName: string;
    readonly nodeId: number;
    readonly nodeName: string;
    readonly incarnation: number;
    readonly digest: number;
    readonly dropped: boolean;
    readonly payload: unknown;
  }
  const baseline: Fields = {
    sequence: 3,
    timeUs: 2 ** 40 + 17,
    kindHash: messageKind.hash,
    kindName: messageKind.name,
    nodeId: 4,
    nodeName: 'worker-4',
    incarnation: 1,
    digest: 99,
    dropped: false,
    payload: { messageId: 99 },
  };
  const digestOf = (fields: Fields, capture = false): string => {
    const trace = new Trace(capture);
    trace.record(0, 1, controlKind.hash, controlKind.name, -1, '', 0, 0, false, undefined);
    const { sequence, timeUs, kindHash, kindName, nodeId, nodeName, incarnation, digest, dropped, payload } = fields;
    trace.record(sequence, timeUs, kindHash, kindName, nodeId, nodeName, incarnation, digest, dropped, payload);
    return trace.digest();
  };

  it('changes both 32-bit halves when any hashed field of one event changes', () => {
    const reference = digestOf(baseline);
    const changes: Array<Partial<Fields>> = [
      { timeUs: baseline.timeUs + 1 },
      { timeUs: baseline.timeUs + 2 ** 32 },
      { kindHash: timerKind.hash },
      { nodeId: 5 },
      { incarnation: 2 },
      { digest: 100 },
      { dropped: true },
    ];
    for (const change of changes) {
      const changed = digestOf({ ...baseline, ...change });
      // The two lanes are meant to be independent, so each must see every field on its own.
      expect(changed.slice(0, 8), JSON.stringify(change)).not.toBe(reference.slice(0, 8));
      expect(changed.slice(8), JSON.stringify(change)).not.toBe(reference.slice(8));
    }
  });

  it('does not depend on names, payloads or capture, which replay reports carry but the hash need not', () => {
    const reference = digestOf(baseline);
    expect(digestOf({ ...baseline, kindName: 'renamed', nodeName: 'renamed', payload: 'other' })).toBe(reference);
    expect(digestOf(baseline, true)).toBe(reference);
  });

  it('depends on the order of events and on their number', () => {
    const first: Parameters<Trace['record']> = [0, 5, messageKind.hash, '', 1, '', 0, 7, false, undefined];
    const second: Parameters<Trace['record']> = [1, 5, messageKind.hash, '', 2, '', 0, 7, false, undefined];
    const digestOfSequence = (events: ReadonlyArray<Parameters<Trace['record']>>): string => {
      const trace = new Trace(false);
      for (const event of events) trace.record(...event);
      return trace.digest();
    };
    const digests = [[], [first], [first, second], [second, first], [first, first]].map(digestOfSequence);
    expect(new Set(digests).size).toBe(digests.length);
  });
});
