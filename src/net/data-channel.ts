import type { RandomStream, SimNode, Simulation } from '../sim/index.js';
import { eventKind, hashString } from '../sim/index.js';

const bufferKind = eventKind('channel.buffer');
const creditKind = eventKind('channel.credit');
const endOfDataAckKind = eventKind('channel.end-of-data-processed');

/** What travels on a data channel: a network buffer of records or an event. */
export interface ChannelBuffer {
  /** Events (barriers, markers, end of partition) need no credit. */
  readonly isEvent: boolean;
  /** Priority events overtake queued buffers (unaligned checkpoint barriers). */
  readonly priority: boolean;
}

/** The payload a buffer's arrival carries in a captured trace (only when capture is on). */
export interface CapturedBuffer<Buffer extends ChannelBuffer = ChannelBuffer> {
  readonly message: 'buffer';
  /** The channel's name, `producer->consumer`. */
  readonly channel: string;
  readonly sentUs: number;
  readonly buffer: Buffer;
}

/** Link latency of data channels and the receiver's buffer budget. */
export interface ChannelOptions {
  readonly latencyMedianUs: number;
  readonly latencySigma: number;
  /** Receiver buffers (Flink's exclusive buffers per channel): the initial credit. */
  readonly initialCredits: number;
}

export const defaultChannelOptions: ChannelOptions = { latencyMedianUs: 150, latencySigma: 0.3, initialCredits: 2 };

/**
 * A task-to-task data channel with credit-based flow control (Flink's netty shuffle).
 *
 * The producer queues finished buffers; a data buffer leaves only against a credit, which the
 * consumer returns after processing one, so a slow consumer stalls its producer (backpressure).
 * Events need no credit but keep their place in the queue, except priority events, which jump
 * ahead of queued buffers. Delivery is FIFO and lossless while both ends live: arrivals are
 * addressed to the consumer's incarnation and credits to the producer's, so a crash of either
 * end silently ends the channel.
 */
export class DataChannel<Buffer extends ChannelBuffer> {
  private readonly queue: Buffer[] = [];
  private credits: number;
  private lastArrivalUs = 0;
  private closed = false;
  /** Extra latency per buffer until `stallUntilUs` (a slow-link fault). */
  private stallExtraUs = 0;
  private stallUntilUs = 0;
  private readonly digest: number;
  private consumerNode: SimNode | undefined;
  private deliver: ((buffer: Buffer) => void) | undefined;

  /**
   * Created by the producer at deployment; buffers queue (and backpressure builds) until the
   * consumer connects with {@link connect}.
   */
  constructor(
    private readonly sim: Simulation,
    readonly name: string,
    private readonly producerNode: SimNode,
    private readonly random: RandomStream,
    private readonly options: ChannelOptions,
    private readonly onQueueDrained: () => void,
    private readonly onEndOfDataProcessed: () => void = () => {},
  ) {
    this.credits = 0;
    this.digest = hashString(name);
  }

  /** The consumer's partition request arrived: grant its initial credit and start sending. */
  connect(consumerNode: SimNode, deliver: (buffer: Buffer) => void): void {
    if (this.consumerNode !== undefined) throw new Error(`channel ${this.name} connected twice`);
    this.consumerNode = consumerNode;
    this.deliver = deliver;
    this.credits = this.options.initialCredits;
    this.pump();
  }

  get isConnected(): boolean {
    return this.consumerNode !== undefined;
  }

  /** Buffers waiting at the producer (overtaken by a priority event, these are output channel state). */
  queued(): readonly Buffer[] {
    return this.queue;
  }

  get queuedDataBuffers(): number {
    let count = 0;
    for (const buffer of this.queue) if (!buffer.isEvent) count++;
    return count;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues a buffer or event at the producer and sends what credit allows. */
  send(buffer: Buffer): void {
    if (this.closed) return;
    if (buffer.priority) {
      let position = 0;
      while (position < this.queue.length && (this.queue[position] as Buffer).priority) position++;
      this.queue.splice(position, 0, buffer);
    } else {
      this.queue.push(buffer);
    }
    this.pump();
  }

  /** The consumer processed a data buffer: one credit travels back to the producer. */
  returnCredit(): void {
    if (this.closed || this.consumerNode === undefined) return;
    this.sim.schedule(this.drawLatency(), creditKind, () => {
      this.credits++;
      this.pump();
    }, this.producerNode, this.digest);
  }

  /**
   * The consumer processed everything up to the producer's end of data: the acknowledgement
   * travels back to the producer, which may finish only once all its consumers sent it.
   */
  acknowledgeEndOfData(): void {
    if (this.closed || this.consumerNode === undefined) return;
    this.sim.schedule(this.drawLatency(), endOfDataAckKind, () => {
      if (!this.closed) this.onEndOfDataProcessed();
    }, this.producerNode, this.digest);
  }

  /** Slows the link: each buffer sent before `untilUs` takes `extraUs` longer. */
  stall(extraUs: number, untilUs: number): void {
    this.stallExtraUs = extraUs;
    this.stallUntilUs = untilUs;
  }

  /** Ends the channel: nothing more is sent (its task was canceled or its peer died). */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private pump(): void {
    if (this.consumerNode === undefined || this.closed) return;
    let sentData = false;
    while (this.queue.length > 0) {
      const head = this.queue[0] as Buffer;
      if (!head.isEvent) {
        if (this.credits === 0) break;
        this.credits--;
        sentData = true;
      }
      this.queue.shift();
      this.transmit(head);
    }
    if (sentData) this.onQueueDrained();
  }

  private transmit(buffer: Buffer): void {
    const now = this.sim.nowUs;
    const stallUs = now < this.stallUntilUs ? this.stallExtraUs : 0;
    // Priority events still travel the same TCP connection: they cannot pass what is on the wire.
    const arrivalUs = Math.max(now + this.drawLatency() + stallUs, this.lastArrivalUs);
    this.lastArrivalUs = arrivalUs;
    const deliver = this.deliver as (buffer: Buffer) => void;
    const payload: CapturedBuffer<Buffer> | undefined = this.sim.capturing ? { message: 'buffer', channel: this.name, sentUs: now, buffer } : undefined;
    this.sim.schedule(arrivalUs - now, bufferKind, () => {
      if (!this.closed) deliver(buffer);
    }, this.consumerNode, this.digest, payload);
  }

  private drawLatency(): number {
    return this.random.logNormalUs(this.options.latencyMedianUs, this.options.latencySigma);
  }
}
