/**
 * Conformance with Flink 1.20's PipelinedSubpartitionTest (flink-runtime,
 * org.apache.flink.runtime.io.network.partition), for the output side of aligned checkpoints
 * with timeout (FLINK-27251): a timeoutable aligned barrier queued behind data buffers either
 * leaves in order (no channel state) or, once timed out, overtakes them as a priority barrier
 * and the buffers it overtook are the channel state. Ported through ckptsim's DataChannel (the
 * producer's queue, Flink's subpartition) and TaskOutputs' conversion, consumer not yet
 * connected (Flink's test polls the subpartition by hand: here connecting lets the queue drain).
 *
 * Flink methods: 17. Skipped as not behaviour: 14 (testIllegalReadViewRequest,
 * testIsReleasedChecksParent, the four testConcurrent*Produce*Consume thread-stress cases,
 * testCleanupReleasedPartitionNoView, testCleanupReleasedPartitionWithView, testReleaseParent,
 * testNumberOfQueueBuffers, testNewBufferSize, testNegativeNewBufferSize,
 * testNegativeBufferSizeAsSignOfAddingFail, testProducerFailedException: read views, buffer
 * sizes and release, Java plumbing; SubpartitionTestBase's inherited cases are not counted).
 * Ported and todo counts: test/conformance/README.md (generated).
 */
import { describe, expect, it } from 'vitest';
import { DataChannel, defaultChannelOptions } from '../../src/net/index.js';
import { Simulation } from '../../src/sim/index.js';
import { barrierEvent, recordsBuffer, type NetworkBuffer } from '../../src/cluster/task/buffers.js';
import { asUnaligned } from '../../src/cluster/task/event-announcement.js';
import { alignedWithTimeoutOptions, barrier } from '../cluster/task/fake-barrier-host.js';

/** A producer queue whose consumer is not connected yet: everything stays queued. */
function subpartition(): { sim: Simulation; link: DataChannel<NetworkBuffer>; received: NetworkBuffer[]; sent: NetworkBuffer[] } {
  const sim = new Simulation({ seed: 1 });
  const link = new DataChannel<NetworkBuffer>(sim, 'map#0->sink#0', sim.createNode('map#0'), sim.random('link'), defaultChannelOptions, () => {});
  const received: NetworkBuffer[] = [];
  const sent: NetworkBuffer[] = [];
  link.onEventTransmitted = (event) => sent.push(event);
  return { sim, link, received, sent };
}

function dataBuffer(offset: number): NetworkBuffer {
  return recordsBuffer([{ key: undefined, value: offset, origin: { partition: 0, offset } }]);
}

const isBarrierOf = (checkpointId: number) => (buffer: NetworkBuffer) => buffer.kind === 'barrier' && !buffer.priority && buffer.barrier.checkpointId === checkpointId;

describe('PipelinedSubpartitionTest (Flink 1.20)', () => {
  it('testConsumeTimeoutableCheckpointBarrierQuickly', () => {
    // With 0, 1 and 2 data buffers ahead: the barrier is consumed in order, after them, and its
    // channel state is empty (nothing converted, the barrier left the queue as an aligned event).
    for (const [dataBuffers, checkpointId] of [[0, 5], [1, 6], [2, 7]] as const) {
      const { sim, link, received, sent } = subpartition();
      for (let index = 0; index < dataBuffers; index++) link.send(dataBuffer(index));
      link.send(barrierEvent(barrier(checkpointId, alignedWithTimeoutOptions(100_000), 0), false));
      expect(link.holdsEvent(isBarrierOf(checkpointId))).toBe(true);
      link.connect(sim.createNode('sink#0'), (buffer) => {
        received.push(buffer);
        if (buffer.kind === 'records') link.returnCredit();
      });
      sim.run();
      expect(received.map((buffer) => buffer.kind)).toEqual([...Array(dataBuffers).fill('records'), 'barrier']);
      expect(received.at(-1)?.priority).toBe(false);
      expect(sent.filter((event) => event.kind === 'barrier')).toHaveLength(1);
      expect(link.holdsEvent(isBarrierOf(checkpointId))).toBe(false);
      // Nothing left to convert: a timeout now finds no barrier.
      expect(link.prioritizeEvent(isBarrierOf(checkpointId), (event) => event)).toBeUndefined();
    }
  });

  it('testTimeoutAlignedToUnalignedBarrier', () => {
    // With 0 and 1 data buffers ahead: the timeout converts the barrier to an unaligned priority
    // event first in the queue, followed by the data buffers, which are its channel state.
    for (const [dataBuffers, checkpointId] of [[0, 7], [1, 8]] as const) {
      const { sim, link, received } = subpartition();
      const expected = Array.from({ length: dataBuffers }, (_, index) => dataBuffer(index));
      for (const buffer of expected) link.send(buffer);
      const queued = barrier(checkpointId, alignedWithTimeoutOptions(100_000), 0);
      link.send(barrierEvent(queued, false));
      const overtaken = link.prioritizeEvent(isBarrierOf(checkpointId), () => barrierEvent(asUnaligned(queued), true));
      expect(overtaken).toEqual(expected);
      expect(link.queued().map((buffer) => buffer.kind)).toEqual(['barrier', ...Array(dataBuffers).fill('records')]);
      link.connect(sim.createNode('sink#0'), (buffer) => received.push(buffer));
      sim.run();
      const first = received[0] as NetworkBuffer;
      expect(first.kind === 'barrier' && first.priority && first.barrier.options.alignment).toBe('unaligned');
      expect(received.slice(1)).toEqual(expected.slice(0, defaultChannelOptions.initialCredits));
    }
  });

  it.todo('testConcurrentTimeoutableCheckpointBarrier: needs the one channel-state future per subpartition that fails the older checkpoint when a newer timeoutable barrier is added (ckptsim tracks each checkpoint\'s queued barrier on its own)');
});
