import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configArbitrary } from '../../src/explore/arbitraries.js';
import { validateConfigOverrides } from '../../src/explore/config-overrides.js';
import { UsageError } from '../../src/explore/scenario.js';

describe('config overrides (replay tokens, --vary)', () => {
  it('accept every configuration --vary draws, and the settings a token may carry', () => {
    fc.assert(fc.property(configArbitrary(), (config) => void validateConfigOverrides(config)), { numRuns: 300 });
    const valid = {
      executors: 3,
      failoverStrategy: 'full',
      highAvailability: false,
      restartStrategy: { kind: 'none' },
      checkpoint: { intervalUs: 0, unaligned: true, mode: 'AT_LEAST_ONCE' },
      rpcDetours: { methods: ['triggerCheckpoint', 'acknowledgeCheckpoint'], numerator: 1, denominator: 8, maxExtraUs: 28_000 },
    };
    expect(validateConfigOverrides(valid)).toEqual(valid);
  });

  it('reject each malformed setting with one sentence naming it', () => {
    const cases: Array<[unknown, string]> = [
      [[], 'config overrides must be a JSON object'],
      [{ parallelism: 2 }, 'config.parallelism is not a setting a case can override'],
      [{ executors: 0 }, 'config.executors must be a positive integer, got 0'],
      [{ checkpoint: { intervalUs: -1 } }, 'config.checkpoint.intervalUs must be a non-negative integer, got -1'],
      [{ checkpoint: { timeoutUs: 0 } }, 'config.checkpoint.timeoutUs must be a positive integer, got 0'],
      [{ checkpoint: { maxConcurrentCheckpoints: 0 } }, 'config.checkpoint.maxConcurrentCheckpoints must be a positive integer, got 0'],
      [{ checkpoint: { unaligned: 'yes' } }, 'config.checkpoint.unaligned must be a boolean, got "yes"'],
      [{ checkpoint: { mode: 'ONCE' } }, 'config.checkpoint.mode must be EXACTLY_ONCE or AT_LEAST_ONCE, got "ONCE"'],
      [{ failoverStrategy: 'bogus' }, 'config.failoverStrategy must be region or full, got "bogus"'],
      [{ highAvailability: 'yes' }, 'config.highAvailability must be true or false, got "yes"'],
      [{ restartStrategy: 'x' }, 'config.restartStrategy must be an object, got "x"'],
      [{ restartStrategy: { kind: 'nope' } }, 'config.restartStrategy.kind must be one of none, fixed-delay, exponential-delay, got "nope"'],
      [{ restartStrategy: { kind: 'fixed-delay', attempts: 3 } }, 'config.restartStrategy.delayUs is missing: the fixed-delay strategy needs attempts, delayUs'],
      [{ restartStrategy: { kind: 'fixed-delay', attempts: -1, delayUs: 5 } }, 'config.restartStrategy.attempts must be a non-negative integer, got -1'],
      [{ restartStrategy: { kind: 'none', attempts: 2 } }, 'config.restartStrategy.attempts is not a setting of the none strategy (its settings: none)'],
      [
        { restartStrategy: { kind: 'exponential-delay', initialBackoffUs: 1, maxBackoffUs: 9, multiplier: 0.5, resetBackoffThresholdUs: 9, attempts: 3 } },
        'config.restartStrategy.multiplier must be a number of at least 1, got 0.5',
      ],
      [{ plantedBugs: ['no-such-bug'] }, 'config.plantedBugs names an unknown planted bug "no-such-bug"'],
      [{ rpcDetours: { methods: ['triggerCheckpoint'], numerator: 2, denominator: 1, maxExtraUs: 5 } }, 'config.rpcDetours must have 0 <= numerator <= denominator and denominator >= 1, got 2/1'],
      [{ rpcDetours: { methods: ['gossip'], numerator: 1, denominator: 8, maxExtraUs: 5 } }, 'config.rpcDetours.methods must be a list of RPC methods'],
      [{ rpcDetours: { methods: [], numerator: 1, denominator: 8, maxExtraUs: -5 } }, 'config.rpcDetours.maxExtraUs must be a non-negative integer, got -5'],
      [{ rpcDetours: { methods: [], numerator: 1, denominator: 8, maxExtraUs: 5, lanes: 4 } }, 'config.rpcDetours.lanes is not a setting of RPC detours'],
    ];
    for (const [config, message] of cases) {
      expect(() => validateConfigOverrides(config), JSON.stringify(config)).toThrow(UsageError);
      expect(() => validateConfigOverrides(config), JSON.stringify(config)).toThrow(message);
    }
  });
});
