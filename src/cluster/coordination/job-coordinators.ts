import { bugOn } from '../planted-bugs.js';
import type { ProtocolStep } from '../hooks.js';
import { taskName, type JobGraph } from '../jobgraph/job-graph.js';
import type { ObservationBody } from '../observations.js';
import type { PartitionedLog } from '../storage/partitioned-log.js';
import { SourceCoordinator } from '../connectors/flip27/source-coordinator.js';
import type { EnumeratorState, PartitionSplit } from '../connectors/flip27/split.js';
import { EventSendResult, type OperatorEvent } from './operator-event.js';
import type { OperatorCoordinatorContext } from './operator-coordinator.js';
import { OperatorCoordinatorHolder } from './operator-coordinator-holder.js';

/** The state one coordinator returned for a checkpoint, keyed by its operator (Flink's OperatorState coordinator state). */
export interface CoordinatorStateEntry {
  readonly operatorId: string;
  readonly state: unknown;
}

/** How checkpointing every coordinator ended. */
export type CoordinatorsCheckpointResult = { readonly ok: true; readonly states: readonly CoordinatorStateEntry[] } | { readonly ok: false; readonly error: unknown };

/** What the job's coordinators need of their JobMaster. */
export interface JobCoordinatorsPorts {
  readonly nowUs: number;
  /** A timer on the JobMaster's node: it dies with the JobMaster. */
  schedule(delayUs: number, action: () => void): void;
  /** Sends an event to an attempt over RPC; `result` settles with the task's answer, or a failure (unreachable, timed out). */
  sendEventToTask(task: string, attempt: number, event: OperatorEvent, result: EventSendResult): void;
  /** True while `attempt` is the task's current attempt and it is deployed, initializing or running. */
  isStillRunning(task: string, attempt: number): boolean;
  /** Fails an attempt over (Flink's Execution.fail from SubtaskAccess.triggerTaskFailover). */
  failTask(task: string, attempt: number, cause: string): void;
  /** A global failure (the coordinator's context failJob). */
  failJob(cause: string): void;
  step(step: ProtocolStep): void;
  publish(body: ObservationBody): void;
  readonly plantedBugs: readonly string[];
  readonly logs: ReadonlyMap<string, PartitionedLog>;
}

/**
 * The operator coordinators of one job on its JobMaster, with what Flink's scheduler does for
 * them (DefaultOperatorCoordinatorHandler, OperatorCoordinatorCheckpoints): one holder per
 * FLIP-27 source vertex, checkpointed together before the tasks are triggered, told of completed
 * and aborted checkpoints, reset on a global failover and per subtask on a regional one, told of
 * attempts that fail and that start running, and the way events reach them from tasks.
 */
export class JobOperatorCoordinators {
  private readonly holders = new Map<string, OperatorCoordinatorHolder>();
  /** Attempts the coordinators were told failed, so a failure and the cancel that follows count once. */
  private readonly failedAttempts = new Set<string>();
  /** While a regional restore runs, a reset of every coordinator is not Flink's: subtasks are reset one by one instead. */
  private regionalRestore = false;

  constructor(job: JobGraph, private readonly ports: JobCoordinatorsPorts) {
    for (const vertex of job.vertices) {
      const operator = vertex.operator;
      if (operator.kind !== 'source' || operator.flip27 === undefined) continue;
      const log = ports.logs.get(operator.topic);
      if (log === undefined) throw new Error(`no log for the FLIP-27 source ${vertex.name}`);
      const topic = { firstPartition: log.firstPartition, partitionCount: log.partitionCount, discovery: operator.flip27 };
      const listener = this.sourceListener(vertex.name);
      const bugs = { returnsSplitsOnFailure: bugOn(ports.plantedBugs, 'source-returns-splits-on-failure') };
      const create = (context: OperatorCoordinatorContext) => new SourceCoordinator(context, topic, listener, bugs);
      this.holders.set(vertex.name, new OperatorCoordinatorHolder(create, this.contextFor(vertex.name, vertex.parallelism), {
        ignoresInflightEvents: bugOn(ports.plantedBugs, 'coordinator-checkpoint-ignores-inflight-events'),
        gatewayNeverCloses: bugOn(ports.plantedBugs, 'coordinator-gateway-never-closes'),
      }, {
        eventsAwaited: (checkpointId, events) => ports.publish({ type: 'coordinator-events-awaited', operator: vertex.name, checkpointId, events }),
      }));
    }
  }

  /** True when the job has at least one coordinator. */
  get any(): boolean {
    return this.holders.size > 0;
  }

  /** The holder of a vertex's coordinator (for tests). */
  holder(vertex: string): OperatorCoordinatorHolder | undefined {
    return this.holders.get(vertex);
  }

  start(): void {
    for (const holder of this.holders.values()) holder.start();
  }

  close(): void {
    for (const holder of this.holders.values()) holder.close();
  }

  // ---- the checkpoint coordinator's side ------------------------------------------------------

  /**
   * Flink's OperatorCoordinatorCheckpoints.triggerAndAcknowledgeAllCoordinatorCheckpoints: every
   * coordinator's snapshot, and `done` once all are in (or at the first failure).
   */
  checkpointAll(checkpointId: number, done: (result: CoordinatorsCheckpointResult) => void): void {
    const holders = [...this.holders.values()];
    const states: CoordinatorStateEntry[] = [];
    let remaining = holders.length;
    let finished = false;
    if (remaining === 0) return done({ ok: true, states });
    for (const holder of holders) {
      holder.checkpointCoordinator(checkpointId, (outcome) => {
        if (finished) return;
        if (!outcome.ok) {
          finished = true;
          return done({ ok: false, error: new Error(outcome.cause) });
        }
        states.push({ operatorId: holder.operatorName, state: outcome.state });
        remaining--;
        if (remaining === 0) {
          finished = true;
          done({ ok: true, states: states.sort((a, b) => (a.operatorId < b.operatorId ? -1 : a.operatorId > b.operatorId ? 1 : 0)) });
        }
      });
    }
  }

