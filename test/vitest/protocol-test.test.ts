import { describe, expect, it } from 'vitest';
import { findScenario } from '../../scenarios/index.js';
import type { Scenario } from '../../src/explore/scenario.js';
import { decodeReplayToken } from '../../src/explore/replay-token.js';
import { runCase } from '../../src/explore/run-case.js';
import { checkProtocolProperty, protocolPlans } from '../../src/vitest/index.js';
import { isOperation } from '../../src/faults/plan.js';
import fc from 'fast-check';

/** wordcount with a planted bug that loses records when a task crashes after a snapshot. */
function withPlantedBug(bug: string): Scenario {
  const scenario = findScenario('wordcount')!;
  return {
    ...scenario,
    build: (parameters, input) => {
      const setup = scenario.build(parameters, input);
      return { ...setup, cluster: { ...setup.cluster, plantedBugs: [bug] } };
    },
  };
}

describe('ckptsim/vitest', () => {
  it('passes the correct protocol', () => {
    const outcome = checkProtocolProperty('wordcount holds', { scenario: findScenario('wordcount')!, profile: 'crashes', properties: ['exactly-once'], runs: 4, seed: 3 });
    expect(outcome).toMatchObject({ passed: true, runs: 4 });
  });

  it('draws operations beside the faults when asked, and the protocol holds with them', () => {
    const scenario = findScenario('wordcount')!;
    const plans = fc.sample(protocolPlans({ scenario, profile: 'crashes', operations: 'many' }), { seed: 5, numRuns: 20 });
    expect(plans.some((plan) => plan.some((entry) => isOperation(entry)))).toBe(true);
    expect(fc.sample(protocolPlans({ scenario, profile: 'crashes' }), { seed: 5, numRuns: 20 }).flat().filter((entry) => isOperation(entry))).toEqual([]);
    expect(checkProtocolProperty('with operations', { scenario, profile: 'crashes', operations: 'some', runs: 4, seed: 5 })).toMatchObject({ passed: true });
  });

  it('runs every case with the given parameters and config, and its replay token carries them', () => {
    const outcome = checkProtocolProperty('small', {
      scenario: withPlantedBug('sink-commits-on-snapshot'),
      parameters: { lines: 200 },
      config: { checkpoint: { intervalUs: 5_000 } },
      profile: 'crashes',
      properties: ['exactly-once'],
      runs: 40,
      seed: 3,
    });
    if (outcome.passed) throw new Error('the planted bug was not caught');
    expect(decodeReplayToken(outcome.result.replay)).toMatchObject({ parameters: { lines: 200 }, config: { checkpoint: { intervalUs: 5_000 } } });
  });

  it('shrinks a planted bug to a plan and prints the plan and the replay command', () => {
    const outcome = checkProtocolProperty('sink survives crashes', { scenario: withPlantedBug('sink-commits-on-snapshot'), profile: 'crashes', properties: ['exactly-once'], runs: 40, seed: 3 });
    if (outcome.passed) throw new Error('the planted bug was not caught');
    expect(outcome.violations.map((violation) => violation.property)).toEqual(expect.arrayContaining(['exactly-once']));
    expect(outcome.message).toMatch(/^sink survives crashes: exactly-once violated in wordcount seed \d+/);
    expect(outcome.message).toContain(`plan: ${JSON.stringify(outcome.spec.faults)}`);
    expect(outcome.message).toContain(`replay: npx ckptsim replay ${outcome.result.replay}`);
    // Shrunk: a single fault is enough for this bug.
    expect(outcome.spec.faults?.length).toBe(1);
    // The command would replay the built-in wordcount, not this variant: the message says so.
    expect(outcome.message).toContain("runs the registered scenario 'wordcount', not this test's variant");
  });

  it('records the module the caller names in the replay token, so the command finds the scenario', () => {
    const outcome = checkProtocolProperty('planted', { scenario: withPlantedBug('sink-commits-on-snapshot'), module: './test/vitest/planted-module.ts', profile: 'crashes', properties: ['exactly-once'], runs: 40, seed: 3 });
    if (outcome.passed) throw new Error('the planted bug was not caught');
    expect(decodeReplayToken(outcome.result.replay).module?.path).toBe('test/vitest/planted-module.ts');
    expect(outcome.message).not.toContain('registered scenario');
  });

  it('matchers: toHoldProperty, toHoldAllProperties and toHaveVerdict, with the violation in the message', () => {
    const good = runCase(findScenario('wordcount')!, { scenario: 'wordcount', seed: 7 });
    expect(good).toHoldProperty('exactly-once');
    expect(good).toHoldAllProperties();
    expect(good).toHaveVerdict('pass');
    const bad = runCase(findScenario('wordcount')!, { scenario: 'wordcount', seed: 7, config: { plantedBugs: ['coordinator-completes-without-all-acks'] } });
    const violated = bad.violations[0]!;
    expect(bad).not.toHoldProperty(violated.property as 'exactly-once');
    expect(() => expect(bad).toHoldProperty(violated.property as 'exactly-once')).toThrow(`expected ${violated.property} to hold`);
    expect(() => expect(bad).toHoldAllProperties()).toThrow(violated.message);
    expect(() => expect(bad).toHaveVerdict('pass')).toThrow(/replay: npx ckptsim replay ckpt1\./);
    expect(() => expect({}).toHoldProperty('exactly-once')).toThrow(/expects a ckptsim CaseResult/);
  });
});
