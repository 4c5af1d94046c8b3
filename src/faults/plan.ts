import { executorName } from '../cluster/cluster.js';
import { UsageError } from '../sim/usage-error.js';
import { definitionOf, entryDefinitions, faultDefinitions, operationDefinitions, rpcMethods, rpcMethodsNeverDuplicated, stepTriggerFields, timeTriggerFields, type EntryDefinition, type FieldDefinition } from './plan-definitions.js';

/**
 * Fault plans: plain, JSON-serialisable data. A plan is an array of small records (faults and
 * operations), so a shrinker can simplify a failing plan by dropping entries one at a time. The
 * rules each field is checked by live in plan-definitions.ts, which docs/fault-plans.md is
 * generated from.
 */

export { rpcMethods, stepNames } from './plan-definitions.js';
/** RPCs a fault can target, in Flink's names. */
export type RpcMethod = (typeof rpcMethods)[number];

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

export type StorageAction = 'slow-writes' | 'fail-writes' | 'fail-finalize' | 'unreadable-handle' | 'fail-location';
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
/** Every fault kind, in the reference's order. */
export const faultKinds: readonly FaultKind[] = faultDefinitions.map((definition) => definition.kind as FaultKind);

/** Where a canceled job resumes from: the newest savepoint or retained checkpoint, or the newest of one sort. */
export type ResumeFrom = 'latest' | 'latest-savepoint' | 'latest-checkpoint';

/** One operation on the running job, fired like a fault; its result is awaited and recorded. */
export type Operation =
  | { readonly kind: 'savepoint'; readonly when: FaultTrigger }
  | { readonly kind: 'checkpoint'; readonly when: FaultTrigger }
  | { readonly kind: 'stop-with-savepoint'; readonly drain?: boolean; readonly when: FaultTrigger }
  | { readonly kind: 'cancel'; readonly resumeFrom?: ResumeFrom; readonly resumeAfterUs?: number; readonly when: FaultTrigger }
  | { readonly kind: 'rescale'; readonly parallelism: string; readonly from?: 'savepoint' | 'checkpoint'; readonly when: FaultTrigger };

export type OperationKind = Operation['kind'];
/** Every operation kind, in the reference's order. */
export const operationKinds: readonly OperationKind[] = operationDefinitions.map((definition) => definition.kind as OperationKind);

/** One entry of a plan: a fault or an operation. */
export type PlanEntry = Fault | Operation;
export type PlanEntryKind = PlanEntry['kind'];

/** Whether a plan entry is an operation (not a fault). */
export function isOperation(entry: PlanEntry): entry is Operation {
  return (operationKinds as readonly string[]).includes(entry.kind);
}

/** A plan: faults and operations, each with its trigger. */
export type FaultPlan = readonly PlanEntry[];

/** Reads the fields of one JSON object, remembering which names it asked for. */
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

  /** Reads one field as its definition says; undefined for an optional field left out. */
  read(definition: FieldDefinition): unknown {
    const name = definition.name;
    const value = this.take(name);
    if (value === undefined && definition.optional === true) return undefined;
    switch (definition.type) {
      case 'integer':
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < definition.minimum || value > definition.maximum) this.bad(name, `an integer in [${definition.minimum}, ${definition.maximum}]`);
        return value;
      case 'string':
        if (typeof value !== 'string' || value.length === 0 || !definition.pattern.test(value)) this.bad(name, definition.description);
        return value;
      case 'one-of':
        if (typeof value !== 'string' || !definition.values.includes(value)) this.bad(name, `one of ${definition.values.join(', ')}`);
        return value;
      case 'boolean':
        if (typeof value !== 'boolean') this.bad(name, 'true or false');
        return value;
      case 'node-pair':
        if (!Array.isArray(value) || value.length !== 2 || !value.every((node) => typeof node === 'string' && nodeNamePattern.test(node)) || value[0] === value[1]) {
          throw new UsageError(`${this.path}.${name} must be two different node names ('jobmaster', 'taskexecutor-N'), got ${JSON.stringify(value)}`);
        }
        return [value[0], value[1]];
    }
  }

  /** Reads every field of `definitions` into `into`, leaving absent optional ones out. */
  readAll(definitions: readonly FieldDefinition[], into: Record<string, unknown>): void {
    for (const definition of definitions) {
      const value = this.read(definition);
      if (value !== undefined) into[definition.name] = value;
    }
  }
}

const nodeNamePattern = /^(jobmaster|taskexecutor-\d+)$/;

function parseTrigger(value: unknown, path: string): FaultTrigger {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${path} must be an object with atUs or onStep`);
  const record = value as Record<string, unknown>;
  const field = new Field(record, path);
  const trigger: Record<string, unknown> = {};
  const timed = 'atUs' in record;
  field.readAll(timed ? timeTriggerFields : stepTriggerFields, trigger);
  field.rejectUnknown(timed ? 'a time trigger' : 'a step trigger');
  return trigger as unknown as FaultTrigger;
}

const entryKinds = entryDefinitions.map((definition) => definition.kind);

function parseEntry(value: unknown, path: string): PlanEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${path} must be a fault or operation object`);
  const record = value as Record<string, unknown>;
  const field = new Field(record, path);
  const kind = field.read({ name: 'kind', type: 'one-of', values: entryKinds, doc: '' }) as string;
  const definition = definitionOf(kind) as EntryDefinition;
  const when = parseTrigger(field.take('when'), `${path}.when`);
  const entry: Record<string, unknown> = { kind };
  field.readAll(definition.fields, entry);
  entry['when'] = when;
  field.rejectUnknown(`a ${kind} ${definition.category}`);
  if (kind === 'rpc' && entry['action'] === 'duplicate' && rpcMethodsNeverDuplicated.includes(entry['method'] as (typeof rpcMethodsNeverDuplicated)[number])) {
    throw new UsageError(`${path}.action cannot be 'duplicate' for ${String(entry['method'])}: Flink's RPC delivers it at most once and never retries it (see rpcMethodsNeverDuplicated)`);
  }
  return entry as unknown as PlanEntry;
}

/**
 * Validates a plan (faults and operations) from parsed JSON against the definitions of
 * plan-definitions.ts; a bad plan is a {@link UsageError} naming the field.
 */
export function parseFaultPlan(value: unknown): FaultPlan {
  if (!Array.isArray(value)) throw new UsageError(`a fault plan must be a JSON array of faults and operations, got ${typeof value}`);
  if (value.length > 1000) throw new UsageError(`a fault plan holds at most 1000 entries, got ${value.length}`);
  return value.map((entry, index) => parseEntry(entry, `faults[${index}]`));
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
      case 'rescale': {
        const vertices = new Set([...tasks].map((task) => task.slice(0, task.lastIndexOf('#'))));
        for (const pair of fault.parallelism.split(',')) check(`${path}.parallelism`, pair.split('=')[0], vertices, 'vertex');
        return;
      }
      default:
        return;
    }
  });
}
