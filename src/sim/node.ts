/**
 * A simulated process (JobMaster, TaskExecutor, storage, an external system) with incarnations.
 *
 * Every event addressed to a node is stamped with the node's incarnation at scheduling time and
 * is dropped at dispatch if the node has crashed or restarted since: that is how a crash loses
 * the node's timers and the messages in flight to it, without the kernel hunting them down.
 */
export class SimNode {
  /** Dense id, assigned in creation order; hashed into the trace. */
  readonly id: number;
  readonly name: string;
  private currentIncarnation = 0;
  private isAlive = true;
  private readonly crashListeners: Array<() => void> = [];

  constructor(id: number, name: string) {
    this.id = id;
    this.name = name;
  }

  /** Starts at 0 and grows by one on every restart. */
  get incarnation(): number {
    return this.currentIncarnation;
  }

  get alive(): boolean {
    return this.isAlive;
  }

  /** True when an event stamped with `incarnation` may still be delivered to this node. */
  accepts(incarnation: number): boolean {
    return this.isAlive && incarnation === this.currentIncarnation;
  }

  /**
   * Registers what the node's owner does on a crash: wipe its volatile state. Listeners run in
   * registration order.
   */
  onCrash(listener: () => void): void {
    this.crashListeners.push(listener);
  }

  /** Kernel use only: see {@link Simulation.crash}. */
  markCrashed(): void {
    if (!this.isAlive) throw new Error(`node ${this.name} crashed twice without a restart`);
    this.isAlive = false;
    for (const listener of this.crashListeners) listener();
  }

  /** Kernel use only: see {@link Simulation.restart}. */
  markRestarted(): void {
    if (this.isAlive) throw new Error(`node ${this.name} restarted while alive`);
    this.currentIncarnation++;
    this.isAlive = true;
  }
}
