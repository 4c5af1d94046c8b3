import type { PctOptions } from '../sim/index.js';
import { strategySettings, type StrategySettings } from '../explore/strategies/strategy.js';
import { integerOption } from './arguments.js';

/** `--strategy` and its PCT options (`--pct-depth`, `--pct-window-us`, `--pct-steps`). */
export function strategyOption(values: Readonly<Record<string, string | boolean | undefined>>): StrategySettings {
  const pct: Partial<PctOptions> = {
    ...(values['pct-depth'] === undefined ? {} : { depth: integerOption('pct-depth', values['pct-depth'], 2, 8, 1) }),
    ...(values['pct-window-us'] === undefined ? {} : { windowUs: integerOption('pct-window-us', values['pct-window-us'], 0, 1_000_000, 0) }),
    ...(values['pct-steps'] === undefined ? {} : { steps: integerOption('pct-steps', values['pct-steps'], 500, 10_000_000, 1) }),
  };
  return strategySettings(values['strategy'] as string | undefined, pct);
}
