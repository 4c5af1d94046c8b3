import { DataChannel } from '../../net/index.js';
import { subtaskForKey } from '../jobgraph/key-groups.js';
import type { Partitioner } from '../jobgraph/job-graph.js';
import type { StreamRecord } from '../jobgraph/records.js';
import type { ChannelStateRecord } from '../observations.js';
import type { CheckpointBarrier } from '../checkpoint/types.js';
import { barrierEvent, maxQueuedBuffersPerChannel, recordsBuffer, recordsPerBuffer, type NetworkBuffer } from './buffers.js';
import { asUnaligned } from './event-announcement.js';
import type { TaskDeployment, TaskEnvironment } from './task-environment.js';

/** One output channel of a subtask: its link to one consumer subtask and the records not yet in a buffer. */
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

/**
 * The output side of a subtask (Flink's RecordWriters over its ResultPartition): routes records
 * to the consumer subtasks by each edge's partitioner, batches them into network buffers per
 * channel, broadcasts events, and answers whether the task is backpressured.
 */
export class TaskOutputs {
  private readonly edges: OutputEdge[] = [];
  private readonly byConsumer = new Map<string, OutputChannel>();
  /** The values of {@link byConsumer}, in its order: iterated at every step without an iterator. */
  private readonly list: OutputChannel[];

