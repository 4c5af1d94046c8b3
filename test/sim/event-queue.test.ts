import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue, type QueueEntry } from '../../src/sim/event-queue.js';

interface TestEntry extends QueueEntry {
  /** Position in scheduling order over the whole test, so a test can name any entry ever pushed. */
  readonly id: number;
}

function entry(timeUs: number, sequence: number): TestEntry {
  return { timeUs, sequence, id: sequence, cancelled: false };
}

function drain(queue: EventQueue<TestEntry>): number[] {
  const ids: number[] = [];
  for (let entryCount = 0; entryCount < 10_000; entryCount++) {
    const next = queue.pop();
    if (next === undefined) return ids;
    ids.push(next.id);
  }
  throw new Error('drain: more than 10,000 entries, the queue is not emptying');
}

type Command =
  | { readonly type: 'schedule'; readonly timeUs: number }
  | { readonly type: 'cancelLive'; readonly index: number }
  | { readonly type: 'cancelAny'; readonly index: number }
  | { readonly type: 'pop' }
  | { readonly type: 'peek' };

// A narrow time range forces many ties, which is where ordering by sequence number matters.
const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('schedule' as const), timeUs: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('cancelLive' as const), index: fc.nat({ max: 1_000 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('cancelAny' as const), index: fc.nat({ max: 1_000 }) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('pop' as const) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('peek' as const) }) },
);

function modelOrder(left: TestEntry, right: TestEntry): number {
  return left.timeUs - right.timeUs || left.sequence - right.sequence;
}

/**
 * Runs `commands` against the queue and against a model (an array kept sorted by (time,
 * sequence)), checking every pop, peek and size against the model.
 */
function checkAgainstModel(commands: readonly Command[]): void {
  const queue = new EventQueue<TestEntry>();
  const model: TestEntry[] = [];
  const everScheduled: TestEntry[] = [];
  for (const command of commands) {
    switch (command.type) {
      case 'schedule': {
        const scheduled = entry(command.timeUs, everScheduled.length);
        everScheduled.push(scheduled);
        queue.push(scheduled);
        model.push(scheduled);
        model.sort(modelOrder);
        break;
      }
      case 'cancelLive': {
        if (model.length === 0) break;
        const [cancelled] = model.splice(command.index % model.length, 1);
        queue.cancel(cancelled as TestEntry);
        break;
      }
      case 'cancelAny': {
        // May name an entry already popped or cancelled: that must be a no-op.
        if (everScheduled.length === 0) break;
        const target = everScheduled[command.index % everScheduled.length] as TestEntry;
        const modelIndex = model.indexOf(target);
        if (modelIndex >= 0) model.splice(modelIndex, 1);
        queue.cancel(target);
        break;
      }
      case 'pop': {
        const popped = queue.pop();
        const expected = model.shift();
        expect(popped?.id).toBe(expected?.id);
        break;
      }
      case 'peek':
        expect(queue.peek()?.id).toBe(model[0]?.id);
        break;
    }
    expect(queue.size).toBe(model.length);
    expect(queue.storedCount).toBeGreaterThanOrEqual(queue.size);
  }
  expect(drain(queue)).toEqual(model.map((remaining) => remaining.id));
  expect(queue.size).toBe(0);
}

describe('EventQueue', () => {
  it('matches a sorted-array model under random schedule, cancel, pop and peek commands', () => {
    fc.assert(
      fc.property(fc.array(commandArbitrary, { maxLength: 300 }), (commands) => {
        checkAgainstModel(commands);
      }),
      { seed: 0x5eed_0001, numRuns: 400 },
    );
  });

  it('breaks ties at the same time by sequence number, not by push order', () => {
    const queue = new EventQueue<TestEntry>();
    queue.push(entry(5, 2));
    queue.push(entry(5, 0));
    queue.push(entry(3, 3));
    queue.push(entry(5, 1));
    queue.push(entry(7, -1));
    expect(drain(queue)).toEqual([3, 0, 1, 2, -1]);
  });

  it('treats cancelling an entry that was already popped as a no-op', () => {
    const queue = new EventQueue<TestEntry>();
    const first = entry(1, 0);
    const second = entry(2, 1);
    queue.push(first);
    queue.push(second);
    expect(queue.pop()).toBe(first);
    queue.cancel(first);
    expect(queue.size).toBe(1);
    expect(queue.pop()).toBe(second);
    expect(queue.size).toBe(0);
    expect(queue.pop()).toBeUndefined();
    expect(queue.size).toBe(0);
  });

  it('does not count an entry pushed already cancelled', () => {
    const queue = new EventQueue<TestEntry>();
    const cancelled = { ...entry(1, 0), cancelled: true };
    queue.push(cancelled);
    queue.push(entry(2, 1));
    expect(queue.size).toBe(1);
    expect(queue.pop()?.id).toBe(1);
    expect(queue.size).toBe(0);
    expect(queue.pop()).toBeUndefined();
  });

  it('counts a double cancel once and skips cancelled entries on peek and pop', () => {
    const queue = new EventQueue<TestEntry>();
    const early = entry(1, 0);
    const late = entry(9, 1);
    queue.push(early);
    queue.push(late);
    queue.cancel(early);
    queue.cancel(early);
    expect(queue.size).toBe(1);
    // The cancelled entry is still held until it reaches the top.
    expect(queue.storedCount).toBe(2);
    expect(queue.peek()).toBe(late);
    expect(queue.storedCount).toBe(1);
    expect(queue.pop()).toBe(late);
    expect(queue.pop()).toBeUndefined();
    expect(queue.peek()).toBeUndefined();
  });
});
