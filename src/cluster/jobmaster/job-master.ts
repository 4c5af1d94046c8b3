import type { SimNode } from '../../sim/index.js';
import { eventKind } from '../../sim/index.js';
import { CheckpointCoordinator } from '../checkpoint/checkpoint-coordinator.js';
import type { CheckpointDone } from '../checkpoint/checkpoint-result.js';
import type { ExecutionState, ExecutionView } from '../checkpoint/ports.js';
import type { CheckpointFailureReason, CompletedCheckpoint, SubtaskStateSnapshot } from '../checkpoint/types.js';
import { JobOperatorCoordinators } from '../coordination/job-coordinators.js';
import type { EventSendOutcome, OperatorEvent } from '../coordination/operator-event.js';
import type { JobMasterGateway, ReportedTaskState, TaskExecutor } from '../executor/task-executor.js';
import { producerSubtasks, taskName, type JobGraph, type JobVertex } from '../jobgraph/job-graph.js';
import type { JobStatus } from '../observations.js';
import { checkpointCoordinatorPorts, operatorCoordinatorPorts, type JobMasterPortContext } from './coordinator-ports.js';
import { computeFailoverRegions } from './failover-regions.js';
import type { JobMasterServices } from './job-master-services.js';
import { RestartStrategy } from './restart-strategy.js';
import { holdsSlot, placeTasks } from './slot-placement.js';
import { StopWithSavepointTermination } from './stop-with-savepoint-termination.js';
import { taskDeploymentFor } from './task-deployment-descriptor.js';
import { TaskExecutorHeartbeats } from './task-executor-heartbeats.js';
import { TaskRpc } from './task-rpc.js';

export type { JobMasterServices } from './job-master-services.js';

const restartKind = eventKind('jobmaster.restart');
const scheduleKind = eventKind('jobmaster.schedule');

/** One subtask in the execution graph: its current attempt and where it runs. */
interface ExecutionVertex {
  readonly taskName: string;
  readonly vertex: JobVertex;
  readonly subtaskIndex: number;
  readonly upstream: readonly string[];
  attempt: number;
  state: ExecutionState;
  executor: TaskExecutor | undefined;
  deployedAtUs: number;
}

/** A restart waiting for its delay and for the old attempts to be canceled. */
interface PendingRestart {
  readonly tasks: readonly string[];
  readonly scope: 'region' | 'global';
  readonly cause: string;
  readonly earliestUs: number;
  readonly deadlineUs: number;
  done: boolean;
}


/** How long the scheduler waits for enough slots before it fails the deployment. */
const slotRequestTimeoutUs = 60_000_000;
const slotRetryUs = 100_000;

/**
 * Flink's JobMaster with its scheduler: deploys subtasks into TaskExecutor slots, tracks their
 * execution states and attempts, heartbeats with the executors, restarts failed regions under
 * the restart strategy, and owns the CheckpointCoordinator (started and stopped by job status).
 */
export class JobMaster implements JobMasterGateway {
  readonly node: SimNode;
  readonly leaderEpoch: number;
  readonly coordinator: CheckpointCoordinator;
  /** The operator coordinators of the job's FLIP-27 sources (undefined: none). */
  readonly operatorCoordinators: JobOperatorCoordinators | undefined;
  private status: JobStatus = 'CREATED';
  private readonly vertices: ExecutionVertex[] = [];
  private readonly byName = new Map<string, ExecutionVertex>();
  private readonly heartbeats: TaskExecutorHeartbeats;
  private readonly regions: Map<string, readonly string[]>;
  private readonly restartStrategy: RestartStrategy;
  private restoreFrom: CompletedCheckpoint | undefined;
  private scheduling = false;
  private readonly stopping = new StopWithSavepointTermination();
  private restarts = 0;
  private readonly incarnation: number;
  private readonly pendingRestarts: PendingRestart[] = [];
  private readonly taskRpc: TaskRpc;

