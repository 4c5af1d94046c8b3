import { bugOn } from '../planted-bugs.js';
import { DataChannel } from '../../net/index.js';
import { eventKind, hashString } from '../../sim/index.js';
import type { CancellableTimer } from '../checkpoint/ports.js';
import type { CheckpointBarrier, CheckpointFailureReason } from '../checkpoint/types.js';
import { ReplayableSourceReader } from '../connectors/replayable-source.js';
import { subtaskForKey, keyGroupRange, keyGroupFor } from '../jobgraph/key-groups.js';
import { isStateful, type Partitioner } from '../jobgraph/job-graph.js';
import type { RecordOrigin, StreamRecord } from '../jobgraph/records.js';
import type { ChannelStateRecord, ObservationBody, SnapshotContent } from '../observations.js';
import type { BarrierHandlerHost, CheckpointBarrierHandler } from './barrier-handler.js';
import {
  barrierEvent,
  cancelMarkerEvent,
  endOfDataEvent,
  endOfPartitionEvent,
  maxQueuedBuffersPerChannel,
  recordsBuffer,
  recordsPerBuffer,
  type NetworkBuffer,
} from './buffers.js';
import { InputChannel } from './input-channel.js';
import { Mailbox } from './mailbox.js';
import type { OperatorContext, OperatorSnapshot, StreamOperator } from './operator.js';
import { LineageTracker } from './state-backend.js';
import type { TaskConnection, TaskDeployment, TaskEnvironment } from './task-environment.js';

const stepKind = eventKind('task.step');
const timerKind = eventKind('task.timer');

/** Records a source reads per poll (one mailbox step). */
const recordsPerPoll = 8;
/** How long a source waits before polling an unavailable log again. */
const sourceBackoffUs = 20_000;

type TaskState = 'DEPLOYING' | 'INITIALIZING' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED';

interface OutputChannel {
  readonly link: DataChannel<NetworkBuffer>;
  readonly consumerTask: string;
  pending: StreamRecord[];
  /** The consumer acknowledged processing everything up to this task's end of data. */
  endOfDataProcessed: boolean;
}

interface OutputEdge {
  readonly channels: readonly OutputChannel[];
  readonly partitioner: Partitioner['kind'];
  readonly keySelector: ((value: unknown) => string) | undefined;
  readonly consumerMaxParallelism: number;
  readonly consumerParallelism: number;
  /** The next channel of a rebalance edge (round robin). */
  next: number;
}

/** The asynchronous part of one checkpoint: channel state to collect, then the upload, then the ack. */
interface AsyncSnapshot {
  readonly checkpointId: number;
  readonly unaligned: boolean;
  readonly content: SnapshotContent;
  readonly operatorSnapshot: OperatorSnapshot;
  readonly channelState: ChannelStateRecord[];
  readonly awaitingChannels: Set<number>;
  cancelled: boolean;
  uploading: boolean;
}

/** The persisted form of a subtask's checkpointed state in checkpoint storage. */
export interface StoredSubtaskState {
  readonly operator: OperatorSnapshot;
  readonly lineage: SnapshotContent['lineage'];
  readonly source: Record<string, number> | undefined;
  readonly channelState: readonly ChannelStateRecord[];
}

/**
 * Flink's StreamTask for one subtask attempt: a mailbox loop that alternates letters (checkpoint
 * triggers and notifications, timers) with its default action (poll the source, or process one
 * network buffer from an input channel), a barrier handler for checkpoints, and the synchronous
 * and asynchronous snapshot parts.
 *
 * Every step takes virtual time (the operator's per-record cost), and every callback checks that
 * the task is still alive, because the executor's events outlive a canceled task.
 */
export class StreamTask implements BarrierHandlerHost, TaskConnection {
  readonly taskName: string;
  readonly attempt: number;
  private state: TaskState = 'DEPLOYING';
  private readonly mailbox = new Mailbox();
  private readonly inputs: InputChannel[];
  private readonly channelsWithData: InputChannel[] = [];
  private readonly outputs: OutputEdge[] = [];
  private readonly outputByConsumer = new Map<string, OutputChannel>();
  /** The values of {@link outputByConsumer}, in its order: iterated at every step without an iterator. */
  private outputList: OutputChannel[] = [];
  private readonly handler: CheckpointBarrierHandler;
  private readonly lineage: LineageTracker | undefined;
  private operator: StreamOperator | undefined;
  private source: ReplayableSourceReader | undefined;
  private currentOrigin: RecordOrigin = { partition: -1, offset: -1 };
  private stepScheduled = false;
  /** The mailbox loop's step as one action, made once rather than per scheduled step. */
  private readonly stepAction = (): void => this.step();
  private busyUntilUs = 0;
  private sourceBackoffUntilUs = 0;
  private lastCheckpointId: number;
  private latestNotifiedId: number;
  private readonly abortedCheckpoints = new Set<number>();
  /** Checkpoint triggers queued in the mailbox and not yet run. */
  private readonly pendingTriggers = new Set<number>();
  private readonly asyncSnapshots = new Map<number, AsyncSnapshot>();
  private endOfDataChannels = 0;
  private endedData = false;
  private finalCheckpointMinId = Number.MAX_SAFE_INTEGER;
  /** Stop-with-savepoint: sources stop emitting after its barrier, and every task finishes once it completes. */
  private suspendedBySavepoint = false;
  private syncSavepointId: number | undefined;
  /** The stop-with-savepoint --drain savepoint this source ended its input for: it cannot read on if that fails. */
  private drainedForSavepointId: number | undefined;
  private readonly keyRange: { start: number; end: number } | undefined;
  private readonly digest: number;
  private readonly bugs: readonly string[];

