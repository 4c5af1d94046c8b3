import type { Cluster } from '../cluster/cluster.js';
import type { HaWriteTarget, HaWriteVerdict, ProtocolStep, RpcEnvelope, RpcVerdict, StorageOperation, StorageVerdict } from '../cluster/hooks.js';
import { eventKind } from '../sim/index.js';
import { OperationRunner } from './operations.js';
import { isOperation, type Fault, type FaultPlan, type FaultTrigger, type PlanEntry, type PlanEntryKind } from './plan.js';
import { StepScopes } from './step-scopes.js';
import type { StorageAction } from './plan.js';

/** Which storage fault actions act on each storage operation. */
const storageActionsFor: Readonly<Record<StorageOperation, readonly StorageAction[]>> = {
  write: ['slow-writes', 'fail-writes'],
  finalize: ['fail-finalize', 'slow-writes'],
  read: ['unreadable-handle'],
  'initialize-location': ['fail-location'],
};

const fireKind = eventKind('nemesis.fire');
const healKind = eventKind('nemesis.heal');

/** A plan entry that fired (a fault, or an operation): which, when, and when its effect ended. */
export interface FiredFault {
  readonly index: number;
  readonly kind: PlanEntryKind;
  readonly firedAtUs: number;
  healedAtUs: number;
  /** False when the target was not there to hit (an executor already down, a task not running). */
  readonly applied: boolean;
}

interface ActiveEffect {
  readonly index: number;
  readonly fault: Fault;
  remaining: number;
  readonly untilUs: number;
}

const deliver: RpcVerdict = { action: 'deliver' };

/**
 * The nemesis: applies a fault plan to a cluster through its hook points only (protocol steps,
 * the RPC, storage and external-system interceptors, and the cluster's crash, restart and
 * slow-down hooks). Each fault fires once, at its time or at the n-th matching protocol step,
 * and its effect lasts for its duration or its count of affected operations.
 */
export class Nemesis {
  readonly fired: FiredFault[] = [];
  private readonly active: ActiveEffect[] = [];
  private readonly stepCounts = new Map<number, number>();
  private readonly armed: Array<{ index: number; fault: PlanEntry; trigger: Extract<FaultTrigger, { onStep: string }> }> = [];
  /** Carries out the plan's operations (savepoints, stops, cancels) and records their answers. */
  readonly operations: OperationRunner;
  /** The last step of each component, for the step a time-triggered fault fires within; only when the plan has one. */
  private readonly scopes: StepScopes | undefined;

  constructor(private readonly cluster: Cluster, private readonly plan: FaultPlan) {
    this.operations = new OperationRunner(cluster);
    this.scopes = plan.some((entry) => !isOperation(entry) && 'atUs' in entry.when) ? new StepScopes() : undefined;
  }

  /** Installs the interceptors and arms every fault. Call before the run starts. */
  install(): void {
    const hooks = this.cluster.hooks;
    this.plan.forEach((fault, index) => {
      if ('atUs' in fault.when) this.cluster.sim.schedule(fault.when.atUs, fireKind, () => this.fire(index, fault));
      else this.armed.push({ index, fault, trigger: fault.when });
    });
    const scopes = this.scopes;
    hooks.onStep(scopes === undefined ? (step) => this.onStep(step) : (step) => {
      scopes.note(step);
      this.onStep(step);
    });
    hooks.interceptRpc((envelope) => this.onRpc(envelope));
    hooks.interceptStorage((operation, key) => this.onStorage(operation, key));
    hooks.interceptExternal((system, operation) => ({ fail: this.onExternal(system, operation) }));
    hooks.interceptHaWrites((target) => this.onHaWrite(target));
  }

  /** When the last fault's effect ended (0 if none fired): liveness is judged after this. */
  get lastHealedUs(): number {
    return this.fired.reduce((latest, fired) => Math.max(latest, fired.healedAtUs), 0);
  }

  // ---- triggering ------------------------------------------------------------------------

