import { executorName } from '../cluster/cluster.js';
import { UsageError } from '../sim/usage-error.js';

/**
 * Fault plans: plain, JSON-serialisable data. A plan is an array of small fault records, so a
 * shrinker can simplify a failing plan by dropping faults one at a time.
 */

/** RPCs a fault can target, in Flink's names. */
export const rpcMethods = [
  'triggerCheckpoint',
  'acknowledgeCheckpoint',
  'declineCheckpoint',
  'notifyCheckpointComplete',
  'notifyCheckpointAborted',
  'heartbeat',
  'submitTask',
  'cancelTask',
  'updateTaskExecutionState',
  'registerTaskExecutor',
] as const;
export type RpcMethod = (typeof rpcMethods)[number];

/** Protocol steps a fault can be aimed at (announced by the runtime's hooks; RPCs as `rpc.<method>`). */
export const stepNames = [
  'task.running',
  'task.alignment-completed',
  'task.snapshot-taken',
  'task.async-upload-started',
  'task.checkpoint-declined',
  'task.notify-complete',
  'task.end-of-data',
  'task.finished',
  'executor.notify-complete-received',
  'coordinator.checkpoint-triggered',
  'coordinator.acknowledge-received',
  'coordinator.decline-received',
  'coordinator.all-acknowledged',
  'coordinator.checkpoint-completed',
  'coordinator.checkpoint-aborted',
  ...rpcMethods.map((method) => `rpc.${method}` as const),
] as const;

/** When a fault fires: at a virtual time, or at the n-th occurrence of a matching protocol step. */
export type FaultTrigger =
  | { readonly atUs: number }
  | {
      readonly onStep: string;
      readonly task?: string;
      readonly executor?: string;
      readonly checkpointId?: number;
      /** Which matching occurrence fires it (1 = the first). */
      readonly occurrence?: number;
      /** Virtual delay after the step; 0 means right after it. */
      readonly afterUs?: number;
    };

export type StorageAction = 'slow-writes' | 'fail-writes' | 'fail-finalize' | 'unreadable-handle';
export type RpcAction = 'drop' | 'delay' | 'duplicate';
/** `fail-writes`: nothing is written; `ambiguous-writes`: the write lands but the writer is told it failed. */
export type HaStoreAction = 'fail-writes' | 'ambiguous-writes';

/** What an `ha-store` fault fails: the write of a completed checkpoint's pointer, or the increment of the checkpoint id counter. */
export type HaStoreTarget = 'completed-checkpoint' | 'id-counter';

/** One fault. `when` says when it fires; the other fields what it does. */
export type Fault =
  | { readonly kind: 'crash-executor'; readonly executor: string; readonly restartAfterUs: number; readonly replacement: boolean; readonly when: FaultTrigger }
  | { readonly kind: 'fail-task'; readonly task: string; readonly when: FaultTrigger }
  | { readonly kind: 'crash-jobmaster'; readonly recoverAfterUs: number; readonly when: FaultTrigger }
  | {
      readonly kind: 'rpc';
      readonly action: RpcAction;
      readonly method: RpcMethod;
      readonly task?: string;
      readonly checkpointId?: number;
      readonly source?: string;
      readonly target?: string;
      /** How many matching messages it affects. */
      readonly count: number;
      /** Extra latency for 'delay'; spacing of copies for 'duplicate'. */
      readonly delayUs?: number;
      readonly when: FaultTrigger;
    }
  | { readonly kind: 'partition'; readonly nodes: readonly [string, string]; readonly oneWay: boolean; readonly durationUs: number; readonly when: FaultTrigger }
  | { readonly kind: 'channel-stall'; readonly channel: string; readonly extraUs: number; readonly durationUs: number; readonly when: FaultTrigger }
  | { readonly kind: 'slow-task'; readonly task: string; readonly factor: number; readonly durationUs: number; readonly when: FaultTrigger }
  | { readonly kind: 'storage'; readonly action: StorageAction; readonly count: number; readonly extraUs?: number; readonly durationUs?: number; readonly when: FaultTrigger }
  /** The next `count` HA store writes (ZooKeeper, ConfigMaps) of `target` fail: completed checkpoints' pointers, or the checkpoint id counter's increments; within `durationUs` if given. */
  | {
      readonly kind: 'ha-store';
      readonly action: HaStoreAction;
      /** Absent means `completed-checkpoint`. */
      readonly target?: HaStoreTarget;
      readonly count: number;
      readonly durationUs?: number;
      readonly when: FaultTrigger;
    }
  | { readonly kind: 'sink-commit-failure'; readonly count: number; readonly when: FaultTrigger }
  | { readonly kind: 'transaction-timeout'; readonly timeoutUs: number; readonly when: FaultTrigger }
  | { readonly kind: 'source-unavailable'; readonly durationUs: number; readonly when: FaultTrigger };

