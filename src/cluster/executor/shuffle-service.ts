import type { SimNode, Simulation } from '../../sim/index.js';
import { eventKind, hashString } from '../../sim/index.js';
import type { InputChannelDescriptor, TaskConnection } from '../task/task-environment.js';

const requestKind = eventKind('shuffle.partition-request');
const brokenKind = eventKind('shuffle.connection-lost');

/** Partition-request latency, retry backoff, and how long before a missing producer fails the consumer. */
export interface ShuffleOptions {
  readonly requestLatencyUs: number;
  readonly initialBackoffUs: number;
  readonly maxBackoffUs: number;
  readonly partitionNotFoundAfterUs: number;
  /** How long a peer takes to notice that a connection's other end died (a TCP reset). */
  readonly connectionLossDetectionUs: number;
}

export const defaultShuffleOptions: ShuffleOptions = {
  requestLatencyUs: 300,
  initialBackoffUs: 10_000,
  maxBackoffUs: 1_000_000,
  partitionNotFoundAfterUs: 30_000_000,
  connectionLossDetectionUs: 50_000,
};

interface Connection {
  readonly producer: TaskConnection;
  readonly consumer: TaskConnection;
}

/**
 * The shuffle environment (Flink's netty shuffle): consumers request their producers' result
 * partitions by (task, attempt); a request for a producer not yet deployed is retried with
 * backoff, and fails the consumer with PartitionNotFound after a while. When an executor dies,
 * each task on the other end of one of its connections notices and fails.
 */
export class ShuffleService {
  private readonly producers = new Map<string, TaskConnection>();
  private connections: Connection[] = [];

  constructor(private readonly sim: Simulation, private readonly options: ShuffleOptions = defaultShuffleOptions) {}

  registerProducer(task: TaskConnection): void {
    this.producers.set(`${task.taskName}@${task.attempt}`, task);
  }

  unregisterProducer(task: TaskConnection): void {
    const key = `${task.taskName}@${task.attempt}`;
    if (this.producers.get(key) === task) this.producers.delete(key);
    this.connections = this.connections.filter((connection) => connection.producer !== task && connection.consumer !== task);
  }

  requestPartition(consumer: TaskConnection, channel: number, descriptor: InputChannelDescriptor): void {
    const key = `${descriptor.producerTask}@${descriptor.producerAttempt}`;
    const startedUs = this.sim.nowUs;
    const attempt = (backoffUs: number, delayUs: number): void => {
      this.sim.schedule(delayUs, requestKind, () => {
        const producer = this.producers.get(key);
        const link = producer?.outputChannelTo(consumer.taskName);
        if (producer !== undefined && link !== undefined && producer.node.alive) {
          if (link.isConnected) {
            // Flink's pipelined subpartitions have one reader: a second request for the same one
            // (a stale attempt of the consumer, deployed again by a duplicated deploy RPC, asking
            // a producer that lived on) fails the one asking, not the reader.
            consumer.failExternally(`IllegalStateException: subpartition ${link.name} of ${key} is being (or already has been) consumed, but pipelined subpartitions can only be consumed once`);
            return;
          }
          link.connect(consumer.node, (buffer) => consumer.receive(channel, buffer));
          consumer.connected(channel, link);
          this.connections.push({ producer, consumer });
          return;
        }
        if (this.sim.nowUs - startedUs >= this.options.partitionNotFoundAfterUs) {
          consumer.failExternally(`PartitionNotFoundException: ${key} for ${consumer.taskName}`);
          return;
        }
        attempt(Math.min(backoffUs * 2, this.options.maxBackoffUs), backoffUs);
      }, consumer.node, hashString(key));
    };
    attempt(this.options.initialBackoffUs, this.options.requestLatencyUs);
  }

  /** An executor died: forget its producers, and make every surviving peer notice. */
  nodeCrashed(node: SimNode): void {
    for (const [key, producer] of [...this.producers]) if (producer.node === node) this.producers.delete(key);
    const survivors: TaskConnection[] = [];
    const kept: Connection[] = [];
    for (const connection of this.connections) {
      const producerDied = connection.producer.node === node;
      const consumerDied = connection.consumer.node === node;
      if (!producerDied && !consumerDied) {
        kept.push(connection);
        continue;
      }
      if (!producerDied) survivors.push(connection.producer);
      if (!consumerDied) survivors.push(connection.consumer);
    }
    this.connections = kept;
    const notified = new Set<TaskConnection>();
    for (const survivor of survivors) {
      if (notified.has(survivor)) continue;
      notified.add(survivor);
      this.sim.schedule(this.options.connectionLossDetectionUs, brokenKind, () => {
        survivor.failExternally(`connection to ${node.name} lost`);
      }, survivor.node, hashString(survivor.taskName));
    }
  }
}
