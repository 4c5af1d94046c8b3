import type { JobGraph } from '../cluster/jobgraph/job-graph.js';
import type { SinkEntry } from '../cluster/storage/transactional-store.js';
import { formatOrigin } from '../cluster/jobgraph/records.js';
import { hashString } from '../sim/index.js';
import { buildInterleavingModel, unsupportedShape, type InterleavingModel, type InterleavingProblem, type LaneArrival } from './interleaving-lanes.js';
import { deficit, entryIdentity } from './output-checks.js';
import { ReferenceKeyedState, type EmittedValueSink } from './reference-keyed-state.js';
import { canonicalJson } from './reference-state.js';
import type { Violation } from './violation.js';

/**
 * Exactly-once for jobs whose output depends on the order of their inputs (PROTOCOL.md §5): the
 * committed output must be the output of some failure-free interleaving of the per-channel FIFO
 * inputs, each source record counted once.
 *
 * What is observed: the committed records, each with the origin (source partition and offset) of
 * the source record being processed when it was emitted; the runtime stamps it, the job's own
 * values need carry nothing. What is searched, per key of each keyed operator (keyed state and
 * output are per-key deterministic): an order of that key's input lanes (interleaving-lanes.ts)
 * in which running the keyed function, and the stateless operators below it, writes exactly the
 * committed records carrying each record's origin, every arrival once. The origin pins most
 * choices (a running sum's k-th output says which record came k-th), so the search is usually a
 * straight walk; it is a depth-first search over (lane positions, keyed state) with memoisation,
 * and an arrival that writes nothing and leaves the state as it was is taken at once (it commutes
 * with every other), which keeps first-seen deduplication linear.
 *
 * Three outcomes: explained (some interleaving writes exactly the committed output), unexplained
 * (none does: a violation), undecided (the state bound was hit, or a source record fans out to
 * several keys whose outputs could be told apart only by trying their combinations). Undecided is
 * never a pass and never a violation.
 *
 * Limits, by design: one layer of keyed operators (a keyed operator below another is undecided);
 * keys are searched apart, so an order one key needs and another key's order rules out (both fed
 * by one source subtask) is accepted; a record whose path crosses a rebalance edge may go
 * anywhere in its key's order. Each of these can only accept more, never reject a correct run.
 * Memoisation folds the records a path consumed of a shared origin into a 64-bit sum of hashes;
 * two paths colliding there (about 2^-64) could hide one alternative.
 */

/** Bounds of one check. */
export interface InterleavingBounds {
  /** Search states (distinct lane positions with keyed state) visited over all keys before the check is undecided. */
  readonly maxStates: number;
  /**
   * When the first solutions of the keys sharing a source record do not add up, search each
   * key again for another way (default true). A caller to whom unexplained and undecided mean the
   * same (a job that looks confluent keeps its multiset verdict either way) turns it off: the
   * answer is then undecided, at half the cost.
   */
  readonly settleSharedOrigins?: boolean;
}

/** The default bound: two hundred thousand states (a few hundred milliseconds at worst). */
export const defaultInterleavingBounds: InterleavingBounds = { maxStates: 200_000 };

/** The result of {@link explainByInterleaving}. */
export type InterleavingOutcome =
  | { readonly outcome: 'explained'; readonly states: number }
  | { readonly outcome: 'unexplained' | 'undecided'; readonly reason: string; readonly states: number; readonly details: Readonly<Record<string, unknown>> };

/** Identity -> count of the committed records of one origin not yet explained. */
interface OriginPool {
  total: number;
  readonly counts: Map<string, number>;
}

type Pool = Map<string, OriginPool>;

/**
 * Decides whether `committed` is the output of some failure-free interleaving of `job`'s inputs
 * (the whole input read: call it for a finished job).
 */