  private onStep(step: ProtocolStep): void {
    if (this.armed.length === 0) return;
    for (let position = 0; position < this.armed.length; position++) {
      const { index, fault, trigger } = this.armed[position] as (typeof this.armed)[number];
      if (!matchesStep(trigger, step)) continue;
      const seen = (this.stepCounts.get(index) ?? 0) + 1;
      this.stepCounts.set(index, seen);
      if (seen < (trigger.occurrence ?? 1)) continue;
      this.armed.splice(position--, 1);
      // Fire as its own event, right after the step, never inside the runtime's call stack.
      this.cluster.sim.schedule(trigger.afterUs ?? 0, fireKind, () => this.fire(index, fault));
    }
  }

  private fire(index: number, entry: PlanEntry): void {
    if (isOperation(entry)) {
      const now = this.cluster.sim.nowUs;
      this.fired.push({ index, kind: entry.kind, firedAtUs: now, healedAtUs: now, applied: this.operations.fire(index, entry) });
      return;
    }
    this.fireFault(index, entry);
  }

  private fireFault(index: number, fault: Fault): void {
    const now = this.cluster.sim.nowUs;
    // Published before the fault acts, so the oracle sees the fault ahead of what it causes; with
    // the step it fires at or within (step-scopes.ts), for coverage.
    const step = 'onStep' in fault.when ? fault.when.onStep : (this.scopes as StepScopes).stepFor(fault);
    this.cluster.observations.publish({ type: 'fault-injected', index, kind: fault.kind, step });
    const record = (applied: boolean, healedAtUs: number): void => {
      this.fired.push({ index, kind: fault.kind, firedAtUs: now, healedAtUs, applied });
    };
    switch (fault.kind) {
      case 'crash-executor': {
        const applied = this.cluster.crashExecutor(fault.executor);
        record(applied, now + fault.restartAfterUs);
        if (applied) {
          this.cluster.sim.schedule(fault.restartAfterUs, healKind, () => {
            if (fault.replacement) this.cluster.addExecutor();
            else this.cluster.restartExecutor(fault.executor);
          });
        }
        return;
      }
      case 'fail-task':
        record(this.cluster.failTask(fault.task, `injected failure of ${fault.task}`), now);
        return;
      case 'crash-jobmaster': {
        const applied = this.cluster.crashJobMaster();
        record(applied, now + fault.recoverAfterUs);
        if (applied) this.cluster.sim.schedule(fault.recoverAfterUs, healKind, () => this.cluster.recoverJobMaster());
        return;
      }
      case 'channel-stall': {
        const [producer, consumer] = fault.channel.split('->') as [string, string];
        const task = this.cluster.runningTask(producer);
        record(task?.stallOutput(consumer, fault.extraUs, now + fault.durationUs) ?? false, now + fault.durationUs);
        return;
      }
      case 'slow-task': {
        const task = this.cluster.runningTask(fault.task);
        task?.slowDown(fault.factor, now + fault.durationUs);
        record(task !== undefined, now + fault.durationUs);
        return;
      }
      case 'transaction-timeout':
        this.cluster.sinkStore.transactionTimeoutUs = fault.timeoutUs;
        record(true, now);
        return;
      case 'ha-store':
        // Without HA services there is no HA store to fail.
        if (!this.cluster.config.highAvailability) {
          record(false, now);
          return;
        }
        this.active.push({ index, fault, remaining: fault.count, untilUs: now + (fault.durationUs ?? Number.MAX_SAFE_INTEGER - now) });
        record(true, fault.durationUs !== undefined ? now + fault.durationUs : now);
        return;
      case 'rpc':
      case 'storage':
      case 'sink-commit-failure': {
        const durationUs = fault.kind === 'storage' ? (fault.durationUs ?? Number.MAX_SAFE_INTEGER - now) : Number.MAX_SAFE_INTEGER - now;
        this.active.push({ index, fault, remaining: fault.count, untilUs: now + durationUs });
        record(true, fault.kind === 'storage' && fault.durationUs !== undefined ? now + fault.durationUs : now);
        return;
      }
      case 'partition':
      case 'source-unavailable':
        this.active.push({ index, fault, remaining: Number.MAX_SAFE_INTEGER, untilUs: now + fault.durationUs });
        record(true, now + fault.durationUs);
        return;
    }
  }

  // ---- effects ---------------------------------------------------------------------------

