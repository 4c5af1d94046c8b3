import type { RandomStream, SimNode, Simulation } from '../../sim/index.js';
import type { FileStore } from '../storage/file-store.js';
import { eventKind } from '../../sim/index.js';
import type { ChannelOptions, RpcNetwork } from '../../net/index.js';
import type { CheckpointBarrier, CheckpointConfig, CheckpointFailureReason, SubtaskStateSnapshot } from '../checkpoint/types.js';
import type { RuntimeHooks } from '../hooks.js';
import type { JobVertex } from '../jobgraph/job-graph.js';
import type { ObservationBus } from '../observations.js';
import type { EventSendOutcome, OperatorEvent } from '../coordination/operator-event.js';
import type { CheckpointStorage } from '../storage/checkpoint-storage.js';
import type { PartitionedLog } from '../storage/partitioned-log.js';
import type { TransactionalStore } from '../storage/transactional-store.js';
import type { BarrierHandlerFactory } from '../task/barrier-handler.js';
import type { StreamOperator } from '../task/operator.js';
import { StreamTask } from '../task/stream-task.js';
import type { TaskDeployment, TaskEnvironment } from '../task/task-environment.js';
import type { ShuffleService } from './shuffle-service.js';

const monitorKind = eventKind('executor.heartbeat-monitor');
const askTimeoutKind = eventKind('executor.ask-timeout');
const unregisterKind = eventKind('executor.unregister-task');

/**
 * How long a task that reached a final state stays in the executor before its main thread
 * unregisters it, in microseconds (Flink: the Task thread finishes its partitions and releases
 * its resources before the TaskExecutor runs unregisterTaskAndNotifyFinalState).
 */
const unregisterDelayUs = { low: 100, high: 2_000 } as const;

/** Flink's RPC ask timeout (akka.ask.timeout), scaled down like the heartbeats. */
const askTimeoutUs = 2_000_000;

/** Task states a TaskExecutor reports to the JobMaster (updateTaskExecutionState). */
export type ReportedTaskState = 'INITIALIZING' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED';

/** The JobMaster's RPC gateway as TaskExecutors use it. */
export interface JobMasterGateway {
  readonly node: SimNode;
  readonly leaderEpoch: number;
  registerTaskExecutor(executor: TaskExecutor): void;
  updateTaskExecutionState(executor: string, task: string, attempt: number, state: ReportedTaskState, cause: string | undefined): void;
  acknowledgeCheckpoint(task: string, attempt: number, checkpointId: number, snapshot: SubtaskStateSnapshot): void;
  declineCheckpoint(task: string, attempt: number, checkpointId: number, reason: CheckpointFailureReason): void;
  heartbeatFromTaskExecutor(executor: string, runningTasks: readonly string[]): void;
  /**
   * An operator event from a task to its operator's coordinator (Flink's
   * sendOperatorEventToCoordinator, an ask): `reply` runs on the executor with the answer.
   */
  sendOperatorEventToCoordinator(executor: string, task: string, attempt: number, event: OperatorEvent, reply: (outcome: EventSendOutcome) => void): void;
}

/** Heartbeat timing (Flink: heartbeat.interval and heartbeat.timeout, scaled down for simulation). */
export interface HeartbeatOptions {
  readonly intervalUs: number;
  readonly timeoutUs: number;
}

export const defaultHeartbeatOptions: HeartbeatOptions = { intervalUs: 1_000_000, timeoutUs: 5_000_000 };

/** Everything a TaskExecutor shares with the rest of the cluster. */
export interface ExecutorServices {
  readonly sim: Simulation;
  readonly rpc: RpcNetwork;
  readonly hooks: RuntimeHooks;
  readonly observations: ObservationBus;
  readonly storage: CheckpointStorage;
  readonly sinkStore: TransactionalStore;
  /** The file system FileSinks write part files to. */
  readonly fileStore: FileStore;
  readonly logs: ReadonlyMap<string, PartitionedLog>;
  readonly shuffle: ShuffleService;
  readonly checkpointConfig: CheckpointConfig;
  /** Keyed state checkpoints incrementally (ClusterConfig.incrementalCheckpoints). */
  readonly incrementalCheckpoints?: boolean;
  readonly channelOptions: ChannelOptions;
  readonly dataRandom: RandomStream;
  readonly barrierHandlerFactory: BarrierHandlerFactory;
  readonly plantedBugs: readonly string[];
  readonly operatorFactory: (vertex: JobVertex) => StreamOperator;
  readonly heartbeat: HeartbeatOptions;
  /** HA leader retrieval: the current JobMaster, or undefined during an election. */
  leader(): JobMasterGateway | undefined;
}