export function explainByInterleaving(job: JobGraph, committed: readonly SinkEntry[], bounds: InterleavingBounds = defaultInterleavingBounds): InterleavingOutcome {
  const shape = unsupportedShape(job);
  if (shape !== undefined) return { outcome: 'undecided', reason: shape, states: 0, details: {} };
  let model: InterleavingModel;
  try {
    model = buildInterleavingModel(job);
  } catch (error) {
    // The reference ran the same functions in the same order without throwing, so this is a job
    // the lanes cannot follow (a keyed operator fed without a key, say): not the oracle's to judge.
    return { outcome: 'undecided', reason: `the job's records cannot be followed to its keyed operators: ${error instanceof Error ? error.message : String(error)}`, states: 0, details: {} };
  }
  const pool = poolOf(committed);
  const quick = checkOutsideProblems(model, pool);
  if (quick !== undefined) return quick;
  const budget = { statesLeft: bounds.maxStates, used: 0 };
  const solutions: Array<Solution | undefined> = [];
  let boundHit: InterleavingProblem | undefined;
  for (const problem of model.problems) {
    const found = new ProblemSearch(problem, model, pool, budget).run();
    if (found.kind === 'none') return unexplainedKey(problem, found.deadEnd, budget.used);
    if (found.kind === 'bound') {
      boundHit ??= problem;
      solutions.push(undefined);
    } else solutions.push(found);
  }
  if (boundHit !== undefined) {
    return { outcome: 'undecided', reason: `the search hit its bound of ${bounds.maxStates} states at key ${boundHit.key} of ${boundHit.vertex.name}`, states: budget.used, details: { maxStates: bounds.maxStates, key: boundHit.key, vertex: boundHit.vertex.name } };
  }
  return combineShared(model, pool, solutions as Solution[], budget, bounds);
}

/**
 * The exactly-once check of an order-dependent job: a violation when no interleaving explains
 * the committed output, an undecided result (same shape, never counted as a violation) when the
 * search cannot tell, nothing when one explains it.
 */
export function checkExactlyOnceByInterleaving(
  job: JobGraph,
  committed: readonly SinkEntry[],
  timeUs: number,
  bounds: InterleavingBounds = defaultInterleavingBounds,
): { readonly violation?: Violation; readonly undecided?: Violation } {
  const result = explainByInterleaving(job, committed, bounds);
  if (result.outcome === 'explained') return {};
  const details = { ...result.details, searchStates: result.states, committedCount: committed.length };
  if (result.outcome === 'unexplained') {
    // Per source record, committed records against the reference order's: lost and duplicated
    // in the known gaps' terms (an order can change how many records a source record writes,
    // but then the counts differ both ways and no gap that needs pure loss applies).
    const { missing, extra, lostRecords } = originBalance(buildInterleavingModel(job), committed);
    return { violation: { property: 'exactly-once', message: `no failure-free interleaving of the input channels explains the committed output: ${result.reason}`, timeUs, details: { ...details, missing, extra, lostRecords } } };
  }
  const message = `undecided whether a failure-free interleaving of the input channels explains the committed output: ${result.reason}`;
  if (!('origins' in result.details)) return { undecided: { property: 'exactly-once', message, timeUs, details } };
  // Every key was explained on its own, but the records of source records shared by several keys
  // did not add up: the same balance, so that pure duplication there is what a duplicating known
  // gap may explain (run-case.ts); anything else stays undecided.
  const { missing, extra, lostRecords } = originBalance(buildInterleavingModel(job), committed);
  return { undecided: { property: 'exactly-once', message, timeUs, details: { ...details, missing, extra, lostRecords } } };
}

/**
 * Lost and duplicated records in the known gaps' terms, for an unexplained output: per group of
 * keys that share source records (a key alone, for most jobs), how many records were committed
 * with the group's origins against how many the reference order writes. A group's count does not
 * depend on the order for most jobs even when a single source record's does (a first-seen
 * deduplication writes once per key, whichever record comes first); where it does, the counts may
 * differ both ways, and no gap that needs pure loss or pure duplication applies. `lostRecords` is
 * the whole deficit (the lists are cut to 20 groups), which a loss gap must account for.
 */
