import fc from 'fast-check';
import { deriveStream } from '../../sim/index.js';
import type { PlanEntry } from '../../faults/plan.js';
import { decodeReplayToken, type CaseSpec } from '../replay-token.js';
import type { Scenario } from '../scenario.js';
import { drawnCaseArbitrary, type SweepCase, type SweepCaseResult } from '../sweep-case.js';
import { mutateCase } from './mutations.js';

/**
 * The coverage strategy's corpus: per scenario, the cases that reached coverage no earlier case
 * of that scenario had (a step × fault pair or an abstract protocol state), as whole cases.
 *
 * Cases are made in rounds of `roundSize` positions. A round's cases are made from the corpus as
 * it stood when the round began; the corpus takes the round's results at its end, in position
 * order. So every case is a function of the sweep's seed and the results of earlier rounds,
 * never of which worker finished first: the same cases, and results, for any worker count. (A
 * worker that asks for a case of the next round waits until the round is complete; see
 * {@link CoverageCorpus.ready}.) Each shard evolves its own corpus from its own positions.
 *
 * From round 1 on, three cases in four mutate an entry of their scenario's corpus (mutations.ts),
 * the fourth is a fresh draw; round 0, and a scenario with an empty corpus, draw afresh.
 */
export class CoverageCorpus {
  private readonly entries = new Map<string, Array<{ readonly spec: CaseSpec; readonly label: string }>>();
  private readonly seen = new Map<string, Set<string>>();
  private readonly round: Array<{ readonly position: number; readonly result: SweepCaseResult }> = [];
  /** Positions below this one are in the corpus (their rounds are complete). */
  private appliedThrough = 0;

  constructor(
    private readonly roundSize: number,
    private readonly lookup: (name: string) => Scenario | undefined,
    /** Most entries kept per scenario; past it the oldest goes (a bound on memory and on mutation choice). */
    private readonly maxEntries = 256,
  ) {}

  /** Entries in the corpus, all scenarios. */
  get size(): number {
    let total = 0;
    for (const list of this.entries.values()) total += list.length;
    return total;
  }

  /** True when the case at `position` can be made: every round before its own is in the corpus. */
  ready(position: number): boolean {
    return this.appliedThrough >= position - (position % this.roundSize);
  }

  /** Adds a case kept from an earlier sweep (`--corpus DIR`) with what it covered, as round 0 would. */
  seed(spec: CaseSpec, coverage: SweepCaseResult['coverage'], label: string): void {
    this.consider(spec.scenario, spec, coverage, label);
  }

  /**
   * The case at `position`, given `fresh`, the case the random strategy runs there: that case
   * itself (its replay token kept for the corpus), or a mutation of a corpus entry of its
   * scenario, given whole.
   */
  caseFor(position: number, fresh: SweepCase): SweepCase {
    if (!this.ready(position)) throw new Error(`coverage corpus: case ${position} asked for before its round could begin`);
    const pool = this.entries.get(fresh.scenario) ?? [];
    const random = deriveStream(fresh.caseSeed, 'strategy.coverage');
    if (pool.length === 0 || random.chance(1, 4)) return { ...fresh, keepReplay: true };
    const scenario = this.lookup(fresh.scenario);
    if (scenario === undefined) return { ...fresh, keepReplay: true };
    const parent = pool[random.int(pool.length)] as { spec: CaseSpec; label: string };
    const { spec, steps } = mutateCase(scenario, withoutCaseConfig(parent.spec, fresh), drawnSpec(scenario, fresh), random);
    return { ...fresh, input: spec, mutation: `${parent.label}: ${steps.length === 0 ? 'unchanged' : steps.join(', ')}`, keepReplay: true };
  }

  /** Takes the result of the case at `position`; call in position order. A round goes into the corpus once its last case is in. */
  record(position: number, result: SweepCaseResult): void {
    this.round.push({ position, result });
    if ((position + 1) % this.roundSize !== 0) return;
    for (const { result: entry } of this.round) {
      const token = entry.replay;
      if (token === undefined) continue;
      this.consider(entry.scenario, decodeReplayToken(token), entry.coverage, `${entry.scenario}#${entry.index}`);
    }
    this.round.length = 0;
    this.appliedThrough = position + 1;
  }

  private consider(scenario: string, spec: CaseSpec, coverage: SweepCaseResult['coverage'], label: string): void {
    if (coverage === undefined) return;
    let seen = this.seen.get(scenario);
    if (seen === undefined) this.seen.set(scenario, (seen = new Set()));
    let fresh = false;
    for (const id of [...coverage.pairs.map((pair) => `p:${pair}`), ...coverage.states.map((state) => `s:${state}`)]) {
      if (seen.has(id)) continue;
      seen.add(id);
      fresh = true;
    }
    if (!fresh) return;
    let list = this.entries.get(scenario);
    if (list === undefined) this.entries.set(scenario, (list = []));
    list.push({ spec, label });
    if (list.length > this.maxEntries) list.shift();
  }
}

/** The case the random strategy draws at this position, as a spec (the donor of added entries and config). */
function drawnSpec(scenario: Scenario, fresh: SweepCase): CaseSpec {
  const [faults, seed, variation] = fc.sample(drawnCaseArbitrary(scenario, { profile: fresh.profile, ...(fresh.vary === undefined ? {} : { vary: fresh.vary }), ...(fresh.operations === undefined ? {} : { operations: fresh.operations }) }), { seed: fresh.caseSeed, numRuns: 1 })[0] as [PlanEntry[], number, { parameters: Record<string, number>; config: Record<string, unknown> } | undefined];
  return { scenario: scenario.name, seed, faults, ...(variation === undefined ? {} : { parameters: variation.parameters, config: variation.config }) };
}

/**
 * A corpus entry without the config the case itself adds (a kill matrix's planted bug): the case
 * adds it again over the mutated case's config, and an entry kept from another bug's search must
 * not carry that bug.
 */
function withoutCaseConfig(spec: CaseSpec, fresh: SweepCase): CaseSpec {
  if (fresh.config === undefined || spec.config === undefined) return spec;
  const config = Object.fromEntries(Object.entries(spec.config).filter(([name]) => !Object.hasOwn(fresh.config as object, name)));
  const { config: _config, ...rest } = spec;
  return Object.keys(config).length === 0 ? rest : { ...rest, config };
}
