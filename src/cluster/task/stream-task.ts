import { bugOn } from '../planted-bugs.js';
import { IncrementalSnapshotStrategy, type IncrementalPart } from './incremental-snapshot.js';
import type { DataChannel } from '../../net/index.js';
import { eventKind, hashString } from '../../sim/index.js';
import type { CancellableTimer } from '../checkpoint/ports.js';
import type { CheckpointBarrier, CheckpointFailureReason } from '../checkpoint/types.js';
import type { ReplayableSourceReader } from '../connectors/replayable-source.js';
import { Flip27SourceReader } from '../connectors/flip27/task-reader.js';
import type { OperatorEvent } from '../coordination/operator-event.js';
import { keyGroupRange, keyGroupFor } from '../jobgraph/key-groups.js';
import { isStateful } from '../jobgraph/job-graph.js';
import type { RecordOrigin } from '../jobgraph/records.js';
import type { ChannelStateRecord, ObservationBody, SnapshotContent } from '../observations.js';
import type { BarrierHandlerHost, CheckpointBarrierHandler } from './barrier-handler.js';
import type { NetworkBuffer } from './buffers.js';
import { notifyCheckpointAbortedAsync, notifyCheckpointCompleteAsync } from './checkpoint-notifications.js';
import { triggerCheckpointAsync } from './checkpoint-triggering.js';
import { TaskFinishing } from './finishing.js';
import { Mailbox } from './mailbox.js';
import type { OperatorContext, OperatorSnapshot, StreamOperator } from './operator.js';
import { openOperator, readRestoredState, replayChannelState } from './restore.js';
import { KeyGroupLineage, type KeyGroupLineageSnapshot } from '../rescaling/key-group-lineage.js';
import { TaskEventTime } from './event-time/index.js';
import { LineageTracker } from './state-backend.js';
import { recordsPerPoll, SubtaskCheckpoints } from './subtask-checkpoint.js';
import { TaskInputs } from './task-inputs.js';
import { TaskOutputs } from './task-outputs.js';
import type { TaskConnection, TaskDeployment, TaskEnvironment } from './task-environment.js';

const stepKind = eventKind('task.step');
const timerKind = eventKind('task.timer');

/** How long a source waits before polling an unavailable log again. */
const sourceBackoffUs = 20_000;

/** A subtask attempt's execution state, as the task reports it to the JobMaster. */
export type TaskState = 'DEPLOYING' | 'INITIALIZING' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED';

/** The persisted form of a subtask's checkpointed state in checkpoint storage. */
export interface StoredSubtaskState {
  readonly operator: OperatorSnapshot;
  readonly lineage: SnapshotContent['lineage'];
  readonly source: Record<string, number> | undefined;
  /** An incremental snapshot: the keyed state is in these shared files, not in `operator.keyed`. */
  readonly incremental?: IncrementalPart;
  readonly channelState: readonly ChannelStateRecord[];
  /** Keyed operators only: lineage per key group, which follows the key groups when the job is rescaled. */
  readonly keyGroupLineage?: KeyGroupLineageSnapshot;
}

/**
 * Flink's StreamTask for one subtask attempt: a mailbox loop that alternates letters (checkpoint
 * triggers and notifications, timers) with its default action (poll the source, or process one
 * network buffer from an input channel), a barrier handler for checkpoints, and the synchronous
 * and asynchronous snapshot parts.
 *
 * This module holds the lifecycle and the mailbox loop; each concept is a module of its own,
 * working on the task's state: the input side (`task-inputs.ts`), the output side
 * (`task-outputs.ts`), the checkpoint parts (`subtask-checkpoint.ts`), the trigger and
 * notification RPCs (`checkpoint-triggering.ts`, `checkpoint-notifications.ts`), finishing and
 * stop-with-savepoint (`finishing.ts`) and restore (`restore.ts`). Their members below are
 * theirs to use, not the rest of the runtime's.
 *
 * Every step takes virtual time (the operator's per-record cost), and every callback checks that
 * the task is still alive, because the executor's events outlive a canceled task.
 */
