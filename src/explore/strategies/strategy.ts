import type { PctOptions } from '../../sim/index.js';
import { UsageError } from '../scenario.js';

/**
 * The exploration strategies of a sweep and of the kill matrix (`--strategy`):
 *
 * - `random`: every case drawn afresh from its case seed (the default; what every sweep did
 *   before strategies existed, bit for bit).
 * - `coverage`: a corpus of the cases that reached new coverage (step × fault pairs or abstract
 *   protocol states); most new cases are mutations of corpus entries, the rest fresh draws
 *   (coverage-corpus.ts, mutations.ts).
 * - `pct`: the random cases, each run with PCT scheduling of the events enabled together
 *   (sim/pct-scheduler.ts), with d − 1 priority change points.
 */
export const strategyNames = ['random', 'coverage', 'pct'] as const;

/** One of {@link strategyNames}. */
export type StrategyName = (typeof strategyNames)[number];

/** A strategy and its settings, as plain data (sent to worker threads, written in results.json). */
export interface StrategySettings {
  readonly name: StrategyName;
  /** For `pct`: the scheduler's settings, the same for every case (each case's seed draws its priorities). */
  readonly pct?: PctOptions;
  /** For `coverage`: cases per round; a round's cases are made from the corpus as it stood when the round began. */
  readonly roundSize?: number;
}

/**
 * PCT's defaults. Depth 2 (one change point) and k = 500: a fault-free case of the built-in
 * scenarios makes 10 to 250 decisions between 3 or 4 lanes with a window of 0, a faulted one up
 * to about 450 between up to 5. A window of 0 reorders only events due at the same microsecond,
 * so no event runs late: a wider window delays events (by up to the window per hop of a chain of
 * messages) and can expire a checkpoint that no fault explains, which explained-failures then
 * reports (seen with 500 us on the unaligned scenario).
 */
export const defaultPctOptions: PctOptions = { depth: 2, windowUs: 0, steps: 500 };

/** Cases per round of the coverage strategy. */
export const defaultRoundSize = 8;

/** The settings of a strategy named on the command line, with its defaults and the given PCT options. */
export function strategySettings(name: string | undefined, pct: Partial<PctOptions> = {}): StrategySettings {
  const chosen = name ?? 'random';
  if (!(strategyNames as readonly string[]).includes(chosen)) throw new UsageError(`--strategy must be one of ${strategyNames.join(', ')}, got '${chosen}'`);
  const strategy = chosen as StrategyName;
  if (strategy !== 'pct' && Object.keys(pct).length > 0) throw new UsageError(`--pct-${Object.keys(pct)[0] === 'windowUs' ? 'window-us' : Object.keys(pct)[0]} applies only to --strategy pct`);
  if (strategy === 'pct') return { name: strategy, pct: { ...defaultPctOptions, ...pct } };
  if (strategy === 'coverage') return { name: strategy, roundSize: defaultRoundSize };
  return { name: strategy };
}

/**
 * PCT's lower bound on the chance that one case finds a given ordering bug of depth `depth`,
 * when the run has at most `lanes` lanes and `steps` decisions: 1/(n·k^(d−1)).
 */
export function pctProbabilityBound(lanes: number, steps: number, depth: number): number {
  return 1 / (Math.max(1, lanes) * Math.max(1, steps) ** (depth - 1));
}
