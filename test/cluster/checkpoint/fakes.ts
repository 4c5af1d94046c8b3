import { RuntimeHooks, type ProtocolStep } from '../../../src/cluster/hooks.js';
import type { SharedStatePort } from '../../../src/cluster/storage/shared-state/shared-state-lifecycle.js';
import { ObservationBus, type Observation } from '../../../src/cluster/observations.js';
import { CheckpointCoordinator, type CheckpointCoordinatorOptions } from '../../../src/cluster/checkpoint/checkpoint-coordinator.js';
import type { CheckpointResult } from '../../../src/cluster/checkpoint/checkpoint-result.js';
import { StandaloneCheckpointIdCounter } from '../../../src/cluster/checkpoint/checkpoint-id-counter.js';
import { StandaloneCompletedCheckpointStore } from '../../../src/cluster/checkpoint/completed-checkpoint-store.js';
import type {
  CancellableTimer,
  CheckpointGateway,
  CheckpointIdCounter,
  CheckpointStoragePort,
  CompletedCheckpointStore,
  CoordinatorClock,
  CoordinatorPorts,
  DurableKeyValue,
  ExecutionGraphView,
  ExecutionState,
  ExecutionView,
  MasterHook,
  MasterHookResult,
  OperatorCoordinatorCheckpointing,
  OperatorCoordinatorCheckpointResult,
  TriggerChainExecutor,
  TriggerChainStep,
} from '../../../src/cluster/checkpoint/ports.js';
import {
  defaultCheckpointConfig,
  type CheckpointBarrier,
  type CheckpointConfig,
  type StateHandle,
  type SubtaskStateSnapshot,
} from '../../../src/cluster/checkpoint/types.js';

interface ManualTimer {
  readonly dueUs: number;
  readonly sequence: number;
  readonly name: string;
  readonly action: () => void;
  cancelled: boolean;
}

/** A clock whose time moves only when a test advances it; due timers run in (time, sequence) order. */
export class ManualClock implements CoordinatorClock {
  nowUs = 0;
  /** Every (low, high) the coordinator drew a random number from. */
  readonly randomRequests: Array<readonly [number, number]> = [];
  /** Chooses the drawn number; by default the low end. */
  chooseRandom: (low: number, high: number) => number = (low) => low;
  private readonly timers: ManualTimer[] = [];
  private nextSequence = 0;