export function originBalance(
  model: InterleavingModel,
  committed: readonly SinkEntry[],
): { missing: Array<{ record: string; expected: number; committed: number }>; extra: Array<{ record: string; expected: number; committed: number }>; lostRecords: number } {
  const groupOf = keyGroups(model);
  const expected = new Map<string, number>();
  const add = (origin: string, count: number): void => {
    const group = groupOf.get(origin) ?? origin;
    expected.set(group, (expected.get(group) ?? 0) + count);
  };
  for (const [origin, counts] of model.confluent) for (const count of counts.values()) add(origin, count);
  for (const problem of model.problems) {
    const arrivals = problem.lanes.flatMap((lane) => lane.arrivals).sort((left, right) => left.sequence - right.sequence);
    const state = new ReferenceKeyedState();
    const emitted = new EmittedValues();
    for (const arrival of arrivals) {
      emitted.values = [];
      runKeyed(problem, state, emitted, arrival);
      for (const value of emitted.values) add(arrival.originKey, model.project(problem.vertex, value).length);
    }
  }
  const actual = new Map<string, number>();
  for (const entry of committed) {
    const origin = formatOrigin(entry.origin);
    const group = groupOf.get(origin) ?? origin;
    actual.set(group, (actual.get(group) ?? 0) + 1);
  }
  const missing: Array<{ record: string; expected: number; committed: number }> = [];
  const extra: Array<{ record: string; expected: number; committed: number }> = [];
  for (const group of [...new Set([...expected.keys(), ...actual.keys()])].sort()) {
    const want = expected.get(group) ?? 0;
    const have = actual.get(group) ?? 0;
    if (have < want) missing.push({ record: group, expected: want, committed: have });
    if (have > want) extra.push({ record: group, expected: want, committed: have });
  }
  return { missing: missing.slice(0, 20), extra: extra.slice(0, 20), lostRecords: deficit(missing) };
}

/** Origin -> the name of its group: the keys (vertex:key) that share source records, joined by union-find. */
function keyGroups(model: InterleavingModel): Map<string, string> {
  const parent = model.problems.map((_, index) => index);
  const find = (index: number): number => {
    while (parent[index] !== index) index = parent[index] = parent[parent[index] as number] as number;
    return index;
  };
  for (const owners of model.problemsOfOrigin.values()) for (const owner of owners.slice(1)) parent[find(owner)] = find(owners[0] as number);
  const members = new Map<number, string[]>();
  model.problems.forEach((problem, index) => {
    const root = find(index);
    members.set(root, [...(members.get(root) ?? []), `${problem.vertex.name}:${problem.key}`]);
  });
  const names = new Map<number, string>();
  for (const [root, list] of members) names.set(root, `keys ${list.slice(0, 3).join(', ')}${list.length > 3 ? ` and ${list.length - 3} more` : ''}`);
  const result = new Map<string, string>();
  for (const [origin, owners] of model.problemsOfOrigin) result.set(origin, names.get(find(owners[0] as number)) as string);
  return result;
}

/** Runs the keyed function of a problem on one arrival, in `state`, emitting into `emitted`. */
function runKeyed(problem: InterleavingProblem, state: ReferenceKeyedState, emitted: EmittedValues, arrival: LaneArrival): void {
  const spec = problem.vertex.operator;
  const context = state.contextFor(problem.key, emitted);
  if (spec.kind === 'keyed-process') spec.function.processElement(arrival.value, context);
  else if (spec.kind === 'keyed-co-process') {
    if (arrival.gate === 0) spec.function.processElement1(arrival.value, context);
    else spec.function.processElement2(arrival.value, context);
  }
}