  /**
   * @param onQueueDrained - a channel sent data buffers, so the task may no longer be backpressured
   * @param onEndOfDataProcessed - a consumer acknowledged processing everything up to end of data
   * @param onAlignedBarrierSent - an aligned barrier left the output queue towards `consumerTask`
   */
  constructor(
    private readonly deployment: TaskDeployment,
    private readonly environment: TaskEnvironment,
    onQueueDrained: () => void,
    onEndOfDataProcessed: () => void,
    onAlignedBarrierSent: (consumerTask: string, checkpointId: number) => void,
  ) {
    const taskName = deployment.taskName;
    for (const descriptor of deployment.outputs) {
      const channels = descriptor.consumerTasks.map((consumerTask) => {
        const link = new DataChannel<NetworkBuffer>(
          environment.sim,
          `${taskName}->${consumerTask}`,
          environment.node,
          environment.dataRandom,
          environment.channelOptions,
          onQueueDrained,
          () => {
            output.endOfDataProcessed = true;
            onEndOfDataProcessed();
          },
        );
        link.onEventTransmitted = (event) => {
          if (event.kind === 'barrier' && !event.priority) onAlignedBarrierSent(consumerTask, event.barrier.checkpointId);
        };
        const output: OutputChannel = { link, consumerTask, pending: [], endOfDataProcessed: false };
        this.byConsumer.set(consumerTask, output);
        return output;
      });
      this.edges.push(this.outputEdge(descriptor, channels));
    }
    this.list = [...this.byConsumer.values()];
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

  /** The data channel towards `consumerTask`, if this task has one. */
  channelTo(consumerTask: string): DataChannel<NetworkBuffer> | undefined {
    return this.byConsumer.get(consumerTask)?.link;
  }

  /** Fault injection: the link towards `consumerTask` adds `extraUs` per buffer until `untilUs`. */
  stall(consumerTask: string, extraUs: number, untilUs: number): boolean {
    const output = this.byConsumer.get(consumerTask);
    if (output === undefined) return false;
    output.link.stall(extraUs, untilUs);
    return true;
  }

  /**
   * Sends a record on every output edge, batching records into network buffers per channel. The
   * routing is a switch rather than a closure per edge: closures made per case lose their
   * optimised code at each full collection.
   */
  emit(record: StreamRecord): void {
    for (const edge of this.edges) {
      switch (edge.partitioner) {
        case 'forward':
          this.append(edge.channels[0] as OutputChannel, record);
          break;
        case 'broadcast':
          for (const channel of edge.channels) this.append(channel, record);
          break;
        case 'rebalance': {
          const channel = edge.next;
          edge.next = (edge.next + 1) % edge.channels.length;
          this.append(edge.channels[channel] as OutputChannel, record);
          break;
        }
        case 'hash': {
          const key = (edge.keySelector as (value: unknown) => string)(record.value);
          const routed = { key, value: record.value, origin: record.origin };
          this.append(edge.channels[subtaskForKey(key, edge.consumerMaxParallelism, edge.consumerParallelism)] as OutputChannel, routed);
          break;
        }
      }
    }
  }

  /** Restored output channel state: the record goes to `consumerTask` ahead of any new output. */
  emitRecovered(consumerTask: string, record: StreamRecord): void {
    const output = this.byConsumer.get(consumerTask);
    if (output === undefined) throw new Error(`${this.deployment.taskName}: channel state for unknown consumer ${consumerTask}`);
    this.append(output, record);
  }

  private append(channel: OutputChannel, record: StreamRecord): void {
    channel.pending.push(record);
    if (channel.pending.length >= recordsPerBuffer) this.flushChannel(channel);
  }

  private flushChannel(channel: OutputChannel): void {
    if (channel.pending.length === 0) return;
    channel.link.send(recordsBuffer(channel.pending));
    channel.pending = [];
  }

  /** Sends every partly filled buffer. */
  flush(): void {
    for (const channel of this.list) this.flushChannel(channel);
  }

  /** Sends an event on every output channel, after what is buffered; a priority event says so itself. */
  broadcastEvent(event: NetworkBuffer): void {
    this.flush();
    this.sendEvent(event);
  }

  /** Sends an event on every output channel without flushing partly filled buffers first. */
  sendEvent(event: NetworkBuffer): void {
    for (const channel of this.list) channel.link.send(event);
  }

  /** Backpressure: no output channel may hold more than its share of queued buffers. */
  available(): boolean {
    for (const channel of this.list) {
      if (channel.link.queuedDataBuffers >= maxQueuedBuffersPerChannel) return false;
    }
    return true;
  }

  /** Every consumer acknowledged processing all records up to this task's end of data (FLIP-147). */
  allEndOfDataProcessed(): boolean {
    for (const output of this.list) if (!output.endOfDataProcessed) return false;
    return true;
  }

  /** Buffers queued at the producer side, which a priority barrier is about to overtake. */
  captureChannelState(): ChannelStateRecord[] {
    const records: ChannelStateRecord[] = [];
    for (const output of this.list) {
      for (const buffer of output.link.queued()) {
        if (buffer.kind !== 'records') continue;
        for (const record of buffer.records) {
          records.push({ side: 'output', peer: output.consumerTask, origin: record.origin, value: record.value, key: record.key });
        }
      }
    }
    return records;
  }

  /** The consumers whose output queue still holds the aligned barrier of `checkpointId`. */
  consumersAwaitingBarrier(checkpointId: number): string[] {
    const consumers: string[] = [];
    for (const output of this.list) {
      if (output.link.holdsEvent((event) => isAlignedBarrierOf(event, checkpointId))) consumers.push(output.consumerTask);
    }
    return consumers;
  }

  /**
   * Flink's ResultPartition.alignedBarrierTimeout for one subpartition (FLINK-27251): the aligned
   * barrier of `checkpointId` still queued towards `consumerTask` becomes an unaligned priority
   * barrier ahead of the queued buffers, whose records are returned as output channel state (they
   * are still sent, after it). Undefined when the barrier already left.
   */
  timeoutAlignedBarrier(consumerTask: string, checkpointId: number): ChannelStateRecord[] | undefined {
    const output = this.byConsumer.get(consumerTask);
    if (output === undefined) return undefined;
    const overtaken = output.link.prioritizeEvent(
      (event) => isAlignedBarrierOf(event, checkpointId),
      (event) => barrierEvent(asUnaligned((event as { barrier: CheckpointBarrier }).barrier), true),
    );
    if (overtaken === undefined) return undefined;
    const records: ChannelStateRecord[] = [];
    for (const buffer of overtaken) {
      if (buffer.kind !== 'records') continue;
      for (const record of buffer.records) records.push({ side: 'output', peer: consumerTask, origin: record.origin, value: record.value, key: record.key });
    }
    return records;
  }

  /** Closes every output link: the task ended abnormally. */
  close(): void {
    for (const output of this.list) output.link.close();
  }
}

function isAlignedBarrierOf(event: NetworkBuffer, checkpointId: number): boolean {
  return event.kind === 'barrier' && !event.priority && event.barrier.checkpointId === checkpointId;
}