  schedule(delayUs: number, name: string, action: () => void): CancellableTimer {
    const timer: ManualTimer = { dueUs: this.nowUs + delayUs, sequence: this.nextSequence++, name, action, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  randomBetween(low: number, high: number): number {
    this.randomRequests.push([low, high]);
    return this.chooseRandom(low, high);
  }

  /** Names of the live timers, soonest first. */
  liveTimers(): string[] {
    return this.live().map((timer) => `${timer.name}@${timer.dueUs}`);
  }

  /** Runs every timer due up to `targetUs` (inclusive), then sets the time to it. */
  advanceTo(targetUs: number): void {
    for (let budget = 10_000; budget > 0; budget--) {
      const next = this.live()[0];
      if (next === undefined || next.dueUs > targetUs) break;
      next.cancelled = true;
      this.nowUs = Math.max(this.nowUs, next.dueUs);
      next.action();
    }
    this.nowUs = targetUs;
  }

  advanceBy(deltaUs: number): void {
    this.advanceTo(this.nowUs + deltaUs);
  }

  private live(): ManualTimer[] {
    return this.timers.filter((timer) => !timer.cancelled).sort((left, right) => left.dueUs - right.dueUs || left.sequence - right.sequence);
  }
}

/** An execution graph a test edits directly. */
export class FakeGraph implements ExecutionGraphView {
  readonly views: ExecutionView[];

  constructor(views: ExecutionView[]) {
    this.views = views;
  }

  executions(): readonly ExecutionView[] {
    return this.views;
  }

  set(taskName: string, state: ExecutionState, attempt?: number): void {
    const index = this.views.findIndex((view) => view.taskName === taskName);
    const view = this.views[index];
    if (view === undefined) throw new Error(`no task ${taskName}`);
    this.views[index] = { ...view, state, attempt: attempt ?? view.attempt };
  }
}

/** A source -> map -> sink pipeline of one subtask each, all RUNNING at attempt 0. */
export function pipelineGraph(): FakeGraph {
  return new FakeGraph([
    { taskName: 'source#0', attempt: 0, state: 'RUNNING', upstream: [] },
    { taskName: 'map#0', attempt: 0, state: 'RUNNING', upstream: ['source#0'] },
    { taskName: 'sink#0', attempt: 0, state: 'RUNNING', upstream: ['map#0'] },
  ]);
}

export interface SentTrigger {
  readonly task: string;
  readonly attempt: number;
  readonly barrier: CheckpointBarrier;
  readonly onFailure: (cause: string) => void;
}

/** Records every RPC; can fail trigger sends to chosen tasks at once. */
export class RecordingGateway implements CheckpointGateway {
  readonly triggers: SentTrigger[] = [];
  readonly completes: string[] = [];
  readonly aborts: string[] = [];
  readonly unreachableTasks = new Set<string>();

  triggerCheckpoint(task: string, attempt: number, barrier: CheckpointBarrier, onFailure: (cause: string) => void): void {
    this.triggers.push({ task, attempt, barrier, onFailure });
    if (this.unreachableTasks.has(task)) onFailure(`no executor for ${task}`);
  }

  notifyCheckpointComplete(task: string, attempt: number, checkpointId: number, timestampUs: number): void {
    this.completes.push(`${checkpointId}:${task}@${attempt}:t${timestampUs}`);
  }

  notifyCheckpointAborted(task: string, attempt: number, checkpointId: number, latestCompletedCheckpointId: number): void {
    this.aborts.push(`${checkpointId}:${task}@${attempt}:latest${latestCompletedCheckpointId}`);
  }

  /** Trigger RPCs sent for `checkpointId`, as task names. */
  triggeredTasks(checkpointId: number): string[] {
    return this.triggers.filter((trigger) => trigger.barrier.checkpointId === checkpointId).map((trigger) => trigger.task);
  }
}

type FinalizeResult = { ok: true; handle: StateHandle } | { ok: false; error: string };

interface DeferredFinalize {
  readonly checkpointId: number;
  readonly handles: readonly StateHandle[];
  readonly done: (result: FinalizeResult) => void;
}

/** Checkpoint storage that finalizes at once or when the test says, and records every discarded key. */
export class FakeStorage implements CheckpointStoragePort {
  mode: 'immediate' | 'deferred' = 'immediate';
  failFinalize = false;
  failLocation = false;
  readonly discarded: string[] = [];
  readonly deferred: DeferredFinalize[] = [];
  readonly locations: string[] = [];

  initializeLocation(checkpointId: number, isSavepoint: boolean): string {
    if (this.failLocation) throw new Error('storage unavailable');
    const location = `${isSavepoint ? 'savepoint' : 'chk'}-${checkpointId}`;
    this.locations.push(location);
    return location;
  }

  finalizeMetadata(location: string, checkpointId: number, stateHandles: readonly StateHandle[], done: (result: FinalizeResult) => void): void {
    if (this.mode === 'deferred') {
      this.deferred.push({ checkpointId, handles: stateHandles, done });
      return;
    }
    done(this.answer(location));
  }

  /** Completes the oldest deferred finalisation. */
  completeNextFinalize(result?: FinalizeResult): void {
    const next = this.deferred.shift();
    if (next === undefined) throw new Error('no finalize is in flight');
    next.done(result ?? this.answer(`chk-${next.checkpointId}`));
  }

  discard(keys: readonly string[]): void {
    this.discarded.push(...keys);
  }

  private answer(location: string): FinalizeResult {
    if (this.failFinalize) return { ok: false, error: 'disk full' };
    return { ok: true, handle: { key: `${location}/_metadata`, sizeBytes: 100 } };
  }
}

/** The HA services' store, in memory; `failPuts` makes writes throw. */
export class InMemoryDurableKeyValue implements DurableKeyValue {
  readonly entries = new Map<string, unknown>();
  failPuts = false;

  get(key: string): unknown {
    const value = this.entries.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }

  put(key: string, value: unknown): void {
    if (this.failPuts) throw new Error(`HA write of ${key} failed`);
    this.entries.set(key, structuredClone(value));
  }

  remove(key: string): void {
    this.entries.delete(key);
  }

  keys(prefix: string): string[] {
    return [...this.entries.keys()].filter((key) => key.startsWith(prefix)).sort();
  }
}

/**
 * A trigger-chain executor whose steps wait until a test runs them (Flink's
 * ManuallyTriggeredScheduledExecutor standing in for the timer thread and the I/O executor).
 */
export class ManualChainExecutor implements TriggerChainExecutor {
  private readonly queue: Array<{ readonly step: TriggerChainStep; readonly action: () => void }> = [];

  execute(step: TriggerChainStep, action: () => void): void {
    this.queue.push({ step, action });
  }

  /** The steps waiting, in order. */
  get waiting(): TriggerChainStep[] {
    return this.queue.map((entry) => entry.step);
  }

  /** Runs the oldest waiting step; false when none waits. */
  runNext(): boolean {
    const next = this.queue.shift();
    next?.action();
    return next !== undefined;
  }

  /** Runs steps, including those they add, until none waits (bounded). */
  runAll(): void {
    for (let budget = 10_000; budget > 0; budget--) if (!this.runNext()) return;
    throw new Error('the trigger chain kept adding steps');
  }
}

/** Operator coordinators as one recording fake: how they answer a checkpoint is up to the test. */
export class RecordingOperatorCoordinators implements OperatorCoordinatorCheckpointing {
  /** Every call, in order: `trigger <id>`, `abort-triggering`, `complete <id>`, `aborted <id>`, `reset <id>`. */
  readonly calls: string[] = [];
  /** The `done` of each checkpoint not answered yet, by id. */
  readonly unanswered = new Map<number, (result: OperatorCoordinatorCheckpointResult) => void>();

  /** @param answerAtOnce - answer every checkpoint at once with one state, or leave it to the test */
  constructor(private readonly answerAtOnce: boolean) {}

  checkpointAll(checkpointId: number, done: (result: OperatorCoordinatorCheckpointResult) => void): void {
    this.calls.push(`trigger ${checkpointId}`);
    if (this.answerAtOnce) done({ ok: true, states: [{ operatorId: 'source', state: `enumerator-${checkpointId}` }] });
    else this.unanswered.set(checkpointId, done);
  }

  abortCurrentTriggering(): void {
    this.calls.push('abort-triggering');
  }

  notifyComplete(checkpointId: number): void {
    this.calls.push(`complete ${checkpointId}`);
  }

  notifyAborted(checkpointId: number): void {
    this.calls.push(`aborted ${checkpointId}`);
  }

  resetToCheckpoint(checkpointId: number | undefined): void {
    this.calls.push(`reset ${checkpointId ?? 'none'}`);
  }
}

/** A master hook that returns `${identifier}-state-${id}` and records restores. */
export class RecordingMasterHook implements MasterHook {
  readonly identifier: string;
  readonly restored: Array<{ checkpointId: number; state: unknown }> = [];

  constructor(identifier: string) {
    this.identifier = identifier;
  }

  triggerCheckpoint(checkpointId: number, _timestampUs: number, done: (result: MasterHookResult) => void): void {
    done({ ok: true, state: `${this.identifier}-state-${checkpointId}` });
  }

  restoreCheckpoint(checkpointId: number, state: unknown): void {
    this.restored.push({ checkpointId, state });
  }
}

/** The state a task acknowledges with: one operator-state handle named after task and checkpoint. */
export function stateFor(task: string, checkpointId: number, withChannelState = false): SubtaskStateSnapshot {
  return {
    taskName: task,
    operatorState: { key: `chk-${checkpointId}/${task}/operator`, sizeBytes: 10 },
    channelState: withChannelState ? { key: `chk-${checkpointId}/${task}/channel`, sizeBytes: 5 } : undefined,
    finished: false,
  };
}

/** Everything a coordinator test needs, with the recordings. */
export interface Harness {
  readonly coordinator: CheckpointCoordinator;
  readonly clock: ManualClock;
  readonly graph: FakeGraph;
  readonly gateway: RecordingGateway;
  readonly storage: FakeStorage;
  readonly idCounter: CheckpointIdCounter;
  readonly store: CompletedCheckpointStore;
  readonly observations: Observation[];
  readonly steps: ProtocolStep[];
  /** The hook registry, so a test can act at a protocol step. */
  readonly hooks: RuntimeHooks;
  readonly failJobCauses: string[];
  readonly config: CheckpointConfig;
  /** Results passed to `done`, in order, as `ok:<id>` or `fail:<reason>`. */
  readonly results: string[];
  /** A `done` callback that records into {@link Harness.results}. */
  readonly record: (result: CheckpointResult) => void;
}

/** What a harness may be built with; anything not given is a fresh fake. */
export interface HarnessOptions {
  readonly config?: Partial<CheckpointConfig>;
  readonly graph?: FakeGraph;
  readonly idCounter?: CheckpointIdCounter;
  readonly store?: CompletedCheckpointStore;
  readonly storage?: FakeStorage;
  readonly masterHooks?: readonly MasterHook[];
  readonly coordinatorOptions?: CheckpointCoordinatorOptions;
  readonly clock?: ManualClock;
  /** Incremental checkpoints: the shared-state side the coordinator registers acknowledgements with. */
  readonly sharedState?: SharedStatePort;
  /** Where the trigger chain's steps run; by default all at once. */
  readonly triggerChain?: TriggerChainExecutor;
  readonly operatorCoordinators?: OperatorCoordinatorCheckpointing;
}

/** Builds a coordinator over fakes. */
export function harness(options: HarnessOptions = {}): Harness {
  const config: CheckpointConfig = { ...defaultCheckpointConfig, ...options.config };
  const clock = options.clock ?? new ManualClock();
  const observationBus = new ObservationBus(() => clock.nowUs);
  const observations: Observation[] = [];
  observationBus.subscribe((observation) => observations.push(observation));
  const hooks = new RuntimeHooks();
  const steps: ProtocolStep[] = [];
  hooks.onStep((step) => steps.push(step));
  const failJobCauses: string[] = [];
  const results: string[] = [];
  const ports: CoordinatorPorts = {
    clock,
    graph: options.graph ?? pipelineGraph(),
    gateway: new RecordingGateway(),
    storage: options.storage ?? new FakeStorage(),
    idCounter: options.idCounter ?? new StandaloneCheckpointIdCounter(),
    store: options.store ?? new StandaloneCompletedCheckpointStore(config.retainedCheckpoints),
    callbacks: { failJob: (cause) => failJobCauses.push(cause), failJobDueToTaskFailure: (cause) => failJobCauses.push(cause) },
    observations: observationBus,
    hooks,
    masterHooks: options.masterHooks ?? [],
    ...(options.sharedState === undefined ? {} : { sharedState: options.sharedState }),
    ...(options.triggerChain === undefined ? {} : { triggerChain: options.triggerChain }),
    ...(options.operatorCoordinators === undefined ? {} : { operatorCoordinators: options.operatorCoordinators }),
  };
  const record = (result: CheckpointResult): void => {
    results.push(result.ok ? `ok:${result.checkpoint.checkpointId}` : `fail:${result.reason}`);
  };
  return {
    coordinator: new CheckpointCoordinator(config, ports, options.coordinatorOptions),
    clock,
    graph: ports.graph as FakeGraph,
    gateway: ports.gateway as RecordingGateway,
    storage: ports.storage as FakeStorage,
    idCounter: ports.idCounter,
    store: ports.store,
    observations,
    steps,
    hooks,
    failJobCauses,
    config,
    results,
    record,
  };
}

/** Acknowledges `checkpointId` from every task of the graph that is RUNNING. */
export function acknowledgeAll(h: Harness, checkpointId: number): void {
  for (const view of h.graph.views) {
    if (view.state !== 'RUNNING') continue;
    h.coordinator.receiveAcknowledgeMessage(view.taskName, view.attempt, checkpointId, stateFor(view.taskName, checkpointId));
  }
}

/** Triggers a checkpoint (manual unless told) and returns its id, which must have been assigned. */
export function triggerOne(h: Harness, isPeriodic = false): number {
  const before = h.coordinator.pendingCheckpointIds;
  h.coordinator.triggerCheckpoint(isPeriodic, h.record);
  const created = h.coordinator.pendingCheckpointIds.filter((id) => !before.includes(id));
  if (created.length !== 1) throw new Error(`expected one new pending checkpoint, got ${created.join(',')}`);
  return created[0] as number;
}

/** Observations of one type, narrowed. */
export function observed<T extends Observation['type']>(h: Harness, type: T): Array<Extract<Observation, { type: T }>> {
  return h.observations.filter((observation): observation is Extract<Observation, { type: T }> => observation.type === type);
}