/**
 * Flink's TaskExecutor: a process with task slots that runs the subtasks the JobMaster deploys
 * to it, forwards checkpoint RPCs to them, and heartbeats with the JobMaster. A crash loses every
 * task on it; after a restart it registers again as a new incarnation.
 */
export class TaskExecutor {
  readonly node: SimNode;
  private readonly tasks = new Map<string, StreamTask>();
  /** Per task, the newest attempt deployed here: an older or equal one is a duplicated or overtaken deploy RPC. */
  private readonly newestAttempts = new Map<string, number>();
  private readonly pendingStateAcks = new Set<string>();
  /**
   * Tasks that reached a final state and are not unregistered yet: checkpoint RPCs still reach
   * them, and (as Flink's Task does for an execution state other than RUNNING) they decline a
   * trigger as not ready and ignore notifications. Nothing else sees them.
   */
  private readonly unregistering = new Map<string, StreamTask>();
  private jobMaster: JobMasterGateway | undefined;
  private lastHeartbeatUs = 0;
  private readonly environment: TaskEnvironment;

  constructor(private readonly services: ExecutorServices, readonly name: string, readonly slots: number) {
    this.node = services.sim.createNode(name);
    this.node.onCrash(() => {
      this.tasks.clear();
      this.unregistering.clear();
      this.newestAttempts.clear();
      this.pendingStateAcks.clear();
      this.jobMaster = undefined;
      services.shuffle.nodeCrashed(this.node);
    });
    this.environment = this.createEnvironment();
  }

  /** Starts (or, after a restart, restarts) the executor: register with the leader and monitor it. */
  start(): void {
    this.lastHeartbeatUs = this.services.sim.nowUs;
    this.register();
    this.monitor();
  }

  /** The attempt of `taskName` running here, if any (for fault injection through the cluster's hooks). */
  taskNamed(taskName: string): StreamTask | undefined {
    for (const task of this.tasks.values()) if (task.taskName === taskName) return task;
    return undefined;
  }

  /** Task names with attempts currently running here, sorted (the heartbeat payload). */
  runningTasks(): string[] {
    return [...this.tasks.keys()].sort();
  }

  // ---- RPCs from the JobMaster -----------------------------------------------------------

  submitTask(deployment: TaskDeployment, leaderEpoch: number): void {
    if (!this.acceptsLeader(leaderEpoch)) return;
    const key = `${deployment.taskName}@${deployment.attempt}`;
    // A duplicated deploy RPC, even one arriving after its attempt ended: Flink's RPC delivers a
    // message at most once, so the duplicate must not start that attempt again.
    const newest = this.newestAttempts.get(deployment.taskName);
    if (newest !== undefined && deployment.attempt <= newest) return;
    this.newestAttempts.set(deployment.taskName, deployment.attempt);
    const task = new StreamTask(deployment, this.environment);
    this.tasks.set(key, task);
    this.services.observations.publish({ type: 'task-deployed', task: deployment.taskName, attempt: deployment.attempt, executor: this.name });
    task.start();
  }

  cancelTask(taskName: string, attempt: number): void {
    const task = this.tasks.get(`${taskName}@${attempt}`);
    if (task === undefined) {
      // Already gone: tell the JobMaster so it does not wait for it.
      this.report(taskName, attempt, 'CANCELED', undefined);
      return;
    }
    task.cancel();
  }

  triggerCheckpoint(taskName: string, attempt: number, barrier: CheckpointBarrier): void {
    this.services.observations.publish({ type: 'checkpoint-trigger-received', checkpointId: barrier.checkpointId, task: taskName, attempt });
    const task = this.checkpointTarget(taskName, attempt);
    if (task === undefined) {
      this.declineCheckpoint(taskName, attempt, barrier.checkpointId, 'CHECKPOINT_DECLINED_TASK_NOT_READY');
      return;
    }
    task.triggerCheckpointAsync(barrier);
  }

  notifyCheckpointComplete(taskName: string, attempt: number, checkpointId: number): void {
    const task = this.checkpointTarget(taskName, attempt);
    if (this.services.hooks.hasStepListeners) this.services.hooks.step({ name: 'executor.notify-complete-received', task: taskName, executor: this.name, checkpointId });
    task?.notifyCheckpointCompleteAsync(checkpointId);
  }

  notifyCheckpointAborted(taskName: string, attempt: number, checkpointId: number): void {
    this.checkpointTarget(taskName, attempt)?.notifyCheckpointAbortedAsync(checkpointId);
  }

