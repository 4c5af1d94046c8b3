import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findScenario } from '../../scenarios/index.js';
import { checkpointProtocolRpcs, depthConfigArbitrary, depthDrawArbitrary, flinkDefaultCheckpointTimeoutUs, inputSizeArbitrary, withRpcDetours } from '../../src/explore/config-arbitraries.js';
import { caseSeedFor } from '../../src/explore/sweep-case.js';
import { caseLimitsFor, runCase } from '../../src/explore/run-case.js';

type Drawn = { checkpoint: Record<string, unknown> };

describe('what the default sweep draws besides faults', () => {
  const draws = fc.sample(depthConfigArbitrary(), { numRuns: 600, seed: 7 }) as Drawn[];
  const values = (key: string) => new Set(draws.map((draw) => draw.checkpoint[key]));

  it('retained and max concurrent checkpoints take every value 1 to 3', () => {
    expect([...values('retainedCheckpoints')].sort()).toEqual([1, 2, 3]);
    expect([...values('maxConcurrentCheckpoints')].sort()).toEqual([1, 2, 3]);
  });

  it('timeouts span short settings up to Flink\'s 10-minute default, which is drawn often', () => {
    const timeouts = draws.map((draw) => draw.checkpoint['timeoutUs'] as number);
    expect(Math.min(...timeouts)).toBeLessThan(5_000_000);
    expect(Math.max(...timeouts)).toBe(flinkDefaultCheckpointTimeoutUs);
    expect(timeouts.filter((timeout) => timeout === flinkDefaultCheckpointTimeoutUs).length).toBeGreaterThan(draws.length / 5);
  });

  it('both checkpointing modes, and unaligned checkpoints only in exactly-once mode', () => {
    expect(values('mode')).toEqual(new Set([undefined, 'EXACTLY_ONCE', 'AT_LEAST_ONCE']));
    const unaligned = draws.filter((draw) => draw.checkpoint['unaligned'] === true);
    expect(unaligned.length).toBeGreaterThan(draws.length / 8);
    expect(unaligned.every((draw) => draw.checkpoint['mode'] !== 'AT_LEAST_ONCE')).toBe(true);
  });

  it('intervals from 1.5 to 8 ms; the input from 1x to 2.5x the scenario\'s own size', () => {
    const intervals = draws.map((draw) => draw.checkpoint['intervalUs'] as number);
    expect(Math.min(...intervals)).toBeGreaterThanOrEqual(1_500);
    expect(Math.max(...intervals)).toBeLessThanOrEqual(8_000);
    const wordcount = findScenario('wordcount')!;
    const own = wordcount.defaults['lines'] as number;
    const lines = new Set(fc.sample(inputSizeArbitrary(wordcount), { numRuns: 200, seed: 3 }).map((parameters) => parameters['lines']));
    expect(lines).toEqual(new Set([own, Math.round(own * 1.5), own * 2, Math.round(own * 2.5)]));
  });

  it('shrinks to the scenario as written: input 1x, its own interval, one retained and one concurrent checkpoint, the 10-minute timeout', () => {
    const wordcount = findScenario('wordcount')!;
    let smallest: unknown;
    try {
      fc.assert(fc.property(depthDrawArbitrary(wordcount), (draw) => { smallest = draw; return false; }), { seed: 11, numRuns: 1 });
    } catch {
      // The property fails on purpose: fast-check shrinks to the smallest draw, left in `smallest`.
    }
    expect(smallest).toEqual({ parameters: { lines: wordcount.defaults['lines'] }, config: { checkpoint: { intervalUs: 7_000, retainedCheckpoints: 1, maxConcurrentCheckpoints: 1, timeoutUs: flinkDefaultCheckpointTimeoutUs } } });
  });
});

