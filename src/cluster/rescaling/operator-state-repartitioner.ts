/**
 * Operator (non-keyed) list state across a change of parallelism, as Flink 1.20's
 * RoundRobinOperatorStateRepartitioner does it for the three OperatorStateHandle modes:
 * - SPLIT_DISTRIBUTE (`getListState`): the entries of every old subtask, in old subtask order,
 *   are cut into contiguous runs, one per new subtask; the first `total % newParallelism` runs
 *   get one entry more. Flink rotates where the longer runs start from one named state to the
 *   next so the remainders do not all land on subtask 0; so does this.
 * - UNION (`getUnionListState`): every new subtask gets every entry of every old subtask. Flink
 *   does this even when the parallelism did not change (a union state is always unioned).
 * - BROADCAST: new subtask i gets old subtask (i mod oldParallelism)'s copy (all copies are equal).
 * With the parallelism unchanged, split and broadcast states stay where they were, except a
 * broadcast state some subtasks lack (they had finished): every subtask gets a copy (FLINK-23475).
 * Named states are taken in sorted name order (Flink iterates a map).
 */

/** Flink's OperatorStateHandle.Mode. */
export type OperatorStateMode = 'split-distribute' | 'union' | 'broadcast';

/** One named list state of one subtask. */
export interface NamedListState {
  readonly mode: OperatorStateMode;
  readonly entries: readonly unknown[];
}

/** The named list states of one subtask (Flink's OperatorStateHandle, as content). */
export type OperatorListStates = Readonly<Record<string, NamedListState>>;

/**
 * Redistributes the list states of `previous` (one per old subtask, in subtask order; undefined
 * for a subtask without state) over `newParallelism` new subtasks. Pure.
 */
export function repartitionOperatorState(previous: ReadonlyArray<OperatorListStates | undefined>, newParallelism: number): OperatorListStates[] {
  if (!Number.isInteger(newParallelism) || newParallelism < 1) throw new Error(`new parallelism must be a positive integer, got ${newParallelism}`);
  const result: Array<Record<string, NamedListState>> = Array.from({ length: newParallelism }, () => ({}));
  const byName = groupByName(previous);
  const unchanged = previous.length === newParallelism;
  let splitStart = 0;
  for (const [name, { mode, perSubtask }] of byName) {
    if (mode === 'union') {
      const all = perSubtask.flatMap((entries) => entries ?? []);
      for (const target of result) target[name] = { mode, entries: all.slice() };
    } else if (unchanged && !(mode === 'broadcast' && perSubtask.includes(undefined))) {
      perSubtask.forEach((entries, index) => {
        if (entries !== undefined) (result[index] as Record<string, NamedListState>)[name] = { mode, entries: entries.slice() };
      });
    } else if (mode === 'broadcast') {
      const copies = perSubtask.filter((entries): entries is readonly unknown[] => entries !== undefined);
      if (copies.length === 0) continue;
      result.forEach((target, index) => (target[name] = { mode, entries: (copies[index % copies.length] as readonly unknown[]).slice() }));
    } else {
      splitStart = splitContiguous(name, perSubtask.flatMap((entries) => entries ?? []), result, splitStart);
    }
  }
  return result;
}

/** Cuts `all` into runs over `result` starting at subtask `start`; returns where the next state starts (Flink's rotation). */
function splitContiguous(name: string, all: readonly unknown[], result: Array<Record<string, NamedListState>>, start: number): number {
  const newParallelism = result.length;
  const base = Math.floor(all.length / newParallelism);
  let remainder = all.length % newParallelism;
  let nextStart = start;
  let taken = 0;
  for (let index = 0; index < newParallelism; index++) {
    const target = (index + start) % newParallelism;
    let count = base;
    if (remainder > 0) {
      count++;
      remainder--;
    } else if (remainder === 0) {
      // The first subtask after the longer runs: the next named state's longer runs start here.
      nextStart = target;
      remainder--;
    }
    (result[target] as Record<string, NamedListState>)[name] = { mode: 'split-distribute', entries: all.slice(taken, taken + count) };
    taken += count;
  }
  return nextStart;
}

function groupByName(previous: ReadonlyArray<OperatorListStates | undefined>): Map<string, { mode: OperatorStateMode; perSubtask: Array<readonly unknown[] | undefined> }> {
  const names = new Set<string>();
  for (const states of previous) for (const name of Object.keys(states ?? {})) names.add(name);
  const grouped = new Map<string, { mode: OperatorStateMode; perSubtask: Array<readonly unknown[] | undefined> }>();
  for (const name of [...names].sort()) {
    let mode: OperatorStateMode | undefined;
    const perSubtask = previous.map((states) => {
      const state = states?.[name];
      if (state === undefined) return undefined;
      if (mode !== undefined && mode !== state.mode) throw new Error(`operator state '${name}' is ${mode} in one subtask and ${state.mode} in another`);
      mode = state.mode;
      return state.entries;
    });
    grouped.set(name, { mode: mode as OperatorStateMode, perSubtask });
  }
  return grouped;
}
