import { describe, expect, it } from 'vitest';
import { FakeBarrierHost, barrier } from './fake-barrier-host.js';

describe('FakeBarrierHost', () => {
  it('records every call in order and tracks the blocked channels', () => {
    const host = new FakeBarrierHost(3);
    host.blockChannel(2);
    host.blockChannel(0);
    host.resumeChannel(2);
    host.triggerCheckpoint(barrier(4), true);
    host.abortCheckpoint(5, 'CHECKPOINT_DECLINED_SUBSUMED');
    host.observe({ type: 'alignment-started', checkpointId: 6, task: host.taskName });
    expect(host.log()).toEqual([
      'block 2',
      'block 0',
      'resume 2',
      'trigger 4 unaligned',
      'abort 5 CHECKPOINT_DECLINED_SUBSUMED',
      'observe alignment-started 6',
    ]);
    expect([...host.blocked]).toEqual([0]);
    expect(host.outcomes()).toEqual([4, -5]);
    expect(host.take()).toHaveLength(6);
    expect(host.take()).toEqual([]);
    expect(() => host.blockChannel(3)).toThrow();
    expect(() => host.resumeChannel(-1)).toThrow();
  });

  it('fires timers only when told, in due order, never once cancelled, at most once', () => {
    const host = new FakeBarrierHost(1);
    const fired: string[] = [];
    host.nowUs = 100;
    host.scheduleTimer(50, () => fired.push(`a@${host.nowUs}`));
    const b = host.scheduleTimer(20, () => fired.push(`b@${host.nowUs}`));
    host.scheduleTimer(10, () => fired.push(`c@${host.nowUs}`));
    expect(fired).toEqual([]);

    b.cancel();
    host.advanceTo(200);
    expect(fired).toEqual(['c@110', 'a@150']);
    expect(host.nowUs).toBe(200);
    expect(host.fire(host.timers[1]!)).toBe(false);
    expect(host.fire(host.timers[0]!)).toBe(false);
    expect(fired).toEqual(['c@110', 'a@150']);
    expect(host.log()).toEqual(['schedule #0 +50us', 'schedule #1 +20us', 'schedule #2 +10us', 'cancel #1']);
    expect(host.liveTimers()).toEqual([]);

    host.runQueuedAction(host.timers[1]!);
    expect(fired).toEqual(['c@110', 'a@150', 'b@200']);
    expect(() => host.advanceTo(100)).toThrow();
  });
});