function poolOf(committed: readonly SinkEntry[]): Pool {
  const pool: Pool = new Map();
  for (const entry of committed) {
    const origin = formatOrigin(entry.origin);
    let counts = pool.get(origin);
    if (counts === undefined) pool.set(origin, (counts = { total: 0, counts: new Map() }));
    const identity = entryIdentity(entry);
    counts.counts.set(identity, (counts.counts.get(identity) ?? 0) + 1);
    counts.total++;
  }
  return pool;
}

/** Takes the confluent output out of the pool; what is missing of it, or left with an origin no key explains, is unexplained. */
function checkOutsideProblems(model: InterleavingModel, pool: Pool): InterleavingOutcome | undefined {
  const missing: string[] = [];
  for (const [origin, expected] of model.confluent) {
    for (const [identity, want] of expected) {
      const have = pool.get(origin)?.counts.get(identity) ?? 0;
      const taken = Math.min(have, want);
      if (taken < want) missing.push(`${identity} from ${origin} (committed ${have}, expected ${want})`);
      if (taken > 0) take(pool, origin, identity, taken);
    }
  }
  if (missing.length > 0) {
    return { outcome: 'unexplained', reason: `${missing.length} record(s) that meet no keyed operator (their output depends on no order) are lost; first: ${missing[0]}`, states: 0, details: { lost: missing.slice(0, 20) } };
  }
  const extra: string[] = [];
  for (const [origin, counts] of pool) {
    if (counts.total === 0 || model.problemsOfOrigin.has(origin)) continue;
    for (const [identity, count] of counts.counts) if (count > 0) extra.push(`${identity} from ${origin} (committed ${count} more than expected)`);
  }
  if (extra.length > 0) {
    return { outcome: 'unexplained', reason: `${extra.length} committed record(s) come from source records that reach no keyed operator and are written more often than a failure-free run writes them; first: ${extra[0]}`, states: 0, details: { duplicated: extra.slice(0, 20) } };
  }
  return undefined;
}

function take(pool: Pool, origin: string, identity: string, count: number): void {
  const counts = pool.get(origin) as OriginPool;
  counts.counts.set(identity, (counts.counts.get(identity) as number) - count);
  counts.total -= count;
}

/** A solution of one key: what its interleaving consumed of origins it shares with other keys. */
interface Solution {
  readonly kind: 'solved';
  readonly signature: string;
  readonly shared: ReadonlyArray<readonly [string, string]>;
}

/** The furthest a key's search got before every way on failed: for the message. */
interface DeadEnd {
  readonly explained: number;
  readonly total: number;
  readonly candidates: readonly string[];
}

/** Checks that the keys sharing origins together consumed exactly the committed records of those origins. */
function combineShared(model: InterleavingModel, pool: Pool, solutions: readonly Solution[], budget: { statesLeft: number; used: number }, bounds: InterleavingBounds): InterleavingOutcome {
  const balance = new Map<string, Map<string, number>>();
  for (const [origin, owners] of model.problemsOfOrigin) {
    if (owners.length < 2) continue;
    balance.set(origin, new Map(pool.get(origin)?.counts ?? []));
  }
  for (const solution of solutions) {
    for (const [origin, identity] of solution.shared) {
      const counts = balance.get(origin) as Map<string, number>;
      counts.set(identity, (counts.get(identity) ?? 0) - 1);
    }
  }
  const mismatched: string[] = [];
  for (const [origin, counts] of balance) for (const count of counts.values()) if (count !== 0 && mismatched[mismatched.length - 1] !== origin) mismatched.push(origin);
  if (mismatched.length === 0) return { outcome: 'explained', states: budget.used };
  if (bounds.settleSharedOrigins === false) {
    return { outcome: 'undecided', reason: `source record ${mismatched[0]} fans out to several keys, and whether their outputs add up to what was committed was not settled`, states: budget.used, details: { origins: mismatched.slice(0, 20) } };
  }
  // The first solution of each key did not add up: if every key involved has no solution that
  // consumes the shared origins differently, no combination adds up.
  const involved = [...new Set(mismatched.flatMap((origin) => model.problemsOfOrigin.get(origin) ?? []))].sort((left, right) => left - right);
  for (const index of involved) {
    const problem = model.problems[index]!;
    const other = new ProblemSearch(problem, model, pool, budget, (solutions[index] as Solution).signature).run();
    if (other.kind !== 'none') {
      const why = other.kind === 'bound' ? `the search hit its bound of ${bounds.maxStates} states` : 'more than one consumption of them is possible';
      return {
        outcome: 'undecided',
        reason: `source record ${mismatched[0]} fans out to several keys, and whether their outputs add up to what was committed was not decided (${why}, at key ${problem.key} of ${problem.vertex.name})`,
        states: budget.used,
        details: { origins: mismatched.slice(0, 20) },
      };
    }
  }
  const origin = mismatched[0] as string;
  const counts = [...(balance.get(origin) as Map<string, number>)].filter(([, count]) => count !== 0).map(([identity, count]) => `${identity} ${count > 0 ? `committed ${count} more` : `committed ${-count} fewer`}`);
  return {
    outcome: 'unexplained',
    reason: `the keys that source record ${origin} reaches write, in every interleaving, other records than were committed with its origin: ${counts.slice(0, 3).join('; ')}`,
    states: budget.used,
    details: { origins: mismatched.slice(0, 20) },
  };
}

