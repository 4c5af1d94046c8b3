import { Flip27SourceReader } from '../connectors/flip27/task-reader.js';
import { bugOn } from '../planted-bugs.js';
import type { KeyGroupLineageSnapshot } from '../rescaling/key-group-lineage.js';
import type { CancellableTimer } from '../checkpoint/ports.js';
import type { CheckpointBarrier, CheckpointFailureReason } from '../checkpoint/types.js';
import type { StreamRecord } from '../jobgraph/records.js';
import type { ChannelStateRecord, SnapshotContent } from '../observations.js';
import { barrierEvent, cancelMarkerEvent } from './buffers.js';
import { alignmentTimerDelayUs, isTimeoutable } from './event-announcement.js';
import type { InputChannel } from './input-channel.js';
import type { OperatorSnapshot } from './operator.js';
import type { StoredSubtaskState, StreamTask } from './stream-task.js';
import { discardUploaded, uploadIncremental, type IncrementalPart, type UploadedSnapshot } from './incremental-snapshot.js';
import type { StorageResult } from '../storage/checkpoint-storage.js';

/** Records a source reads per poll (one mailbox step). */
export const recordsPerPoll = 8;

/** The asynchronous part of one checkpoint: channel state to collect, then the upload, then the ack. */
interface AsyncSnapshot {
  readonly checkpointId: number;
  readonly unaligned: boolean;
  readonly content: SnapshotContent;
  readonly operatorSnapshot: OperatorSnapshot;
  readonly keyGroupLineage?: KeyGroupLineageSnapshot;
  readonly channelState: ChannelStateRecord[];
  readonly awaitingChannels: Set<number>;
  /** A checkpoint (not a savepoint): with incremental state, it may refer to earlier checkpoints' files. */
  readonly shareFiles: boolean;
  /** Consumers whose output queue still holds this aligned barrier (Flink's channel state futures of FLINK-27251). */
  readonly awaitingOutputs: Set<string>;
  /** The output side's aligned-barrier timeout (SubtaskCheckpointCoordinatorImpl.registerAlignmentTimer). */
  outputTimer: CancellableTimer | undefined;
  /** A barrier timed out in the output queue: the overtaken records are channel state. */
  outputTimedOut: boolean;
  cancelled: boolean;
  uploading: boolean;
}

/**
 * Flink's SubtaskCheckpointCoordinator for one subtask: the synchronous part of a checkpoint
 * (pre-barrier hook, barrier broadcast, operator snapshot), then the asynchronous part (unaligned
 * channel state collected until every channel's barrier arrived, the upload, the ack or decline).
 */
export class SubtaskCheckpoints {
  private readonly asyncSnapshots = new Map<number, AsyncSnapshot>();

  constructor(private readonly task: StreamTask) {}

