import type { Scenario } from '../src/explore/scenario.js';
import { atLeastOnce } from './at-least-once.js';
import { diamond } from './diamond.js';
import { fileSink } from './file-sink.js';
import { alignedTimeout, fanInSkew, unaligned } from './fan-in.js';
import { runningSumScenario } from './running-sum.js';
import { savepointStop } from './savepoint-stop.js';
import { sinkV2 } from './sink-v2.js';
import { windowedSum } from './windowed-sum.js';
import { wordcount } from './wordcount.js';

/** Every built-in scenario, in the order `ckptsim list` shows them. */
export const scenarios: readonly Scenario[] = [wordcount, diamond, fanInSkew, unaligned, alignedTimeout, atLeastOnce, savepointStop, runningSumScenario, sinkV2, windowedSum, fileSink];

/** Looks a scenario up by name; undefined when there is none. */
export function findScenario(name: string): Scenario | undefined {
  return scenarios.find((scenario) => scenario.name === name);
}
