import type { DataChannel } from '../../net/index.js';
import { keyGroupFor } from '../jobgraph/key-groups.js';
import { bugOn } from '../planted-bugs.js';
import type { StreamRecord } from '../jobgraph/records.js';
import type { NetworkBuffer } from './buffers.js';
import { isTimeoutable } from './event-announcement.js';
import { InputChannel } from './input-channel.js';
import type { StreamOperator } from './operator.js';
import type { StreamTask } from './stream-task.js';

/**
 * The input side of a subtask (Flink's input gates and StreamTaskNetworkInput): receives buffers
 * on its channels, keeps the channels that have data and are not blocked by alignment in arrival
 * order, and processes one buffer per mailbox step, handing barriers, cancellation markers and
 * end of partition to the barrier handler.
 */
export class TaskInputs {
  /** The input channels, across all gates, by channel index. */
  readonly channels: readonly InputChannel[];
  private readonly withData: InputChannel[] = [];
  private endOfDataChannels = 0;

  constructor(private readonly task: StreamTask) {
    const consumer = task.taskName;
    this.channels = task.deployment.inputs.map(
      (input, index) => new InputChannel(index, input.gate, `${input.producerTask}->${consumer}`, input.producerTask),
    );
  }

  /** Number of input channels. */
  get count(): number {
    return this.channels.length;
  }

  /** A channel is unblocked and has a buffer to process. */
  get hasData(): boolean {
    return this.withData.length > 0;
  }

  /** The channel with index `index`. */
  get(index: number): InputChannel {
    return this.channels[index] as InputChannel;
  }

  /** Every channel delivered end of partition. */
  allFinished(): boolean {
    return !this.channels.some((channel) => !channel.finished);
  }

  /** The channel's link to its producer is up. */
  connected(channel: number, link: DataChannel<NetworkBuffer>): void {
    this.get(channel).link = link;
  }

  /** A buffer arrived: queued in order, except a priority barrier, which is handled at once. */
  receive(channelIndex: number, buffer: NetworkBuffer): void {
    const task = this.task;
    const channel = this.get(channelIndex);
    if (buffer.kind === 'records') {
      if (channel.persisting !== undefined) channel.persisting.records.push(...buffer.records);
      channel.push(buffer);
      this.markAvailable(channel);
    } else if (buffer.kind === 'barrier') {
      task.observe({ type: 'barrier-received', checkpointId: buffer.barrier.checkpointId, task: task.taskName, channel: channel.name, ...(buffer.priority ? { priority: true as const } : {}) });
      task.checkpoints.stopPersisting(channel, buffer.barrier.checkpointId);
      if (buffer.priority) {
        // What the barrier overtook is fixed now, at arrival; its letter may run a little later.
        channel.priorityArrivals.set(buffer.barrier.checkpointId, channel.queuedRecordsBefore(Number.MAX_SAFE_INTEGER).records);
        task.mailbox.putPriority(() => task.handler.processBarrier(buffer.barrier, channel.index));
      } else {
        channel.push(buffer);
        this.markAvailable(channel);
        // Flink's RemoteInputChannel announces a barrier that may time out: the announcement
        // overtakes the data queued before the barrier, so the handler learns of it now.
        if (isTimeoutable(buffer.barrier.options)) task.mailbox.putPriority(() => task.handler.processBarrierAnnouncement?.(buffer.barrier, channel.index));
      }
    } else {
      if (buffer.kind === 'end-of-partition') task.checkpoints.stopPersisting(channel, Number.MAX_SAFE_INTEGER);
      channel.push(buffer);
      this.markAvailable(channel);
    }
    task.wake();
  }

  /** Processes the next buffer of the next channel with data; returns its cost in virtual time. */
  processNext(): number {
    const task = this.task;
    const channel = this.next();
    if (channel === undefined) return 1;
    const buffer = channel.take() as NetworkBuffer;
    if (channel.hasData && !channel.blocked) this.enqueue(channel);
    switch (buffer.kind) {
      case 'records':
        return this.processRecords(channel, buffer.records, buffer.recovered === true);
      case 'barrier':
        task.handler.processBarrier(buffer.barrier, channel.index);
        return 1;
      case 'cancel-marker':
        task.observe({ type: 'cancellation-marker-received', checkpointId: buffer.checkpointId, task: task.taskName, channel: channel.name });
        task.handler.processCancellationMarker(buffer.checkpointId, channel.index);
        return 1;
      case 'end-of-data':
        channel.link?.acknowledgeEndOfData();
        this.endOfDataChannels++;
        if (this.endOfDataChannels === this.channels.length) task.finishing.reachEndOfData();
        return 1;
      case 'watermark':
        task.eventTime.inputWatermark(channel.index, buffer.timestamp);
        return 1;
      case 'watermark-status':
        task.eventTime.inputWatermarkStatus(channel.index, buffer.status);
        return 1;
      case 'end-of-partition':
        channel.finished = true;
        task.checkpoints.stopPersisting(channel, Number.MAX_SAFE_INTEGER);
        task.handler.processEndOfPartition(channel.index);
        task.finishing.maybeFinish();
        return 1;
    }
  }

  private processRecords(channel: InputChannel, records: readonly StreamRecord[], recovered: boolean): number {
    const task = this.task;
    const operator = task.operator as StreamOperator;
    const lineage = task.lineage;
    for (const record of records) {
      task.currentOrigin = record.origin;
      operator.processElement(record, channel.gate);
      lineage?.absorb(record.origin);
      if (task.keyGroupLineage !== undefined) task.keyGroupLineage.absorb(keyGroupFor(record.key ?? '', task.deployment.vertex.maxParallelism), record.origin);
    }
    if (!recovered) channel.link?.returnCredit();
    return records.length * task.deployment.vertex.recordCostUs;
  }

  private next(): InputChannel | undefined {
    while (this.withData.length > 0) {
      const channel = this.withData.shift() as InputChannel;
      channel.enqueued = false;
      if (channel.hasData && !channel.blocked) return channel;
    }
    return undefined;
  }

  private enqueue(channel: InputChannel): void {
    if (channel.enqueued) return;
    channel.enqueued = true;
    this.withData.push(channel);
  }

  /** Puts the channel in the list of channels to process if it has data and is not blocked. */
  markAvailable(channel: InputChannel): void {
    if (channel.hasData && !channel.blocked) this.enqueue(channel);
  }

  /**
   * Flink's convertToPriorityEvent: the announced barrier of `checkpointId` still queued on the
   * channel jumps ahead of the data before it, which becomes the checkpoint's channel state, and
   * reaches the handler as a priority event. Nothing when it was processed already.
   */
  prioritizeBarrier(channelIndex: number, checkpointId: number): void {
    const task = this.task;
    const channel = this.get(channelIndex);
    const taken = channel.takeQueuedBarrier(checkpointId);
    if (taken === undefined) return;
    // Planted bug input-conversion-drops-overtaken-data: the data the barrier overtook is not persisted.
    channel.priorityArrivals.set(checkpointId, bugOn(task.bugs, 'input-conversion-drops-overtaken-data') ? [] : taken.recordsBefore);
    task.mailbox.putPriority(() => task.handler.processBarrier(taken.barrier, channelIndex));
    task.wake();
  }

  /** Aligned: the channel's barrier arrived; the rest of its input waits. */
  block(channel: number): void {
    this.get(channel).blocked = true;
  }

  /** Lets a blocked channel flow again; returns whether it was blocked. */
  resume(channel: number): boolean {
    const input = this.get(channel);
    if (!input.blocked) return false;
    input.blocked = false;
    this.markAvailable(input);
    return true;
  }
}
