import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomStream, deriveStream } from '../../src/sim/random.js';
import { Simulation } from '../../src/sim/simulation.js';

function draws(stream: RandomStream, count: number): number[] {
  const result: number[] = [];
  for (let index = 0; index < count; index++) result.push(stream.uint32());
  return result;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

describe('RandomStream.int', () => {
  it('stays in [0, bound) and returns integers, for bounds on both sides of 2^32', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 1, max: 2 ** 32 }), fc.integer({ min: 2 ** 32 + 1, max: Number.MAX_SAFE_INTEGER })),
        fc.nat(),
        (bound, seed) => {
          const stream = deriveStream(seed, 'bounds');
          for (let drawIndex = 0; drawIndex < 50; drawIndex++) {
            const value = stream.int(bound);
            expect(Number.isInteger(value)).toBe(true);
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThan(bound);
          }
        },
      ),
      { seed: 0x5eed_0101, numRuns: 200 },
    );
  });

  it('reaches both ends of a small range and spreads draws evenly', () => {
    const stream = deriveStream(7, 'spread');
    const counts = new Array<number>(10).fill(0);
    for (let drawIndex = 0; drawIndex < 10_000; drawIndex++) {
      const value = stream.int(10);
      counts[value] = (counts[value] as number) + 1;
    }
    // Each bucket expects 1,000 with a standard deviation of 30: 850..1150 is five deviations.
    for (const count of counts) {
      expect(count).toBeGreaterThan(850);
      expect(count).toBeLessThan(1_150);
    }
    expect(deriveStream(7, 'one').int(1)).toBe(0);
  });

  it('rejects bounds that are not positive safe integers', () => {
    const stream = deriveStream(1, 'bad-bounds');
    for (const bound of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => stream.int(bound)).toThrow(RangeError);
    }
    expect(() => stream.int(0)).toThrow(/bad-bounds.*got 0/);
  });

  it('intBetween includes both ends and rejects an inverted range', () => {
    const stream = deriveStream(3, 'between');
    const seen = new Set<number>();
    for (let drawIndex = 0; drawIndex < 2_000; drawIndex++) {
      const value = stream.intBetween(-2, 2);
      expect(value).toBeGreaterThanOrEqual(-2);
      expect(value).toBeLessThanOrEqual(2);
      seen.add(value);
    }
    expect([...seen].sort((left, right) => left - right)).toEqual([-2, -1, 0, 1, 2]);
    expect(stream.intBetween(4, 4)).toBe(4);
    expect(() => stream.intBetween(5, 4)).toThrow(RangeError);
  });

  it('uint32 covers the whole unsigned range', () => {
    const stream = deriveStream(11, 'uint32');
    let sawHighBit = false;
    for (let drawIndex = 0; drawIndex < 1_000; drawIndex++) {
      const value = stream.uint32();
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(2 ** 32);
      if (value >= 2 ** 31) sawHighBit = true;
    }
    expect(sawHighBit).toBe(true);
  });
});

describe('RandomStream.chance', () => {
  it('is never true at 0/n and always true at n/n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.nat(), (denominator, seed) => {
        const stream = deriveStream(seed, 'chance');
        for (let drawIndex = 0; drawIndex < 100; drawIndex++) {
          expect(stream.chance(0, denominator)).toBe(false);
          expect(stream.chance(denominator, denominator)).toBe(true);
        }
      }),
      { seed: 0x5eed_0102, numRuns: 100 },
    );
  });

  it('is true about numerator/denominator of the time', () => {
    const stream = deriveStream(5, 'quarter');
    let trueCount = 0;
    for (let drawIndex = 0; drawIndex < 10_000; drawIndex++) if (stream.chance(1, 4)) trueCount++;
    // Expected 2,500 with a standard deviation of about 43.
    expect(trueCount).toBeGreaterThan(2_300);
    expect(trueCount).toBeLessThan(2_700);
  });

  it('rejects ratios outside [0, 1] and non-positive denominators', () => {
    const stream = deriveStream(1, 'bad-chance');
    expect(() => stream.chance(-1, 4)).toThrow(RangeError);
    expect(() => stream.chance(5, 4)).toThrow(RangeError);
    expect(() => stream.chance(0, 0)).toThrow(RangeError);
    expect(() => stream.chance(1, Number.NaN)).toThrow(RangeError);
  });
});

describe('RandomStream.pick and shuffle', () => {
  it('shuffle returns a permutation and leaves its input untouched', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 60 }), fc.nat(), (items, seed) => {
        const original = [...items];
        const shuffled = deriveStream(seed, 'shuffle').shuffle(items);
        expect(items).toEqual(original);
        expect(shuffled).not.toBe(items);
        const byValue = (left: number, right: number): number => left - right;
        expect([...shuffled].sort(byValue)).toEqual([...items].sort(byValue));
      }),
      { seed: 0x5eed_0103, numRuns: 200 },
    );
  });

  it('shuffle reaches every ordering of three items', () => {
    const stream = deriveStream(9, 'orderings');
    const orderings = new Set<string>();
    for (let drawIndex = 0; drawIndex < 600; drawIndex++) orderings.add(stream.shuffle(['a', 'b', 'c']).join(''));
    expect([...orderings].sort()).toEqual(['abc', 'acb', 'bac', 'bca', 'cab', 'cba']);
  });

  it('pick returns members only, reaches every member, and rejects an empty array', () => {
    const stream = deriveStream(13, 'pick');
    const items = ['source', 'map', 'window', 'sink'] as const;
    const picked = new Set<string>();
    for (let drawIndex = 0; drawIndex < 400; drawIndex++) {
      const choice = stream.pick(items);
      expect(items).toContain(choice);
      picked.add(choice);
    }
    expect(picked.size).toBe(items.length);
    expect(() => stream.pick([])).toThrow(RangeError);
  });
});

