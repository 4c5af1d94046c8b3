import { describe, expect, it } from 'vitest';
import { ShuffleService } from '../../../src/cluster/executor/shuffle-service.js';
import type { NetworkBuffer } from '../../../src/cluster/task/buffers.js';
import type { TaskConnection } from '../../../src/cluster/task/task-environment.js';
import { DataChannel, defaultChannelOptions } from '../../../src/net/index.js';
import { Simulation } from '../../../src/sim/index.js';

/** A task end for the shuffle: what it was told, in order. */
function fakeTask(sim: Simulation, taskName: string, attempt: number, outputs: Map<string, DataChannel<NetworkBuffer>> = new Map(), node = sim.createNode(`${taskName}@${attempt}`)) {
  const events: string[] = [];
  const connection: TaskConnection = {
    taskName,
    attempt,
    node,
    outputChannelTo: (consumer) => outputs.get(consumer),
    receive: () => {},
    connected: (channel) => events.push(`connected ${channel}`),
    failExternally: (cause) => events.push(`failed: ${cause}`),
  };
  return { connection, events };
}

describe('the shuffle service', () => {
  it('connects a consumer to its producer, and fails a second consumer of the same pipelined subpartition instead of throwing', () => {
    const sim = new Simulation({ seed: 1 });
    const producerNode = sim.createNode('producer');
    const link = new DataChannel<NetworkBuffer>(sim, 'split#0->count#0', producerNode, sim.random('link'), defaultChannelOptions, () => {});
    const producer = fakeTask(sim, 'split#0', 1, new Map([['count#0', link]]), producerNode);
    const shuffle = new ShuffleService(sim);
    shuffle.registerProducer(producer.connection);
    const reader = fakeTask(sim, 'count#0', 1);
    const stale = fakeTask(sim, 'count#0', 1);
    const descriptor = { gate: 0, producerTask: 'split#0', producerAttempt: 1 };
    shuffle.requestPartition(reader.connection, 0, descriptor);
    expect(sim.run().kind).toBe('quiescent');
    expect(reader.events).toEqual(['connected 0']);
    // A stale attempt of the consumer asks again (a duplicated deploy): it fails, the reader keeps its link.
    shuffle.requestPartition(stale.connection, 0, descriptor);
    expect(sim.run().kind).toBe('quiescent');
    expect(stale.events).toEqual(['failed: IllegalStateException: subpartition split#0->count#0 of split#0@1 is being (or already has been) consumed, but pipelined subpartitions can only be consumed once']);
    expect(reader.events).toEqual(['connected 0']);
    expect(link.isConnected).toBe(true);
  });
});
