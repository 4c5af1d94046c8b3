import type { DurableKeyValue } from '../checkpoint/ports.js';

/**
 * High-availability services (ZooKeeper or Kubernetes ConfigMaps): a small durable key-value
 * store that survives JobMaster crashes, holding the checkpoint id counter, the pointers to
 * completed checkpoints and the leader epoch. Values are cloned in and out, as if serialised.
 */
export class HighAvailabilityServices implements DurableKeyValue {
  private readonly entries = new Map<string, unknown>();
  private epoch = 0;

  get(key: string): unknown {
    const value = this.entries.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }

  put(key: string, value: unknown): void {
    this.entries.set(key, structuredClone(value));
  }

  remove(key: string): void {
    this.entries.delete(key);
  }

  keys(prefix: string): string[] {
    return [...this.entries.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  /** Grants leadership to a new JobMaster and returns its epoch (fencing token). */
  electLeader(): number {
    this.epoch++;
    return this.epoch;
  }

  get leaderEpoch(): number {
    return this.epoch;
  }
}
