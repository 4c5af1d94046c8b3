import { RunMap } from '../../sim/index.js';

/**
 * A set of trigger request ids, for a checker that must remember every request answered. The
 * runtime numbers requests `<prefix><sequence>` (`jm3-17`), and a case whose checkpoint hangs
 * until a ten-minute timeout answers a periodic trigger every few milliseconds all along: a
 * plain Set would hold hundreds of thousands of strings. Here the ids of one prefix are runs of
 * sequence numbers ({@link RunMap}), so memory follows the changes, not the count; ids of any
 * other form (no trailing number, a leading zero, more than 15 digits) go to a plain Set, so
 * every string works and membership is exact.
 */
export class RequestIdSet {
  private readonly byPrefix = new Map<string, RunMap<true>>();
  private readonly other = new Set<string>();
  /** The prefix and runs of the latest id seen: requests of one JobMaster share them, so most calls skip the prefix lookup. */
  private lastPrefix: string | undefined;
  private lastRuns: RunMap<true> | undefined;

  has(id: string): boolean {
    const start = sequenceStart(id);
    if (start < 0) return this.other.has(id);
    return this.runsOf(id, start, false)?.has(Number(id.slice(start))) === true;
  }

  add(id: string): void {
    const start = sequenceStart(id);
    if (start < 0) {
      this.other.add(id);
      return;
    }
    (this.runsOf(id, start, true) as RunMap<true>).set(Number(id.slice(start)), true);
  }

  clear(): void {
    this.byPrefix.clear();
    this.other.clear();
    this.lastPrefix = undefined;
    this.lastRuns = undefined;
  }

  private runsOf(id: string, start: number, create: boolean): RunMap<true> | undefined {
    const last = this.lastPrefix;
    if (last !== undefined && last.length === start && id.startsWith(last)) return this.lastRuns;
    const prefix = id.slice(0, start);
    let runs = this.byPrefix.get(prefix);
    if (runs === undefined) {
      if (!create) return undefined;
      this.byPrefix.set(prefix, (runs = new RunMap<true>()));
    }
    this.lastPrefix = prefix;
    this.lastRuns = runs;
    return runs;
  }
}

/** Where the canonical decimal sequence number ending `id` starts (no leading zero, at most 15 digits), or -1. */
function sequenceStart(id: string): number {
  let start = id.length;
  while (start > 0) {
    const code = id.charCodeAt(start - 1);
    if (code < 48 || code > 57) break;
    start--;
  }
  const digits = id.length - start;
  if (digits === 0 || digits > 15 || (digits > 1 && id.charCodeAt(start) === 48)) return -1;
  return start;
}