export type FaultKind = Fault['kind'];
export const faultKinds: readonly FaultKind[] = [
  'crash-executor',
  'fail-task',
  'crash-jobmaster',
  'rpc',
  'partition',
  'channel-stall',
  'slow-task',
  'storage',
  'sink-commit-failure',
  'transaction-timeout',
  'source-unavailable',
  'ha-store',
];

export type FaultPlan = readonly Fault[];

const maxDurationUs = 3_600_000_000;

class Field {
  /** Every field name asked for, present or not: what this kind of object takes. */
  private readonly known = new Set<string>();

  constructor(private readonly record: Record<string, unknown>, private readonly path: string) {}

  /** Declares `name` a field of this object without reading it through a typed accessor. */
  take(name: string): unknown {
    this.known.add(name);
    return this.record[name];
  }

  /**
   * Rejects a field the object does not take: a misspelt optional field would otherwise be
   * ignored, and the fault would run without the setting its author wrote.
   */
  rejectUnknown(what: string): void {
    for (const name of Object.keys(this.record)) {
      if (!this.known.has(name)) throw new UsageError(`${this.path} has no field ${JSON.stringify(name)}: ${what} takes ${[...this.known].join(', ')}`);
    }
  }

  private bad(name: string, want: string): never {
    throw new UsageError(`${this.path}.${name} must be ${want}, got ${JSON.stringify(this.record[name]) ?? 'nothing'}`);
  }

  integer(name: string, minimum: number, maximum: number): number {
    const value = this.take(name);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum || value > maximum) this.bad(name, `an integer in [${minimum}, ${maximum}]`);
    return value;
  }

  optionalInteger(name: string, minimum: number, maximum: number): number | undefined {
    return this.take(name) === undefined ? undefined : this.integer(name, minimum, maximum);
  }

  string(name: string, pattern?: RegExp, description?: string): string {
    const value = this.take(name);
    if (typeof value !== 'string' || value.length === 0 || (pattern !== undefined && !pattern.test(value))) this.bad(name, description ?? 'a non-empty string');
    return value;
  }

  optionalString(name: string, pattern?: RegExp, description?: string): string | undefined {
    return this.take(name) === undefined ? undefined : this.string(name, pattern, description);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.take(name);
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) this.bad(name, `one of ${allowed.join(', ')}`);
    return value as T;
  }

  optionalOneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    return this.take(name) === undefined ? undefined : this.oneOf(name, allowed);
  }

  boolean(name: string): boolean {
    const value = this.take(name);
    if (typeof value !== 'boolean') this.bad(name, 'true or false');
    return value;
  }
}