  /** Flink's SubtaskCheckpointCoordinator.checkpointState: the synchronous part, then the async part. */
  perform(barrier: CheckpointBarrier, unaligned: boolean): void {
    const task = this.task;
    const bugs = task.bugs;
    const checkpointId = barrier.checkpointId;
    if (checkpointId === task.lastCheckpointId || (checkpointId < task.lastCheckpointId && !bugOn(bugs, 'task-snapshots-out-of-order-checkpoint'))) return;
    task.finishing.abandonSavepointBefore(checkpointId, barrier.options.manual === true);
    if (!task.active) return;
    task.lastCheckpointId = checkpointId;
    if (task.abortedCheckpoints.has(checkpointId)) {
      task.observe({ type: 'aborted-checkpoint-skipped', checkpointId, task: task.taskName, attempt: task.attempt });
      if (!bugOn(bugs, 'task-skips-cancel-marker-for-aborted-checkpoint')) task.outputs.broadcastEvent(cancelMarkerEvent(checkpointId));
      return;
    }
    task.operator?.prepareSnapshotPreBarrier?.(checkpointId);
    task.outputs.flush();
    const outgoing: CheckpointBarrier = unaligned ? { ...barrier, options: { ...barrier.options, alignment: 'unaligned' } } : barrier;
    const outputState = unaligned ? task.outputs.captureChannelState() : [];
    task.outputs.broadcastEvent(barrierEvent(outgoing, unaligned));
    const operatorSnapshot = task.operator?.snapshotState(checkpointId) ?? { keyed: undefined, operator: {} };
    const sourceState = bugOn(bugs, 'source-offset-after-emit') ? task.source?.snapshotAhead(recordsPerPoll) : task.source?.snapshot();
    const content: SnapshotContent = {
      keyed: operatorSnapshot.keyed,
      operator: sourceState ?? operatorSnapshot.operator,
      lineage: task.lineage?.snapshot() ?? [],
    };
    task.observe({ type: 'snapshot-taken', checkpointId, task: task.taskName, attempt: task.attempt, unaligned, content });
    // FLIP-27: the barrier is out, the coordinator may send to this subtask again.
    if (task.source instanceof Flip27SourceReader) task.source.afterSnapshot(checkpointId);
    if (barrier.options.type === 'sync-savepoint') task.finishing.snapshotTakenForSyncSavepoint(checkpointId);
    task.hooksStep('task.snapshot-taken', checkpointId);
    const snapshot: AsyncSnapshot = {
      checkpointId,
      unaligned,
      content,
      operatorSnapshot,
      ...(task.keyGroupLineage === undefined ? {} : { keyGroupLineage: task.keyGroupLineage.snapshot() }),
      channelState: outputState,
      awaitingChannels: new Set(),
      shareFiles: barrier.options.type === 'checkpoint',
      awaitingOutputs: new Set(),
      outputTimer: undefined,
      outputTimedOut: false,
      cancelled: false,
      uploading: false,
    };
    this.asyncSnapshots.set(checkpointId, snapshot);
    if (!unaligned && isTimeoutable(barrier.options)) this.awaitAlignedBarriers(snapshot, barrier);
    if (unaligned) this.startInputChannelState(snapshot);
    this.maybeUpload(snapshot);
  }

  /** The barrier handler gives the checkpoint up: decline it, and tell the consumers not to wait for it. */
  abort(checkpointId: number, reason: CheckpointFailureReason): void {
    const task = this.task;
    // Flink's StreamTask.abortCheckpointOnBarrier: giving up the current synchronous savepoint fails the task.
    if (task.finishing.isCurrentSyncSavepoint(checkpointId)) {
      task.fail('Stop-with-savepoint failed.');
      return;
    }
    task.hooksStep('task.checkpoint-declined', checkpointId);
    if (checkpointId > task.lastCheckpointId) task.lastCheckpointId = checkpointId;
    task.environment.declineCheckpoint(task.taskName, task.attempt, checkpointId, reason);
    task.outputs.broadcastEvent(cancelMarkerEvent(checkpointId));
  }

  /**
   * FLINK-27251, the output side of aligned checkpoints with timeout: an aligned barrier still
   * queued behind buffers in an output queue holds the asynchronous part back until it leaves
   * (nothing to persist) or its aligned-checkpoint timeout passes, when it overtakes those
   * buffers as an unaligned priority barrier and their records become output channel state.
   */
  private awaitAlignedBarriers(snapshot: AsyncSnapshot, barrier: CheckpointBarrier): void {
    const task = this.task;
    const consumers = task.outputs.consumersAwaitingBarrier(snapshot.checkpointId);
    if (consumers.length === 0) return;
    // Planted bug output-timeout-uploads-before-barrier-leaves: the upload does not wait.
    if (!bugOn(task.bugs, 'output-timeout-uploads-before-barrier-leaves')) for (const consumer of consumers) snapshot.awaitingOutputs.add(consumer);
    const pending = [...consumers];
    snapshot.outputTimer = task.scheduleTimer(alignmentTimerDelayUs(barrier, task.nowUs), () => {
      snapshot.outputTimer = undefined;
      if (snapshot.cancelled) return;
      this.timeoutAlignedBarriers(snapshot, pending);
    });
  }

