/**
 * Hook points: where the runtime lets an outside party (the fault nemesis, a test) see and steer
 * what happens, without the runtime knowing anything of faults. There are two kinds:
 *
 * - protocol steps: named moments ("task count#1 aligned checkpoint 3"), announced before the
 *   runtime carries on, so a listener can act exactly there;
 * - interceptors: decisions the runtime asks for at a boundary (an RPC about to be sent, a
 *   storage write about to complete). With no interceptor installed the answer is "proceed".
 */

/** A named protocol step, announced through {@link RuntimeHooks.step}. */
export interface ProtocolStep {
  /** Dotted step name, e.g. 'task.alignment-completed', 'coordinator.checkpoint-completed'. */
  readonly name: string;
  readonly task?: string;
  readonly executor?: string;
  readonly checkpointId?: number;
}

import type { RpcEnvelope, RpcVerdict } from '../net/rpc.js';

export type { RpcEnvelope, RpcVerdict };

/**
 * The checkpoint storage operations a hook decides on: a state upload, a metadata finalisation, a
 * restore's read, and the coordinator's initialisation of a checkpoint's location (Flink's
 * CheckpointStorageCoordinatorView.initializeLocationForCheckpoint).
 */
export type StorageOperation = 'write' | 'finalize' | 'read' | 'initialize-location';

/** Decisions for checkpoint storage operations. */
export interface StorageVerdict {
  readonly extraLatencyUs: number;
  readonly fail: boolean;
}

/**
 * Decisions for writes to the HA store: go ahead, fail (nothing written), or write and still
 * report a failure (the outcome is unknown to the writer, as after a lost connection).
 */
export type HaWriteVerdict = 'proceed' | 'fail' | 'ambiguous';

/** The HA writes the fault model can fail: a completed checkpoint's pointer, the checkpoint id counter. */
export type HaWriteTarget = 'completed-checkpoint' | 'id-counter';

/** Decisions for external-system operations (the source log, the sink's transactional store). */
export interface ExternalVerdict {
  readonly fail: boolean;
}

const deliver: RpcVerdict = { action: 'deliver' };
const proceed: StorageVerdict = { extraLatencyUs: 0, fail: false };
const externalProceed: ExternalVerdict = { fail: false };

/**
 * The runtime's hook registry. Each kind holds at most a list of listeners; the common case,
 * nobody listening, costs a length check.
 */
export class RuntimeHooks {
  private readonly stepListeners: Array<(step: ProtocolStep) => void> = [];
  private rpcInterceptor: ((envelope: RpcEnvelope) => RpcVerdict) | undefined;
  private storageInterceptor: ((operation: StorageOperation, key: string) => StorageVerdict) | undefined;
  private haInterceptor: ((target: HaWriteTarget, key: string) => HaWriteVerdict) | undefined;
  private externalInterceptor: ((system: 'source-log' | 'sink-store', operation: string, detail: string) => ExternalVerdict) | undefined;

  onStep(listener: (step: ProtocolStep) => void): void {
    this.stepListeners.push(listener);
  }

  interceptRpc(interceptor: (envelope: RpcEnvelope) => RpcVerdict): void {
    this.rpcInterceptor = interceptor;
  }

  interceptStorage(interceptor: (operation: StorageOperation, key: string) => StorageVerdict): void {
    this.storageInterceptor = interceptor;
  }

  interceptHaWrites(interceptor: (target: HaWriteTarget, key: string) => HaWriteVerdict): void {
    this.haInterceptor = interceptor;
  }

  interceptExternal(
    interceptor: (system: 'source-log' | 'sink-store', operation: string, detail: string) => ExternalVerdict,
  ): void {
    this.externalInterceptor = interceptor;
  }

  /** Announces a protocol step to every listener, in registration order. */
  step(step: ProtocolStep): void {
    for (const listener of this.stepListeners) listener(step);
  }

  get hasStepListeners(): boolean {
    return this.stepListeners.length > 0;
  }

  rpc(envelope: RpcEnvelope): RpcVerdict {
    return this.rpcInterceptor === undefined ? deliver : this.rpcInterceptor(envelope);
  }

  storage(operation: StorageOperation, key: string): StorageVerdict {
    return this.storageInterceptor === undefined ? proceed : this.storageInterceptor(operation, key);
  }

  /** Asked before a completed checkpoint's pointer, or the checkpoint id counter, is written to the HA store under `key`. */
  haWrite(target: HaWriteTarget, key: string): HaWriteVerdict {
    return this.haInterceptor === undefined ? 'proceed' : this.haInterceptor(target, key);
  }

  external(system: 'source-log' | 'sink-store', operation: string, detail: string): ExternalVerdict {
    return this.externalInterceptor === undefined ? externalProceed : this.externalInterceptor(system, operation, detail);
  }
}