  /** The attempt a checkpoint RPC reaches: a registered task, or one that ended and is not unregistered yet. */
  private checkpointTarget(taskName: string, attempt: number): StreamTask | undefined {
    const key = `${taskName}@${attempt}`;
    return this.tasks.get(key) ?? this.unregistering.get(key);
  }

  /**
   * An operator event from a coordinator (Flink's sendOperatorEventToTask, an ask): handed to the
   * task's mailbox, and answered with whether the task took it (a task not running cannot).
   */
  sendOperatorEventToTask(taskName: string, attempt: number, event: OperatorEvent, reply: (outcome: EventSendOutcome) => void): void {
    const task = this.tasks.get(`${taskName}@${attempt}`);
    const outcome: EventSendOutcome = task !== undefined && task.deliverOperatorEvent(event) ? { ok: true } : { ok: false, cause: `TaskNotRunningException: ${taskName}@${attempt} is not running on ${this.name}` };
    this.send('operatorEventAck', taskName, undefined, () => reply(outcome));
  }

  /** A heartbeat request from the JobMaster; the reply carries the running tasks. */
  heartbeatFromJobMaster(jobMaster: JobMasterGateway): void {
    if (!this.acceptsLeader(jobMaster.leaderEpoch)) return;
    if (this.jobMaster !== undefined && this.jobMaster !== jobMaster) {
      // A new leader: the old one's tasks are orphans.
      for (const task of [...this.tasks.values()]) task.cancel();
      this.tasks.clear();
    }
    this.jobMaster = jobMaster;
    this.lastHeartbeatUs = this.services.sim.nowUs;
    const running = this.runningTasks();
    this.send('heartbeat', undefined, undefined, (gateway) => gateway.heartbeatFromTaskExecutor(this.name, running));
  }

  /**
   * HA leader retrieval told this executor that leadership changed: the old leader's tasks are
   * orphans, and the executor registers with the new leader at once.
   */
  leaderChanged(): void {
    for (const task of [...this.tasks.values()]) task.cancel();
    this.tasks.clear();
    this.jobMaster = undefined;
    this.lastHeartbeatUs = this.services.sim.nowUs;
    this.register();
  }

  // ---- internals -----------------------------------------------------------------------------

  /**
   * Takes an ended task out of the registered ones at once (it is neither running nor heartbeated
   * any more), but keeps it reachable by checkpoint RPCs until the executor's main thread
   * unregisters it a moment later (a new named random stream draws the delay).
   */
  private unregisterLater(key: string): void {
    const task = this.tasks.get(key);
    if (task === undefined) return;
    this.tasks.delete(key);
    this.unregistering.set(key, task);
    const delayUs = this.services.sim.random('executor.unregister-delay').intBetween(unregisterDelayUs.low, unregisterDelayUs.high);
    this.services.sim.schedule(delayUs, unregisterKind, () => {
      if (this.unregistering.get(key) === task) this.unregistering.delete(key);
    }, this.node);
  }

  private acceptsLeader(leaderEpoch: number): boolean {
    const leader = this.services.leader();
    return leader !== undefined && leader.leaderEpoch === leaderEpoch;
  }

  private register(): void {
    const leader = this.services.leader();
    if (leader === undefined) return;
    this.services.rpc.send(this.node, leader.node, { method: 'registerTaskExecutor', source: this.name, target: 'jobmaster', task: undefined, checkpointId: undefined }, () =>
      leader.registerTaskExecutor(this),
    );
  }

  /** Watches the JobMaster's heartbeats: when they stop, its tasks are canceled and registration starts over. */
  private monitor(): void {
    const { intervalUs, timeoutUs } = this.services.heartbeat;
    this.services.sim.schedule(intervalUs, monitorKind, () => {
      const silentUs = this.services.sim.nowUs - this.lastHeartbeatUs;
      if (this.jobMaster !== undefined && silentUs > timeoutUs) {
        // The JobMaster is gone: its tasks go too, and registration starts over.
        for (const task of [...this.tasks.values()]) task.cancel();
        this.tasks.clear();
        this.jobMaster = undefined;
      }
      if (this.jobMaster === undefined) this.register();
      this.monitor();
    }, this.node);
  }

