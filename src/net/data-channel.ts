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
  /** Buffers waiting at the producer: `queue[head..]` (the consumed prefix is dropped in bulk). */
  private queue: Buffer[] = [];
  private head = 0;
  /** Data buffers (not events) in the queue, kept as a count: backpressure asks for it at every step. */
  private dataBuffers = 0;
  private credits: number;
  private lastArrivalUs = 0;
  private closed = false;
  /** Extra latency per buffer until `stallUntilUs` (a slow-link fault). */
  private stallExtraUs = 0;
  private stallUntilUs = 0;
  private readonly digest: number;
  private consumerNode: SimNode | undefined;
  private deliver: ((buffer: Buffer) => void) | undefined;
  /** Actions made once per channel, not per event: a credit's arrival and a buffer's. */
  private readonly creditArrived = (): void => {
    this.credits++;
    this.pump();
  };
  private readonly bufferArrived = (buffer: Buffer): void => {
    if (!this.closed) (this.deliver as (buffer: Buffer) => void)(buffer);
  };
  /** Told of every event as it leaves the producer's queue (the output side's barrier tracking). */
  onEventTransmitted: ((event: Buffer) => void) | undefined;

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
    return this.head === 0 ? this.queue : this.queue.slice(this.head);
  }

  get queuedDataBuffers(): number {
    return this.dataBuffers;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues a buffer or event at the producer and sends what credit allows. */
  send(buffer: Buffer): void {
    if (this.closed) return;
    if (!buffer.isEvent) this.dataBuffers++;
    if (buffer.priority) {
      let position = this.head;
      while (position < this.queue.length && (this.queue[position] as Buffer).priority) position++;
      this.queue.splice(position, 0, buffer);
    } else {
      this.queue.push(buffer);
    }
    this.pump();
  }

  /** Whether an event matching `match` still waits in the producer's queue. */
  holdsEvent(match: (buffer: Buffer) => boolean): boolean {
    for (let index = this.head; index < this.queue.length; index++) {
      const buffer = this.queue[index] as Buffer;
      if (buffer.isEvent && match(buffer)) return true;
    }
    return false;
  }

  /**
   * Flink's PipelinedSubpartition.alignedBarrierTimeout: the first queued event matching `match`
   * is replaced by `convert(event)`, a priority event placed ahead of every queued buffer. Returns
   * the data buffers it overtook (they stay queued, and are sent after it), or undefined when no
   * such event waits any more (it was sent already).
   */
  prioritizeEvent(match: (buffer: Buffer) => boolean, convert: (buffer: Buffer) => Buffer): Buffer[] | undefined {
    if (this.closed) return undefined;
    let position = this.head;
    while (position < this.queue.length && (this.queue[position] as Buffer).priority) position++;
    const overtaken: Buffer[] = [];
    for (let index = position; index < this.queue.length; index++) {
      const buffer = this.queue[index] as Buffer;
      if (!buffer.isEvent) {
        overtaken.push(buffer);
        continue;
      }
      if (!match(buffer)) continue;
      this.queue.splice(index, 1);
      this.queue.splice(position, 0, convert(buffer));
      this.pump();
      return overtaken;
    }
    return undefined;
  }

  /** The consumer processed a data buffer: one credit travels back to the producer. */
  returnCredit(): void {
    if (this.closed || this.consumerNode === undefined) return;
    this.sim.schedule(this.drawLatency(), creditKind, this.creditArrived, this.producerNode, this.digest);
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
    this.queue = [];
    this.head = 0;
    this.dataBuffers = 0;
  }

  private pump(): void {
    if (this.consumerNode === undefined || this.closed) return;
    let sentData = false;
    const queue = this.queue;
    while (this.head < queue.length) {
      const head = queue[this.head] as Buffer;
      if (!head.isEvent) {
        if (this.credits === 0) break;
        this.credits--;
        this.dataBuffers--;
        sentData = true;
      }
      this.head++;
      this.transmit(head);
      if (head.isEvent) this.onEventTransmitted?.(head);
    }
    if (this.head === queue.length) {
      queue.length = 0;
      this.head = 0;
    } else if (this.head > 32 && this.head * 2 > queue.length) {
      queue.splice(0, this.head);
      this.head = 0;
    }
    if (sentData) this.onQueueDrained();
  }

  private transmit(buffer: Buffer): void {
    const now = this.sim.nowUs;
    const stallUs = now < this.stallUntilUs ? this.stallExtraUs : 0;
    // Priority events still travel the same TCP connection: they cannot pass what is on the wire.
    const arrivalUs = Math.max(now + this.drawLatency() + stallUs, this.lastArrivalUs);
    this.lastArrivalUs = arrivalUs;
    const payload: CapturedBuffer<Buffer> | undefined = this.sim.capturing ? { message: 'buffer', channel: this.name, sentUs: now, buffer } : undefined;
    this.sim.scheduleWith(arrivalUs - now, bufferKind, this.bufferArrived, buffer, this.consumerNode, this.digest, payload);
  }

  private drawLatency(): number {
    return this.random.logNormalUs(this.options.latencyMedianUs, this.options.latencySigma);
  }
}
