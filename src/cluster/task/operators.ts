import type { KeyedContext, KeyedCoProcessFunction, KeyedProcessFunction } from '../jobgraph/functions.js';
import type { OperatorSpec } from '../jobgraph/job-graph.js';
import type { StreamRecord } from '../jobgraph/records.js';
import type { OperatorContext, OperatorSnapshot, StreamOperator } from './operator.js';
import { KeyedStateBackend } from './state-backend.js';

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
  private readonly backend = new KeyedStateBackend();
  private context!: OperatorContext;
  private readonly keyedContext: KeyedContext;

  constructor(private readonly process: (value: unknown, context: KeyedContext, gate: number) => void) {
    const backend = this.backend;
    this.keyedContext = {
      get currentKey() {
        return backend.currentKey;
      },
      valueState: (name) => backend.valueState(name),
      listState: (name) => backend.listState(name),
      emit: (value) => this.context.emit(value),
    };
  }

  open(context: OperatorContext, restored: OperatorSnapshot | undefined): void {
    this.context = context;
    if (restored?.keyed !== undefined) this.backend.restore(restored.keyed, (key) => context.ownsKey(key));
  }

  processElement(record: StreamRecord, gate: number): void {
    if (record.key === undefined) throw new Error(`${this.context.taskName}: keyed operator got a record without a key`);
    this.backend.currentKey = record.key;
    this.process(record.value, this.keyedContext, gate);
  }

  snapshotState(): OperatorSnapshot {
    return { keyed: this.backend.snapshot(), operator: {} };
  }

  notifyCheckpointComplete(): void {}
  notifyCheckpointAborted(): void {}
  endInput(): void {}
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
    case 'keyed-process': {
      const fn: KeyedProcessFunction = spec.function;
      return new KeyedProcessOperator((value, context) => fn.processElement(value, context));
    }
    case 'keyed-co-process': {
      const fn: KeyedCoProcessFunction = spec.function;
      return new KeyedProcessOperator((value, context, gate) =>
        gate === 0 ? fn.processElement1(value, context) : fn.processElement2(value, context),
      );
    }
    case 'source':
    case 'sink':
      throw new Error(`createOperator: ${spec.kind} vertices are built by connectors`);
  }
}
