import type { Observation } from '../../cluster/observations.js';
import { FirstViolation, type Checker, type CheckerContext, type FinalState } from './checker.js';
import { SharedFileLedger } from './shared-files.js';

/**
 * external-hygiene: the job leaves nothing dangling in the systems outside it.
 *
 * - Once the job FINISHED, no transaction is left open or pre-committed in the transactional
 *   store (`FinalState.openTransactions`): every attempt's transactions were committed or aborted,
 *   including the lingering ones of earlier attempts, which a restore must abort (Flink's
 *   TwoPhaseCommitSinkFunction aborts them; Kafka would otherwise block read-committed readers).
 * - Whatever the job's end, every state handle written to checkpoint storage (`storage-written`)
 *   is either discarded (`storage-discarded`) or owned by a checkpoint the runtime still retains,
 *   and every key still in storage is one of those handles: nothing is written unaccounted for.
 *   A shared file of incremental checkpoints may also stay where Flink 1.20's registry
 *   deliberately leaves it ({@link SharedFileLedger}).
 */
export function createExternalHygieneChecker(context: CheckerContext): Checker {
  void context;
  const checker = new ExternalHygiene(new FirstViolation('external-hygiene'));
  return { property: 'external-hygiene', observe: (observation) => checker.observe(observation), finish: (final) => checker.finish(final) };
}

class ExternalHygiene {
  /** Keys written and not discarded: what storage should hold at the end. */
  private readonly live = new Set<string>();
  /** Transaction id -> the task attempt that began it (the task's latest deployed attempt then). */
  private readonly begunBy = new Map<string, string>();
  private readonly attempts = new Map<string, number>();
  private readonly sharedFiles = new SharedFileLedger();

  constructor(private readonly violation: FirstViolation) {}

  observe(observation: Observation): void {
    this.sharedFiles.observe(observation);
    switch (observation.type) {
      case 'storage-written':
        this.live.add(observation.key);
        return;
      case 'storage-discarded':
        this.live.delete(observation.key);
        return;
      case 'task-deployed':
        this.attempts.set(observation.task, observation.attempt);
        return;
      case 'transaction-begun':
        this.begunBy.set(observation.transactionId, `${observation.task} attempt ${this.attempts.get(observation.task) ?? 0}`);
        return;
      case 'transaction-committed':
      case 'transaction-aborted':
        this.begunBy.delete(observation.transactionId);
        return;
      default:
        return;
    }
  }

  finish(final: FinalState): ReturnType<Checker['finish']> {
    // Handles first: an open transaction may be an expected gap (a restore of a possibly stored
    // checkpoint strands one), and it must not hide a leaked state handle behind it.
    this.checkHandles(final);
    if (!this.violation.found && final.jobStatus === 'FINISHED') this.checkTransactions(final);
    return this.violation.list();
  }

  private checkTransactions(final: FinalState): void {
    const open = final.openTransactions ?? [];
    if (open.length === 0) return;
    const first = open[0] as string;
    const owner = this.begunBy.get(first);
    const latest = owner === undefined ? undefined : this.attempts.get(owner.slice(0, owner.indexOf(' attempt ')));
    const earlier = owner !== undefined && latest !== undefined && !owner.endsWith(` attempt ${latest}`);
    this.violation.report(
      `the job FINISHED with transaction ${first}${owner === undefined ? '' : ` (begun by ${owner}${earlier ? ', an earlier attempt' : ''})`} still open in the transactional store${open.length > 1 ? ` (${open.length} open)` : ''}`,
      final.endUs,
      { openTransactions: open.slice(0, 20), openCount: open.length, begunBy: owner },
    );
  }

  private checkHandles(final: FinalState): void {
    const owned = new Set<string>();
    for (const retained of final.retainedCheckpoints) for (const handle of retained.handles) owned.add(handle);
    const dangling = [...this.live].filter((key) => !owned.has(key) && this.sharedFiles.excuseForLeftover(key) === undefined).sort();
    if (dangling.length > 0) {
      return this.violation.report(
        `state handle ${dangling[0]} was written and is neither discarded nor owned by a retained checkpoint${dangling.length > 1 ? ` (${dangling.length} such handles)` : ''}`,
        final.endUs,
        { danglingKeys: dangling.slice(0, 20), count: dangling.length },
      );
    }
    const unaccounted = final.storageKeys.filter((key) => !this.live.has(key)).sort();
    if (unaccounted.length > 0) {
      this.violation.report(`storage holds ${unaccounted[0]}, which no storage-written observation announced or which was reported discarded`, final.endUs, { keys: unaccounted.slice(0, 20) });
    }
  }
}
