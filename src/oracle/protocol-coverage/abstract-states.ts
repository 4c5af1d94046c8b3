import type { Observation } from '../../cluster/observations.js';

/**
 * Abstract protocol states: a small abstraction of each component's state, computed from the
 * observation stream alone (never runtime internals), so that a sweep can say how much of the
 * protocol's state space its cases reached, and whether new cases still reach new states. Each
 * component kind has a short id; an abstract state is the kind's letter and one character per
 * field, e.g. `Ta10r`. After every observation that may change a component, its abstract state
 * is counted as reached. Counts above a bucket's top are folded into it (`2` means "2 or more").
 *
 * - Coordinator `C{pending}{triggering}{queued}` (one per JobMaster; a new leader starts empty):
 *   pending = checkpoints triggered, not yet completed or aborted (0, 1, 2, 3+); of the trigger
 *   requests received and not yet a checkpoint (`checkpoint-trigger-requested`, taken off by
 *   `checkpoint-triggered`, `checkpoint-trigger-failed`, or an answer without a checkpoint id),
 *   the coordinator triggers one at a time (Flink's isTriggering): triggering = whether there is
 *   one (0, 1), queued = whether more wait behind it (0, 1+).
 * - Task `T{alignment}{blocked}{pending}{life}` (per task, reset by each new attempt):
 *   alignment = `i` idle, `a` aligning, `u` switched to unaligned (from `alignment-started` to
 *   `alignment-completed`, a decline or cancellation marker of that checkpoint, or the next
 *   alignment); blocked = input channels whose barrier of the checkpoint being aligned has arrived
 *   (`barrier-received`; in aligned mode those channels are blocked) while aligning (0, 1, 2+);
 *   pending = checkpoints it took a snapshot of and has not yet been notified complete or aborted
 *   (0, 1, 2+); life = `d` deployed, `r` running, `f` finished, `x` failed or canceled. An
 *   attempt that finished is idle; one that failed or was canceled is idle with nothing pending.
 * - Sink `S{open}{preCommitted}` (per task that opens transactions, over its attempts, as the
 *   external store keeps them): open = begun, not yet pre-committed or aborted (0, 1, 2+);
 *   preCommitted = pre-committed, not yet committed or aborted (0, 1, 2, 3+).
 * - JobMaster `J{status}{epochChanged}`: status = `c` created, `r` running, `R` failing or
 *   restarting, `s` cancelling or suspended, `t` terminal (finished, canceled, failed);
 *   epochChanged = whether a leader with another epoch than the first has started (0, 1).
 */
export const abstractStateKinds = ['C', 'T', 'S', 'J'] as const;

/** Human names of the abstract state kinds, for reports. */
export const abstractStateKindNames: Readonly<Record<(typeof abstractStateKinds)[number], string>> = { C: 'coordinator', T: 'task', S: 'sink', J: 'JobMaster' };

function bucket(count: number, top: number): number {
  return count < top ? count : top;
}

interface TaskAbstraction {
  alignment: 'i' | 'a' | 'u';
  aligningId: number;
  barrierId: number;
  barriers: number;
  readonly snapshots: Set<number>;
  life: 'd' | 'r' | 'f' | 'x';
}

const jobStatusLetter: Readonly<Record<string, string>> = {
  CREATED: 'c',
  RUNNING: 'r',
  FAILING: 'R',
  RESTARTING: 'R',
  CANCELLING: 's',
  SUSPENDED: 's',
  FINISHED: 't',
  CANCELED: 't',
  FAILED: 't',
};

/** Collects the abstract states one case reached; subscribe `observe` before the job starts. */
export class AbstractStateCollector {
  private readonly reached = new Set<string>();
  private pending = new Set<number>();
  private untriggered = 0;
  private readonly tasks = new Map<string, TaskAbstraction>();
  private readonly transactions = new Map<string, Map<string, 'open' | 'pre'>>();
  private jobStatus = 'c';
  private firstEpoch: number | undefined;
  private epochChanged = 0;