  constructor(private readonly deployment: TaskDeployment, private readonly environment: TaskEnvironment) {
    this.taskName = deployment.taskName;
    this.attempt = deployment.attempt;
    this.digest = hashString(`${this.taskName}@${this.attempt}`);
    this.bugs = environment.plantedBugs;
    const restoredId = deployment.restore?.checkpointId ?? 0;
    this.lastCheckpointId = restoredId;
    this.latestNotifiedId = restoredId;
    this.inputs = deployment.inputs.map(
      (input, index) => new InputChannel(index, input.gate, `${input.producerTask}->${this.taskName}`, input.producerTask),
    );
    this.lineage = isStateful(deployment.vertex.operator) ? new LineageTracker() : undefined;
    const vertex = deployment.vertex;
    const keyed = vertex.operator.kind === 'keyed-process' || vertex.operator.kind === 'keyed-co-process';
    this.keyRange = keyed ? keyGroupRange(deployment.subtaskIndex, vertex.maxParallelism, vertex.parallelism) : undefined;
    this.handler = environment.barrierHandlerFactory(this);
    this.createOutputs();
    this.outputList = [...this.outputByConsumer.values()];
  }

  get node() {
    return this.environment.node;
  }

  get nowUs(): number {
    return this.environment.sim.nowUs;
  }

  get channelCount(): number {
    return this.inputs.length;
  }

  get executionState(): TaskState {
    return this.state;
  }

  /** Fault injection: the operator runs `factor` times slower until `untilUs` (a slow consumer). */
  slowDown(factor: number, untilUs: number): void {
    this.slowFactor = factor;
    this.slowUntilUs = untilUs;
  }

  /** Fault injection: the output link towards `consumerTask` adds `extraUs` per buffer until `untilUs`. */
  stallOutput(consumerTask: string, extraUs: number, untilUs: number): boolean {
    const output = this.outputByConsumer.get(consumerTask);
    if (output === undefined) return false;
    output.link.stall(extraUs, untilUs);
    return true;
  }

  private slowFactor = 1;
  private slowUntilUs = 0;

