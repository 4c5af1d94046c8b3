import seedrandom from 'seedrandom';

/**
 * A saved xor4096 generator state, spelt out here (the same shape as seedrandom's
 * `State.Xor4096`) so that the package's declarations do not ask users for @types/seedrandom.
 */
export interface GeneratorState {
  readonly i: number;
  readonly w: number;
  readonly X: readonly number[];
}

/** The saved state of a {@link RandomStream}, as returned by {@link RandomStream.saveState}. */
export interface RandomStreamState {
  readonly name: string;
  readonly generator: GeneratorState;
}

const UINT32_RANGE = 4294967296;

/**
 * One named stream of seeded randomness, with an integer-first API.
 *
 * Backed by seedrandom's xor4096 (passes BigCrush, about 2 ns a draw; never the slow ARC4
 * default). Probabilities are ratios of integers (`chance(1, 20)`), never floats compared to a
 * draw, so that a case is reproduced exactly from its seed on any machine.
 */
export class RandomStream {
  readonly name: string;
  private readonly generator: seedrandom.StatefulPRNG<seedrandom.State.Xor4096>;

  /**
   * @param name - the stream's name, part of its derivation and of error messages.
   * @param seed - the full derivation string; use {@link deriveStream} rather than calling this directly.
   * @param state - a state saved with {@link RandomStream.saveState}; when given, `seed` is ignored.
   */
  constructor(name: string, seed: string, state?: GeneratorState) {
    this.name = name;
    this.generator =
      state === undefined
        ? seedrandom.xor4096(seed, { state: true })
        : seedrandom.xor4096('', { state: state as seedrandom.State.Xor4096 });
  }

  /** A uniform integer in [0, 2^32). */
  uint32(): number {
    return this.generator.int32() >>> 0;
  }

  /** A uniform integer in [0, bound), without modulo bias. `bound` must be a positive safe integer. */
  int(bound: number): number {
    if (!Number.isSafeInteger(bound) || bound <= 0) {
      throw new RangeError(`RandomStream(${this.name}).int: bound must be a positive integer, got ${bound}`);
    }
    if (bound <= UINT32_RANGE) {
      // Rejection sampling: discard the top partial block so every residue is equally likely.
      const limit = UINT32_RANGE - (UINT32_RANGE % bound);
      for (;;) {
        const draw = this.uint32();
        if (draw < limit) return draw % bound;
      }
    }
    return Math.floor(this.generator.double() * bound);
  }

  /** A uniform integer in [low, high], both inclusive. */
  intBetween(low: number, high: number): number {
    if (high < low) {
      throw new RangeError(`RandomStream(${this.name}).intBetween: high ${high} is below low ${low}`);
    }
    return low + this.int(high - low + 1);
  }

  /** True with probability numerator / denominator. */
  chance(numerator: number, denominator: number): boolean {
    if (!(denominator > 0) || numerator < 0 || numerator > denominator) {
      throw new RangeError(
        `RandomStream(${this.name}).chance: need 0 <= numerator <= denominator, got ${numerator}/${denominator}`,
      );
    }
    if (numerator === 0) return false;
    if (numerator === denominator) return true;
    return this.int(denominator) < numerator;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError(`RandomStream(${this.name}).pick: empty array`);
    return items[this.int(items.length)] as T;
  }

  /** A shuffled copy of `items` (Fisher-Yates); the input is left untouched. */
  shuffle<T>(items: readonly T[]): T[] {
    const result = items.slice();
    for (let index = result.length - 1; index > 0; index--) {
      const other = this.int(index + 1);
      const held = result[index] as T;
      result[index] = result[other] as T;
      result[other] = held;
    }
    return result;
  }

  /** A uniform double in [0, 1); for distribution shapes only, never for decisions. */
  fraction(): number {
    return this.generator.double();
  }

  /** An exponentially distributed duration with the given mean, in whole microseconds (>= 0). */
  exponentialUs(meanUs: number): number {
    const uniform = 1 - this.generator.double(); // in (0, 1]
    return Math.round(-Math.log(uniform) * meanUs);
  }

  /**
   * A log-normally distributed duration in whole microseconds: the median is `medianUs`, and
   * `sigma` (the standard deviation of the underlying normal) sets the tail; 0.5 is a mild tail.
   */
  logNormalUs(medianUs: number, sigma: number): number {
    // Box-Muller; one of the two normals is discarded to keep the stream's consumption fixed.
    const u1 = 1 - this.generator.double();
    const u2 = this.generator.double();
    const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return Math.max(0, Math.round(medianUs * Math.exp(sigma * normal)));
  }

  /** The stream's full state; {@link RandomStream.restore} continues exactly where this left off. */
  saveState(): RandomStreamState {
    return { name: this.name, generator: this.generator.state() };
  }

  /** Rebuilds a stream from a saved state. */
  static restore(saved: RandomStreamState): RandomStream {
    return new RandomStream(saved.name, '', saved.generator);
  }
}

/**
 * The stream named `name` under `rootSeed`. Each (root seed, name) pair has its own generator,
 * so a new consumer of randomness never shifts the draws of an existing one.
 */
export function deriveStream(rootSeed: number | string, name: string): RandomStream {
  return new RandomStream(name, `ckptsim/${String(rootSeed)}/${name}`);
}