export class StreamTask implements BarrierHandlerHost, TaskConnection {
  readonly taskName: string;
  readonly attempt: number;
  private state: TaskState = 'DEPLOYING';
  /** The task's mailbox: letters run between processing steps. */
  readonly mailbox = new Mailbox();
  /** The input channels and their processing. */
  readonly inputs: TaskInputs;
  /** The output channels and record routing. */
  readonly outputs: TaskOutputs;
  /** The barrier handler the runtime's factory picked for this task. */
  readonly handler: CheckpointBarrierHandler;
  /** The synchronous and asynchronous checkpoint parts. */
  readonly checkpoints: SubtaskCheckpoints;
  /** End of data, final checkpoint, finishing and stop-with-savepoint state. */
  readonly finishing: TaskFinishing;
  /** Watermarks and event time (task/event-time/): inert unless the job has event time. */
  readonly eventTime: TaskEventTime;
  /** Lineage of the records a stateful operator absorbed (undefined for stateless ones). */
  readonly lineage: LineageTracker | undefined;
  /** Keyed operators: the lineage per key group, stored with the state so a rescale can split it (rescaling/). */
  readonly keyGroupLineage: KeyGroupLineage | undefined;
  /** The operator of a non-source task, once opened. */
  operator: StreamOperator | undefined;
  /** The source reader of a source task, once opened. */
  source: ReplayableSourceReader | Flip27SourceReader | undefined;
  /** Origin of the record being processed: what an emitted record derives from. */
  currentOrigin: RecordOrigin = { partition: -1, offset: -1 };
  /** The newest checkpoint this task took or declined. */
  lastCheckpointId: number;
  /** The newest checkpoint this task was notified complete. */
  latestNotifiedId: number;
  /** Checkpoints notified aborted: a barrier still to come for one of them is refused. */
  readonly abortedCheckpoints = new Set<number>();
  /** Checkpoint triggers queued in the mailbox and not yet run. */
  readonly pendingTriggers = new Set<number>();
  /** Planted bugs switched on for this run. */
  readonly bugs: readonly string[];
  private stepScheduled = false;
  /** The mailbox loop's step as one action, made once rather than per scheduled step. */
  private readonly stepAction = (): void => this.step();
  private busyUntilUs = 0;
  private sourceBackoffUntilUs = 0;
  private readonly keyRange: { start: number; end: number } | undefined;
  /** Incremental checkpoints of a keyed operator's state (ClusterConfig.incrementalCheckpoints). */
  readonly incremental: IncrementalSnapshotStrategy | undefined;
  private readonly digest: number;
  private slowFactor = 1;
  private slowUntilUs = 0;

  constructor(readonly deployment: TaskDeployment, readonly environment: TaskEnvironment) {
    this.taskName = deployment.taskName;
    this.attempt = deployment.attempt;
    this.digest = hashString(`${this.taskName}@${this.attempt}`);
    this.bugs = environment.plantedBugs;
    const restoredId = deployment.restore?.checkpointId ?? 0;
    this.lastCheckpointId = restoredId;
    this.latestNotifiedId = restoredId;
    this.inputs = new TaskInputs(this);
    this.lineage = isStateful(deployment.vertex.operator) ? new LineageTracker() : undefined;
    const vertex = deployment.vertex;
    const keyed = vertex.operator.kind === 'keyed-process' || vertex.operator.kind === 'keyed-co-process' || vertex.operator.kind === 'window';
    this.keyRange = keyed ? keyGroupRange(deployment.subtaskIndex, vertex.maxParallelism, vertex.parallelism) : undefined;
    this.keyGroupLineage = keyed ? new KeyGroupLineage() : undefined;
    this.incremental =
      this.keyRange !== undefined && environment.incrementalCheckpoints === true
        ? new IncrementalSnapshotStrategy({ taskName: this.taskName, attempt: this.attempt, maxParallelism: vertex.maxParallelism, keyGroups: this.keyRange, reuseUnconfirmed: bugOn(this.bugs, 'task-reuses-unconfirmed-shared-state') })
        : undefined;
    this.checkpoints = new SubtaskCheckpoints(this);
    this.finishing = new TaskFinishing(this);
    this.handler = environment.barrierHandlerFactory(this);
    this.outputs = new TaskOutputs(
      deployment,
      environment,
      () => this.wake(),
      () => this.finishing.maybeFinish(),
      (consumerTask, checkpointId) => this.checkpoints.alignedBarrierSent(consumerTask, checkpointId),
    );
    this.eventTime = new TaskEventTime({
      plantedBugs: this.bugs,
      channelCount: this.inputs.count,
      operator: () => this.operator,
      scheduleTimer: (delayUs, action) => {
        this.scheduleTimer(delayUs, action);
      },
      broadcastEvent: (event) => this.outputs.broadcastEvent(event),
    });
  }

