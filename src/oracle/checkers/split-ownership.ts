import type { ObservedEnumeratorState, Observation } from '../../cluster/observations.js';
import { FirstViolation, restorableCheckpointId, type Checker, type CheckerContext } from './checker.js';

/** The vertex of a task name `vertex#index`. */
function vertexOf(task: string): string {
  return task.slice(0, task.lastIndexOf('#'));
}

/** A split-finished that still counts: the reader attempt, and where it stands in the observation order. */
interface Finish {
  readonly task: string;
  readonly sequence: number;
}

interface PendingCheckpoint {
  readonly enumerators: Map<string, ObservedEnumeratorState>;
  /** Per task: the splits its snapshot holds (partition -> offset) and the snapshot's place in the order. */
  readonly readers: Map<string, { readonly splits: Readonly<Record<string, unknown>>; readonly sequence: number }>;
}

/**
 * split-ownership: in every completed checkpoint of a job with FLIP-27 sources, each split
 * (partition) the enumerator has discovered is owned by exactly one party, the enumerator (as an
 * unassigned split) or one reader (as a split in its snapshot), or was read to its end before the
 * snapshot of the reader that finished it. A split owned twice is read twice after a restore
 * (FLINK-16986's missing event valve); a split owned by nobody and not finished is lost (an
 * assignment in flight at the coordinator snapshot, FLINK-21996, or not returned to the
 * enumerator when its reader was restored, FLINK-20413).
 *
 * A finish stops counting when the reader that finished it is restored from a checkpoint taken
 * before the finish (a regional failover, or a global reset of the enumerator: a global failover,
 * a new JobMaster, a new run of the job): the restored reader, or the enumerator it was returned
 * to, must own the split again. Memory: one entry per
 * partition, and per pending checkpoint its snapshots' split lists.
 */
export function createSplitOwnershipChecker(context: CheckerContext): Checker {
  const violation = new FirstViolation('split-ownership');
  const sources = new Set<string>();
  for (const vertex of context.job.vertices) {
    if (vertex.operator.kind === 'source' && vertex.operator.flip27 !== undefined) sources.add(vertex.name);
  }
  const pending = new Map<number, PendingCheckpoint>();
  const finishes = new Map<number, Finish>();
  /** Per completed checkpoint, per task: where its snapshot stands in the order (to void later finishes on restore). */
  const snapshotOrder = new Map<number, Map<string, number>>();
  let sequence = 0;

  const rollBack = (restored: (task: string) => boolean, checkpointId: number | undefined): void => {
    const order = checkpointId === undefined ? undefined : snapshotOrder.get(checkpointId);
    for (const [partition, finish] of [...finishes]) {
      if (!restored(finish.task)) continue;
      const taken = order?.get(finish.task);
      // Finished before the restored checkpoint's snapshot of that reader (or the reader had
      // finished by then and took none): the restored state has the split done.
      if (checkpointId !== undefined && (taken === undefined ? order !== undefined : finish.sequence < taken)) continue;
      finishes.delete(partition);
    }
  };

  const judge = (checkpointId: number, entry: PendingCheckpoint, timeUs: number): void => {
    for (const operator of sources) {
      const enumerator = entry.enumerators.get(operator);
      if (enumerator === undefined) {
        violation.report(`checkpoint ${checkpointId} completed without the split enumerator state of ${operator}`, timeUs, { checkpointId, operator });
        return;
      }
      const owners = new Map<number, string[]>();
      const own = (partition: number, owner: string): void => {
        const list = owners.get(partition);
        if (list === undefined) owners.set(partition, [owner]);
        else list.push(owner);
      };
      for (const split of enumerator.unassigned) own(split.partition, 'the enumerator');
      // Every reader of the source in this checkpoint (a rescaled run may have more or fewer).
      for (const [task, reader] of entry.readers) {
        if (vertexOf(task) !== operator) continue;
        for (const partition of Object.keys(reader.splits)) own(Number(partition), task);
      }
      for (const [partition, list] of owners) {
        if (list.length <= 1) continue;
        violation.report(`checkpoint ${checkpointId}: split p${partition} of ${operator} is owned by ${list.join(' and ')}, so a restore reads it twice`, timeUs, { checkpointId, operator, partition, owners: list });
        return;
      }
      for (const partition of enumerator.discovered) {
        if (owners.has(partition)) continue;
        const finish = finishes.get(partition);
        const reader = finish === undefined ? undefined : entry.readers.get(finish.task);
        if (finish !== undefined && (reader === undefined || finish.sequence < reader.sequence)) continue;
        violation.report(
          `checkpoint ${checkpointId}: split p${partition} of ${operator} is in no snapshot (neither unassigned in the enumerator nor in a reader) and was not read to its end before it: it is lost`,
          timeUs,
          { checkpointId, operator, partition, finishedBy: finish?.task },
        );
        return;
      }
    }
  };

  return {
    property: 'split-ownership',
    observe(observation: Observation): void {
      if (violation.found || sources.size === 0) return;
      sequence++;
      switch (observation.type) {
        case 'checkpoint-triggered':
          pending.set(observation.checkpointId, { enumerators: new Map(), readers: new Map() });
          return;
        case 'enumerator-snapshot-taken':
          pending.get(observation.checkpointId)?.enumerators.set(observation.operator, observation.state);
          return;
        case 'snapshot-taken': {
          if (!sources.has(vertexOf(observation.task))) return;
          pending.get(observation.checkpointId)?.readers.set(observation.task, { splits: observation.content.operator, sequence });
          return;
        }
        case 'split-finished':
          finishes.set(observation.partition, { task: observation.task, sequence });
          return;
        case 'checkpoint-aborted':
          pending.delete(observation.checkpointId);
          return;
        case 'failover':
          rollBack((task) => observation.tasks.includes(task), observation.restoreCheckpointId);
          return;
        case 'enumerator-reset': {
          // A global reset (a global failover, a new JobMaster, a new run of the job): every
          // reader of the source restores the same checkpoint as its enumerator.
          rollBack((task) => vertexOf(task) === observation.operator, observation.checkpointId);
          return;
        }
        case 'jobmaster-started':
          pending.clear();
          return;
        case 'checkpoint-store-write-failed':
        case 'checkpoint-completed': {
          const checkpointId = restorableCheckpointId(observation);
          if (checkpointId === undefined) return;
          const entry = pending.get(checkpointId);
          pending.delete(checkpointId);
          if (entry === undefined) return;
          snapshotOrder.set(checkpointId, new Map([...entry.readers].map(([task, reader]) => [task, reader.sequence])));
          judge(checkpointId, entry, observation.timeUs);
          return;
        }
        default:
          return;
      }
    },
    finish() {
      pending.clear();
      return violation.list();
    },
  };
}