  /** The aligned-checkpoint timeout passed: the barriers still queued overtake the buffers before them. */
  private timeoutAlignedBarriers(snapshot: AsyncSnapshot, consumers: readonly string[]): void {
    const task = this.task;
    task.hooksStep('task.output-barrier-timeout', snapshot.checkpointId);
    for (const consumer of consumers) {
      const records = task.outputs.timeoutAlignedBarrier(consumer, snapshot.checkpointId);
      snapshot.awaitingOutputs.delete(consumer);
      if (records === undefined) continue;
      snapshot.outputTimedOut = true;
      // Planted bug output-timeout-drops-overtaken-buffers: the overtaken records are not persisted.
      if (!bugOn(task.bugs, 'output-timeout-drops-overtaken-buffers')) snapshot.channelState.push(...records);
    }
    this.maybeUpload(snapshot);
  }

  /** An aligned barrier left the output queue towards `consumerTask`: nothing of that channel to persist. */
  alignedBarrierSent(consumerTask: string, checkpointId: number): void {
    const snapshot = this.asyncSnapshots.get(checkpointId);
    if (snapshot === undefined || !snapshot.awaitingOutputs.delete(consumerTask)) return;
    if (snapshot.awaitingOutputs.size > 0) return;
    snapshot.outputTimer?.cancel();
    snapshot.outputTimer = undefined;
    this.maybeUpload(snapshot);
  }

  /** Unaligned: in-flight input up to each channel's barrier becomes channel state. */
  private startInputChannelState(snapshot: AsyncSnapshot): void {
    const task = this.task;
    const checkpointId = snapshot.checkpointId;
    for (const channel of task.inputs.channels) {
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
      if (task.handler.hasReceivedBarrier(channel.index, checkpointId)) continue;
      const queued = channel.queuedRecordsBefore(checkpointId);
      if (queued.barrierQueued) {
        this.addInputChannelState(snapshot, channel, queued.records);
        continue;
      }
      channel.persisting = { checkpointId, records: queued.records };
      snapshot.awaitingChannels.add(channel.index);
    }
  }

  /** A barrier (or end of partition) arrived on a channel: its unaligned channel state is complete. */
  stopPersisting(channel: InputChannel, checkpointId: number): void {
    const persisting = channel.persisting;
    if (persisting === undefined || persisting.checkpointId > checkpointId) return;
    channel.persisting = undefined;
    const snapshot = this.asyncSnapshots.get(persisting.checkpointId);
    if (snapshot === undefined) return;
    this.addInputChannelState(snapshot, channel, persisting.records);
    snapshot.awaitingChannels.delete(channel.index);
    this.maybeUpload(snapshot);
  }

  private addInputChannelState(snapshot: AsyncSnapshot, channel: InputChannel, records: readonly StreamRecord[]): void {
    if (bugOn(this.task.bugs, 'task-drops-input-channel-state')) return;
    for (const record of records) {
      snapshot.channelState.push({ side: 'input', peer: channel.producerTask, origin: record.origin, value: record.value, key: record.key });
    }
  }

  private maybeUpload(snapshot: AsyncSnapshot): void {
    if (snapshot.cancelled || snapshot.uploading || snapshot.awaitingChannels.size > 0 || snapshot.awaitingOutputs.size > 0) return;
    const task = this.task;
    const environment = task.environment;
    snapshot.uploading = true;
    const key = `chk-${snapshot.checkpointId}/${task.taskName}@${task.attempt}`;
    const stored: StoredSubtaskState = {
      operator: snapshot.operatorSnapshot,
      lineage: snapshot.content.lineage,
      source: task.source === undefined ? undefined : (snapshot.content.operator as Record<string, number>),
      channelState: snapshot.channelState,
      ...(snapshot.keyGroupLineage === undefined ? {} : { keyGroupLineage: snapshot.keyGroupLineage }),
    };
    if (snapshot.unaligned || snapshot.outputTimedOut) {
      // Published once complete: the last channel's barrier has arrived (or timed out in the output queue).
      task.observe({ type: 'channel-state-persisted', checkpointId: snapshot.checkpointId, task: task.taskName, records: [...snapshot.channelState] });
    }
    // The lineage per key group is harness instrumentation: it adds nothing to the state's size (nor to storage latency).
    const sizeBytes = 64 + JSON.stringify(stored.keyGroupLineage === undefined ? stored : { ...stored, keyGroupLineage: undefined }).length;
    task.hooksStep('task.async-upload-started', snapshot.checkpointId);
    this.uploadState(snapshot, key, stored, sizeBytes, (result) => {
      this.asyncSnapshots.delete(snapshot.checkpointId);
      if (snapshot.cancelled || !task.active) {
        if (result.ok) discardUploaded(environment.storage, result.value);
        this.maybeFinishClosing();
        return;
      }
      if (!result.ok) {
        environment.declineCheckpoint(task.taskName, task.attempt, snapshot.checkpointId, 'CHECKPOINT_ASYNC_EXCEPTION');
        this.maybeFinishClosing();
        return;
      }
      const sharedState = result.value.sharedState;
      task.observe({ type: 'snapshot-uploaded', checkpointId: snapshot.checkpointId, task: task.taskName, handles: [key, ...(sharedState ?? []).map((handle) => handle.key)] });
      environment.acknowledgeCheckpoint(task.taskName, task.attempt, snapshot.checkpointId, {
        taskName: task.taskName,
        operatorState: result.value.handle,
        channelState: undefined,
        finished: false,
        ...(sharedState === undefined ? {} : { sharedState }),
      });
      this.maybeFinishClosing();
    });
  }

