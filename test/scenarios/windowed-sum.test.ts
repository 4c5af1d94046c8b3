import { describe, expect, it } from 'vitest';
import type { PlanEntry } from '../../src/faults/plan.js';
import { runCase } from '../../src/explore/run-case.js';
import { windowedSum } from '../../scenarios/windowed-sum.js';
import { windowTimerStateName } from '../../src/cluster/task/event-time/index.js';
import type { Observation } from '../../src/cluster/observations.js';

const stop = (drain: boolean, atUs: number): PlanEntry => ({ kind: 'stop-with-savepoint', drain, when: { atUs } }) as PlanEntry;
const failWindow: PlanEntry = { kind: 'fail-task', task: 'window#1', when: { onStep: 'task.snapshot-taken', task: 'window#1', checkpointId: 3 } } as PlanEntry;
const crashExecutor: PlanEntry = { kind: 'crash-executor', executor: 'taskexecutor-1', restartAfterUs: 50_000, replacement: false, when: { atUs: 150_000 } } as PlanEntry;

function run(seed: number, faults: PlanEntry[] = [], plantedBugs: string[] = [], observers: Array<(observation: Observation) => void> = []) {
  return runCase(windowedSum, { scenario: windowedSum.name, seed, faults, ...(plantedBugs.length > 0 ? { config: { plantedBugs } } : {}) }, { observers });
}

describe('windowed-sum: event time end to end', () => {
  it('fires windows as watermarks pass, with timers and open windows in the checkpoints', () => {
    let checkpointsWithTimers = 0;
    let windowsEmitted = 0;
    const result = run(1, [], [], [
      (observation) => {
        if (observation.type !== 'snapshot-taken' || !observation.task.startsWith('window#')) return;
        const timers = observation.content.keyed?.[windowTimerStateName] ?? {};
        if (Object.keys(timers).length > 0) checkpointsWithTimers++;
      },
    ]);
    windowsEmitted = result.stats.records.out;
    expect(result.verdict).toBe('pass');
    expect(checkpointsWithTimers).toBeGreaterThan(2);
    expect(windowsEmitted).toBeGreaterThan(100);
  });

  it.each([
    ['a stop-with-savepoint without drain (timers restored from the savepoint)', [stop(false, 140_000)], false],
    ['a stop-with-savepoint with drain (every window fires before the savepoint)', [stop(true, 140_000)], false],
    ['a failed window task (windows and timers restored from a checkpoint)', [failWindow], true],
    ['a crashed executor', [crashExecutor], true],
  ] as const)('the correct protocol passes %s', (_name, faults, restores) => {
    for (const seed of [1, 2]) {
      const result = run(seed, [...faults]);
      expect(result.violations.map((violation) => violation.message)).toEqual([]);
      expect(result.verdict).toBe('pass');
      if (restores) expect(result.stats.restores).toBeGreaterThan(0);
      else expect(result.operations.some((operation) => operation.kind === 'stop-with-savepoint' && operation.ok === true)).toBe(true);
    }
  });

  it.each(['source-omits-max-watermark-at-end', 'max-watermark-overtakes-buffered-records', 'valve-min-includes-idle-channels'])('planted bug %s fails windowed-output without faults', (bug) => {
    const result = run(1, [], [bug]);
    expect(result.verdict).toBe('fail');
    expect(result.violations.map((violation) => violation.property)).toContain('windowed-output');
  });

  it('planted bug restore-drops-event-timers loses the windows a restore should fire', () => {
    const result = run(1, [failWindow], ['restore-drops-event-timers']);
    expect(result.stats.restores).toBeGreaterThan(0);
    expect(result.violations.find((violation) => violation.property === 'windowed-output')?.message).toMatch(/expected result\(s\) not committed, 0 committed unexpectedly; first: window of key \w+ starting at \d+ ms was never committed/);
  });

  it('runs on a FLIP-27 source with legacySource=0: watermarks per assigned split, the spare reader ends once no split is left', () => {
    let splitsAdded = 0;
    const result = runCase(windowedSum, { scenario: windowedSum.name, seed: 1, parameters: { legacySource: 0 }, faults: [crashExecutor] }, {
      observers: [
        (observation) => {
          if (observation.type === 'splits-added') splitsAdded++;
        },
      ],
    });
    expect(splitsAdded).toBeGreaterThanOrEqual(3);
    expect(result.stats.restores).toBeGreaterThan(0);
    expect(result.violations.map((violation) => violation.message)).toEqual([]);
    expect(result.verdict).toBe('pass');
  });

  it('a drain that does not reach the end of event time leaves timers in its savepoint, and windowed-output says so', () => {
    const result = run(1, [stop(true, 140_000)], ['source-omits-max-watermark-at-end']);
    expect(result.violations.find((violation) => violation.property === 'windowed-output')?.message).toMatch(/^stop-with-savepoint --drain completed savepoint \d+ with \d+ event-time timer\(s\) still pending/);
  });
});