  private get active(): boolean {
    return this.state === 'INITIALIZING' || this.state === 'RUNNING';
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Starts the attempt: restore state if there is any, connect inputs, then run. */
  start(): void {
    this.state = 'INITIALIZING';
    this.environment.reportState(this.taskName, this.attempt, 'INITIALIZING');
    this.environment.registerProducer(this);
    this.inputs.forEach((channel, index) => this.environment.requestPartition(this, index, this.deployment.inputs[index]!));
    const restore = this.deployment.restore;
    if (restore?.finished === true) {
      this.finishOnRestore();
      return;
    }
    if (restore?.stateKey === undefined) {
      this.initialize(undefined, restore?.checkpointId);
      return;
    }
    this.environment.storage.read(this.node, restore.stateKey, (result) => {
      if (!this.active) return;
      // Planted bug restore-tolerates-unreadable-state: the task starts without its state.
      if (!result.ok && bugOn(this.bugs, 'restore-tolerates-unreadable-state')) return this.initialize(undefined, restore.checkpointId);
      if (!result.ok) return this.fail(`restore from checkpoint ${restore.checkpointId} failed: ${result.error}`);
      this.initialize(result.value as StoredSubtaskState, restore.checkpointId);
    });
  }

  private initialize(stored: StoredSubtaskState | undefined, checkpointId: number | undefined): void {
    try {
      this.openOperator(stored);
    } catch (error) {
      return this.fail(`operator failed to open: ${describeError(error)}`);
    }
    if (stored !== undefined && checkpointId !== undefined) {
      this.replayChannelState(bugOn(this.bugs, 'restore-skips-channel-state') ? { ...stored, channelState: [] } : stored, checkpointId);
    }
    this.state = 'RUNNING';
    this.environment.reportState(this.taskName, this.attempt, 'RUNNING');
    this.observe({ type: 'task-running', task: this.taskName, attempt: this.attempt });
    this.hooksStep('task.running');
    this.wake();
  }

  private openOperator(stored: StoredSubtaskState | undefined): void {
    const vertex = this.deployment.vertex;
    if (vertex.operator.kind === 'source') {
      const log = this.environment.logs.get(vertex.operator.topic);
      if (log === undefined) throw new Error(`no log for topic ${vertex.operator.topic}`);
      const hooks = this.environment.hooks;
      this.source = new ReplayableSourceReader(log, this.deployment.subtaskIndex, vertex.parallelism, (partition) =>
        !hooks.external('source-log', 'read', String(partition)).fail,
      );
      if (stored?.source !== undefined && !bugOn(this.bugs, 'source-ignores-restored-offsets')) this.source.restore(stored.source);
      return;
    }
    this.operator = this.environment.operatorFactory(vertex);
    if (stored !== undefined) this.lineage?.restore(stored.lineage);
    this.operator.open(this.operatorContext(), stored?.operator);
  }

  /** Unaligned channel state goes first: input records ahead of new input, output records ahead of new output. */
  private replayChannelState(stored: StoredSubtaskState, checkpointId: number): void {
    const inputRecords = new Map<string, StreamRecord[]>();
    for (const record of stored.channelState) {
      const streamRecord: StreamRecord = { key: record.key, value: record.value, origin: record.origin };
      if (record.side === 'output') {
        const output = this.outputByConsumer.get(record.peer);
        if (output === undefined) throw new Error(`${this.taskName}: channel state for unknown consumer ${record.peer}`);
        output.pending.push(streamRecord);
        if (output.pending.length >= recordsPerBuffer) this.flushChannel(output);
        continue;
      }
      const name = `${record.peer}->${this.taskName}`;
      let list = inputRecords.get(name);
      if (list === undefined) inputRecords.set(name, (list = []));
      list.push(streamRecord);
    }
    this.flushOutputs();
    for (const channel of this.inputs) {
      const records = inputRecords.get(channel.name);
      if (records === undefined) continue;
      const recovered: NetworkBuffer[] = [];
      for (let start = 0; start < records.length; start += recordsPerBuffer) {
        recovered.push({ ...recordsBuffer(records.slice(start, start + recordsPerBuffer)), recovered: true } as NetworkBuffer);
      }
      // Recovered data precedes anything already received on the new connection.
      channel.prepend(recovered);
      this.markAvailable(channel);
    }
    const count = stored.channelState.length;
    this.observe({
      type: 'task-restored',
      task: this.taskName,
      attempt: this.attempt,
      checkpointId,
      content: { keyed: stored.operator.keyed, operator: stored.source ?? stored.operator.operator, lineage: stored.lineage },
      channelStateRecords: count,
    });
  }

  /** A subtask finished in the restored checkpoint ends again at once: end of data, then end of partition. */
  private finishOnRestore(): void {
    this.state = 'RUNNING';
    this.environment.reportState(this.taskName, this.attempt, 'RUNNING');
    this.endedData = true;
    for (const output of this.outputList) output.link.send(endOfDataEvent);
    this.finishTask();
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
    for (const snapshot of this.asyncSnapshots.values()) snapshot.cancelled = true;
    this.asyncSnapshots.clear();
    for (const output of this.outputList) output.link.close();
    for (const input of this.inputs) input.link?.close();
    this.environment.unregisterProducer(this);
  }

  private finishTask(): void {
    // Triggers still waiting in the mailbox are declined, not dropped (Flink: TASK_CLOSING).
    for (const checkpointId of this.pendingTriggers) {
      this.environment.declineCheckpoint(this.taskName, this.attempt, checkpointId, 'CHECKPOINT_DECLINED_TASK_CLOSING');
    }
    this.pendingTriggers.clear();
    this.operator?.close?.();
    this.flushOutputs();
    for (const output of this.outputList) output.link.send(endOfPartitionEvent);
    this.state = 'FINISHED';
    this.mailbox.clear();
    this.observe({ type: 'task-finished', task: this.taskName, attempt: this.attempt });
    this.hooksStep('task.finished');
    this.environment.reportState(this.taskName, this.attempt, 'FINISHED');
  }

  // ---- RPC entry points (called by the TaskExecutor) ------------------------------------

  /** triggerCheckpoint RPC: for sources, and for tasks whose inputs all finished. A mailbox letter. */
  triggerCheckpointAsync(barrier: CheckpointBarrier): void {
    if (this.state !== 'RUNNING') {
      if (!bugOn(this.bugs, 'task-ignores-trigger-when-not-ready')) this.declineNotReady(barrier.checkpointId);
      return;
    }
    this.pendingTriggers.add(barrier.checkpointId);
    this.mailbox.put(() => {
      this.pendingTriggers.delete(barrier.checkpointId);
      this.abandonSavepointBefore(barrier.checkpointId, barrier.options.manual === true);
      // A drained source whose savepoint was given up has just failed.
      if (!this.active) return;
      if (this.state !== 'RUNNING' || this.suspendedBySavepoint) {
        if (!bugOn(this.bugs, 'task-ignores-trigger-when-not-ready')) this.declineNotReady(barrier.checkpointId);
        return;
      }
      const unfinished = this.inputs.filter((channel) => !channel.finished);
      if (barrier.options.drain === true && this.source !== undefined) this.drainForSavepoint(barrier.checkpointId);
      if (unfinished.length === 0) {
        // A trigger task's barrier goes out as a priority event when the checkpoint is unaligned.
        this.performCheckpoint(barrier, barrier.options.alignment === 'unaligned');
        return;
      }
      // Flink's triggerUnfinishedChannelsCheckpoint: every producer finished, but some channels
      // still hold data or end-of-partition; the barrier arrives on each of them now, as a
      // priority event would, so what is still queued becomes channel state when unaligned.
      for (const channel of unfinished) {
        channel.priorityArrivals.set(barrier.checkpointId, channel.queuedRecordsBefore(Number.MAX_SAFE_INTEGER).records);
        this.handler.processBarrier(barrier, channel.index);
      }
    });
    this.wake();
  }

  /**
   * Stop-with-savepoint --drain at a source (Flink's SourceOperator.stop(DRAIN), then
   * advanceToEndOfEventTime and end of data): the input ends here, before the savepoint's
   * barrier, so every operator downstream finishes first. There are no event-time timers in
   * this runtime, so MAX_WATERMARK has nothing to fire.
   */
  private drainForSavepoint(checkpointId: number): void {
    if (this.endedData) return;
    this.drainedForSavepointId = checkpointId;
    this.reachEndOfData();
  }

  /**
   * A drained source cannot read on once its savepoint failed: as Flink's StreamTask does when
   * the synchronous savepoint is aborted ("Stop-with-savepoint failed."), the task fails, and
   * the failover restores the latest checkpoint, whose sources read on.
   */
  private failIfDrainedFor(checkpointId: number): boolean {
    if (this.drainedForSavepointId === undefined || checkpointId < this.drainedForSavepointId) return false;
    if (checkpointId === this.drainedForSavepointId && this.latestNotifiedId >= checkpointId) return false;
    this.drainedForSavepointId = undefined;
    this.fail('Stop-with-savepoint failed.');
    return true;
  }

  /**
   * A periodic checkpoint newer than the stop-with-savepoint savepoint proves that savepoint was
   * given up (the periodic scheduler is stopped while it stands), even if its abort notification
   * was lost: sources resume, and no later completion may be taken for the savepoint's. A
   * savepoint or checkpoint asked for by hand proves nothing: Flink triggers those during a stop
   * too, and its tasks keep waiting for the stop's savepoint.
   */
  private abandonSavepointBefore(checkpointId: number, manual: boolean): void {
    if (manual) return;
    if (this.drainedForSavepointId !== undefined && checkpointId > this.drainedForSavepointId && this.failIfDrainedFor(checkpointId)) return;
    if (this.syncSavepointId === undefined || checkpointId <= this.syncSavepointId) return;
    this.syncSavepointId = undefined;
    this.suspendedBySavepoint = false;
    this.wake();
  }

  /**
   * Declines a trigger this task cannot take, and (as Flink's performCheckpoint does) tells the
   * consumers with a CancelCheckpointMarker not to wait for this task's barrier.
   */
  private declineNotReady(checkpointId: number): void {
    this.environment.declineCheckpoint(this.taskName, this.attempt, checkpointId, 'CHECKPOINT_DECLINED_TASK_NOT_READY');
    if (this.state === 'INITIALIZING' || this.state === 'RUNNING') this.broadcastEvent(cancelMarkerEvent(checkpointId));
  }

  /** notifyCheckpointComplete RPC: a priority letter, ignored at or below the latest one seen. */
  notifyCheckpointCompleteAsync(checkpointId: number): void {
    if (!this.active) {
      // Planted bug task-notifies-finished-operator: relayed to the operator closed at finish.
      if (this.state === 'FINISHED' && bugOn(this.bugs, 'task-notifies-finished-operator')) this.notifyCheckpointComplete(checkpointId);
      return;
    }
    this.mailbox.putPriority(() => this.notifyCheckpointComplete(checkpointId));
    this.wake();
  }

  /** notifyCheckpointAborted RPC: cancels the checkpoint's async part; a barrier still to come is refused. */
  notifyCheckpointAbortedAsync(checkpointId: number): void {
    if (!this.active) return;
    this.mailbox.putPriority(() => {
      // A repeated abort (a duplicated message) is not relayed again: each abort reaches the operator once.
      const ignored = this.abortedCheckpoints.has(checkpointId);
      this.observe({ type: 'checkpoint-notification-received', checkpointId, kind: 'aborted', task: this.taskName, ignored });
      if (ignored) return;
      this.abortedCheckpoints.add(checkpointId);
      if (checkpointId === this.drainedForSavepointId && this.failIfDrainedFor(checkpointId)) return;
      if (checkpointId === this.syncSavepointId) {
        this.syncSavepointId = undefined;
        this.suspendedBySavepoint = false;
      }
      const snapshot = this.asyncSnapshots.get(checkpointId);
      if (snapshot !== undefined) this.cancelAsync(snapshot);
      this.operator?.notifyCheckpointAborted(checkpointId);
    });
    this.wake();
  }

  private notifyCheckpointComplete(checkpointId: number): void {
    const ignored = checkpointId <= this.latestNotifiedId;
    this.observe({ type: 'checkpoint-notification-received', checkpointId, kind: 'complete', task: this.taskName, ignored });
    if (ignored) return;
    this.latestNotifiedId = checkpointId;
    this.hooksStep('task.notify-complete', checkpointId);
    this.operator?.notifyCheckpointComplete(checkpointId);
    this.maybeFinish();
  }

  /**
   * A task finishes once its final checkpoint (or its stop-with-savepoint) is notified complete
   * and every input channel has delivered end of partition: as in Flink, a consumer outlives its
   * producers, so it still receives the barriers of checkpoints they take meanwhile.
   */
  private maybeFinish(): void {
    if (this.state !== 'RUNNING') return;
    const finalReached = this.endedData && this.latestNotifiedId >= this.finalCheckpointMinId;
    const savepointReached = this.syncSavepointId !== undefined && this.latestNotifiedId >= this.syncSavepointId;
    if (!finalReached && !savepointReached) return;
    if (this.inputs.some((channel) => !channel.finished)) return;
    // FLIP-147: after end of data a task also waits until its consumers processed all its
    // records, or a later checkpoint (which counts it as finished) would cover none of them.
    if (finalReached && !savepointReached) {
      for (const output of this.outputList) if (!output.endOfDataProcessed) return;
    }
    this.finishTask();
  }

  // ---- the mailbox loop ------------------------------------------------------------------

  private wake(): void {
    if (this.stepScheduled || !this.active || !this.hasWork()) return;
    this.stepScheduled = true;
    const delayUs = Math.max(0, this.busyUntilUs - this.nowUs);
    this.environment.sim.schedule(delayUs, stepKind, this.stepAction, this.node, this.digest);
  }

  private hasWork(): boolean {
    if (!this.mailbox.isEmpty) return true;
    if (this.state !== 'RUNNING' || !this.outputAvailable()) return false;
    if (this.source !== undefined) return !this.endedData && (!this.suspendedBySavepoint || bugOn(this.bugs, 'source-emits-after-stop-savepoint')) && this.nowUs >= this.sourceBackoffUntilUs;
    return this.channelsWithData.length > 0;
  }

  private step(): void {
    this.stepScheduled = false;
    if (!this.active) return;
    let costUs = 1;
    try {
      const letter = this.mailbox.take();
      if (letter !== undefined) letter();
      else costUs = this.source !== undefined ? this.pollSource() : this.processInput();
    } catch (error) {
      this.fail(`${this.taskName} threw: ${describeError(error)}`);
      return;
    }
    if (!this.active) return;
    this.flushOutputs();
    this.busyUntilUs = this.nowUs + (this.nowUs < this.slowUntilUs ? costUs * this.slowFactor : costUs);
    this.wake();
  }

  private pollSource(): number {
    const source = this.source as ReplayableSourceReader;
    const poll = source.poll(recordsPerPoll);
    if (poll.kind === 'unavailable' && bugOn(this.bugs, 'source-stops-on-unavailable')) {
      this.reachEndOfData();
      return 1;
    }
    if (poll.kind === 'unavailable') {
      this.sourceBackoffUntilUs = this.nowUs + sourceBackoffUs;
      this.environment.sim.schedule(sourceBackoffUs, timerKind, () => this.wake(), this.node, this.digest);
      return 1;
    }
    if (poll.kind === 'end-of-input') {
      this.reachEndOfData();
      return 1;
    }
    for (const record of poll.records) {
      this.currentOrigin = record.origin;
      this.emitRecord(record);
    }
    this.observeEmitted(poll.records);
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

  private processInput(): number {
    const channel = this.nextChannelWithData();
    if (channel === undefined) return 1;
    const buffer = channel.take() as NetworkBuffer;
    if (channel.hasData && !channel.blocked) this.enqueueChannel(channel);
    switch (buffer.kind) {
      case 'records':
        return this.processRecords(channel, buffer.records, buffer.recovered === true);
      case 'barrier':
        this.handler.processBarrier(buffer.barrier, channel.index);
        return 1;
      case 'cancel-marker':
        this.observe({ type: 'cancellation-marker-received', checkpointId: buffer.checkpointId, task: this.taskName, channel: channel.name });
        this.handler.processCancellationMarker(buffer.checkpointId, channel.index);
        return 1;
      case 'end-of-data':
        channel.link?.acknowledgeEndOfData();
        this.endOfDataChannels++;
        if (this.endOfDataChannels === this.inputs.length) this.reachEndOfData();
        return 1;
      case 'end-of-partition':
        channel.finished = true;
        this.stopPersisting(channel, Number.MAX_SAFE_INTEGER);
        this.handler.processEndOfPartition(channel.index);
        this.maybeFinish();
        return 1;
    }
  }

  private processRecords(channel: InputChannel, records: readonly StreamRecord[], recovered: boolean): number {
    const operator = this.operator as StreamOperator;
    for (const record of records) {
      this.currentOrigin = record.origin;
      operator.processElement(record, channel.gate);
      this.lineage?.absorb(record.origin);
    }
    if (!recovered) channel.link?.returnCredit();
    return records.length * this.deployment.vertex.recordCostUs;
  }

  private nextChannelWithData(): InputChannel | undefined {
    while (this.channelsWithData.length > 0) {
      const channel = this.channelsWithData.shift() as InputChannel;
      channel.enqueued = false;
      if (channel.hasData && !channel.blocked) return channel;
    }
    return undefined;
  }

  private enqueueChannel(channel: InputChannel): void {
    if (channel.enqueued) return;
    channel.enqueued = true;
    this.channelsWithData.push(channel);
  }

  private markAvailable(channel: InputChannel): void {
    if (channel.hasData && !channel.blocked) this.enqueueChannel(channel);
  }

  private reachEndOfData(): void {
    if (this.endedData) return;
    this.endedData = true;
    this.operator?.endInput();
    this.flushOutputs();
    for (const output of this.outputList) output.link.send(endOfDataEvent);
    if (!this.environment.checkpointConfig.checkpointsAfterTasksFinish || bugOn(this.bugs, 'task-finishes-without-final-checkpoint')) {
      this.finishTask();
      return;
    }
    // Finish only once a checkpoint taken after this point completes, so the last transaction commits.
    this.finalCheckpointMinId = this.lastCheckpointId + 1;
    this.hooksStep('task.end-of-data');
  }

  // ---- receiving (TaskConnection) --------------------------------------------------------

  connected(channel: number, link: DataChannel<NetworkBuffer>): void {
    const input = this.inputs[channel] as InputChannel;
    input.link = link;
  }

  receive(channelIndex: number, buffer: NetworkBuffer): void {
    if (!this.active) return;
    const channel = this.inputs[channelIndex] as InputChannel;
    if (buffer.kind === 'records') {
      if (channel.persisting !== undefined) channel.persisting.records.push(...buffer.records);
      channel.push(buffer);
      this.markAvailable(channel);
    } else if (buffer.kind === 'barrier') {
      this.observe({ type: 'barrier-received', checkpointId: buffer.barrier.checkpointId, task: this.taskName, channel: channel.name, ...(buffer.priority ? { priority: true as const } : {}) });
      this.stopPersisting(channel, buffer.barrier.checkpointId);
      if (buffer.priority) {
        // What the barrier overtook is fixed now, at arrival; its letter may run a little later.
        channel.priorityArrivals.set(buffer.barrier.checkpointId, channel.queuedRecordsBefore(Number.MAX_SAFE_INTEGER).records);
        this.mailbox.putPriority(() => this.handler.processBarrier(buffer.barrier, channel.index));
      } else {
        channel.push(buffer);
        this.markAvailable(channel);
      }
    } else {
      if (buffer.kind === 'end-of-partition') this.stopPersisting(channel, Number.MAX_SAFE_INTEGER);
      channel.push(buffer);
      this.markAvailable(channel);
    }
    this.wake();
  }

  private stopPersisting(channel: InputChannel, checkpointId: number): void {
    const persisting = channel.persisting;
    if (persisting === undefined || persisting.checkpointId > checkpointId) return;
    channel.persisting = undefined;
    const snapshot = this.asyncSnapshots.get(persisting.checkpointId);
    if (snapshot === undefined) return;
    this.addInputChannelState(snapshot, channel, persisting.records);
    snapshot.awaitingChannels.delete(channel.index);
    this.maybeUpload(snapshot);
  }

  // ---- BarrierHandlerHost ------------------------------------------------------------------

  channelName(channel: number): string {
    return (this.inputs[channel] as InputChannel).name;
  }

  blockChannel(channel: number): void {
    (this.inputs[channel] as InputChannel).blocked = true;
  }

  resumeChannel(channel: number): void {
    const input = this.inputs[channel] as InputChannel;
    if (!input.blocked) return;
    input.blocked = false;
    this.markAvailable(input);
    this.wake();
  }

  triggerCheckpoint(barrier: CheckpointBarrier, unaligned: boolean): void {
    this.performCheckpoint(barrier, unaligned);
  }

  abortCheckpoint(checkpointId: number, reason: CheckpointFailureReason): void {
    this.hooksStep('task.checkpoint-declined', checkpointId);
    if (checkpointId > this.lastCheckpointId) this.lastCheckpointId = checkpointId;
    this.environment.declineCheckpoint(this.taskName, this.attempt, checkpointId, reason);
    this.broadcastEvent(cancelMarkerEvent(checkpointId));
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

  // ---- taking a checkpoint ---------------------------------------------------------------

  /** Flink's SubtaskCheckpointCoordinator.checkpointState: the synchronous part, then the async part. */
  private performCheckpoint(barrier: CheckpointBarrier, unaligned: boolean): void {
    const checkpointId = barrier.checkpointId;
    if (checkpointId === this.lastCheckpointId || (checkpointId < this.lastCheckpointId && !bugOn(this.bugs, 'task-snapshots-out-of-order-checkpoint'))) return;
    this.abandonSavepointBefore(checkpointId, barrier.options.manual === true);
    if (!this.active) return;
    this.lastCheckpointId = checkpointId;
    if (this.abortedCheckpoints.has(checkpointId)) {
      if (!bugOn(this.bugs, 'task-skips-cancel-marker-for-aborted-checkpoint')) this.broadcastEvent(cancelMarkerEvent(checkpointId));
      return;
    }
    this.operator?.prepareSnapshotPreBarrier?.(checkpointId);
    this.flushOutputs();
    const outgoing: CheckpointBarrier = unaligned ? { ...barrier, options: { ...barrier.options, alignment: 'unaligned' } } : barrier;
    const outputState = unaligned ? this.captureOutputChannelState() : [];
    this.broadcastEvent(barrierEvent(outgoing, unaligned));
    const operatorSnapshot = this.operator?.snapshotState(checkpointId) ?? { keyed: undefined, operator: {} };
    const sourceState = bugOn(this.bugs, 'source-offset-after-emit') ? this.source?.snapshotAhead(recordsPerPoll) : this.source?.snapshot();
    const content: SnapshotContent = {
      keyed: operatorSnapshot.keyed,
      operator: sourceState ?? operatorSnapshot.operator,
      lineage: this.lineage?.snapshot() ?? [],
    };
    this.observe({ type: 'snapshot-taken', checkpointId, task: this.taskName, attempt: this.attempt, unaligned, content });
    if (barrier.options.type === 'sync-savepoint') {
      this.syncSavepointId = checkpointId;
      this.suspendedBySavepoint = this.source !== undefined;
    }
    this.hooksStep('task.snapshot-taken', checkpointId);
    const snapshot: AsyncSnapshot = {
      checkpointId,
      unaligned,
      content,
      operatorSnapshot,
      channelState: outputState,
      awaitingChannels: new Set(),
      cancelled: false,
      uploading: false,
    };
    this.asyncSnapshots.set(checkpointId, snapshot);
    if (unaligned) this.startInputChannelState(snapshot);
    this.maybeUpload(snapshot);
  }

  /** Buffers queued at the producer side, which the priority barrier is about to overtake. */
  private captureOutputChannelState(): ChannelStateRecord[] {
    const records: ChannelStateRecord[] = [];
    for (const output of this.outputList) {
      for (const buffer of output.link.queued()) {
        if (buffer.kind !== 'records') continue;
        for (const record of buffer.records) {
          records.push({ side: 'output', peer: output.consumerTask, origin: record.origin, value: record.value, key: record.key });
        }
      }
    }
    return records;
  }

  /** Unaligned: in-flight input up to each channel's barrier becomes channel state. */
  private startInputChannelState(snapshot: AsyncSnapshot): void {
    const checkpointId = snapshot.checkpointId;
    for (const channel of this.inputs) {
      const arrival = channel.priorityArrivals.get(checkpointId);
      // Arrivals of this checkpoint and of older ones (aborted or subsumed before their snapshot) are done with.
      for (const id of channel.priorityArrivals.keys()) if (id <= checkpointId) channel.priorityArrivals.delete(id);
      if (arrival !== undefined) {
        this.addInputChannelState(snapshot, channel, arrival);
        continue;
      }
      if (channel.finished) continue;
      // Its barrier was already taken off the queue in order: everything before it was processed,
      // and what is queued now (up to a newer barrier, perhaps) belongs after it.
      if (this.handler.hasReceivedBarrier(channel.index, checkpointId)) continue;
      const queued = channel.queuedRecordsBefore(checkpointId);
      if (queued.barrierQueued) {
        this.addInputChannelState(snapshot, channel, queued.records);
        continue;
      }
      channel.persisting = { checkpointId, records: queued.records };
      snapshot.awaitingChannels.add(channel.index);
    }
  }

  private addInputChannelState(snapshot: AsyncSnapshot, channel: InputChannel, records: readonly StreamRecord[]): void {
    if (bugOn(this.bugs, 'task-drops-input-channel-state')) return;
    for (const record of records) {
      snapshot.channelState.push({ side: 'input', peer: channel.producerTask, origin: record.origin, value: record.value, key: record.key });
    }
  }

  private maybeUpload(snapshot: AsyncSnapshot): void {
    if (snapshot.cancelled || snapshot.uploading || snapshot.awaitingChannels.size > 0) return;
    snapshot.uploading = true;
    const key = `chk-${snapshot.checkpointId}/${this.taskName}@${this.attempt}`;
    const stored: StoredSubtaskState = {
      operator: snapshot.operatorSnapshot,
      lineage: snapshot.content.lineage,
      source: this.source === undefined ? undefined : (snapshot.content.operator as Record<string, number>),
      channelState: snapshot.channelState,
    };
    if (snapshot.unaligned) {
      // Published once complete: the last channel's barrier has arrived.
      this.observe({ type: 'channel-state-persisted', checkpointId: snapshot.checkpointId, task: this.taskName, records: [...snapshot.channelState] });
    }
    const sizeBytes = 64 + JSON.stringify(stored).length;
    this.hooksStep('task.async-upload-started', snapshot.checkpointId);
    this.environment.storage.write(this.node, key, stored, sizeBytes, (result) => {
      this.asyncSnapshots.delete(snapshot.checkpointId);
      if (snapshot.cancelled || !this.active) {
        if (result.ok) this.environment.storage.discard([key]);
        return;
      }
      if (!result.ok) {
        this.environment.declineCheckpoint(this.taskName, this.attempt, snapshot.checkpointId, 'CHECKPOINT_ASYNC_EXCEPTION');
        return;
      }
      this.observe({ type: 'snapshot-uploaded', checkpointId: snapshot.checkpointId, task: this.taskName, handles: [key] });
      this.environment.acknowledgeCheckpoint(this.taskName, this.attempt, snapshot.checkpointId, {
        taskName: this.taskName,
        operatorState: result.value,
        channelState: undefined,
        finished: false,
      });
    });
  }

  private cancelAsync(snapshot: AsyncSnapshot): void {
    snapshot.cancelled = true;
    if (!snapshot.uploading) this.asyncSnapshots.delete(snapshot.checkpointId);
    for (const channel of this.inputs) {
      if (channel.persisting?.checkpointId === snapshot.checkpointId) channel.persisting = undefined;
    }
  }

  // ---- output ---------------------------------------------------------------------------

  private createOutputs(): void {
    for (const descriptor of this.deployment.outputs) {
      const channels = descriptor.consumerTasks.map((consumerTask) => {
        const link = new DataChannel<NetworkBuffer>(
          this.environment.sim,
          `${this.taskName}->${consumerTask}`,
          this.environment.node,
          this.environment.dataRandom,
          this.environment.channelOptions,
          () => this.wake(),
          () => {
            output.endOfDataProcessed = true;
            this.maybeFinish();
          },
        );
        const output: OutputChannel = { link, consumerTask, pending: [], endOfDataProcessed: false };
        this.outputByConsumer.set(consumerTask, output);
        return output;
      });
      this.outputs.push(this.outputEdge(descriptor, channels));
    }
  }

  private outputEdge(descriptor: TaskDeployment['outputs'][number], channels: OutputChannel[]): OutputEdge {
    const partitioner = descriptor.edge.partitioner;
    return {
      channels,
      partitioner: partitioner.kind,
      keySelector: partitioner.kind === 'hash' ? partitioner.keySelector : undefined,
      consumerMaxParallelism: descriptor.consumer.maxParallelism,
      consumerParallelism: descriptor.consumer.parallelism,
      next: this.deployment.subtaskIndex % channels.length,
    };
  }

  /**
   * Sends a record on every output edge, batching records into network buffers per channel. The
   * routing is a switch rather than a closure per edge: closures made per case lose their
   * optimised code at each full collection.
   */
  private emitRecord(record: StreamRecord): void {
    for (const edge of this.outputs) {
      switch (edge.partitioner) {
        case 'forward':
          this.appendRecord(edge.channels[0] as OutputChannel, record);
          break;
        case 'broadcast':
          for (const channel of edge.channels) this.appendRecord(channel, record);
          break;
        case 'rebalance': {
          const channel = edge.next;
          edge.next = (edge.next + 1) % edge.channels.length;
          this.appendRecord(edge.channels[channel] as OutputChannel, record);
          break;
        }
        case 'hash': {
          const key = (edge.keySelector as (value: unknown) => string)(record.value);
          const routed = { key, value: record.value, origin: record.origin };
          this.appendRecord(edge.channels[subtaskForKey(key, edge.consumerMaxParallelism, edge.consumerParallelism)] as OutputChannel, routed);
          break;
        }
      }
    }
  }

  private appendRecord(channel: OutputChannel, record: StreamRecord): void {
    channel.pending.push(record);
    if (channel.pending.length >= recordsPerBuffer) this.flushChannel(channel);
  }

  private flushChannel(channel: OutputChannel): void {
    if (channel.pending.length === 0) return;
    channel.link.send(recordsBuffer(channel.pending));
    channel.pending = [];
  }

  private flushOutputs(): void {
    for (const channel of this.outputList) this.flushChannel(channel);
  }

  /** Sends an event on every output channel, after what is buffered; a priority event says so itself. */
  private broadcastEvent(event: NetworkBuffer): void {
    this.flushOutputs();
    for (const channel of this.outputList) channel.link.send(event);
  }

  /** Backpressure: no output channel may hold more than its share of queued buffers. */
  private outputAvailable(): boolean {
    for (const channel of this.outputList) {
      if (channel.link.queuedDataBuffers >= maxQueuedBuffersPerChannel) return false;
    }
    return true;
  }

  outputChannelTo(consumerTask: string): DataChannel<NetworkBuffer> | undefined {
    return this.outputByConsumer.get(consumerTask)?.link;
  }

  // ---- helpers ---------------------------------------------------------------------------

  private operatorContext(): OperatorContext {
    const vertex = this.deployment.vertex;
    const keyRange = this.keyRange;
    return {
      taskName: this.taskName,
      subtaskIndex: this.deployment.subtaskIndex,
      attempt: this.attempt,
      jobRun: this.deployment.jobRun,
      ownsKey: (key) => {
        if (keyRange === undefined) return true;
        const group = keyGroupFor(key, vertex.maxParallelism);
        return group >= keyRange.start && group <= keyRange.end;
      },
      emit: (value, key) => this.emitRecord({ key, value, origin: this.currentOrigin }),
      sinkStore: this.environment.sinkStore,
      externalFails: (operation, detail) => this.environment.hooks.external('sink-store', operation, detail).fail,
      plantedBugs: this.bugs,
      observe: (body) => this.observe(body),
      scheduleTimer: (delayUs, action) => {
        this.scheduleTimer(delayUs, action);
      },
    };
  }

  private hooksStep(name: string, checkpointId?: number): void {
    const hooks = this.environment.hooks;
    if (!hooks.hasStepListeners) return;
    hooks.step({ name, task: this.taskName, executor: this.environment.executorName, ...(checkpointId === undefined ? {} : { checkpointId }) });
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