  constructor(private readonly services: JobMasterServices, private readonly job: JobGraph, private readonly jobRun: number, restoreFrom: CompletedCheckpoint | undefined) {
    this.node = services.node;
    this.incarnation = services.node.incarnation;
    this.leaderEpoch = services.leaderEpoch;
    this.restoreFrom = restoreFrom;
    this.regions = services.failoverStrategy === 'region' ? computeFailoverRegions(job) : new Map();
    this.restartStrategy = new RestartStrategy(services.restartStrategy);
    for (const vertex of job.vertices) {
      for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
        const name = taskName(vertex.name, subtask);
        const upstream = vertex.inputs.flatMap((edges) =>
          edges.flatMap((edge) => producerSubtasks(edge, this.parallelismOf(edge.source), subtask).map((index) => taskName(edge.source, index))),
        );
        const execution: ExecutionVertex = { taskName: name, vertex, subtaskIndex: subtask, upstream, attempt: -1, state: 'CREATED', executor: undefined, deployedAtUs: 0 };
        this.vertices.push(execution);
        this.byName.set(name, execution);
      }
    }
    this.taskRpc = new TaskRpc(services, (task) => this.byName.get(task));
    this.heartbeats = new TaskExecutorHeartbeats(services.sim, this.node, services.heartbeat, {
      // A JobMaster whose job ended, or that a successor replaced, stops heartbeating.
      isActive: () => this.live && !isTerminal(this.status),
      requestHeartbeat: (executor) => this.taskRpc.sendToExecutor('heartbeat', executor, undefined, () => executor.heartbeatFromJobMaster(this)),
      executorLost: (executor, cause) => this.executorLost(executor, cause),
    });
    const ports: JobMasterPortContext = {
      services,
      node: this.node,
      graph: this,
      taskRpc: this.taskRpc,
      isLive: () => this.live,
      currentAttempt: (task, attempt) => {
        const vertex = this.byName.get(task);
        return vertex !== undefined && vertex.attempt === attempt ? vertex : undefined;
      },
      failTask: (task, cause) => this.handleTaskFailure(task, cause),
      failGlobally: (cause) => this.handleGlobalFailure(cause),
    };
    const operatorCoordinators = new JobOperatorCoordinators(job, operatorCoordinatorPorts(ports));
    this.operatorCoordinators = operatorCoordinators.any ? operatorCoordinators : undefined;
    this.coordinator = new CheckpointCoordinator(services.checkpointConfig, checkpointCoordinatorPorts(ports, this.operatorCoordinators), { plantedBugs: services.plantedBugs, requestIdPrefix: `jm${services.leaderEpoch}-` });
  }

  /**
   * False once this JobMaster's process died: an RPC still addressed to the node (now a new
   * incarnation with a new JobMaster) must not reach this object.
   */
  private get live(): boolean {
    return !this.retired && this.node.alive && this.node.incarnation === this.incarnation;
  }

  private retired = false;

  get jobStatus(): JobStatus {
    return this.status;
  }

  get restartCount(): number {
    return this.restarts;
  }

  /** Starts the job: restore the savepoint or latest checkpoint if any, then schedule every task. */
  start(): void {
    if (this.restoreFrom !== undefined) {
      try {
        this.coordinator.restoreSavepoint(this.restoreFrom);
      } catch (error) {
        // As Flink's Dispatcher does when the scheduler cannot restore the savepoint (its HA
        // store write failed, say): the job fails to initialize, and whoever submitted it decides.
        this.failJob(`JobInitializationException: could not restore ${this.restoreFrom.type} ${this.restoreFrom.checkpointId}: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
    } else this.restoreFrom = this.coordinator.restoreLatestCheckpointedState();
    this.operatorCoordinators?.start();
    this.heartbeats.start();
    this.scheduleTasks(this.vertices.map((vertex) => vertex.taskName), this.services.sim.nowUs);
  }

  /** Flink's SchedulerBase.triggerSavepoint: a plain savepoint while periodic checkpoints go on. */
  triggerSavepoint(done: CheckpointDone): void {
    this.coordinator.triggerSavepoint((result) => {
      // A completed savepoint belongs to the user, whatever becomes of this JobMaster.
      if (result.ok) this.services.onSavepointCompleted(result.checkpoint);
      done(result);
    });
  }

  /** Flink's SchedulerBase.triggerCheckpoint(CheckpointType.FULL): a checkpoint asked for by hand (no minimum pause). */
  triggerCheckpoint(done: CheckpointDone): void {
    this.coordinator.triggerCheckpoint(false, done);
  }

  /**
   * Flink's stop-with-savepoint: a synchronous savepoint after which every task finishes. With
   * `drain`, sources end their input first (stop --drain).
   */
  stopWithSavepoint(done: CheckpointDone, drain = false): void {
    if (this.status !== 'RUNNING') {
      done({ ok: false, reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' });
      return;
    }
    // One stop at a time, as Flink's scheduler refuses a second while the first is in progress.
    if (this.stopping.inProgress) {
      done({ ok: false, reason: 'TOO_MANY_CHECKPOINT_REQUESTS' });
      return;
    }
    const stop = this.stopping.begin(done);
    this.coordinator.stopCheckpointScheduler();
    this.coordinator.triggerSynchronousSavepoint((result) => {
      // A JobMaster that died meanwhile has nothing left to do: its successor takes over.
      if (!this.live) return;
      if (result.ok) {
        // Tasks finish once notified; the stop is answered when the job is FINISHED.
        const ended = this.stopping.savepointCreated(stop, result.checkpoint);
        this.services.onSavepointCompleted(result.checkpoint);
        // The attempts this stop waits for ended while its savepoint was queued: Flink's
        // termination handler finds them not FINISHED once the savepoint exists (FLINK-26783).
        if (ended !== undefined && !isTerminal(this.status) && !this.windingDown) this.failAfterStopSavepoint(result.checkpoint, ended);
        return;
      }
      // The job goes on (unless the failure manager fails it for a declined savepoint).
      if (this.stopping.savepointFailed(stop, result) && this.status === 'RUNNING') this.coordinator.startCheckpointScheduler();
    }, drain);
  }

  /**
   * Flink's cancel: the job goes CANCELLING (the coordinator's scheduler stops, aborting pending
   * checkpoints), every execution is canceled, and once all are gone the job is CANCELED. A
   * restart or stop-with-savepoint in progress is given up. Completed checkpoints stay in the
   * store (RETAIN_ON_CANCELLATION), so a new run may resume from one.
   */
  cancel(done: (result: { readonly ok: true } | { readonly ok: false; readonly reason: string }) => void): void {
    if (isTerminal(this.status) || this.windingDown || !this.live) {
      done({ ok: false, reason: `the job is ${this.status}` });
      return;
    }
    this.cancelDone = done;
    this.setStatus('CANCELLING', 'canceled by the user');
    for (const restart of this.pendingRestarts) restart.done = true;
    this.pendingRestarts.length = 0;
    this.stopping.abandon('CHECKPOINT_COORDINATOR_SUSPEND');
    for (const vertex of this.vertices) this.cancelExecution(vertex);
    // As a restart does: an execution whose cancel is never confirmed counts as gone after the timeout.
    this.services.sim.schedule(this.cancelTimeoutUs(), restartKind, () => {
      if (this.status !== 'CANCELLING') return;
      for (const vertex of this.vertices) if (vertex.state === 'CANCELING') vertex.state = 'CANCELED';
      this.checkCanceled();
    }, this.node);
    this.checkCanceled();
  }

  /** The job is canceling or failing: its executions are being canceled, nothing restarts. */
  private get windingDown(): boolean {
    return this.status === 'CANCELLING' || this.status === 'FAILING';
  }

  private failingCause: string | undefined;

  /**
   * Flink 1.20's StopWithSavepointTerminationHandlerImpl (FLINK-26783, since 1.15): an execution
   * that fails after the stop-with-savepoint savepoint completed, before the job finished, fails
   * the job (StopWithSavepointStoppingException is a NonRecoverableError) instead of restarting it
   * from the latest checkpoint, which would commit again what the savepoint's notification
   * committed. The job goes FAILING, every execution is canceled, and once all are gone it is
   * FAILED and the stop fails, handing back the savepoint: it is consistent, resume from it.
   */
  private failAfterStopSavepoint(savepoint: CompletedCheckpoint, cause: string): void {
    this.failingCause = `StopWithSavepointStoppingException: savepoint ${savepoint.checkpointId} was created, but the job failed while stopping (${cause}); the savepoint is consistent: resume from it`;
    this.setStatus('FAILING', this.failingCause);
    for (const restart of this.pendingRestarts) restart.done = true;
    this.pendingRestarts.length = 0;
    for (const vertex of this.vertices) this.cancelExecution(vertex);
    this.services.sim.schedule(this.cancelTimeoutUs(), restartKind, () => {
      if (this.status !== 'FAILING') return;
      for (const vertex of this.vertices) if (vertex.state === 'CANCELING') vertex.state = 'CANCELED';
      this.checkCanceled();
    }, this.node);
    this.checkCanceled();
  }

  private finishFailing(): void {
    const cause = this.failingCause ?? 'failed';
    // The stop's answer first: its caller resumes from the savepoint, and must know before the job ends.
    this.stopping.jobFailed();
    this.setStatus('FAILED', cause);
    this.services.onTerminal('FAILED', cause);
  }

  private cancelDone: ((result: { readonly ok: true } | { readonly ok: false; readonly reason: string }) => void) | undefined;

  /** A canceling job whose executions are all gone is CANCELED; a failing one, FAILED. */
  private checkCanceled(): void {
    if (!this.windingDown) return;
    if (this.vertices.some((vertex) => vertex.state === 'CANCELING' || vertex.state === 'DEPLOYING' || vertex.state === 'INITIALIZING' || vertex.state === 'RUNNING')) return;
    if (this.status === 'FAILING') {
      this.finishFailing();
      return;
    }
    this.setStatus('CANCELED', 'canceled by the user');
    this.coordinator.shutdown();
    const done = this.cancelDone;
    this.cancelDone = undefined;
    done?.({ ok: true });
    this.services.onTerminal('CANCELED', 'canceled by the user');
  }

  /** The next id this JobMaster's checkpoint id counter would hand out. */
  get checkpointIdCounterValue(): number {
    return this.services.idCounter.get();
  }

  /** The checkpoints this JobMaster's completed store retains. */
  retainedCheckpoints(): readonly CompletedCheckpoint[] {
    return this.services.store.all();
  }

  /**
   * Stops everything this JobMaster runs (its node crashed or the cluster shuts down). A
   * stop-with-savepoint still in progress fails for its caller, as Flink's client sees the
   * request fail when the JobMaster goes: the job is not stopped, and its successor runs it on.
   */
  shutdown(): void {
    if (this.retired) return;
    this.retired = true;
    this.coordinator.shutdown();
    this.operatorCoordinators?.close();
    this.stopping.abandon('CHECKPOINT_COORDINATOR_SHUTDOWN');
    // A cancel in progress is lost with its JobMaster: the successor runs the job on.
    const canceling = this.cancelDone;
    this.cancelDone = undefined;
    canceling?.({ ok: false, reason: 'the JobMaster was lost before the job was CANCELED' });
  }

  // ---- ExecutionGraphView for the coordinator ----------------------------------------------

  executions(): readonly ExecutionView[] {
    return this.vertices.map((vertex) => ({ taskName: vertex.taskName, attempt: vertex.attempt, state: vertex.state, upstream: vertex.upstream }));
  }

  // ---- RPCs from TaskExecutors (JobMasterGateway) -----------------------------------------

  registerTaskExecutor(executor: TaskExecutor): void {
    if (!this.live) return;
    this.heartbeats.register(executor);
  }

  updateTaskExecutionState(executor: string, task: string, attempt: number, state: ReportedTaskState, cause: string | undefined): void {
    if (!this.live) return;
    const sender = this.heartbeats.get(executor);
    if (sender !== undefined) {
      this.taskRpc.sendToExecutor('acknowledge', sender, task, () => sender.acknowledgeStateUpdate(task, attempt, state));
    }
    const vertex = this.byName.get(task);
    if (vertex === undefined || vertex.attempt !== attempt || isTerminal(this.status)) return;
    if (vertex.executor?.name !== executor) return;
    switch (state) {
      case 'INITIALIZING':
      case 'RUNNING':
        if (vertex.state === 'DEPLOYING' || vertex.state === 'INITIALIZING') {
          vertex.state = state;
          // Flink's hasSwitchedToRunning: initializing or running, the coordinator may send to it.
          this.operatorCoordinators?.attemptRunning(vertex.vertex.name, vertex.subtaskIndex, attempt);
        }
        return;
      case 'FINISHED':
        // As Flink's Execution.markFinished: an attempt that finished before a cancel reached it
        // counts as canceled, and one already failed or canceled stays so. Either way it is part
        // of a restart that has begun, and does not make the job FINISHED.
        if (vertex.state === 'CANCELING') {
          vertex.state = 'CANCELED';
          for (const restart of [...this.pendingRestarts]) this.maybeRestart(restart);
          this.checkCanceled();
          return;
        }
        if (vertex.state !== 'DEPLOYING' && vertex.state !== 'INITIALIZING' && vertex.state !== 'RUNNING') return;
        vertex.state = 'FINISHED';
        this.checkFinished();
        return;
      case 'FAILED':
        this.handleTaskFailure(task, cause ?? 'task failed');
        return;
      case 'CANCELED':
        // A cancel that found nothing to cancel: the attempt already ended, and that stands.
        if (vertex.state === 'FINISHED' || vertex.state === 'FAILED') return;
        if (vertex.state !== 'CANCELING' && vertex.state !== 'CANCELED') {
          this.handleTaskFailure(task, `task ${task} was canceled on ${executor}`);
          return;
        }
        vertex.state = 'CANCELED';
        for (const restart of [...this.pendingRestarts]) this.maybeRestart(restart);
        this.checkCanceled();
        return;
    }
  }

  acknowledgeCheckpoint(task: string, attempt: number, checkpointId: number, snapshot: SubtaskStateSnapshot): void {
    if (!this.live) return;
    this.coordinator.receiveAcknowledgeMessage(task, attempt, checkpointId, snapshot);
  }

  declineCheckpoint(task: string, attempt: number, checkpointId: number, reason: CheckpointFailureReason): void {
    if (!this.live) return;
    this.coordinator.receiveDeclineMessage(task, attempt, checkpointId, reason);
  }

  /**
   * Flink's sendOperatorEventToCoordinator: an event from a task to its coordinator, accepted
   * only from the subtask's current attempt while it initializes or runs; answered either way.
   */
  sendOperatorEventToCoordinator(executor: string, task: string, attempt: number, event: OperatorEvent, reply: (outcome: EventSendOutcome) => void): void {
    if (!this.live) return;
    const vertex = this.byName.get(task);
    const current = vertex !== undefined && vertex.attempt === attempt && (vertex.state === 'DEPLOYING' || vertex.state === 'INITIALIZING' || vertex.state === 'RUNNING');
    const accepted = current && this.operatorCoordinators?.eventFromTask(vertex.vertex.name, vertex.subtaskIndex, attempt, event) === true;
    const outcome: EventSendOutcome = accepted ? { ok: true } : { ok: false, cause: `TaskNotRunningException: ${task}@${attempt} is not the running attempt` };
    const sender = this.heartbeats.get(executor);
    if (sender !== undefined) this.taskRpc.sendToExecutor('operatorEventAck', sender, task, () => reply(outcome));
  }

  heartbeatFromTaskExecutor(executorName: string, runningTasks: readonly string[]): void {
    if (!this.live) return;
    const executor = this.heartbeats.heard(executorName);
    if (executor !== undefined) this.reconcile(executor, new Set(runningTasks));
  }

  // ---- scheduling ------------------------------------------------------------------------

  private scheduleTasks(tasks: readonly string[], sinceUs: number): void {
    // A job canceled (or failing) while it waited for slots deploys nothing.
    if (isTerminal(this.status) || this.windingDown || !this.live) return;
    const placement = placeTasks(tasks, this.heartbeats.executors(), this.vertices, this.services.random);
    if (placement === undefined) {
      if (this.services.sim.nowUs - sinceUs >= slotRequestTimeoutUs) {
        this.handleGlobalFailure(`NoResourceAvailableException: not enough slots for ${tasks.length} tasks`);
        return;
      }
      this.services.sim.schedule(slotRetryUs, scheduleKind, () => this.scheduleTasks(tasks, sinceUs), this.node);
      return;
    }
    const restore = this.restoreFrom;
    for (const task of tasks) {
      const vertex = this.byName.get(task) as ExecutionVertex;
      vertex.attempt = this.services.nextAttempt(task);
      vertex.state = 'DEPLOYING';
      vertex.executor = placement.get(task);
      vertex.deployedAtUs = this.services.sim.nowUs;
      this.operatorCoordinators?.attemptDeployed(vertex.vertex.name, vertex.subtaskIndex, vertex.attempt);
    }
    for (const task of tasks) this.deploy(this.byName.get(task) as ExecutionVertex, restore);
    this.setStatus('RUNNING', undefined);
  }

  private deploy(vertex: ExecutionVertex, restore: CompletedCheckpoint | undefined): void {
    const executor = vertex.executor as TaskExecutor;
    const deployment = taskDeploymentFor(this.job, this.jobRun, vertex, (task) => (this.byName.get(task) as ExecutionVertex).attempt, restore, this.services.plantedBugs);
    this.taskRpc.sendToExecutor('submitTask', executor, vertex.taskName, () => executor.submitTask(deployment, this.leaderEpoch));
    // submitTask is an ask with a timeout in Flink: a deployment that never starts fails the execution.
    const attempt = vertex.attempt;
    this.taskRpc.afterAskTimeout(() => {
      if (vertex.attempt === attempt && vertex.state === 'DEPLOYING') this.handleTaskFailure(vertex.taskName, `submitTask of ${vertex.taskName}@${attempt} timed out`);
    });
  }

  // ---- failover --------------------------------------------------------------------------

  private handleTaskFailure(task: string, cause: string): void {
    const vertex = this.byName.get(task) as ExecutionVertex;
    this.operatorCoordinators?.attemptFailed(vertex.vertex.name, vertex.subtaskIndex, vertex.attempt, cause);
    if (vertex.state === 'CANCELING') {
      // Failing while being canceled: it is gone, which is all a pending restart waits for.
      vertex.state = 'FAILED';
      for (const restart of [...this.pendingRestarts]) this.maybeRestart(restart);
      this.checkCanceled();
      return;
    }
    if (vertex.state === 'CANCELED' || vertex.state === 'FAILED') return;
    // A canceling job restarts nothing: the failed execution is gone, which is all the cancel waits for.
    if (this.windingDown) {
      vertex.state = 'FAILED';
      this.checkCanceled();
      return;
    }
    // Already part of a restart that has not deployed yet: that restart covers this failure too.
    if (this.pendingRestarts.some((restart) => restart.tasks.includes(task))) return;
    vertex.state = 'FAILED';
    const region = this.services.failoverStrategy === 'region' ? (this.regions.get(task) as readonly string[]) : this.allTasks();
    this.restartTasks(region, 'region', cause);
  }

  private handleGlobalFailure(cause: string): void {
    if (isTerminal(this.status) || this.windingDown || !this.live) return;
    // One global restart at a time: a second cause while one is pending changes nothing.
    if (this.pendingRestarts.some((restart) => restart.scope === 'global')) return;
    this.setStatus('RESTARTING', cause);
    this.restartTasks(this.allTasks(), 'global', cause);
  }

  /**
   * Restarts tasks as Flink's scheduler does: abort pending checkpoints, cancel the old attempts,
   * and once they are all gone (or the cancel timeout passed) and the restart delay elapsed,
   * restore the latest checkpoint and deploy new attempts.
   */
  private restartTasks(tasks: readonly string[], scope: 'region' | 'global', cause: string): void {
    const stopSavepoint = this.stopping.createdSavepoint;
    if (stopSavepoint !== undefined) {
      this.failAfterStopSavepoint(stopSavepoint, cause);
      return;
    }
    const decision = this.restartStrategy.decide(this.services.sim.nowUs);
    if (!decision.restart) {
      this.failJob(`${cause}; ${decision.reason}`);
      return;
    }
    this.restarts++;
    // A stop whose savepoint is pending fails here (its savepoint is aborted, the stop answered,
    // checkpointing resumed, as Flink's termination handler does on the savepoint's failure).
    this.coordinator.abortPendingCheckpoints('JOB_FAILOVER_REGION');
    for (const task of tasks) this.cancelExecution(this.byName.get(task) as ExecutionVertex);
    // A stop whose savepoint is still queued goes on: Flink's restoreState aborts pending
    // checkpoints only, and the stop answers once its savepoint completes or fails. Its executions
    // have now ended without finishing, which the stop learns when its savepoint exists.
    this.stopping.executionsEnded(cause);
    const now = this.services.sim.nowUs;
    const restart: PendingRestart = { tasks, scope, cause, earliestUs: now + decision.delayUs, deadlineUs: now + decision.delayUs + this.cancelTimeoutUs(), done: false };
    this.pendingRestarts.push(restart);
    this.services.sim.schedule(decision.delayUs, restartKind, () => this.maybeRestart(restart), this.node);
    this.services.sim.schedule(restart.deadlineUs - now, restartKind, () => this.maybeRestart(restart), this.node);
  }

  private cancelTimeoutUs(): number {
    return this.services.heartbeat.timeoutUs * 2;
  }

  private maybeRestart(restart: PendingRestart): void {
    if (restart.done || isTerminal(this.status)) return;
    const now = this.services.sim.nowUs;
    if (now < restart.earliestUs) return;
    const stillCanceling = restart.tasks.some((task) => (this.byName.get(task) as ExecutionVertex).state === 'CANCELING');
    if (stillCanceling && now < restart.deadlineUs) return;
    restart.done = true;
    this.pendingRestarts.splice(this.pendingRestarts.indexOf(restart), 1);
    for (const task of restart.tasks) (this.byName.get(task) as ExecutionVertex).state = 'CANCELED';
    // A regional failover resets the restarted subtasks' coordinators subtask by subtask (Flink's
    // notifyCoordinatorsOfSubtaskRestore); a global one resets every coordinator to the checkpoint.
    const coordinators = this.operatorCoordinators;
    const regional = restart.scope === 'region';
    const restored = coordinators === undefined ? this.coordinator.restoreLatestCheckpointedState() : coordinators.restoring(regional, () => this.coordinator.restoreLatestCheckpointedState());
    const checkpoint = restored ?? this.restoreFrom;
    if (coordinators !== undefined && regional) {
      for (const task of restart.tasks) {
        const restarted = this.byName.get(task) as ExecutionVertex;
        coordinators.subtaskReset(restarted.vertex.name, restarted.subtaskIndex, checkpoint?.checkpointId);
      }
    }
    this.restoreFrom = checkpoint;
    this.services.observations.publish({ type: 'failover', scope: restart.scope, tasks: restart.tasks, cause: restart.cause, restoreCheckpointId: checkpoint?.checkpointId });
    this.scheduleTasks(restart.tasks, now);
  }

  private cancelExecution(vertex: ExecutionVertex): void {
    const executor = vertex.executor;
    const live = vertex.state === 'DEPLOYING' || vertex.state === 'INITIALIZING' || vertex.state === 'RUNNING';
    // Flink's notifyCoordinatorOfCancellation: a canceled attempt has failed, for its coordinator.
    if (live) this.operatorCoordinators?.attemptFailed(vertex.vertex.name, vertex.subtaskIndex, vertex.attempt, 'canceled');
    vertex.state = live && executor !== undefined && executor.node.alive ? 'CANCELING' : 'CANCELED';
    if (vertex.state === 'CANCELED' || executor === undefined) return;
    // Capture the attempt now: by the time the RPC arrives the vertex may hold a newer one.
    const attempt = vertex.attempt;
    this.taskRpc.sendToExecutor('cancelTask', executor, vertex.taskName, () =>
      executor.cancelTask(vertex.taskName, attempt),
    );
  }

  private failJob(cause: string): void {
    for (const vertex of this.vertices) this.cancelExecution(vertex);
    this.setStatus('FAILED', cause);
    this.services.onTerminal('FAILED', cause);
  }

  private checkFinished(): void {
    if (!this.vertices.every((vertex) => vertex.state === 'FINISHED')) return;
    this.setStatus('FINISHED', undefined);
    this.stopping.jobFinished();
    this.services.onTerminal('FINISHED', undefined);
  }

  private setStatus(status: JobStatus, cause: string | undefined): void {
    if (this.status === status) return;
    this.status = status;
    this.services.observations.publish({ type: 'job-status', status, cause });
    this.coordinator.jobStatusChanges(status);
  }

  // ---- heartbeats and reconciliation -----------------------------------------------------

  /** An executor is lost: every execution it ran that had not finished fails. */
  private executorLost(executor: TaskExecutor, cause: string): void {
    const name = executor.name;
    this.services.observations.publish({ type: 'executor-lost', executor: name, cause });
    for (const vertex of this.vertices) {
      if (vertex.executor === executor && holdsSlot(vertex.state) && vertex.state !== 'FINISHED') {
        this.handleTaskFailure(vertex.taskName, `TaskManager ${name} lost: ${cause}`);
      }
    }
  }

  /** Cancels attempts an executor runs that are not current; fails current ones it lost. */
  private reconcile(executor: TaskExecutor, running: ReadonlySet<string>): void {
    for (const entry of running) {
      const at = entry.lastIndexOf('@');
      const task = entry.slice(0, at);
      const attempt = Number(entry.slice(at + 1));
      const vertex = this.byName.get(task);
      if (vertex !== undefined && vertex.attempt === attempt && vertex.executor === executor && vertex.state !== 'CANCELED') continue;
      this.taskRpc.sendToExecutor('cancelTask', executor, task, () => executor.cancelTask(task, attempt));
    }
    const graceUs = this.services.heartbeat.intervalUs * 2;
    for (const vertex of this.vertices) {
      if (vertex.executor !== executor || (vertex.state !== 'INITIALIZING' && vertex.state !== 'RUNNING')) continue;
      if (running.has(`${vertex.taskName}@${vertex.attempt}`) || this.services.sim.nowUs - vertex.deployedAtUs < graceUs) continue;
      this.handleTaskFailure(vertex.taskName, `execution ${vertex.taskName}@${vertex.attempt} is missing on ${executor.name}`);
    }
  }

  private allTasks(): string[] {
    return this.vertices.map((vertex) => vertex.taskName);
  }

  private parallelismOf(vertexName: string): number {
    return (this.job.vertices.find((vertex) => vertex.name === vertexName) as JobVertex).parallelism;
  }
}

function isTerminal(status: JobStatus): boolean {
  return status === 'FINISHED' || status === 'FAILED' || status === 'CANCELED';
}
