import type { SimNode, Simulation } from '../../sim/index.js';
import { eventKind } from '../../sim/index.js';
import type { HeartbeatOptions, TaskExecutor } from '../executor/task-executor.js';

const heartbeatKind = eventKind('jobmaster.heartbeat');

/** A TaskExecutor registered with the JobMaster, and when it was last heard of. */
interface RegisteredExecutor {
  readonly executor: TaskExecutor;
  readonly incarnation: number;
  lastHeartbeatUs: number;
}

/** What the heartbeats report to their JobMaster. */
export interface HeartbeatListener {
  /** Whether the JobMaster still heartbeats (alive, not replaced, its job not ended). */
  isActive(): boolean;
  /** Sends one heartbeat request to `executor`. */
  requestHeartbeat(executor: TaskExecutor): void;
  /** `name` is lost (its heartbeat timed out, or it came back as a new process): no longer registered. */
  executorLost(executor: TaskExecutor, cause: string): void;
}

/**
 * The JobMaster's registered TaskExecutors and its heartbeat manager for them (Flink's
 * HeartbeatManager with the JobMaster as requester): every interval each registered executor is
 * asked for a heartbeat, and one not heard of within the timeout is lost. A re-registration from
 * a new process of a known executor loses the old one first.
 */
export class TaskExecutorHeartbeats {
  private readonly registered = new Map<string, RegisteredExecutor>();

  constructor(
    private readonly sim: Simulation,
    private readonly node: SimNode,
    private readonly options: HeartbeatOptions,
    private readonly listener: HeartbeatListener,
  ) {}

  /** Registers `executor` (a new incarnation of a known one replaces it, the old one lost) and asks it for a heartbeat. */
  register(executor: TaskExecutor): void {
    const known = this.registered.get(executor.name);
    if (known !== undefined && known.incarnation !== executor.node.incarnation) this.lose(executor.name, 'TaskExecutor re-registered as a new incarnation');
    if (!this.registered.has(executor.name)) this.registered.set(executor.name, { executor, incarnation: executor.node.incarnation, lastHeartbeatUs: this.sim.nowUs });
    this.listener.requestHeartbeat(executor);
  }

  /** The registered executor called `name`, if any. */
  get(name: string): TaskExecutor | undefined {
    return this.registered.get(name)?.executor;
  }

  /** The registered executors, in registration order. */
  executors(): TaskExecutor[] {
    return [...this.registered.values()].map((registered) => registered.executor);
  }

  /** A heartbeat from `name` arrived: returns the executor, or undefined when it is not registered (a lost one is ignored). */
  heard(name: string): TaskExecutor | undefined {
    const registered = this.registered.get(name);
    if (registered === undefined) return undefined;
    registered.lastHeartbeatUs = this.sim.nowUs;
    return registered.executor;
  }

  /** Starts the heartbeat rounds; they stop once the listener is no longer active. */
  start(): void {
    this.sim.schedule(this.options.intervalUs, heartbeatKind, () => {
      if (!this.listener.isActive()) return;
      const now = this.sim.nowUs;
      for (const registered of [...this.registered.values()]) {
        if (now - registered.lastHeartbeatUs > this.options.timeoutUs) {
          this.lose(registered.executor.name, `heartbeat of ${registered.executor.name} timed out`);
          continue;
        }
        this.listener.requestHeartbeat(registered.executor);
      }
      this.start();
    }, this.node);
  }

  private lose(name: string, cause: string): void {
    const registered = this.registered.get(name);
    if (registered === undefined) return;
    this.registered.delete(name);
    this.listener.executorLost(registered.executor, cause);
  }
}
