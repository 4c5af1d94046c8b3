import { describe, expect, it } from 'vitest';
import { consultedBugsOf } from '../../src/cluster/planted-bug-reach.js';
import { bugOn, plantedBugNames, type PlantedBug } from '../../src/cluster/planted-bugs.js';
import { defaultMutantSweep, knownPassingCases, mutantCase, runMutant, type SweptCase } from '../../src/explore/mutants.js';
import { lookupScenario } from '../../src/explore/scenario-registry.js';
import { runSweepCase } from '../../src/explore/sweep-case.js';
import { SweptCases } from '../../src/explore/swept-cases.js';
import { SweepPlan } from '../../src/explore/sweep.js';

describe('planted-bug reach', () => {
  it('names, sorted, the bugs whose switch a run consulted, on or off, and only inside the run', () => {
    bugOn([], 'sink-commits-on-snapshot');
    const { result, consulted } = consultedBugsOf(() => {
      bugOn([], 'source-offset-after-emit');
      bugOn(['coordinator-never-expires'], 'coordinator-never-expires');
      bugOn([], 'source-offset-after-emit');
      return 7;
    });
    expect(result).toBe(7);
    expect(consulted).toEqual(['coordinator-never-expires', 'source-offset-after-emit']);
    expect(consultedBugsOf(() => undefined).consulted).toEqual([]);
    expect(() => consultedBugsOf(() => { throw new Error('boom'); })).toThrow('boom');
    expect(consultedBugsOf(() => bugOn([], 'sink-commits-on-snapshot')).consulted).toEqual(['sink-commits-on-snapshot']);
  });

  // The premise of skipping: the switch is the only way a planted bug changes a run.
  it('a default-sweep case runs the same with any bug its run did not consult switched on; a consulted bug can change it', () => {
    const sweep = defaultMutantSweep(350);
    const sweepCase = mutantCase(sweep, 'sink-commits-on-snapshot', 0);
    const { plantedBugs: _bugs, ...config } = sweepCase.config ?? {};
    const plainCase = { ...sweepCase, config };
    const scenario = lookupScenario(sweepCase.scenario);
    if (scenario === undefined) throw new Error(`no scenario ${sweepCase.scenario}`);
    const plain = runSweepCase(scenario, { ...plainCase, recordConsultedBugs: true }, undefined, { checkDeterminism: false });
    const consulted = plain.consultedBugs ?? [];
    expect(consulted.length).toBeGreaterThan(0);
    const unreached = plantedBugNames.filter((bug) => !consulted.includes(bug));
    expect(unreached.length).toBeGreaterThan(10);
    for (const bug of unreached.filter((_, index) => index % 3 === 0)) {
      const withBug = runSweepCase(scenario, { ...plainCase, config: { ...config, plantedBugs: [bug] } }, undefined, { checkDeterminism: false });
      expect({ bug, traceHash: withBug.traceHash, verdict: withBug.verdict }).toEqual({ bug, traceHash: plain.traceHash, verdict: plain.verdict });
    }
    // Negative control: a bug the run consulted and the matrix catches at this very case.
    expect(consulted).toContain('coordinator-completes-without-all-acks');
    const caught = runSweepCase(scenario, { ...plainCase, config: { ...config, plantedBugs: ['coordinator-completes-without-all-acks'] } }, 0, { checkDeterminism: false });
    expect(caught.traceHash).not.toBe(plain.traceHash);
    expect(caught.verdict).toBe('fail');
  }, 60_000);

  it('answers from the sweep only the attempts whose case passed without consulting the bug, and the same case seed', () => {
    const sweep = defaultMutantSweep(6, 1, 300);
    const bug: PlantedBug = 'sink-commits-on-snapshot';
    const swept = new Map<number, SweptCase>();
    const seedOf = (attempt: number) => mutantCase(sweep, bug, attempt).caseSeed;
    swept.set(0, { caseSeed: seedOf(0), failed: false, consultedBugs: ['coordinator-never-expires'] });
    swept.set(1, { caseSeed: seedOf(1), failed: false, consultedBugs: [bug] });
    swept.set(2, { caseSeed: seedOf(2), failed: true, consultedBugs: [] });
    swept.set(3, { caseSeed: seedOf(3) + 1, failed: false, consultedBugs: [] });
    swept.set(4, { caseSeed: seedOf(4), failed: false, consultedBugs: undefined });
    swept.set(5, { caseSeed: seedOf(5), failed: false, consultedBugs: [] });
    const lookup = (scenario: string, index: number) => swept.get(index * sweep.scenarios.length + sweep.scenarios.indexOf(scenario));
    expect([...knownPassingCases(sweep, bug, lookup)]).toEqual([0, 5]);
    expect([...knownPassingCases({ ...sweep, strategy: { name: 'coverage' } }, bug, lookup)]).toEqual([]);
  });

  it('a sweep marks the cases the matrix reaches, keeps what they tell it and hands the result on without it', () => {
    const plan = new SweepPlan(['wordcount', 'diamond'], 5, 1, 'swarm');
    const swept = new SweptCases(2);
    const marked = swept.marking(plan);
    expect(marked.length).toBe(plan.length);
    expect([0, 1, 2, 5, 6, 7].map((position) => marked.at(position)?.recordConsultedBugs === true)).toEqual([true, true, false, true, true, false]);
    const base = { index: 1, scenario: 'diamond', caseSeed: 9, verdict: 'pass' as const };
    const result = swept.take({ ...base, consultedBugs: ['x'] } as never);
    expect('consultedBugs' in result).toBe(false);
    expect(swept.lookup('diamond', 1)).toEqual({ caseSeed: 9, failed: false, consultedBugs: ['x'] });
    swept.take({ ...base, index: 0, verdict: 'nondeterministic', consultedBugs: [] } as never);
    expect(swept.lookup('diamond', 0)?.failed).toBe(true);
    expect(swept.lookup('wordcount', 1)).toBeUndefined();
    expect(new SweptCases(0).marking(plan)).toBe(plan);
  });

  it('a search with attempts answered from the sweep gives the same row as one that runs them', () => {
    const sweep = defaultMutantSweep(12);
    const bug: PlantedBug = 'shared-state-registered-after-store-add';
    const ran = runMutant(bug, sweep);
    expect(ran.killed).toBe(true);
    const answered = runMutant(bug, sweep, undefined, new Set(Array.from({ length: ran.casesToDetection - 1 }, (_, attempt) => attempt)));
    expect(answered).toEqual(ran);
  }, 60_000);
});
