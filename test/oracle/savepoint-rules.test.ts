import { describe, expect, it } from 'vitest';
import type { FaultPlan } from '../../src/faults/plan.js';
import { runCase } from '../../src/explore/run-case.js';
import { findScenario } from '../../scenarios/index.js';

/**
 * coordinator-invariants' savepoint rules on a real run: with unaligned checkpoints on, Flink 1.20
 * enqueues a savepoint like a checkpoint (FLINK-17342), so forcing it past max concurrent is caught.
 */
describe('savepoint concurrency rules of coordinator-invariants', () => {
  const savepoints: FaultPlan = [
    { kind: 'savepoint', when: { onStep: 'coordinator.checkpoint-triggered', occurrence: 2 } },
    { kind: 'savepoint', when: { onStep: 'coordinator.checkpoint-triggered', occurrence: 4 } },
  ];
  const run = (plantedBugs: string[]) => runCase(findScenario('unaligned')!, { scenario: 'unaligned', seed: 1, faults: savepoints, config: { plantedBugs } });

  it('hold for savepoints taken beside unaligned checkpoints', () => {
    expect(run([]).violations).toEqual([]);
  });

  it('kill the planted FLINK-17342 bug: a savepoint forced past max concurrent with unaligned checkpoints on', () => {
    const violation = run(['savepoint-forced-in-unaligned-mode']).violations.find((found) => found.property === 'coordinator-invariants');
    expect(violation?.message).toBe('savepoint 3 was triggered while 1 checkpoint(s) [2] were pending (max concurrent 1)');
  });
});
