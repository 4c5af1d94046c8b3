import type { KeyedContext, ListState, ValueState } from '../jobgraph/functions.js';
import type { OperatorSpec } from '../jobgraph/job-graph.js';
import type { StreamRecord } from '../jobgraph/records.js';
import type { OperatorContext, OperatorSnapshot, StreamOperator } from './operator.js';
import { KeyedStateBackend } from './state-backend.js';
import { WindowOperator } from './event-time/window-operator.js';

const emptySnapshot: OperatorSnapshot = { keyed: undefined, operator: {} };

/** Stateless one-to-many operators: map, filter and flatMap share this shape. */
abstract class StatelessOperator implements StreamOperator {
  readonly stateful = false;
  protected context!: OperatorContext;

  open(context: OperatorContext): void {
    this.context = context;
  }

  abstract processElement(record: StreamRecord): void;

  snapshotState(): OperatorSnapshot {
    return emptySnapshot;
  }

  notifyCheckpointComplete(): void {}
  notifyCheckpointAborted(): void {}
  endInput(): void {}
}

class MapOperator extends StatelessOperator {
  constructor(private readonly fn: (value: unknown) => unknown) {
    super();
  }

  processElement(record: StreamRecord): void {
    this.context.emit(this.fn(record.value));
  }
}

class FilterOperator extends StatelessOperator {
  constructor(private readonly fn: (value: unknown) => boolean) {
    super();
  }

  processElement(record: StreamRecord): void {
    if (this.fn(record.value)) this.context.emit(record.value);
  }
}

class FlatMapOperator extends StatelessOperator {
  constructor(private readonly fn: (value: unknown) => readonly unknown[]) {
    super();
  }

  processElement(record: StreamRecord): void {
    for (const value of this.fn(record.value)) this.context.emit(value);
  }
}

/** Runs a keyed (co-)process function over a heap keyed-state backend. */
class KeyedProcessOperator implements StreamOperator {
  readonly stateful = true;
  readonly backend = new KeyedStateBackend();
  context!: OperatorContext;
  private readonly keyedContext = new HeapKeyedContext(this);

  constructor(private readonly spec: Extract<OperatorSpec, { kind: 'keyed-process' | 'keyed-co-process' }>) {}

  open(context: OperatorContext, restored: OperatorSnapshot | undefined): void {
    this.context = context;
    if (restored?.keyed !== undefined) this.backend.restore(restored.keyed, (key) => context.ownsKey(key));
  }

  processElement(record: StreamRecord, gate: number): void {
    if (record.key === undefined) throw new Error(`${this.context.taskName}: keyed operator got a record without a key`);
    this.backend.currentKey = record.key;
    const spec = this.spec;
    if (spec.kind === 'keyed-process') spec.function.processElement(record.value, this.keyedContext);
    else if (gate === 0) spec.function.processElement1(record.value, this.keyedContext);
    else spec.function.processElement2(record.value, this.keyedContext);
  }

  snapshotState(): OperatorSnapshot {
    return { keyed: this.backend.snapshot(), operator: {} };
  }

  notifyCheckpointComplete(): void {}
  notifyCheckpointAborted(): void {}
  endInput(): void {}
}

/** What a keyed function sees, one per operator; a class so its methods stay optimised across cases. */
class HeapKeyedContext implements KeyedContext {
  constructor(private readonly operator: KeyedProcessOperator) {}

  get currentKey(): string {
    return this.operator.backend.currentKey;
  }

  valueState<T>(name: string): ValueState<T> {
    return this.operator.backend.valueState<T>(name);
  }

  listState<T>(name: string): ListState<T> {
    return this.operator.backend.listState<T>(name);
  }

  emit(value: unknown): void {
    this.operator.context.emit(value);
  }
}

/** The operator for a non-source, non-sink vertex of the job DSL. */
export function createOperator(spec: OperatorSpec): StreamOperator {
  switch (spec.kind) {
    case 'map':
      return new MapOperator(spec.function);
    case 'filter':
      return new FilterOperator(spec.function);
    case 'flat-map':
      return new FlatMapOperator(spec.function);
    case 'keyed-process':
    case 'keyed-co-process':
      return new KeyedProcessOperator(spec);
    case 'window':
      return new WindowOperator(spec.window);
    case 'source':
    case 'sink':
      throw new Error(`createOperator: ${spec.kind} vertices are built by connectors`);
  }
}
