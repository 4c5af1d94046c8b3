/**
 * Which planted bugs a run reached: every bug whose switch ({@link bugOn} in planted-bugs.ts)
 * the runtime consulted, whether switched on or not.
 *
 * The switch is the only way a planted bug changes the runtime, so a run of the correct protocol
 * that never consulted a bug's switch runs event for event the same with that bug switched on:
 * the two runs agree up to the first consultation, and there is none. The kill matrix uses this
 * to answer a case for a bug without running it when the sweep already ran that case, it passed,
 * and it never reached the bug (mutants.ts). Recording is off unless asked for, and it reads no
 * clock or random stream: it only notes names.
 */
let consulted: Set<string> | undefined;

/** Notes that the runtime consulted `bug`'s switch (called by bugOn only). */
export function noteBugConsulted(bug: string): void {
  consulted?.add(bug);
}

/** Runs `run` and names, sorted, every planted bug whose switch it consulted. Not reentrant: an inner call records for itself only. */
export function consultedBugsOf<T>(run: () => T): { readonly result: T; readonly consulted: readonly string[] } {
  const outer = consulted;
  const names = new Set<string>();
  consulted = names;
  try {
    const result = run();
    return { result, consulted: [...names].sort() };
  } finally {
    consulted = outer;
  }
}