  abortCurrentTriggering(): void {
    for (const holder of this.holders.values()) holder.abortCurrentTriggering();
  }

  notifyComplete(checkpointId: number): void {
    for (const holder of this.holders.values()) holder.notifyCheckpointComplete(checkpointId);
  }

  notifyAborted(checkpointId: number): void {
    for (const holder of this.holders.values()) holder.notifyCheckpointAborted(checkpointId);
  }

  /**
   * A global restore (or a new JobMaster's): every coordinator goes back to its state in the
   * checkpoint. Skipped during a regional restore, where Flink resets subtasks instead.
   */
  resetToCheckpoint(checkpointId: number | undefined, states: readonly CoordinatorStateEntry[]): void {
    if (this.regionalRestore) return;
    for (const [name, holder] of this.holders) {
      holder.resetToCheckpoint(checkpointId, states.find((entry) => entry.operatorId === name)?.state);
    }
  }

  // ---- the scheduler's side -------------------------------------------------------------------

  /**
   * Runs `restore` (the checkpoint coordinator's restore) as the restore of a regional failover
   * when `regional`: coordinators are not reset as a whole, each restarted subtask is, after.
   */
  restoring<T>(regional: boolean, restore: () => T): T {
    this.regionalRestore = regional;
    try {
      return restore();
    } finally {
      this.regionalRestore = false;
    }
  }

  /** A new attempt was deployed: its gateway replaces the old attempt's. */
  attemptDeployed(vertex: string, subtask: number, attempt: number): void {
    const holder = this.holders.get(vertex);
    if (holder === undefined) return;
    const task = taskName(vertex, subtask);
    holder.setupSubtaskGateway({
      subtask,
      attempt,
      taskName: task,
      sendNow: (event, result) => {
        this.ports.step({ name: 'coordinator.operator-event-sent', task });
        this.ports.sendEventToTask(task, attempt, event, result);
      },
      isStillRunning: () => this.ports.isStillRunning(task, attempt),
      triggerTaskFailover: (cause) => this.ports.failTask(task, attempt, cause),
    });
  }

  attemptRunning(vertex: string, subtask: number, attempt: number): void {
    this.holders.get(vertex)?.executionAttemptRunning(subtask, attempt);
  }

  /** An attempt failed or was canceled for a failover; told once per attempt. */
  attemptFailed(vertex: string, subtask: number, attempt: number, reason: string): void {
    const holder = this.holders.get(vertex);
    const key = `${vertex}#${subtask}@${attempt}`;
    if (holder === undefined || attempt < 0 || this.failedAttempts.has(key)) return;
    this.failedAttempts.add(key);
    holder.executionAttemptFailed(subtask, attempt, reason);
  }

  /** A regional failover restored this subtask from `checkpointId`. */
  subtaskReset(vertex: string, subtask: number, checkpointId: number | undefined): void {
    this.holders.get(vertex)?.subtaskReset(subtask, checkpointId);
  }

  /** An event from a task to its coordinator (the JobMaster checked the attempt is current). */
  eventFromTask(vertex: string, subtask: number, attempt: number, event: OperatorEvent): boolean {
    const holder = this.holders.get(vertex);
    if (holder === undefined) return false;
    this.ports.step({ name: 'coordinator.operator-event-received', task: taskName(vertex, subtask) });
    holder.handleEventFromOperator(subtask, attempt, event);
    return true;
  }

  private contextFor(operatorName: string, parallelism: number): OperatorCoordinatorContext {
    const ports = this.ports;
    return {
      operatorName,
      parallelism,
      get nowUs() {
        return ports.nowUs;
      },
      schedule: (delayUs, action) => ports.schedule(delayUs, action),
      failJob: (cause) => ports.failJob(cause),
      step: (name, detail) => ports.step({ name, ...(detail?.task === undefined ? {} : { task: detail.task }), ...(detail?.checkpointId === undefined ? {} : { checkpointId: detail.checkpointId }) }),
    };
  }

  private sourceListener(operator: string) {
    const publish = (body: ObservationBody): void => this.ports.publish(body);
    const splits = (list: readonly PartitionSplit[]) => list.map((split) => ({ partition: split.partition, offset: split.offset }));
    const state = (enumerator: EnumeratorState) => ({ unassigned: splits(enumerator.unassigned), discovered: [...enumerator.discovered] });
    return {
      splitsAssigned: (subtask: number, attempt: number, list: readonly PartitionSplit[]) => publish({ type: 'splits-assigned', operator, subtask, attempt, splits: splits(list) }),
      splitsAddedBack: (subtask: number, list: readonly PartitionSplit[], restoredCheckpointId: number | undefined) =>
        publish({ type: 'splits-added-back', operator, subtask, restoredCheckpointId, splits: splits(list) }),
      enumeratorReset: (checkpointId: number | undefined, enumerator: EnumeratorState) => publish({ type: 'enumerator-reset', operator, checkpointId, state: state(enumerator) }),
      enumeratorSnapshot: (checkpointId: number, enumerator: EnumeratorState) => publish({ type: 'enumerator-snapshot-taken', operator, checkpointId, state: state(enumerator) }),
    };
  }
}
