import type { SimNode, Simulation, RandomStream } from '../../sim/index.js';
import { eventKind, hashString } from '../../sim/index.js';
import type { RuntimeHooks } from '../hooks.js';
import type { ObservationBus } from '../observations.js';
import type { StateHandle } from '../checkpoint/types.js';
import { CheckpointIoError } from '../checkpoint/ports.js';

const writeDoneKind = eventKind('storage.write-done');
const readDoneKind = eventKind('storage.read-done');

/** Latency model of checkpoint storage: a fixed part, a log-normal jitter and a throughput term. */
export interface StorageLatency {
  readonly medianUs: number;
  readonly sigma: number;
  /** Bytes written per microsecond; 0 for unlimited. */
  readonly bytesPerUs: number;
}

export const defaultStorageLatency: StorageLatency = { medianUs: 3_000, sigma: 0.5, bytesPerUs: 200 };

/** The outcome of a storage write or read, delivered through a callback. */
export type StorageResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/**
 * Checkpoint storage (HDFS, S3): durable, slow, and able to fail. State is stored under string
 * keys `chk-<id>/<task>@<attempt>/...`; the coordinator's metadata file is `chk-<id>/_metadata`.
 *
 * A write lands only if its writer is still alive when it completes (an upload cut short by a
 * crash leaves nothing visible, as with S3 multipart uploads), and the completion is delivered
 * to the writer's node, so a crash also drops the callback.
 */
export class CheckpointStorage {
  private readonly contents = new Map<string, { readonly value: unknown; readonly sizeBytes: number }>();
  private readonly disposedLocations = new Set<string>();

  constructor(
    private readonly sim: Simulation,
    private readonly hooks: RuntimeHooks,
    private readonly observations: ObservationBus,
    private readonly random: RandomStream,
    private readonly latency: StorageLatency = defaultStorageLatency,
  ) {}

  /**
   * Initialises the location of a checkpoint (`chk-N`) or savepoint, synchronously as Flink's
   * coordinator does before it triggers any task; a hook may make it fail (an unreachable file
   * system), which the coordinator counts as IO_EXCEPTION.
   */
  initializeLocation(checkpointId: number): string {
    const location = `chk-${checkpointId}`;
    if (this.hooks.storage('initialize-location', location).fail) throw new CheckpointIoError(`injected failure initialising location ${location}`);
    return location;
  }

  /** Writes `value` under `key` on behalf of `writer`; `done` runs on the writer's node after the latency. */
  write(writer: SimNode, key: string, value: unknown, sizeBytes: number, done: (result: StorageResult<StateHandle>) => void): void {
    const verdict = this.hooks.storage('write', key);
    const delayUs = this.drawLatency(sizeBytes) + verdict.extraLatencyUs;
    this.sim.schedule(delayUs, writeDoneKind, () => {
      if (verdict.fail) return done({ ok: false, error: `injected write failure for ${key}` });
      if (this.disposedLocations.has(locationOf(key))) {
        return done({ ok: false, error: `location ${locationOf(key)} was disposed before ${key} landed` });
      }
      this.contents.set(key, { value, sizeBytes });
      this.observations.publish({ type: 'storage-written', key, sizeBytes });
      done({ ok: true, value: { key, sizeBytes } });
    }, writer, hashString(key));
  }

  /** Writes the checkpoint's metadata file (the 'finalize' step); may be made to fail by a hook. */
  writeMetadata(writer: SimNode, key: string, value: unknown, done: (result: StorageResult<StateHandle>) => void): void {
    const verdict = this.hooks.storage('finalize', key);
    const sizeBytes = 256;
    this.sim.schedule(this.drawLatency(sizeBytes) + verdict.extraLatencyUs, writeDoneKind, () => {
      if (verdict.fail) return done({ ok: false, error: `injected metadata finalisation failure for ${key}` });
      this.contents.set(key, { value, sizeBytes });
      this.observations.publish({ type: 'storage-written', key, sizeBytes });
      done({ ok: true, value: { key, sizeBytes } });
    }, writer, hashString(key));
  }

  /** Reads the state under `key` for a restoring task; fails for a missing handle or an injected fault. */
  read(reader: SimNode, key: string, done: (result: StorageResult<unknown>) => void): void {
    const verdict = this.hooks.storage('read', key);
    const stored = this.contents.get(key);
    const delayUs = this.drawLatency(stored?.sizeBytes ?? 0) + verdict.extraLatencyUs;
    this.sim.schedule(delayUs, readDoneKind, () => {
      if (verdict.fail) return done({ ok: false, error: `state handle ${key} is unreadable (injected)` });
      const current = this.contents.get(key);
      if (current === undefined) return done({ ok: false, error: `state handle ${key} does not exist` });
      done({ ok: true, value: current.value });
    }, reader, hashString(key));
  }

  /** Deletes keys; a key without '/' names a whole checkpoint location, which is disposed. */
  discard(keys: readonly string[]): void {
    for (const key of keys) {
      if (!key.includes('/')) {
        this.disposeLocation(key);
        continue;
      }
      if (this.contents.delete(key)) this.observations.publish({ type: 'storage-discarded', key });
    }
  }

  /** Deletes everything under a checkpoint's location and refuses later writes into it. */
  disposeLocation(location: string): void {
    this.disposedLocations.add(location);
    const prefix = `${location}/`;
    for (const key of [...this.contents.keys()]) {
      if (key.startsWith(prefix) && this.contents.delete(key)) {
        this.observations.publish({ type: 'storage-discarded', key });
      }
    }
  }

  /** Every stored key, sorted: what the storage-leak check compares against retained checkpoints. */
  keys(): string[] {
    return [...this.contents.keys()].sort();
  }

  has(key: string): boolean {
    return this.contents.has(key);
  }

  private drawLatency(sizeBytes: number): number {
    const transferUs = this.latency.bytesPerUs > 0 ? Math.ceil(sizeBytes / this.latency.bytesPerUs) : 0;
    return this.random.logNormalUs(this.latency.medianUs, this.latency.sigma) + transferUs;
  }
}

/** The location (`chk-<id>`) a storage key belongs to. */
export function locationOf(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? key : key.slice(0, slash);
}