describe('RPC detours in the default sweep', () => {
  it('hold checkpoint-protocol messages back in about one case of three, by up to four of its checkpoint intervals, and leave the other draws as they are', () => {
    const draw = { parameters: { lines: 600 }, config: { checkpoint: { intervalUs: 5_000, maxConcurrentCheckpoints: 2 } } };
    const cases = Array.from({ length: 300 }, (_, index) => withRpcDetours(draw, caseSeedFor(1, 'wordcount', index), {}));
    const detoured = cases.filter((drawn) => drawn.config['rpcDetours'] !== undefined);
    expect(detoured.length).toBeGreaterThan(70);
    expect(detoured.length).toBeLessThan(130);
    expect(detoured[0]?.config).toEqual({ ...draw.config, rpcDetours: { methods: [...checkpointProtocolRpcs], numerator: 1, denominator: 8, maxExtraUs: 20_000 } });
    for (const drawn of cases) expect({ ...drawn, config: { ...drawn.config, rpcDetours: undefined } }).toEqual({ ...draw, config: { ...draw.config, rpcDetours: undefined } });
    expect(withRpcDetours(draw, undefined, {})).toBe(draw);
  });

  it('with concurrent checkpoints, bring a trigger to its source after the next checkpoint\'s, which the task ignores (FLINK-17869), and the case passes', () => {
    const spec = {
      scenario: 'wordcount',
      seed: 5,
      config: { checkpoint: { intervalUs: 2_000, maxConcurrentCheckpoints: 3 }, rpcDetours: { methods: ['triggerCheckpoint'], numerator: 1, denominator: 3, maxExtraUs: 8_000 } },
    };
    const taken = new Map<string, number>();
    let outOfOrder = 0;
    const result = runCase(findScenario('wordcount')!, spec, {
      observers: [
        (observation) => {
          const key = 'task' in observation ? `${observation.task}@${'attempt' in observation ? observation.attempt : ''}` : '';
          if (observation.type === 'snapshot-taken') taken.set(key, Math.max(taken.get(key) ?? 0, observation.checkpointId));
          if (observation.type === 'checkpoint-trigger-received' && (taken.get(key) ?? 0) > observation.checkpointId) outOfOrder++;
        },
      ],
    });
    expect(outOfOrder).toBeGreaterThan(0);
    expect(result.verdict).toBe('pass');
    expect(runCase(findScenario('wordcount')!, { ...spec, config: { ...spec.config, plantedBugs: ['task-snapshots-out-of-order-checkpoint'] } }).violations[0]?.property).toBe('notification-order');
  }, 30_000);
});

describe('run bounds with long checkpoint timeouts', () => {
  it('leave one timeout per possible hang, and room for the periodic trigger firing all along', () => {
    const limits = caseLimitsFor({ timeoutUs: flinkDefaultCheckpointTimeoutUs, intervalUs: 2_000 }, [{ kind: 'rpc', action: 'drop', method: 'acknowledgeCheckpoint', count: 2, delayUs: 0, when: { atUs: 1 } }]);
    expect(limits.deadlineUs).toBeGreaterThan(3 * flinkDefaultCheckpointTimeoutUs);
    expect(limits.maxEvents).toBeGreaterThan((3 * flinkDefaultCheckpointTimeoutUs) / 2_000);
  });

  it('a checkpoint whose acknowledgement is lost hangs until the 10-minute timeout expires it, and the case still ends judged (the job finishes)', () => {
    const result = runCase(findScenario('wordcount')!, {
      scenario: 'wordcount',
      seed: 3,
      faults: [{ kind: 'rpc', action: 'drop', method: 'acknowledgeCheckpoint', count: 1, delayUs: 0, when: { atUs: 60_000 } }],
      config: { checkpoint: { intervalUs: 7_000, timeoutUs: flinkDefaultCheckpointTimeoutUs } },
    });
    expect(result.stats.virtualTimeUs).toBeGreaterThan(flinkDefaultCheckpointTimeoutUs);
    expect(result.jobStatus).toBe('FINISHED');
    expect(result.verdict).toBe('pass');
  }, 60_000);
});