describe('RandomStream durations', () => {
  it('exponentialUs returns non-negative integers with the requested mean', () => {
    const stream = deriveStream(17, 'exponential');
    const samples: number[] = [];
    for (let drawIndex = 0; drawIndex < 10_000; drawIndex++) samples.push(stream.exponentialUs(1_000));
    for (const sample of samples) {
      expect(Number.isInteger(sample)).toBe(true);
      expect(sample).toBeGreaterThanOrEqual(0);
    }
    // The standard error of the mean is 1% here, so 5% is a five-deviation band.
    expect(mean(samples)).toBeGreaterThan(950);
    expect(mean(samples)).toBeLessThan(1_050);
    // The median of an exponential is mean * ln 2, about 693.
    expect(median(samples)).toBeGreaterThan(650);
    expect(median(samples)).toBeLessThan(740);
    expect(stream.exponentialUs(0)).toBe(0);
  });

  it('logNormalUs returns non-negative integers with the requested median', () => {
    const stream = deriveStream(19, 'log-normal');
    const samples: number[] = [];
    for (let drawIndex = 0; drawIndex < 10_000; drawIndex++) samples.push(stream.logNormalUs(2_000, 0.5));
    for (const sample of samples) {
      expect(Number.isInteger(sample)).toBe(true);
      expect(sample).toBeGreaterThanOrEqual(0);
    }
    // The sample median's standard error is about 0.6% here; 4% is a wide margin.
    expect(median(samples)).toBeGreaterThan(1_920);
    expect(median(samples)).toBeLessThan(2_080);
    // The mean of a log-normal is median * exp(sigma^2 / 2), about 2,266.
    expect(mean(samples)).toBeGreaterThan(2_180);
    expect(mean(samples)).toBeLessThan(2_350);
  });
});

describe('RandomStream state', () => {
  it('restore continues exactly the sequence the saved stream goes on to draw', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat({ max: 200 }), (seed, drawsBeforeSave) => {
        const stream = deriveStream(seed, 'saved');
        draws(stream, drawsBeforeSave);
        const saved = stream.saveState();
        const restored = RandomStream.restore(saved);
        const continuation = draws(stream, 100);
        expect(draws(restored, 100)).toEqual(continuation);
        expect(restored.name).toBe('saved');
        // The saved state is a snapshot: later draws must not have moved it.
        expect(draws(RandomStream.restore(saved), 100)).toEqual(continuation);
        // It survives a trip through JSON, as it does in a replay file.
        expect(draws(RandomStream.restore(JSON.parse(JSON.stringify(saved))), 100)).toEqual(continuation);
      }),
      { seed: 0x5eed_0104, numRuns: 50 },
    );
  });
});

describe('stream derivation', () => {
  it('gives the same draws for the same (seed, name) and different draws otherwise', () => {
    expect(draws(deriveStream(42, 'network'), 20)).toEqual(draws(deriveStream(42, 'network'), 20));
    expect(draws(deriveStream(42, 'network'), 20)).not.toEqual(draws(deriveStream(42, 'storage'), 20));
    expect(draws(deriveStream(42, 'network'), 20)).not.toEqual(draws(deriveStream(43, 'network'), 20));
    expect(draws(new Simulation({ seed: 42 }).random('network'), 20)).toEqual(draws(deriveStream(42, 'network'), 20));
  });

  it('keeps a stream independent of other streams created and drawn from in between', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat({ max: 100 }), fc.nat({ max: 500 }), (seed, splitAt, otherDraws) => {
        const alone = draws(deriveStream(seed, 'a'), 100);

        const first = deriveStream(seed, 'a');
        const interleaved = draws(first, splitAt);
        draws(deriveStream(seed, 'b'), otherDraws);
        interleaved.push(...draws(first, 100 - splitAt));
        expect(interleaved).toEqual(alone);

        const simulation = new Simulation({ seed });
        const viaSimulation = draws(simulation.random('a'), splitAt);
        draws(simulation.random('b'), otherDraws);
        viaSimulation.push(...draws(simulation.random('a'), 100 - splitAt));
        expect(viaSimulation).toEqual(alone);
      }),
      { seed: 0x5eed_0105, numRuns: 100 },
    );
  });

  it('Simulation.random returns the one stream per name, so draws continue rather than restart', () => {
    const simulation = new Simulation({ seed: 8 });
    expect(simulation.random('clock')).toBe(simulation.random('clock'));
    const firstDraw = simulation.random('clock').uint32();
    expect(simulation.random('clock').uint32()).not.toBe(firstDraw);
  });
});