  readonly observe = (observation: Observation): void => {
    switch (observation.type) {
      case 'checkpoint-trigger-requested':
        this.untriggered++;
        return this.coordinator();
      case 'checkpoint-triggered':
        this.untriggered = Math.max(0, this.untriggered - 1);
        this.pending.add(observation.checkpointId);
        return this.coordinator();
      case 'checkpoint-trigger-failed':
        this.untriggered = Math.max(0, this.untriggered - 1);
        return this.coordinator();
      case 'checkpoint-trigger-answered':
        if (observation.checkpointId !== undefined) return;
        this.untriggered = Math.max(0, this.untriggered - 1);
        return this.coordinator();
      case 'checkpoint-completed':
      case 'checkpoint-aborted':
        this.pending.delete(observation.checkpointId);
        return this.coordinator();
      case 'jobmaster-started':
        this.firstEpoch ??= observation.leaderEpoch;
        if (observation.leaderEpoch !== this.firstEpoch) this.epochChanged = 1;
        this.pending = new Set();
        this.untriggered = 0;
        this.coordinator();
        return this.jobMaster();
      case 'job-status':
        this.jobStatus = jobStatusLetter[observation.status] ?? 's';
        return this.jobMaster();
      case 'task-deployed':
        this.tasks.set(observation.task, { alignment: 'i', aligningId: 0, barrierId: 0, barriers: 0, snapshots: new Set(), life: 'd' });
        return this.task(observation.task);
      case 'task-running':
        return this.life(observation.task, 'r');
      case 'task-finished':
        return this.life(observation.task, 'f');
      case 'task-failed':
      case 'task-canceled':
        return this.life(observation.task, 'x');
      case 'barrier-received': {
        const task = this.tasks.get(observation.task);
        if (task === undefined) return;
        if (task.barrierId !== observation.checkpointId) {
          task.barrierId = observation.checkpointId;
          task.barriers = 0;
        }
        task.barriers++;
        return this.task(observation.task);
      }
      case 'alignment-started':
        return this.align(observation.task, 'a', observation.checkpointId);
      case 'alignment-switched-to-unaligned':
        return this.align(observation.task, 'u', observation.checkpointId);
      case 'alignment-completed':
        return this.align(observation.task, 'i', 0);
      case 'checkpoint-declined':
      case 'cancellation-marker-received': {
        const task = this.tasks.get(observation.task);
        if (task === undefined) return;
        task.snapshots.delete(observation.checkpointId);
        if (task.alignment !== 'i' && task.aligningId === observation.checkpointId) task.alignment = 'i';
        return this.task(observation.task);
      }
      case 'snapshot-taken': {
        this.tasks.get(observation.task)?.snapshots.add(observation.checkpointId);
        return this.task(observation.task);
      }
      case 'checkpoint-notification-received': {
        const task = this.tasks.get(observation.task);
        if (task === undefined) return;
        if (observation.kind === 'aborted') task.snapshots.delete(observation.checkpointId);
        else for (const id of task.snapshots) if (id <= observation.checkpointId) task.snapshots.delete(id);
        return this.task(observation.task);
      }
      case 'transaction-begun':
        return this.transaction(observation.task, observation.transactionId, 'open');
      case 'transaction-pre-committed':
        return this.transaction(observation.task, observation.transactionId, 'pre');
      case 'transaction-committed':
      case 'transaction-aborted':
        return this.transaction(observation.task, observation.transactionId, undefined);
      default:
        return;
    }
  };

  /** The abstract states reached so far, sorted. */
  states(): string[] {
    return [...this.reached].sort();
  }

  private coordinator(): void {
    const triggering = this.untriggered > 0 ? 1 : 0;
    const queued = this.untriggered > 1 ? 1 : 0;
    this.reached.add(`C${bucket(this.pending.size, 3)}${triggering}${queued}`);
  }

  private jobMaster(): void {
    this.reached.add(`J${this.jobStatus}${this.epochChanged}`);
  }

  private life(name: string, life: TaskAbstraction['life']): void {
    const task = this.tasks.get(name);
    if (task === undefined) return;
    task.life = life;
    // An attempt that ended aligns nothing any more; a failed or canceled one awaits no notification.
    if (life === 'f' || life === 'x') task.alignment = 'i';
    if (life === 'x') task.snapshots.clear();
    this.task(name);
  }

  private align(name: string, alignment: TaskAbstraction['alignment'], checkpointId: number): void {
    const task = this.tasks.get(name);
    if (task === undefined) return;
    task.alignment = alignment;
    if (alignment !== 'i') task.aligningId = checkpointId;
    this.task(name);
  }

  private task(name: string): void {
    const task = this.tasks.get(name);
    if (task === undefined) return;
    const blocked = task.alignment !== 'i' && task.barrierId === task.aligningId ? bucket(task.barriers, 2) : 0;
    this.reached.add(`T${task.alignment}${blocked}${bucket(task.snapshots.size, 2)}${task.life}`);
  }

  private transaction(task: string, transactionId: string, status: 'open' | 'pre' | undefined): void {
    let transactions = this.transactions.get(task);
    if (transactions === undefined) this.transactions.set(task, (transactions = new Map()));
    if (status === undefined) transactions.delete(transactionId);
    else transactions.set(transactionId, status);
    let open = 0;
    let pre = 0;
    for (const state of transactions.values()) {
      if (state === 'open') open++;
      else pre++;
    }
    this.reached.add(`S${bucket(open, 2)}${bucket(pre, 3)}`);
  }
}
