import { bugOn } from './planted-bugs.js';
import { SharedStateLifecycle } from './storage/shared-state/shared-state-lifecycle.js';
import { eventKind, type Simulation } from '../sim/index.js';
import { RpcNetwork, defaultChannelOptions, defaultRpcLatency, type ChannelOptions, type RpcDetours, type RpcLatency } from '../net/index.js';
import { HaCheckpointIdCounter, StandaloneCheckpointIdCounter } from './checkpoint/checkpoint-id-counter.js';
import { HaCompletedCheckpointStore, StandaloneCompletedCheckpointStore } from './checkpoint/completed-checkpoint-store.js';
import type { CheckpointDone } from './checkpoint/checkpoint-result.js';
import { defaultCheckpointConfig, type CheckpointConfig, type CompletedCheckpoint } from './checkpoint/types.js';
import { AtLeastOnceSink, UpsertSink } from './connectors/direct-sinks.js';
import { TwoPhaseCommitSink } from './connectors/two-phase-commit-sink.js';
import { CommitterOperator, SinkWriterOperator } from './connectors/sink-v2/index.js';
import { FileWriterOperator } from './connectors/file-sink/index.js';
import { ShuffleService } from './executor/shuffle-service.js';
import { TaskExecutor, defaultHeartbeatOptions, type HeartbeatOptions, type JobMasterGateway } from './executor/task-executor.js';
import { RuntimeHooks } from './hooks.js';
import type { JobGraph, JobVertex } from './jobgraph/job-graph.js';
import { JobMaster } from './jobmaster/job-master.js';
import type { RestartStrategyConfig } from './jobmaster/restart-strategy.js';
import { ObservationBus, type JobOperation, type JobStatus } from './observations.js';

/** The job states a run ends in. */
export type TerminalJobStatus = 'FINISHED' | 'FAILED' | 'CANCELED';
import { CheckpointStorage, defaultStorageLatency, type StorageLatency } from './storage/checkpoint-storage.js';
import { HighAvailabilityServices } from './storage/ha-services.js';
import { PartitionedLog } from './storage/partitioned-log.js';
import { withParallelism } from './rescaling/rescaled-job.js';
import { TransactionalStore } from './storage/transactional-store.js';
import { FileStore } from './storage/file-store.js';
import type { BarrierHandlerFactory } from './task/barrier-handler.js';
import { CheckpointBarrierTracker } from './task/checkpoint-barrier-tracker.js';
import type { StreamOperator } from './task/operator.js';
import { createOperator } from './task/operators.js';
import { SingleCheckpointBarrierHandler } from './task/single-checkpoint-barrier-handler.js';

const leaderChangeKind = eventKind('ha.leader-changed');
/** How long an executor takes to learn of a new leader. */
const leaderNotificationUs = 1_000;

/** Everything about the cluster a scenario can set; every field has a default. */
export interface ClusterConfig {
  readonly executors: number;
  readonly slotsPerExecutor: number;
  readonly checkpoint: CheckpointConfig;
  readonly restartStrategy: RestartStrategyConfig;
  readonly failoverStrategy: 'region' | 'full';
  readonly heartbeat: HeartbeatOptions;
  /** HA-backed checkpoint id counter and completed store (survive a JobMaster crash). */
  readonly highAvailability: boolean;
  readonly rpcLatency: RpcLatency;
  /** RPC messages held back out of their connection's order (net/rpc.ts); undefined: every message keeps its place. */
  readonly rpcDetours: RpcDetours | undefined;
  readonly channel: ChannelOptions;
  readonly storageLatency: StorageLatency;
  /** The sink store's transaction timeout (Kafka's transaction.timeout.ms). */
  readonly transactionTimeoutUs: number;
  /** A barrier handler of your own; by default Flink's, chosen by checkpointing mode. */
  readonly barrierHandler: BarrierHandlerFactory | undefined;
  /**
   * Incremental checkpoints (Flink's execution.checkpointing.incremental with the RocksDB-like
   * backend): keyed state goes to immutable shared files per key-group range, a checkpoint
   * refers to files of confirmed earlier ones, and a SharedStateRegistry per JobMaster deletes a
   * file once no retained checkpoint uses it. Savepoints stay self-contained (canonical format).
   */
  readonly incrementalCheckpoints: boolean;
  /** Planted bugs to switch on (cluster/planted-bugs.ts); empty for the correct protocol. */
  readonly plantedBugs: readonly string[];
  /** Operators of your own for some vertices; return undefined to use the built-in one. */
  readonly operatorOverride: ((vertex: JobVertex) => StreamOperator | undefined) | undefined;
}