function unexplainedKey(problem: InterleavingProblem, deadEnd: DeadEnd, states: number): InterleavingOutcome {
  const where = `key ${problem.key} of ${problem.vertex.name}#${problem.subtask} (${problem.lanes.length} input lane(s), ${deadEnd.total} record(s))`;
  return {
    outcome: 'unexplained',
    reason: `for ${where}, at best ${deadEnd.explained} record(s) are explained in some order, then no next record writes what was committed with its origin: ${deadEnd.candidates.join('; ')}`,
    states,
    details: { vertex: problem.vertex.name, subtask: problem.subtask, key: problem.key, explained: deadEnd.explained, records: deadEnd.total, candidates: deadEnd.candidates },
  };
}

/** One step of the search: the head of a lane, processed in a given state. */
interface Move {
  readonly lane: number;
  readonly arrival: LaneArrival;
  readonly identities: readonly string[];
  readonly snapshot: StateSnapshot;
  readonly json: string;
}

type StateSnapshot = Record<string, Record<string, unknown>>;

/** A node of the depth-first search, with what the move into it consumed (undone when it is left). */
interface Frame {
  readonly positions: number[];
  readonly snapshot: StateSnapshot;
  readonly json: string;
  readonly explained: number;
  readonly digest: readonly [number, number];
  readonly move: Move | undefined;
  moves: Move[] | undefined;
  next: number;
}

/** Collects the values a keyed function emits for one arrival. */
class EmittedValues implements EmittedValueSink {
  values: unknown[] = [];

  accept(value: unknown): void {
    this.values.push(value);
  }
}

/** The depth-first search of one key's interleavings. */
class ProblemSearch {
  private readonly state = new ReferenceKeyedState();
  private readonly emitted = new EmittedValues();
  private readonly visited = new Set<string>();
  private readonly arrivalsLeft: Map<string, number>;
  private readonly partial = new Set<string>();
  private readonly sharesOrigins: boolean;
  private readonly total: number;
  private deadEnd: DeadEnd = { explained: -1, total: 0, candidates: [] };

  constructor(
    private readonly problem: InterleavingProblem,
    private readonly model: InterleavingModel,
    private readonly pool: Pool,
    private readonly budget: { statesLeft: number; used: number },
    /** Look for a solution whose shared consumption has another signature than this. */
    private readonly avoid?: string,
  ) {
    this.arrivalsLeft = new Map(problem.arrivalsPerOrigin);
    let total = 0;
    for (const lane of problem.lanes) total += lane.arrivals.length;
    this.total = total;
    this.sharesOrigins = [...problem.arrivalsPerOrigin.keys()].some((origin) => this.isShared(origin));
  }