const executorNamePattern = /^taskexecutor-\d+$/;
const nodeNamePattern = /^(jobmaster|taskexecutor-\d+)$/;
const taskPattern = /^[^#@>]+#\d+$/;
const channelPattern = /^[^#@>]+#\d+->[^#@>]+#\d+$/;

function parseTrigger(value: unknown, path: string): FaultTrigger {
  if (typeof value !== 'object' || value === null) throw new UsageError(`${path} must be an object with atUs or onStep`);
  const record = value as Record<string, unknown>;
  const field = new Field(record, path);
  if ('atUs' in record) {
    const atUs = field.integer('atUs', 0, maxDurationUs);
    field.rejectUnknown('a time trigger');
    return { atUs };
  }
  const onStep = field.oneOf('onStep', stepNames as readonly string[] as string[]);
  const task = field.optionalString('task', taskPattern, "a task name like 'count#1'");
  const executor = field.optionalString('executor', executorNamePattern, "an executor name like 'taskexecutor-1'");
  const checkpointId = field.optionalInteger('checkpointId', 1, 1_000_000);
  const occurrence = field.optionalInteger('occurrence', 1, 1_000_000);
  const afterUs = field.optionalInteger('afterUs', 0, maxDurationUs);
  field.rejectUnknown('a step trigger');
  return {
    onStep,
    ...(task === undefined ? {} : { task }),
    ...(executor === undefined ? {} : { executor }),
    ...(checkpointId === undefined ? {} : { checkpointId }),
    ...(occurrence === undefined ? {} : { occurrence }),
    ...(afterUs === undefined ? {} : { afterUs }),
  };
}

function parseFault(value: unknown, path: string): Fault {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${path} must be a fault object`);
  const record = value as Record<string, unknown>;
  const field = new Field(record, path);
  const kind = field.oneOf('kind', faultKinds);
  const when = parseTrigger(field.take('when'), `${path}.when`);
  const fault = parseFaultFields(kind, field, when, path);
  field.rejectUnknown(`a ${kind} fault`);
  return fault;
}

function parseFaultFields(kind: FaultKind, field: Field, when: FaultTrigger, path: string): Fault {
  switch (kind) {
    case 'crash-executor':
      return { kind, executor: field.string('executor', executorNamePattern, "an executor name like 'taskexecutor-0'"), restartAfterUs: field.integer('restartAfterUs', 0, maxDurationUs), replacement: field.boolean('replacement'), when };
    case 'fail-task':
      return { kind, task: field.string('task', taskPattern, "a task name like 'count#1'"), when };
    case 'crash-jobmaster':
      return { kind, recoverAfterUs: field.integer('recoverAfterUs', 0, maxDurationUs), when };
    case 'rpc': {
      const task = field.optionalString('task', taskPattern, "a task name like 'count#1'");
      const checkpointId = field.optionalInteger('checkpointId', 1, 1_000_000);
      const source = field.optionalString('source', nodeNamePattern, "'jobmaster' or 'taskexecutor-N'");
      const target = field.optionalString('target', nodeNamePattern, "'jobmaster' or 'taskexecutor-N'");
      const delayUs = field.optionalInteger('delayUs', 0, maxDurationUs);
      return {
        kind,
        action: field.oneOf('action', ['drop', 'delay', 'duplicate'] as const),
        method: field.oneOf('method', rpcMethods),
        count: field.integer('count', 1, 1_000_000),
        ...(task === undefined ? {} : { task }),
        ...(checkpointId === undefined ? {} : { checkpointId }),
        ...(source === undefined ? {} : { source }),
        ...(target === undefined ? {} : { target }),
        ...(delayUs === undefined ? {} : { delayUs }),
        when,
      };
    }
    case 'partition': {
      const nodes = field.take('nodes');
      if (!Array.isArray(nodes) || nodes.length !== 2 || !nodes.every((node) => typeof node === 'string' && nodeNamePattern.test(node)) || nodes[0] === nodes[1]) {
        throw new UsageError(`${path}.nodes must be two different node names ('jobmaster', 'taskexecutor-N'), got ${JSON.stringify(nodes)}`);
      }
      return { kind, nodes: [nodes[0], nodes[1]] as [string, string], oneWay: field.boolean('oneWay'), durationUs: field.integer('durationUs', 1, maxDurationUs), when };
    }
    case 'channel-stall':
      return { kind, channel: field.string('channel', channelPattern, "a channel like 'source#0->split#0'"), extraUs: field.integer('extraUs', 1, 10_000_000), durationUs: field.integer('durationUs', 1, maxDurationUs), when };
    case 'slow-task':
      return { kind, task: field.string('task', taskPattern, "a task name like 'count#1'"), factor: field.integer('factor', 2, 1000), durationUs: field.integer('durationUs', 1, maxDurationUs), when };
    case 'storage': {
      const extraUs = field.optionalInteger('extraUs', 1, 100_000_000);
      const durationUs = field.optionalInteger('durationUs', 1, maxDurationUs);
      return {
        kind,
        action: field.oneOf('action', ['slow-writes', 'fail-writes', 'fail-finalize', 'unreadable-handle'] as const),
        count: field.integer('count', 1, 1_000_000),
        ...(extraUs === undefined ? {} : { extraUs }),
        ...(durationUs === undefined ? {} : { durationUs }),
        when,
      };
    }
    case 'ha-store': {
      const durationUs = field.optionalInteger('durationUs', 1, maxDurationUs);
      const target = field.optionalOneOf('target', ['completed-checkpoint', 'id-counter'] as const);
      return {
        kind,
        action: field.oneOf('action', ['fail-writes', 'ambiguous-writes'] as const),
        ...(target === undefined ? {} : { target }),
        count: field.integer('count', 1, 1_000_000),
        ...(durationUs === undefined ? {} : { durationUs }),
        when,
      };
    }
    case 'sink-commit-failure':
      return { kind, count: field.integer('count', 1, 1_000_000), when };
    case 'transaction-timeout':
      return { kind, timeoutUs: field.integer('timeoutUs', 1, maxDurationUs), when };
    case 'source-unavailable':
      return { kind, durationUs: field.integer('durationUs', 1, maxDurationUs), when };
  }
}

/** Validates a fault plan from parsed JSON; a bad plan is a {@link UsageError} naming the field. */
export function parseFaultPlan(value: unknown): FaultPlan {
  if (!Array.isArray(value)) throw new UsageError(`a fault plan must be a JSON array of faults, got ${typeof value}`);
  if (value.length > 1000) throw new UsageError(`a fault plan holds at most 1000 faults, got ${value.length}`);
  return value.map((fault, index) => parseFault(fault, `faults[${index}]`));
}

/** The names a fault plan may aim at in one case: its job's tasks and channels, its executors. */
export interface FaultTargets {
  readonly tasks: readonly string[];
  readonly channels: readonly string[];
  /** Executors at the start (`taskexecutor-0` up); each crash with a replacement adds the next name. */
  readonly executors: readonly string[];
}

/**
 * Checks that every name a plan aims at exists in the case: a fault at a task, channel or
 * executor the job does not have would never fire, and the case would pass without the fault it
 * claims to test. A bad name is a {@link UsageError} naming the field and the names there are.
 */
export function checkFaultTargets(plan: FaultPlan, targets: FaultTargets): void {
  const tasks = new Set(targets.tasks);
  const channels = new Set(targets.channels);
  // A replacement executor takes the next free name, so a plan may aim at the ones its own
  // crashes can start.
  const replacements = plan.filter((fault) => fault.kind === 'crash-executor' && fault.replacement).length;
  const executors = new Set([...targets.executors, ...Array.from({ length: replacements }, (_, index) => executorName(targets.executors.length + index))]);
  const nodes = new Set(['jobmaster', ...executors]);
  const list = (names: ReadonlySet<string>): string => {
    const all = [...names];
    return all.length <= 12 ? all.join(', ') : `${all.slice(0, 12).join(', ')}, ... (${all.length} in all)`;
  };
  const check = (path: string, name: string | undefined, known: ReadonlySet<string>, what: string): void => {
    if (name !== undefined && !known.has(name)) throw new UsageError(`${path} names no ${what} of this case: '${name}' (there are ${list(known)})`);
  };
  plan.forEach((fault, index) => {
    const path = `faults[${index}]`;
    if ('onStep' in fault.when) {
      check(`${path}.when.task`, fault.when.task, tasks, 'task');
      check(`${path}.when.executor`, fault.when.executor, executors, 'executor');
    }
    switch (fault.kind) {
      case 'fail-task':
      case 'slow-task':
        check(`${path}.task`, fault.task, tasks, 'task');
        return;
      case 'crash-executor':
        check(`${path}.executor`, fault.executor, executors, 'executor');
        return;
      case 'channel-stall':
        check(`${path}.channel`, fault.channel, channels, 'channel');
        return;
      case 'partition':
        fault.nodes.forEach((node, position) => check(`${path}.nodes[${position}]`, node, nodes, 'node'));
        return;
      case 'rpc':
        check(`${path}.task`, fault.task, tasks, 'task');
        check(`${path}.source`, fault.source, nodes, 'node');
        check(`${path}.target`, fault.target, nodes, 'node');
        return;
      default:
        return;
    }
  });
}