  private report(task: string, attempt: number, state: ReportedTaskState, cause: string | undefined): void {
    const key = `${task}@${attempt}`;
    if (state === 'FINISHED' || state === 'FAILED' || state === 'CANCELED') this.unregisterLater(key);
    this.send('updateTaskExecutionState', task, undefined, (gateway) => gateway.updateTaskExecutionState(this.name, task, attempt, state, cause));
    if (state !== 'INITIALIZING' && state !== 'RUNNING') return;
    // The update is an ask: a running task whose update is never acknowledged is failed, as in
    // Flink, so the JobMaster's view cannot stay stale forever.
    const ackKey = `${key}/${state}`;
    this.pendingStateAcks.add(ackKey);
    this.services.sim.schedule(askTimeoutUs, askTimeoutKind, () => {
      if (!this.pendingStateAcks.delete(ackKey)) return;
      this.tasks.get(key)?.fail(`the ${state} update of ${key} to the JobMaster timed out`);
    }, this.node);
  }

  /** The JobMaster acknowledged a task state update. */
  acknowledgeStateUpdate(task: string, attempt: number, state: ReportedTaskState): void {
    this.pendingStateAcks.delete(`${task}@${attempt}/${state}`);
  }

  private declineCheckpoint(task: string, attempt: number, checkpointId: number, reason: CheckpointFailureReason): void {
    this.services.observations.publish({ type: 'checkpoint-decline-sent', checkpointId, task, attempt, reason });
    this.send('declineCheckpoint', task, checkpointId, (gateway) => gateway.declineCheckpoint(task, attempt, checkpointId, reason));
  }

  /**
   * Flink's RpcTaskOperatorEventGateway: the event goes to the JobMaster as an ask; a failed or
   * unanswered ask fails the task (failExternally), as the task cannot know what its coordinator saw.
   */
  private sendOperatorEventToCoordinator(task: string, attempt: number, event: OperatorEvent): void {
    let answered = false;
    const fail = (cause: string): void => {
      this.tasks.get(`${task}@${attempt}`)?.fail(`sending an operator event to the coordinator failed: ${cause}`);
    };
    const gateway = this.jobMaster ?? this.services.leader();
    if (gateway === undefined) return fail('no JobMaster');
    const sent = this.services.rpc.send(this.node, gateway.node, { method: 'sendOperatorEventToCoordinator', source: this.name, target: 'jobmaster', task, checkpointId: undefined }, () =>
      gateway.sendOperatorEventToCoordinator(this.name, task, attempt, event, (outcome) => {
        if (answered) return;
        answered = true;
        if (!outcome.ok) fail(outcome.cause);
      }),
    );
    if (!sent) return;
    this.services.sim.schedule(askTimeoutUs, askTimeoutKind, () => {
      if (answered) return;
      answered = true;
      fail('the ask timed out');
    }, this.node);
  }

  private send(method: string, task: string | undefined, checkpointId: number | undefined, call: (gateway: JobMasterGateway) => void): void {
    const gateway = this.jobMaster ?? this.services.leader();
    if (gateway === undefined) return;
    this.services.rpc.send(this.node, gateway.node, { method, source: this.name, target: 'jobmaster', task, checkpointId }, () => call(gateway));
  }

  private createEnvironment(): TaskEnvironment {
    const services = this.services;
    return {
      sim: services.sim,
      node: this.node,
      executorName: this.name,
      checkpointConfig: services.checkpointConfig,
      incrementalCheckpoints: services.incrementalCheckpoints === true,
      storage: services.storage,
      sinkStore: services.sinkStore,
      fileStore: services.fileStore,
      logs: services.logs,
      observations: services.observations,
      hooks: services.hooks,
      channelOptions: services.channelOptions,
      dataRandom: services.dataRandom,
      barrierHandlerFactory: services.barrierHandlerFactory,
      plantedBugs: services.plantedBugs,
      operatorFactory: services.operatorFactory,
      requestPartition: (consumer, channel, descriptor) => services.shuffle.requestPartition(consumer, channel, descriptor),
      registerProducer: (task) => services.shuffle.registerProducer(task),
      unregisterProducer: (task) => services.shuffle.unregisterProducer(task),
      reportState: (task, attempt, state, cause) => this.report(task, attempt, state, cause),
      acknowledgeCheckpoint: (task, attempt, checkpointId, snapshot) =>
        this.send('acknowledgeCheckpoint', task, checkpointId, (gateway) => gateway.acknowledgeCheckpoint(task, attempt, checkpointId, snapshot)),
      declineCheckpoint: (task, attempt, checkpointId, reason) => this.declineCheckpoint(task, attempt, checkpointId, reason),
      sendOperatorEventToCoordinator: (task, attempt, event) => this.sendOperatorEventToCoordinator(task, attempt, event),
    };
  }
}