  run(): Solution | { readonly kind: 'none'; readonly deadEnd: DeadEnd } | { readonly kind: 'bound' } {
    const root: Frame = { positions: this.problem.lanes.map(() => 0), snapshot: {}, json: '{}', explained: 0, digest: [0, 0], move: undefined, moves: undefined, next: 0 };
    this.visited.add(this.memoKey(root));
    const stack: Frame[] = [root];
    try {
      while (stack.length > 0) {
        const frame = stack[stack.length - 1] as Frame;
        if (frame.explained === this.total) {
          const signature = `${frame.digest[0]}:${frame.digest[1]}`;
          if (this.avoid === undefined || signature !== this.avoid) return { kind: 'solved', signature, shared: this.sharedConsumption(stack) };
          this.leave(stack.pop() as Frame);
          continue;
        }
        frame.moves ??= this.movesFrom(frame);
        if (frame.next >= frame.moves.length) {
          this.leave(stack.pop() as Frame);
          continue;
        }
        const child = this.enter(frame, frame.moves[frame.next++] as Move);
        if (child === undefined) continue;
        if (this.budget.statesLeft <= 0) {
          this.leave(child);
          return { kind: 'bound' };
        }
        this.budget.statesLeft--;
        this.budget.used++;
        stack.push(child);
      }
      return { kind: 'none', deadEnd: this.deadEnd };
    } finally {
      // Leave the pool as it was found, whatever the outcome.
      while (stack.length > 0) this.leave(stack.pop() as Frame);
    }
  }

  private isShared(origin: string): boolean {
    return (this.model.problemsOfOrigin.get(origin)?.length ?? 0) > 1;
  }

  /** The moves from a frame that fit the committed records: a no-op alone when there is one. */
  private movesFrom(frame: Frame): Move[] {
    const fitting: Move[] = [];
    const misfits: string[] = [];
    this.problem.lanes.forEach((lane, index) => {
      const arrival = lane.arrivals[frame.positions[index] as number];
      if (arrival === undefined) return;
      const move = this.apply(frame, index, arrival);
      if (typeof move === 'string') misfits.push(move);
      else fitting.push(move);
    });
    const noOp = fitting.find((move) => move.identities.length === 0 && move.json === frame.json);
    for (const misfit of misfits) this.noteDeadEnd(frame.explained, misfit);
    return noOp === undefined ? fitting : [noOp];
  }

  /** Remembers why the search could go no further, at the furthest point it reached. */
  private noteDeadEnd(explained: number, why: string): void {
    if (explained > this.deadEnd.explained) this.deadEnd = { explained, total: this.total, candidates: [why] };
    else if (explained === this.deadEnd.explained && this.deadEnd.candidates.length < 4) this.deadEnd = { ...this.deadEnd, candidates: [...this.deadEnd.candidates, why] };
  }

  /** Processes a lane's head in the frame's state: the move, or why it does not fit. */
  private apply(frame: Frame, lane: number, arrival: LaneArrival): Move | string {
    this.state.load(frame.snapshot);
    this.emitted.values = [];
    const identities: string[] = [];
    try {
      runKeyed(this.problem, this.state, this.emitted, arrival);
      for (const value of this.emitted.values) for (const entry of this.model.project(this.problem.vertex, value)) identities.push(entryIdentity(entry));
    } catch (error) {
      // A failure-free run cannot take this order: the job would fail.
      return `${arrival.originKey} throws here (${error instanceof Error ? error.message : String(error)})`;
    }
    const available = this.pool.get(arrival.originKey);
    const wanted = new Map<string, number>();
    for (const identity of identities) wanted.set(identity, (wanted.get(identity) ?? 0) + 1);
    for (const [identity, count] of wanted) {
      if ((available?.counts.get(identity) ?? 0) < count) {
        const committed = [...(available?.counts ?? [])].filter(([, left]) => left > 0).map(([left]) => left);
        return `${arrival.originKey} would write [${identities.join(', ')}], committed with that origin and not yet explained: [${committed.slice(0, 4).join(', ')}]`;
      }
    }
    const snapshot = this.state.snapshot();
    return { lane, arrival, identities, snapshot, json: canonicalJson(snapshot) };
  }

