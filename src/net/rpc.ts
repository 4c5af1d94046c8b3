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

/** Log-normal one-way latency of RPCs. */
export interface RpcLatency {
  readonly medianUs: number;
  readonly sigma: number;
}

export const defaultRpcLatency: RpcLatency = { medianUs: 500, sigma: 0.4 };

/**
 * RPC between the JobMaster and TaskExecutors (Pekko over TCP in Flink). Messages between one
 * pair of nodes arrive in order, as over one connection; an interceptor can drop, delay (which
 * may reorder) or duplicate them. A message is addressed to the target's incarnation at sending
 * time, so a crash of the target loses everything in flight to it; a dead node sends nothing.
 */
export class RpcNetwork {
  private readonly lastArrivalUs = new Map<string, number>();

  constructor(
    private readonly sim: Simulation,
    private readonly random: RandomStream,
    private readonly intercept: (envelope: RpcEnvelope) => RpcVerdict,
    private readonly latency: RpcLatency = defaultRpcLatency,
  ) {}

  /** Sends one RPC; `deliver` runs on the target node when it arrives. Returns false if not sent. */
  send(source: SimNode, target: SimNode, envelope: RpcEnvelope, deliver: () => void): boolean {
    if (!source.alive) return false;
    const verdict = this.intercept(envelope);
    if (verdict.action === 'drop') return true;
    const digest = hashIntegers([hashString(envelope.method), hashString(envelope.task ?? ''), envelope.checkpointId ?? -1]);
    const payload: RpcEnvelope | CapturedRpc = this.sim.capturing ? { ...envelope, message: 'rpc', sentUs: this.sim.nowUs } : envelope;
    if (verdict.action === 'delay') {
      // A delayed message leaves the connection's order: that is the point of delaying it.
      this.sim.schedule(this.drawLatency() + verdict.extraUs, rpcKind, deliver, target, digest, payload);
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