  private onRpc(envelope: RpcEnvelope): RpcVerdict {
    this.onStep({ name: `rpc.${envelope.method}`, executor: envelope.source.startsWith('taskexecutor') ? envelope.source : envelope.target, ...(envelope.task === undefined ? {} : { task: envelope.task }), ...(envelope.checkpointId === undefined ? {} : { checkpointId: envelope.checkpointId }) });
    const effect = this.take((fault) => {
      if (fault.kind === 'partition') return partitionBlocks(fault, envelope);
      if (fault.kind !== 'rpc' || fault.method !== envelope.method) return false;
      if (fault.task !== undefined && fault.task !== envelope.task) return false;
      if (fault.checkpointId !== undefined && fault.checkpointId !== envelope.checkpointId) return false;
      if (fault.source !== undefined && fault.source !== envelope.source) return false;
      return fault.target === undefined || fault.target === envelope.target;
    });
    if (effect === undefined) return deliver;
    const fault = effect.fault;
    if (fault.kind !== 'rpc' || fault.action === 'drop') return { action: 'drop' };
    if (fault.action === 'delay') return { action: 'delay', extraUs: fault.delayUs ?? 100_000 };
    return { action: 'duplicate', copies: 1, spacingUs: fault.delayUs ?? 0 };
  }

  private onStorage(operation: StorageOperation, key: string): StorageVerdict {
    void key;
    const wanted = storageActionsFor[operation];
    const effect = this.take((fault) => fault.kind === 'storage' && wanted.includes(fault.action));
    if (effect === undefined || effect.fault.kind !== 'storage') return { extraLatencyUs: 0, fail: false };
    if (effect.fault.action === 'slow-writes') return { extraLatencyUs: effect.fault.extraUs ?? 1_000_000, fail: false };
    return { extraLatencyUs: 0, fail: true };
  }

  private onHaWrite(target: HaWriteTarget): HaWriteVerdict {
    const effect = this.take((fault) => fault.kind === 'ha-store' && (fault.target ?? 'completed-checkpoint') === target);
    if (effect === undefined || effect.fault.kind !== 'ha-store') return 'proceed';
    return effect.fault.action === 'ambiguous-writes' ? 'ambiguous' : 'fail';
  }

  private onExternal(system: 'source-log' | 'sink-store', operation: string): boolean {
    if (system === 'source-log') return this.take((fault) => fault.kind === 'source-unavailable') !== undefined;
    return operation === 'commit' && this.take((fault) => fault.kind === 'sink-commit-failure') !== undefined;
  }

  /** The first active effect that matches, with one use consumed; expired ones are dropped. */
  private take(matches: (fault: Fault) => boolean): ActiveEffect | undefined {
    if (this.active.length === 0) return undefined;
    const now = this.cluster.sim.nowUs;
    for (let position = 0; position < this.active.length; position++) {
      const effect = this.active[position] as ActiveEffect;
      if (effect.remaining <= 0 || now >= effect.untilUs) {
        this.active.splice(position--, 1);
        continue;
      }
      if (!matches(effect.fault)) continue;
      effect.remaining--;
      if (effect.fault.kind === 'rpc' || effect.fault.kind === 'sink-commit-failure' || effect.fault.kind === 'storage' || effect.fault.kind === 'ha-store') {
        const fired = this.fired.find((entry) => entry.index === effect.index);
        if (fired !== undefined) fired.healedAtUs = Math.max(fired.healedAtUs, now);
      }
      return effect;
    }
    return undefined;
  }
}

function matchesStep(trigger: Extract<FaultTrigger, { onStep: string }>, step: ProtocolStep): boolean {
  if (trigger.onStep !== step.name) return false;
  if (trigger.task !== undefined && trigger.task !== step.task) return false;
  if (trigger.executor !== undefined && trigger.executor !== step.executor) return false;
  return trigger.checkpointId === undefined || trigger.checkpointId === step.checkpointId;
}

function partitionBlocks(fault: Extract<Fault, { kind: 'partition' }>, envelope: RpcEnvelope): boolean {
  const [first, second] = fault.nodes;
  if (envelope.source === first && envelope.target === second) return true;
  return !fault.oneWay && envelope.source === second && envelope.target === first;
}