/**
 * The name of the executor started `index`-th: the first `executors` at the start, then each
 * replacement machine in turn. Fault plans and their checks name executors this way.
 */
export function executorName(index: number): string {
  return `taskexecutor-${index}`;
}

/** The names of the executors a cluster of `count` starts with. */
export function executorNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => executorName(index));
}

export const defaultClusterConfig: ClusterConfig = {
  executors: 2,
  slotsPerExecutor: 8,
  checkpoint: { ...defaultCheckpointConfig, intervalUs: 50_000, timeoutUs: 5_000_000 },
  restartStrategy: { kind: 'fixed-delay', attempts: 1_000, delayUs: 50_000 },
  failoverStrategy: 'region',
  heartbeat: defaultHeartbeatOptions,
  highAvailability: true,
  rpcLatency: defaultRpcLatency,
  rpcDetours: undefined,
  channel: defaultChannelOptions,
  storageLatency: defaultStorageLatency,
  transactionTimeoutUs: 900_000_000,
  barrierHandler: undefined,
  incrementalCheckpoints: false,
  plantedBugs: [],
  operatorOverride: undefined,
};

/** Flink's barrier handler for the configured mode. */
export function defaultBarrierHandler(config: CheckpointConfig, plantedBugs: readonly string[] = []): BarrierHandlerFactory {
  const afterFinish = config.checkpointsAfterTasksFinish;
  if (config.mode === 'AT_LEAST_ONCE' || bugOn(plantedBugs, 'exactly-once-uses-tracker')) return (host) => new CheckpointBarrierTracker(host, afterFinish);
  return (host) => new SingleCheckpointBarrierHandler(host, plantedBugs, afterFinish);
}

/** The built-in operator of a vertex: DSL operators and the three sinks. */
export function defaultOperator(vertex: JobVertex): StreamOperator {
  const spec = vertex.operator;
  if (spec.kind !== 'sink') return createOperator(spec);
  switch (spec.sink) {
    case 'two-phase-commit':
      return new TwoPhaseCommitSink();
    case 'at-least-once':
      return new AtLeastOnceSink();
    case 'upsert':
      return new UpsertSink();
    case 'sink-v2-writer':
      return new SinkWriterOperator();
    case 'sink-v2-committer':
    case 'file-sink-committer':
      return new CommitterOperator();
    case 'file-sink-writer':
      return new FileWriterOperator();
  }
}

/**
 * A whole simulated cluster (Flink's MiniCluster): TaskExecutors, a JobMaster elected through HA
 * services, checkpoint storage, the source logs and the sink's store, the RPC network and the
 * shuffle. It runs one job at a time; `submit` again after stop-with-savepoint resumes from it.
 */
