import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findScenario } from '../../scenarios/index.js';
import { runCase } from '../../src/explore/run-case.js';
import { entryDefinitions } from '../../src/faults/plan-definitions.js';
import { faultKinds, operationKinds, parseFaultPlan } from '../../src/faults/plan.js';
import { referenceExampleScenario, renderFaultPlanReference } from '../../src/faults/plan-reference.js';

describe('docs/fault-plans.md', () => {
  it('is what the validator definitions give (run npm run docs:fault-plans after changing them)', () => {
    const committed = readFileSync(new URL('../../docs/fault-plans.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderFaultPlanReference());
  });

  it('documents every fault kind and every operation the validator accepts', () => {
    const text = renderFaultPlanReference();
    for (const kind of [...faultKinds, ...operationKinds]) expect(text).toContain(`### \`${kind}\``);
    expect(new Set(entryDefinitions.map((definition) => definition.kind))).toEqual(new Set([...faultKinds, ...operationKinds]));
  });

  it.each(entryDefinitions.map((definition) => [definition.kind, definition.example] as const))('has a working example of %s: it validates, fires, and the correct protocol passes', (kind, example) => {
    const scenario = findScenario(referenceExampleScenario);
    if (scenario === undefined) throw new Error('no example scenario');
    expect(parseFaultPlan([example])).toEqual([example]);
    const result = runCase(scenario, { scenario: scenario.name, seed: 1, faults: [example] });
    expect(result.faults.map((fired) => fired.kind)).toContain(kind);
    expect(result.verdict).not.toBe('fail');
  });
});
