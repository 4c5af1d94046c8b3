import type { RandomStream, SimNode, Simulation } from '../sim/index.js';
import { eventKind, hashIntegers, hashString } from '../sim/index.js';

const rpcKind = eventKind('rpc.deliver');

/** An RPC as interceptors (the fault nemesis) see it. */
export interface RpcEnvelope {
  /** Flink's RPC name: 'triggerCheckpoint', 'acknowledgeCheckpoint', 'heartbeat', ... */
  readonly method: string;
  readonly source: string;
  readonly target: string;
  readonly task: string | undefined;
  readonly checkpointId: number | undefined;
}

/**
 * The payload an RPC delivery carries in a captured trace (only when capture is on): who sent
 * what to whom, and when it left, so reports can draw it as an arrow.
 */
export interface CapturedRpc extends RpcEnvelope {
  readonly message: 'rpc';
  readonly sentUs: number;
}

/** What an interceptor decides for one message. */
export type RpcVerdict =
  | { readonly action: 'deliver' }
  | { readonly action: 'drop' }
  | { readonly action: 'delay'; readonly extraUs: number }
  | { readonly action: 'duplicate'; readonly copies: number; readonly spacingUs: number };

/**
 * Methods a `delay` fault slows down without letting later messages on the same connection
 * overtake them: coordinator-to-task operator events, whose ordering before the next checkpoint
 * trigger Flink's operator coordinators depend on (see {@link RpcNetwork.send}).
 */
const keptInOrder: ReadonlySet<string> = new Set(['sendOperatorEvent']);

/** Log-normal one-way latency of RPCs. */
export interface RpcLatency {
  readonly medianUs: number;
  readonly sigma: number;
}

export const defaultRpcLatency: RpcLatency = { medianUs: 500, sigma: 0.4 };

/**
 * Messages held back out of their connection's order, as a network and an RPC stack do now and
 * then to a single message (a retransmission, a lane or thread of its own, a paused sender): of
 * the named methods, `numerator` in `denominator` messages take an extra delay uniform in
 * [0, maxExtraUs], and may arrive after messages sent later. Flink's checkpoint protocol orders
 * nothing by arrival (every message carries its checkpoint id, and each receiver checks it), so
 * the runtime must stay correct when they come out of order.
 */
export interface RpcDetours {
  readonly methods: readonly string[];
  readonly numerator: number;
  readonly denominator: number;
  readonly maxExtraUs: number;
}

/**
 * RPC between the JobMaster and TaskExecutors (Pekko over TCP in Flink). Messages between one
 * pair of nodes arrive in order, as over one connection; an interceptor can drop, delay (which
 * may reorder, except an operator event to a task: it holds back what follows it) or duplicate
 * them. A message is addressed to the target's incarnation at sending time, so a crash of the
 * target loses everything in flight to it; a dead node sends nothing.
 */
export class RpcNetwork {
  private readonly lastArrivalUs = new Map<string, number>();

  /**
   * @param detours messages held back out of order; their draws come from `detourRandom` alone,
   * so the latency draws of every message are those of a network without detours.
   */
  constructor(
    private readonly sim: Simulation,
    private readonly random: RandomStream,
    private readonly intercept: (envelope: RpcEnvelope) => RpcVerdict,
    private readonly latency: RpcLatency = defaultRpcLatency,
    private readonly detours?: { readonly config: RpcDetours; readonly random: RandomStream },
  ) {}

  /** Sends one RPC; `deliver` runs on the target node when it arrives. Returns false if not sent. */
  send(source: SimNode, target: SimNode, envelope: RpcEnvelope, deliver: () => void): boolean {
    if (!source.alive) return false;
    const verdict = this.intercept(envelope);
    if (verdict.action === 'drop') return true;
    const digest = hashIntegers([hashString(envelope.method), hashString(envelope.task ?? ''), envelope.checkpointId ?? -1]);
    const payload: RpcEnvelope | CapturedRpc = this.sim.capturing ? { ...envelope, message: 'rpc', sentUs: this.sim.nowUs } : envelope;
    if (verdict.action === 'delay') {
      if (keptInOrder.has(envelope.method)) {
        // Flink's OperatorCoordinatorHolder relies on the scheduler's messages to a task arriving
        // strictly in order (its exactly-once argument: an operator event sent before a checkpoint
        // reaches the task before that checkpoint's trigger), which Pekko's connection guarantees.
        // So a delayed operator event holds back what follows it on its connection instead of
        // being overtaken; the same one latency draw as any delayed message.
        const pair = `${source.id}>${target.id}`;
        const arrivalUs = Math.max(this.sim.nowUs + this.drawLatency() + verdict.extraUs, this.lastArrivalUs.get(pair) ?? 0);
        this.lastArrivalUs.set(pair, arrivalUs);
        this.sim.schedule(arrivalUs - this.sim.nowUs, rpcKind, deliver, target, digest, payload);
        return true;
      }
      // A delayed message leaves the connection's order: that is the point of delaying it.
      this.sim.schedule(this.drawLatency() + verdict.extraUs, rpcKind, deliver, target, digest, payload);
      return true;
    }
    const detourUs = verdict.action === 'deliver' ? this.detourUs(envelope.method) : undefined;
    if (detourUs !== undefined) {
      this.sim.schedule(this.drawLatency() + detourUs, rpcKind, deliver, target, digest, payload);
      return true;
    }
    this.sim.schedule(this.inOrderDelay(source, target), rpcKind, deliver, target, digest, payload);
    if (verdict.action === 'duplicate') {
      for (let copy = 1; copy <= verdict.copies; copy++) {
        this.sim.schedule(this.inOrderDelay(source, target) + copy * verdict.spacingUs, rpcKind, deliver, target, digest, payload);
      }
    }
    return true;
  }

  /** The extra delay of a message held back out of order, or undefined for one that keeps its place. */
  private detourUs(method: string): number | undefined {
    const detours = this.detours;
    if (detours === undefined || !detours.config.methods.includes(method)) return undefined;
    if (!detours.random.chance(detours.config.numerator, detours.config.denominator)) return undefined;
    return detours.random.int(detours.config.maxExtraUs + 1);
  }

  private inOrderDelay(source: SimNode, target: SimNode): number {
    const pair = `${source.id}>${target.id}`;
    const arrivalUs = Math.max(this.sim.nowUs + this.drawLatency(), this.lastArrivalUs.get(pair) ?? 0);
    this.lastArrivalUs.set(pair, arrivalUs);
    return arrivalUs - this.sim.nowUs;
  }

  private drawLatency(): number {
    return this.random.logNormalUs(this.latency.medianUs, this.latency.sigma);
  }
}