export class Cluster {
  readonly hooks = new RuntimeHooks();
  readonly observations: ObservationBus;
  readonly rpc: RpcNetwork;
  /**
   * The answers of RPCs the JobMaster asks and waits for (Flink's RPC futures), over the same
   * links and faults: apart from `rpc` only so that their latency draws (a stream of their own)
   * leave every other message's timing as it was.
   */
  readonly rpcAnswers: RpcNetwork;
  readonly storage: CheckpointStorage;
  readonly ha = new HighAvailabilityServices();
  readonly sinkStore: TransactionalStore;
  /** The file system of FileSinks; its committed files join the sink store's read-committed view. */
  readonly fileStore: FileStore;
  readonly logs = new Map<string, PartitionedLog>();
  readonly shuffle: ShuffleService;
  readonly executors: TaskExecutor[] = [];
  readonly jobMasterNode;
  private jobMaster: JobMaster | undefined;
  private readonly attempts = new Map<string, number>();
  private readonly savepoints: CompletedCheckpoint[] = [];
  private jobRun = 0;
  private terminal: { status: TerminalJobStatus; cause: string | undefined } | undefined;
  private readonly terminalListeners: Array<(status: TerminalJobStatus, cause: string | undefined) => void> = [];
  /** Retained checkpoints of job runs that ended (canceled or stopped), minus those a later run claimed by restoring them. */
  private readonly endedRunCheckpoints = new Map<string, CompletedCheckpoint>();
  /** Snapshots (`type/id`) a later run restored, with that run: its store owns them from then on, not the runs before it. */
  private readonly claimedByLaterRun = new Map<string, number>();
  /** The highest checkpoint id any run's counter reached: a new run's ids start above it. */
  private highestCounter = 1;

  /**
   * @param options.retainCommitted - keep every committed sink record, not only their digest
   *   (default true; a case run keeps them only when it must list lost or duplicated records).
   */
  constructor(readonly sim: Simulation, readonly job: JobGraph, readonly config: ClusterConfig, options: { readonly retainCommitted?: boolean } = {}) {
    this.runJob = job;
    this.observations = new ObservationBus(() => sim.nowUs);
    // Detours draw from streams of their own, created only when configured: without them every draw is as before.
    const detours = (name: string) => (config.rpcDetours === undefined ? undefined : { config: config.rpcDetours, random: sim.random(name) });
    this.rpc = new RpcNetwork(sim, sim.random('net.rpc'), (envelope) => this.hooks.rpc(envelope), config.rpcLatency, detours('net.rpc-detours'));
    this.rpcAnswers = new RpcNetwork(sim, sim.random('net.rpc-answers'), (envelope) => this.hooks.rpc(envelope), config.rpcLatency, detours('net.rpc-answers-detours'));
    this.storage = new CheckpointStorage(sim, this.hooks, this.observations, sim.random('storage'), config.storageLatency);
    this.sinkStore = new TransactionalStore(() => sim.nowUs, config.transactionTimeoutUs, options.retainCommitted ?? true);
    this.fileStore = new FileStore(this.sinkStore);
    this.shuffle = new ShuffleService(sim);
    this.jobMasterNode = sim.createNode('jobmaster');
    this.jobMasterNode.onCrash(() => {
      this.highestCounter = Math.max(this.highestCounter, this.jobMaster?.checkpointIdCounterValue ?? 1);
      this.jobMaster?.shutdown();
      this.jobMaster = undefined;
    });
    this.createLogs();
    this.createExecutors();
  }

  /** The current leader JobMaster, if one is running. */
  get currentJobMaster(): JobMaster | undefined {
    return this.jobMaster;
  }

  get jobStatus(): JobStatus {
    return this.terminal?.status ?? this.jobMaster?.jobStatus ?? 'CREATED';
  }

  get terminalCause(): string | undefined {
    return this.terminal?.cause;
  }

  /** Runs `listener` when the current job run reaches FINISHED, FAILED or CANCELED. */
  onJobTerminal(listener: (status: TerminalJobStatus, cause: string | undefined) => void): void {
    this.terminalListeners.push(listener);
  }

  /** The job graph of the current run: the submitted one, or as a rescale changed its parallelism. */
  get currentJob(): JobGraph {
    return this.runJob;
  }

  /**
   * The next run (the next `submit`) runs the job at `parallelism` for the vertices named there
   * (rescaling/rescaled-job.ts; throws for a vertex or parallelism the job cannot take). Published
   * as a job-rescaled observation naming every vertex's parallelism.
   */
  rescaleNextRun(parallelism: ReadonlyMap<string, number>): void {
    this.runJob = withParallelism(this.runJob, parallelism);
    this.observations.publish({ type: 'job-rescaled', parallelism: Object.fromEntries(this.runJob.vertices.map((vertex) => [vertex.name, vertex.parallelism])) });
  }