  /** Takes a move: consumes its records, checks its origin is used up when exclusive, and memoises. Undefined when it leads nowhere new. */
  private enter(frame: Frame, move: Move): Frame | undefined {
    const origin = move.arrival.originKey;
    const counts = this.pool.get(origin);
    for (const identity of move.identities) take(this.pool, origin, identity, 1);
    const left = (this.arrivalsLeft.get(origin) as number) - 1;
    this.arrivalsLeft.set(origin, left);
    const shared = this.isShared(origin);
    if (left === 0) this.partial.delete(origin);
    else this.partial.add(origin);
    let digest = frame.digest;
    if (shared) {
      let [first, second] = digest;
      for (const identity of move.identities) {
        const text = `${origin}|${identity}`;
        first = (first + hashString(text)) | 0;
        second = (second + hashString(text, 0x2545f491)) | 0;
      }
      digest = [first, second];
    }
    const positions = frame.positions.slice();
    positions[move.lane] = (positions[move.lane] as number) + 1;
    const child: Frame = { positions, snapshot: move.snapshot, json: move.json, explained: frame.explained + 1, digest, move, moves: undefined, next: 0 };
    // An origin only this key reads must be used up once its last arrival is processed.
    const exhausted = left === 0 && !shared && (counts?.total ?? 0) > 0;
    const key = exhausted ? '' : this.memoKey(child);
    if (exhausted) {
      const left = [...(counts as OriginPool).counts].filter(([, count]) => count > 0).map(([identity]) => identity);
      this.noteDeadEnd(frame.explained, `${origin} writes [${move.identities.join(', ')}] but more was committed with that origin: [${left.slice(0, 4).join(', ')}]`);
    }
    if (exhausted || this.visited.has(key)) {
      this.leave(child);
      return undefined;
    }
    this.visited.add(key);
    return child;
  }

  /** Undoes the move into a frame. */
  private leave(frame: Frame): void {
    const move = frame.move;
    if (move === undefined) return;
    const origin = move.arrival.originKey;
    const counts = this.pool.get(origin);
    for (const identity of move.identities) {
      const pool = counts as OriginPool;
      pool.counts.set(identity, (pool.counts.get(identity) as number) + 1);
      pool.total++;
    }
    const left = (this.arrivalsLeft.get(origin) as number) + 1;
    this.arrivalsLeft.set(origin, left);
    if (left === this.problem.arrivalsPerOrigin.get(origin)) this.partial.delete(origin);
    else this.partial.add(origin);
  }

  /**
   * What decides a frame's future: lane positions, keyed state, what is left of origins only
   * partly processed, and (for the search for another consumption) what was taken of shared ones.
   */
  private memoKey(frame: Frame): string {
    let key = `${frame.positions.join(',')}|${frame.json}`;
    if (this.partial.size > 0) {
      for (const origin of [...this.partial].sort()) {
        const counts = this.pool.get(origin);
        key += `|${origin}:${JSON.stringify([...(counts?.counts ?? [])].filter(([, count]) => count > 0).sort())}`;
      }
    }
    if (this.sharesOrigins && this.avoid !== undefined) key += `|${frame.digest[0]}:${frame.digest[1]}`;
    return key;
  }

  /** The records of shared origins the moves on the stack consumed. */
  private sharedConsumption(stack: readonly Frame[]): Array<readonly [string, string]> {
    const result: Array<readonly [string, string]> = [];
    for (const frame of stack) {
      const move = frame.move;
      if (move === undefined || !this.isShared(move.arrival.originKey)) continue;
      for (const identity of move.identities) result.push([move.arrival.originKey, identity]);
    }
    return result;
  }
}