  get node() {
    return this.environment.node;
  }

  get nowUs(): number {
    return this.environment.sim.nowUs;
  }

  get channelCount(): number {
    return this.inputs.count;
  }

  get executionState(): TaskState {
    return this.state;
  }

  /** The attempt is initializing or running: callbacks of a canceled or failed attempt do nothing. */
  get active(): boolean {
    return this.state === 'INITIALIZING' || this.state === 'RUNNING';
  }

  /** Fault injection: the operator runs `factor` times slower until `untilUs` (a slow consumer). */
  slowDown(factor: number, untilUs: number): void {
    this.slowFactor = factor;
    this.slowUntilUs = untilUs;
  }

  /** Fault injection: the output link towards `consumerTask` adds `extraUs` per buffer until `untilUs`. */
  stallOutput(consumerTask: string, extraUs: number, untilUs: number): boolean {
    return this.outputs.stall(consumerTask, extraUs, untilUs);
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Starts the attempt: restore state if there is any, connect inputs, then run. */
  start(): void {
    this.state = 'INITIALIZING';
    this.environment.reportState(this.taskName, this.attempt, 'INITIALIZING');
    this.environment.registerProducer(this);
    this.inputs.channels.forEach((channel, index) => this.environment.requestPartition(this, index, this.deployment.inputs[index]!));
    const restore = this.deployment.restore;
    if (restore?.finished === true) {
      this.finishing.finishOnRestore();
      return;
    }
    if (restore === undefined || (restore.rescaled === undefined && restore.stateKey === undefined)) {
      this.initialize(undefined, restore?.checkpointId);
      return;
    }
    readRestoredState(this, restore, (stored) => this.initialize(stored, restore.checkpointId));
  }

  private initialize(stored: StoredSubtaskState | undefined, checkpointId: number | undefined): void {
    try {
      openOperator(this, stored);
    } catch (error) {
      return this.fail(`operator failed to open: ${describeError(error)}`);
    }
    if (stored !== undefined && checkpointId !== undefined) {
      replayChannelState(this, bugOn(this.bugs, 'restore-skips-channel-state') ? { ...stored, channelState: [] } : stored, checkpointId);
    }
    this.state = 'RUNNING';
    this.environment.reportState(this.taskName, this.attempt, 'RUNNING');
    this.observe({ type: 'task-running', task: this.taskName, attempt: this.attempt });
    this.hooksStep('task.running');
    this.wake();
  }

  /** Running without initializing: a subtask finished in the restored checkpoint, about to finish again. */
  markRunning(): void {
    this.state = 'RUNNING';
    this.environment.reportState(this.taskName, this.attempt, 'RUNNING');
  }

  /** The task finished: nothing more runs, and the JobMaster hears of it. */
  markFinished(): void {
    this.state = 'FINISHED';
    this.mailbox.clear();
    this.observe({ type: 'task-finished', task: this.taskName, attempt: this.attempt });
    this.hooksStep('task.finished');
    this.environment.reportState(this.taskName, this.attempt, 'FINISHED');
  }

  /** Cancels the attempt (JobMaster's cancelTask, or the executor losing its JobMaster). */
  cancel(): void {
    if (!this.active && this.state !== 'DEPLOYING') return;
    this.terminate('CANCELED');
    this.observe({ type: 'task-canceled', task: this.taskName, attempt: this.attempt });
    this.environment.reportState(this.taskName, this.attempt, 'CANCELED');
  }

  /** Fails the attempt: a user operator threw, a restore failed, or a channel broke. */
  fail(cause: string): void {
    if (!this.active && this.state !== 'DEPLOYING') return;
    this.terminate('FAILED');
    this.observe({ type: 'task-failed', task: this.taskName, attempt: this.attempt, cause });
    this.environment.reportState(this.taskName, this.attempt, 'FAILED', cause);
  }

  failExternally(cause: string): void {
    this.fail(cause);
  }

  private terminate(state: 'CANCELED' | 'FAILED'): void {
    this.state = state;
    this.mailbox.clear();
    this.checkpoints.cancelAll();
    this.outputs.close();
    for (const input of this.inputs.channels) input.link?.close();
    this.environment.unregisterProducer(this);
  }

  // ---- RPC entry points (called by the TaskExecutor) ------------------------------------

  /** triggerCheckpoint RPC: for sources, and for tasks whose inputs all finished. A mailbox letter. */
  triggerCheckpointAsync(barrier: CheckpointBarrier): void {
    triggerCheckpointAsync(this, barrier);
  }

  /**
   * An operator event from the coordinator (FLIP-27: splits, no more splits): a mailbox letter, so
   * it is ordered with records and barriers. False when the task cannot take it (not running).
   */
  deliverOperatorEvent(event: OperatorEvent): boolean {
    if (!this.active) return false;
    const source = this.source;
    if (source instanceof Flip27SourceReader) this.mailbox.put(() => source.handleOperatorEvent(event));
    this.wake();
    return true;
  }

  /** notifyCheckpointComplete RPC: a priority letter, ignored at or below the latest one seen. */
  notifyCheckpointCompleteAsync(checkpointId: number): void {
    notifyCheckpointCompleteAsync(this, checkpointId);
  }

  /** notifyCheckpointAborted RPC: cancels the checkpoint's async part; a barrier still to come is refused. */
  notifyCheckpointAbortedAsync(checkpointId: number): void {
    notifyCheckpointAbortedAsync(this, checkpointId);
  }

  // ---- the mailbox loop ------------------------------------------------------------------

  /** Schedules the next step of the mailbox loop if there is work and none is scheduled. */
  wake(): void {
    if (this.stepScheduled || !this.active || !this.hasWork()) return;
    this.stepScheduled = true;
    const delayUs = Math.max(0, this.busyUntilUs - this.nowUs);
    this.environment.sim.schedule(delayUs, stepKind, this.stepAction, this.node, this.digest);
  }

  private hasWork(): boolean {
    if (!this.mailbox.isEmpty) return true;
    if (this.state !== 'RUNNING' || !this.outputs.available()) return false;
    if (this.source !== undefined) {
      const finishing = this.finishing;
      return !finishing.endedData && (!(this.source instanceof Flip27SourceReader) || this.source.available) && (!finishing.suspendedBySavepoint || bugOn(this.bugs, 'source-emits-after-stop-savepoint')) && this.nowUs >= this.sourceBackoffUntilUs;
    }
    return this.inputs.hasData;
  }

  private step(): void {
    this.stepScheduled = false;
    if (!this.active) return;
    let costUs = 1;
    try {
      const letter = this.mailbox.take();
      if (letter !== undefined) letter();
      else costUs = this.source !== undefined ? this.pollSource() : this.inputs.processNext();
    } catch (error) {
      this.fail(`${this.taskName} threw: ${describeError(error)}`);
      return;
    }
    if (!this.active) return;
    this.outputs.flush();
    this.busyUntilUs = this.nowUs + (this.nowUs < this.slowUntilUs ? costUs * this.slowFactor : costUs);
    this.wake();
  }

  private pollSource(): number {
    const source = this.source as ReplayableSourceReader | Flip27SourceReader;
    const poll = source.poll(recordsPerPoll);
    if (poll.kind === 'unavailable' && bugOn(this.bugs, 'source-stops-on-unavailable')) {
      this.finishing.reachEndOfData();
      return 1;
    }
    if (poll.kind === 'unavailable') {
      this.sourceBackoffUntilUs = this.nowUs + sourceBackoffUs;
      this.environment.sim.schedule(sourceBackoffUs, timerKind, () => this.wake(), this.node, this.digest);
      return 1;
    }
    if (poll.kind === 'end-of-input') {
      this.finishing.reachEndOfData();
      return 1;
    }
    // A FLIP-27 reader with no split: nothing to do until an event brings one.
    if (poll.kind === 'waiting') return 1;
    for (const record of poll.records) {
      this.currentOrigin = record.origin;
      this.outputs.emit(record);
    }
    this.observeEmitted(poll.records);
    this.eventTime.onSourceRecords(poll.records);
    return poll.records.length * this.deployment.vertex.recordCostUs;
  }

  /** Publishes what a poll emitted, one observation per run of records of one partition. */
  private observeEmitted(records: readonly { readonly origin: { readonly partition: number; readonly offset: number } }[]): void {
    if (!this.environment.observations.active) return;
    let start = 0;
    for (let index = 1; index <= records.length; index++) {
      const first = records[start];
      if (first === undefined) return;
      if (index < records.length && records[index]?.origin.partition === first.origin.partition) continue;
      this.observe({ type: 'source-records-emitted', task: this.taskName, partition: first.origin.partition, fromOffset: first.origin.offset, count: index - start });
      start = index;
    }
  }

  // ---- receiving (TaskConnection) --------------------------------------------------------

  connected(channel: number, link: DataChannel<NetworkBuffer>): void {
    this.inputs.connected(channel, link);
  }

  receive(channelIndex: number, buffer: NetworkBuffer): void {
    if (!this.active) return;
    this.inputs.receive(channelIndex, buffer);
  }

  outputChannelTo(consumerTask: string): DataChannel<NetworkBuffer> | undefined {
    return this.outputs.channelTo(consumerTask);
  }

  // ---- BarrierHandlerHost ------------------------------------------------------------------

  channelName(channel: number): string {
    return this.inputs.get(channel).name;
  }

  blockChannel(channel: number): void {
    this.inputs.block(channel);
  }

  resumeChannel(channel: number): void {
    if (this.inputs.resume(channel)) this.wake();
  }

  triggerCheckpoint(barrier: CheckpointBarrier, unaligned: boolean): void {
    this.checkpoints.perform(barrier, unaligned);
  }

  prioritizeBarrier(channel: number, checkpointId: number): void {
    this.inputs.prioritizeBarrier(channel, checkpointId);
  }

  abortCheckpoint(checkpointId: number, reason: CheckpointFailureReason): void {
    this.checkpoints.abort(checkpointId, reason);
  }

  scheduleTimer(delayUs: number, action: () => void): CancellableTimer {
    const timer = this.environment.sim.schedule(delayUs, timerKind, () => {
      if (this.active) {
        this.mailbox.put(action);
        this.wake();
      }
    }, this.node, this.digest);
    return { cancel: () => this.environment.sim.cancel(timer) };
  }

  observe(body: ObservationBody): void {
    this.environment.observations.publish(body);
    if (body.type === 'alignment-completed') this.hooksStep('task.alignment-completed', body.checkpointId);
  }

  // ---- helpers ---------------------------------------------------------------------------

  /** The context the operator is opened with: its identity, key range, emit, sink store, timers. */
  operatorContext(): OperatorContext {
    const vertex = this.deployment.vertex;
    const keyRange = this.keyRange;
    return {
      taskName: this.taskName,
      subtaskIndex: this.deployment.subtaskIndex,
      numberOfParallelSubtasks: this.deployment.vertex.parallelism,
      attempt: this.attempt,
      jobRun: this.deployment.jobRun,
      ownsKey: (key) => {
        if (keyRange === undefined) return true;
        const group = keyGroupFor(key, vertex.maxParallelism);
        return group >= keyRange.start && group <= keyRange.end;
      },
      emit: (value, key) => this.outputs.emit({ key, value, origin: this.currentOrigin }),
      sinkStore: this.environment.sinkStore,
      ...(this.environment.fileStore === undefined ? {} : { fileStore: this.environment.fileStore }),
      externalFails: (operation, detail) => this.environment.hooks.external('sink-store', operation, detail).fail,
      plantedBugs: this.bugs,
      observe: (body) => this.observe(body),
      scheduleTimer: (delayUs, action) => {
        this.scheduleTimer(delayUs, action);
      },
    };
  }

  /** Announces a named protocol step to the runtime hooks (fault triggers), if anyone listens. */
  hooksStep(name: string, checkpointId?: number): void {
    const hooks = this.environment.hooks;
    if (!hooks.hasStepListeners) return;
    hooks.step({ name, task: this.taskName, executor: this.environment.executorName, ...(checkpointId === undefined ? {} : { checkpointId }) });
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