  private runJob: JobGraph;

  /** Starts the executors (first time only) and a JobMaster for a new run of the job. */
  submit(restoreFrom?: CompletedCheckpoint): void {
    const first = this.jobRun === 0;
    if (!first) this.handOverEndedRun(restoreFrom);
    this.jobRun++;
    this.terminal = undefined;
    this.startJobMaster(restoreFrom, !first);
    if (!first && restoreFrom !== undefined && this.jobMaster?.jobStatus === 'FAILED') this.returnUnclaimed(restoreFrom);
    if (first) for (const executor of this.executors) executor.start();
  }

  /** Stop-with-savepoint on the running job; with `drain`, sources end their input first. */
  stopWithSavepoint(done: CheckpointDone, drain = false): void {
    const answer = this.answering(drain ? 'stop-with-savepoint-drain' : 'stop-with-savepoint', done);
    if (this.jobMaster === undefined) {
      answer({ ok: false, reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' });
      return;
    }
    this.jobMaster.stopWithSavepoint(answer, drain);
  }

  /** A plain savepoint of the running job (the REST API's POST /jobs/:id/savepoints); its answer is published. */
  triggerSavepoint(done: CheckpointDone): void {
    const answer = this.answering('savepoint', done);
    if (this.jobMaster === undefined) answer({ ok: false, reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    else this.jobMaster.triggerSavepoint(answer);
  }

  /** A checkpoint triggered by hand (POST /jobs/:id/checkpoints); its answer is published. */
  triggerCheckpoint(done: CheckpointDone): void {
    const answer = this.answering('checkpoint', done);
    if (this.jobMaster === undefined) answer({ ok: false, reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    else this.jobMaster.triggerCheckpoint(answer);
  }

  /** Cancels the running job; `done` learns whether it reached CANCELED. Its answer is published. */
  cancel(done: (result: { readonly ok: true } | { readonly ok: false; readonly reason: string }) => void): void {
    this.observations.publish({ type: 'job-operation-requested', operation: 'cancel' });
    const answer = (result: { readonly ok: true } | { readonly ok: false; readonly reason: string }): void => {
      this.observations.publish(result.ok ? { type: 'job-operation-answered', operation: 'cancel', ok: true } : { type: 'job-operation-answered', operation: 'cancel', ok: false, reason: result.reason });
      done(result);
    };
    if (this.jobMaster === undefined) answer({ ok: false, reason: 'no JobMaster is running' });
    else this.jobMaster.cancel(answer);
  }

  /**
   * The newest snapshot a new run of the job may resume from: the savepoints taken and the
   * checkpoints the current (ended) run retains; of one type only when asked.
   */
  latestRestorePoint(which: 'latest' | 'latest-savepoint' | 'latest-checkpoint'): CompletedCheckpoint | undefined {
    const candidates = [...this.savepoints, ...(this.jobMaster?.retainedCheckpoints() ?? [])].filter((snapshot) =>
      which === 'latest' ? true : which === 'latest-savepoint' ? snapshot.type !== 'checkpoint' : snapshot.type === 'checkpoint',
    );
    return candidates.reduce<CompletedCheckpoint | undefined>((newest, snapshot) => (newest === undefined || snapshot.checkpointId > newest.checkpointId ? snapshot : newest), undefined);
  }

  /** Wraps a trigger's callback so its request and answer are published as observations, the answer exactly once. */
  private answering(operation: JobOperation, done: CheckpointDone): CheckpointDone {
    this.observations.publish({ type: 'job-operation-requested', operation });
    let answered = false;
    return (result) => {
      if (answered) throw new Error(`${operation} answered twice`);
      answered = true;
      this.observations.publish(
        result.ok
          ? { type: 'job-operation-answered', operation, ok: true, checkpointId: result.checkpoint.checkpointId }
          : { type: 'job-operation-answered', operation, ok: false, reason: result.reason },
      );
      done(result);
    };
  }

  /**
   * Keeps what the ended run retains (Flink keeps a canceled job's checkpoints with
   * RETAIN_ON_CANCELLATION) and where its counter got to. The snapshot the new run restores is
   * claimed by it (Flink's RestoreMode.CLAIM): the new run's store owns it from now on.
   */
  private handOverEndedRun(restoreFrom: CompletedCheckpoint | undefined): void {
    for (const checkpoint of this.jobMaster?.retainedCheckpoints() ?? []) this.endedRunCheckpoints.set(`${checkpoint.type}/${checkpoint.checkpointId}`, checkpoint);
    if (restoreFrom !== undefined) {
      this.endedRunCheckpoints.delete(`${restoreFrom.type}/${restoreFrom.checkpointId}`);
      if (restoreFrom.type === 'checkpoint') this.claimedByLaterRun.set(`${restoreFrom.type}/${restoreFrom.checkpointId}`, this.jobRun + 1);
    }
    this.highestCounter = Math.max(this.highestCounter, this.jobMaster?.checkpointIdCounterValue ?? 1);
  }

  /**
   * A run that failed to initialise (its store refused the snapshot it was to restore) never
   * claimed that snapshot: it stays where it was, with the run that retained it (Flink deletes
   * nothing of a snapshot no store took over; the user may resume from it again).
   */
  private returnUnclaimed(restoreFrom: CompletedCheckpoint): void {
    const key = `${restoreFrom.type}/${restoreFrom.checkpointId}`;
    if (restoreFrom.type !== 'checkpoint' || this.claimedByLaterRun.get(key) !== this.jobRun) return;
    this.claimedByLaterRun.delete(key);
    this.endedRunCheckpoints.set(key, restoreFrom);
  }

  /**
   * Every checkpoint whose state must still be in storage: what each job run's completed store
   * retains (read back from HA, as a new JobMaster would) and the savepoints taken. With their
   * storage keys, metadata included: anything else left in storage is a leak.
   */
  retainedCheckpoints(): Array<{ checkpointId: number; type: CompletedCheckpoint['type']; handles: string[] }> {
    const retained = new Map<string, CompletedCheckpoint>();
    for (let run = 1; run <= this.jobRun; run++) {
      const prefix = `job-run-${run}/completed-checkpoint/`;
      const stored = this.config.highAvailability
        ? new HaCompletedCheckpointStore(this.ha, this.config.checkpoint.retainedCheckpoints, prefix).all()
        : run === this.jobRun
          ? (this.jobMaster?.retainedCheckpoints() ?? [])
          : [];
      for (const checkpoint of stored) {
        const key = `${checkpoint.type}/${checkpoint.checkpointId}`;
        // An ended run's checkpoint counts while it keeps it (not claimed by a later run's restore).
        if (run >= (this.claimedByLaterRun.get(key) ?? run)) retained.set(key, checkpoint);
      }
    }
    if (!this.config.highAvailability) for (const [key, checkpoint] of this.endedRunCheckpoints) retained.set(key, checkpoint);
    for (const savepoint of this.savepoints) retained.set(`${savepoint.type}/${savepoint.checkpointId}`, savepoint);
    return [...retained.values()]
      .sort((left, right) => left.checkpointId - right.checkpointId)
      .map((checkpoint) => ({
        checkpointId: checkpoint.checkpointId,
        type: checkpoint.type,
        handles: [
          checkpoint.metadataHandle.key,
          ...[...checkpoint.subtaskStates.values()].flatMap((state) => [state.operatorState?.key, state.channelState?.key].filter((key): key is string => key !== undefined)),
          ...new Set([...checkpoint.subtaskStates.values()].flatMap((state) => (state.sharedState ?? []).map((handle) => handle.key))),
        ],
      }));
  }

  /** A new JobMaster takes over after a crash: leadership, the HA store and counter, a full restart. */
  recoverJobMaster(): void {
    if (!this.jobMasterNode.alive) this.sim.restart(this.jobMasterNode);
    // A run that ended (canceled, finished, failed) is done for good: as Flink's JobResultStore
    // records, a new leader does not run it again.
    if (this.terminal !== undefined) return;
    this.startJobMaster(undefined, false);
  }

  // ---- hook points for fault injection -----------------------------------------------------

  /** The executor named `name` (`taskexecutor-N`), or undefined. */
  executorNamed(name: string): TaskExecutor | undefined {
    return this.executors.find((executor) => executor.name === name);
  }

  /** Crashes an executor: its tasks and volatile state are gone, its peers notice. False if already down. */
  crashExecutor(name: string): boolean {
    const executor = this.executorNamed(name);
    if (executor === undefined || !executor.node.alive) return false;
    this.sim.crash(executor.node);
    return true;
  }

  /** Restarts a crashed executor as a new incarnation (a replacement on the same slot count). */
  restartExecutor(name: string): boolean {
    const executor = this.executorNamed(name);
    if (executor === undefined || executor.node.alive) return false;
    this.sim.restart(executor.node);
    executor.start();
    return true;
  }

  /** Starts a brand-new executor (a replacement machine), registered with the current leader. */
  addExecutor(): TaskExecutor {
    const executor = new TaskExecutor(this.executorServices, executorName(this.executors.length), this.config.slotsPerExecutor);
    this.executors.push(executor);
    executor.start();
    return executor;
  }

  /** Crashes the JobMaster: pending checkpoints and all volatile state are lost; HA keeps the rest. */
  crashJobMaster(): boolean {
    if (!this.jobMasterNode.alive || this.jobMaster === undefined) return false;
    this.sim.crash(this.jobMasterNode);
    return true;
  }

  /** Fails the current attempt of a task as if its operator threw. */
  failTask(taskName: string, cause: string): boolean {
    const task = this.runningTask(taskName);
    if (task === undefined) return false;
    task.fail(cause);
    return true;
  }

  /** The running attempt of a task, wherever it runs. */
  runningTask(taskName: string) {
    for (const executor of this.executors) {
      if (!executor.node.alive) continue;
      const task = executor.taskNamed(taskName);
      if (task !== undefined) return task;
    }
    return undefined;
  }

  private startJobMaster(restoreFrom: CompletedCheckpoint | undefined, newRun: boolean): void {
    // The previous JobMaster (a finished run, or one that crashed) hands over to the new one.
    this.jobMaster?.shutdown();
    const config = this.config;
    const epoch = this.ha.electLeader();
    const prefix = `job-run-${this.jobRun}/`;
    const haCounter = config.highAvailability && !bugOn(config.plantedBugs, 'checkpoint-id-counter-not-ha');
    const idCounter = haCounter ? new HaCheckpointIdCounter(this.ha, `${prefix}checkpoint-id-counter`, this.hooks) : new StandaloneCheckpointIdCounter();
    if (restoreFrom !== undefined && idCounter.get() <= restoreFrom.checkpointId) idCounter.setCount(restoreFrom.checkpointId + 1);
    // Flink gives each run a new job id, so a run's chk-N never meets an earlier run's; here ids
    // share one namespace, so a new run's counter starts above every id an earlier run used.
    if (newRun && idCounter.get() < this.highestCounter) idCounter.setCount(this.highestCounter);
    const store = config.highAvailability
      ? new HaCompletedCheckpointStore(this.ha, config.checkpoint.retainedCheckpoints, `${prefix}completed-checkpoint/`, this.hooks)
      : new StandaloneCompletedCheckpointStore(config.checkpoint.retainedCheckpoints);
    const jobRun = this.jobRun;
    const sharedState = this.sharedStateFor(epoch, store);
    this.jobMaster = new JobMaster(
      {
        sim: this.sim,
        node: this.jobMasterNode,
        leaderEpoch: epoch,
        rpc: this.rpc,
        rpcAnswers: this.rpcAnswers,
        hooks: this.hooks,
        observations: this.observations,
        storage: this.storage,
        idCounter,
        store,
        ...(sharedState === undefined ? {} : { sharedState }),
        checkpointConfig: config.checkpoint,
        restartStrategy: config.restartStrategy,
        plantedBugs: config.plantedBugs,
        failoverStrategy: config.failoverStrategy,
        heartbeat: config.heartbeat,
        random: this.sim.random('jobmaster'),
        logs: this.logs,
        nextAttempt: (task) => {
          const next = this.attempts.get(task) ?? 0;
          this.attempts.set(task, next + 1);
          return next;
        },
        onSavepointCompleted: (savepoint) => this.savepoints.push(savepoint),
        onTerminal: (status: TerminalJobStatus, cause) => {
          if (jobRun !== this.jobRun || this.terminal !== undefined) return;
          this.terminal = { status, cause };
          for (const listener of this.terminalListeners) listener(status, cause);
        },
      },
      this.runJob,
      jobRun,
      restoreFrom,
    );
    this.observations.publish({ type: 'jobmaster-started', leaderEpoch: epoch, recoveredCheckpointIds: store.all().map((checkpoint) => checkpoint.checkpointId) });
    this.jobMaster.start();
    for (const executor of this.executors) {
      if (executor.node.alive && epoch > 1) {
        // Leader retrieval (a ZooKeeper watch) reaches each executor shortly after the election.
        this.sim.schedule(leaderNotificationUs, leaderChangeKind, () => executor.leaderChanged(), executor.node);
      }
    }
  }

  /**
   * A new JobMaster's SharedStateRegistry side, with incremental checkpoints on: rebuilt from the
   * checkpoints its store recovered from HA (Flink's SharedStateRegistryFactory), in the run's
   * restore mode: NO_CLAIM for the first run (Flink's default for a job started without a
   * snapshot), CLAIM for a run resumed from a snapshot, as ckptsim's resumes claim it.
   */
  private sharedStateFor(epoch: number, store: { all(): readonly CompletedCheckpoint[] }): SharedStateLifecycle | undefined {
    if (!this.config.incrementalCheckpoints) return undefined;
    const lifecycle = new SharedStateLifecycle({ registryId: epoch, observations: this.observations, plantedBugs: this.config.plantedBugs, discard: (keys) => this.storage.discard(keys) });
    lifecycle.recovered(store.all(), this.jobRun === 1 ? 'NO_CLAIM' : 'CLAIM');
    return lifecycle;
  }

  private createLogs(): void {
    let firstPartition = 0;
    for (const vertex of this.job.vertices) {
      if (vertex.operator.kind !== 'source') continue;
      const log = new PartitionedLog(vertex.operator.topic, vertex.operator.partitions, firstPartition);
      this.logs.set(vertex.operator.topic, log);
      firstPartition += log.partitionCount;
    }
  }

  private executorServices!: ConstructorParameters<typeof TaskExecutor>[0];

  private createExecutors(): void {
    const config = this.config;
    const override = config.operatorOverride;
    const services = {
      sim: this.sim,
      rpc: this.rpc,
      hooks: this.hooks,
      observations: this.observations,
      storage: this.storage,
      sinkStore: this.sinkStore,
      fileStore: this.fileStore,
      logs: this.logs,
      shuffle: this.shuffle,
      checkpointConfig: config.checkpoint,
      incrementalCheckpoints: config.incrementalCheckpoints,
      channelOptions: config.channel,
      dataRandom: this.sim.random('net.data'),
      barrierHandlerFactory: config.barrierHandler ?? defaultBarrierHandler(config.checkpoint, config.plantedBugs),
      operatorFactory: (vertex: JobVertex) => override?.(vertex) ?? defaultOperator(vertex),
      plantedBugs: config.plantedBugs,
      heartbeat: config.heartbeat,
      leader: (): JobMasterGateway | undefined => (this.jobMasterNode.alive ? this.jobMaster : undefined),
    };
    this.executorServices = services;
    for (let index = 0; index < config.executors; index++) {
      this.executors.push(new TaskExecutor(services, executorName(index), config.slotsPerExecutor));
    }
  }
}