  /**
   * An upload not given up is under way: a finishing task waits for it, since a storage write
   * always ends (written or failed). A part still collecting channel state or waiting for an
   * output barrier is not waited for: its checkpoint may have been aborted without this task
   * hearing of it (a lost notification), and it would never end.
   */
  hasPendingUploads(): boolean {
    for (const snapshot of this.asyncSnapshots.values()) if (!snapshot.cancelled && snapshot.uploading) return true;
    return false;
  }

  /** A task that waits to finish (TaskFinishing.closing) finishes once its last asynchronous part ended. */
  private maybeFinishClosing(): void {
    if (this.task.finishing.closing) this.task.finishing.maybeFinish();
  }

  /** One private file, or with incremental state the shared files of a checkpoint's keyed state first. */
  private uploadState(snapshot: AsyncSnapshot, key: string, stored: StoredSubtaskState, sizeBytes: number, done: (result: StorageResult<UploadedSnapshot>) => void): void {
    const task = this.task;
    const storage = task.environment.storage;
    const keyed = stored.operator.keyed;
    if (task.incremental === undefined || keyed === undefined || !snapshot.shareFiles) {
      storage.write(task.node, key, stored, sizeBytes, (result) => done(result.ok ? { ok: true, value: { handle: result.value, sharedState: undefined } } : result));
      return;
    }
    const privatePart = (part: IncrementalPart): { value: StoredSubtaskState; sizeBytes: number } => {
      const value: StoredSubtaskState = { ...stored, operator: { ...stored.operator, keyed: undefined }, incremental: part };
      // The state names (meta info) are not counted in the size: they are a few bytes within the
      // 64-byte overhead, and counting them would shift the timing of every incremental run.
      return { value, sizeBytes: 64 + JSON.stringify({ ...value, incremental: { files: part.files } }).length };
    };
    const context = { storage, node: task.node, cancelled: () => snapshot.cancelled || !task.active };
    uploadIncremental(context, task.incremental, snapshot.checkpointId, key, privatePart, keyed, done);
  }

  /** The checkpoint was aborted: its asynchronous part, if still running, is given up. */
  cancel(checkpointId: number): void {
    const snapshot = this.asyncSnapshots.get(checkpointId);
    if (snapshot === undefined) return;
    snapshot.cancelled = true;
    snapshot.outputTimer?.cancel();
    if (!snapshot.uploading) this.asyncSnapshots.delete(snapshot.checkpointId);
    for (const channel of this.task.inputs.channels) {
      if (channel.persisting?.checkpointId === snapshot.checkpointId) channel.persisting = undefined;
    }
    this.maybeFinishClosing();
  }

  /** The task ended abnormally: every asynchronous part is given up. */
  cancelAll(): void {
    for (const snapshot of this.asyncSnapshots.values()) {
      snapshot.cancelled = true;
      snapshot.outputTimer?.cancel();
    }
    this.asyncSnapshots.clear();
  }
}
