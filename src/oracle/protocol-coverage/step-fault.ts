import type { JobOperation, Observation } from '../../cluster/observations.js';
import { faultKinds, stepNames } from '../../faults/plan.js';
import { beforeAnyStep } from '../../faults/step-scopes.js';

/**
 * Step × fault coverage: for every protocol step and every fault kind, whether a case had a fault
 * of that kind take effect at or within that step. Read from observations only:
 *
 * - a `fault-injected` observation names the step its fault fired at (a step-triggered fault: its
 *   trigger's step) or within (a time-triggered fault: the last step the component it hits
 *   announced, or `start` before any; faults/step-scopes.ts says which component);
 * - a fault fired while a user operation was in progress (between its `job-operation-requested`
 *   and its `job-operation-answered`) took effect within that operation too: operations are rows
 *   of their own (`operation:savepoint`, ...).
 *
 * "Took effect" is the nemesis's `applied` (the same as a sweep's `firedFaultKinds`): a fault at
 * an executor already down, or a task not running, did not. A pair's id is `kind@row`.
 */

/** Every user operation, as rows of the matrix. */
export const operationRows: readonly string[] = (['savepoint', 'checkpoint', 'stop-with-savepoint', 'stop-with-savepoint-drain', 'cancel'] satisfies readonly JobOperation[]).map((operation) => `operation:${operation}`);

/** The rows of the matrix, in order: before any step, every named step, every operation. */
export const coverageRows: readonly string[] = [beforeAnyStep, ...stepNames, ...operationRows];

/** The columns: every fault kind. */
export const coverageColumns: readonly string[] = faultKinds;

/** The id of one pair. */
export function pairId(kind: string, row: string): string {
  return `${kind}@${row}`;
}

const taskAimedReason =
  'a fault aimed at a task (or at the producer task of a channel) takes effect only on a deployed attempt, and a first attempt, having nothing to restore, announces task.running in the very event that deploys it (a later attempt follows earlier steps of its task); a step-triggered fault always has its step';

/**
 * Pairs that can never occur, each with why. test/oracle/coverage.test.ts checks on a sample,
 * aimed at them, that none of them occurs.
 */
export const impossiblePairs: ReadonlyArray<{ readonly pair: string; readonly reason: string }> = [
  { pair: pairId('fail-task', beforeAnyStep), reason: taskAimedReason },
  { pair: pairId('slow-task', beforeAnyStep), reason: taskAimedReason },
  { pair: pairId('channel-stall', beforeAnyStep), reason: taskAimedReason },
];

/** Every pair that may occur, in matrix order (rows, then columns). */
export const possiblePairs: readonly string[] = (() => {
  const impossible = new Set(impossiblePairs.map(({ pair }) => pair));
  return coverageRows.flatMap((row) => coverageColumns.map((kind) => pairId(kind, row))).filter((pair) => !impossible.has(pair));
})();

/** Collects the step × fault pairs of one case from its observations; subscribe `observe` before the job starts. */
export class StepFaultCollector {
  private readonly inProgress = new Map<string, number>();
  /** Fault index -> the pairs it made (a fault fires once). */
  private readonly byFault = new Map<number, string[]>();

  readonly observe = (observation: Observation): void => {
    switch (observation.type) {
      case 'job-operation-requested':
        this.inProgress.set(observation.operation, (this.inProgress.get(observation.operation) ?? 0) + 1);
        return;
      case 'job-operation-answered': {
        const open = (this.inProgress.get(observation.operation) ?? 0) - 1;
        if (open > 0) this.inProgress.set(observation.operation, open);
        else this.inProgress.delete(observation.operation);
        return;
      }
      case 'fault-injected': {
        const pairs = observation.step === undefined ? [] : [pairId(observation.kind, observation.step)];
        for (const operation of this.inProgress.keys()) pairs.push(pairId(observation.kind, `operation:${operation}`));
        this.byFault.set(observation.index, pairs);
        return;
      }
      default:
        return;
    }
  };

  /** The case's pairs, sorted, counting only the faults `applied` says took effect. */
  pairs(applied: (index: number) => boolean): string[] {
    const pairs = new Set<string>();
    for (const [index, made] of this.byFault) if (applied(index)) for (const pair of made) pairs.add(pair);
    return [...pairs].sort();
  }
}
