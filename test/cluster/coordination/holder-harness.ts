import { OperatorCoordinatorHolder, type HolderBugs } from '../../../src/cluster/coordination/operator-coordinator-holder.js';
import type {
  CoordinatorCheckpointResult,
  CoordinatorSubtaskGateway,
  OperatorCoordinator,
  OperatorCoordinatorContext,
} from '../../../src/cluster/coordination/operator-coordinator.js';
import type { EventSendResult, OperatorEvent } from '../../../src/cluster/coordination/operator-event.js';

/** A test event carrying a number (Flink's TestOperatorEvent). */
export interface NumberEvent extends OperatorEvent {
  readonly kind: 'number';
  readonly value: number;
}

export const numberEvent = (value: number): NumberEvent => ({ kind: 'number', value });

/** Flink's TestingOperatorCoordinator: remembers gateways, the last checkpoint's result callback and the events it got. */
export class TestingCoordinator implements OperatorCoordinator {
  readonly gateways = new Map<number, CoordinatorSubtaskGateway>();
  readonly received: Array<{ subtask: number; attempt: number; event: OperatorEvent }> = [];
  lastCheckpoint: ((outcome: CoordinatorCheckpointResult) => void) | undefined;
  resets: Array<number | undefined> = [];
  completed: number[] = [];
  aborted: number[] = [];

  constructor(readonly context: OperatorCoordinatorContext) {}

  start(): void {}
  close(): void {}
  handleEventFromOperator(subtask: number, attempt: number, event: OperatorEvent): void {
    this.received.push({ subtask, attempt, event });
  }
  checkpointCoordinator(_checkpointId: number, result: (outcome: CoordinatorCheckpointResult) => void): void {
    this.lastCheckpoint = result;
  }
  notifyCheckpointComplete(checkpointId: number): void {
    this.completed.push(checkpointId);
  }
  notifyCheckpointAborted(checkpointId: number): void {
    this.aborted.push(checkpointId);
  }
  resetToCheckpoint(checkpointId: number | undefined): void {
    this.resets.push(checkpointId);
  }
  subtaskReset(): void {}
  executionAttemptFailed(): void {}
  executionAttemptReady(subtask: number, _attempt: number, gateway: CoordinatorSubtaskGateway): void {
    this.gateways.set(subtask, gateway);
  }

  gateway(subtask: number): CoordinatorSubtaskGateway {
    const gateway = this.gateways.get(subtask);
    if (gateway === undefined) throw new Error(`no gateway for subtask ${subtask}`);
    return gateway;
  }
}

/** Flink's EventReceivingTasks: running subtasks that record what reaches them; RPC answers now, or when the test says. */
export class EventReceivingTasks {
  readonly events: Array<{ subtask: number; event: OperatorEvent }> = [];
  readonly unanswered: EventSendResult[] = [];
  readonly failovers: string[] = [];
  readonly globalFailures: string[] = [];
  readonly steps: string[] = [];

  constructor(readonly manualAnswers = false) {}

  sentTo(subtask: number): OperatorEvent[] {
    return this.events.filter((entry) => entry.subtask === subtask).map((entry) => entry.event);
  }

  /** A holder over `parallelism` running subtasks (attempt 0 each). */
  holder<C extends OperatorCoordinator>(create: (context: OperatorCoordinatorContext) => C, parallelism = 3, bugs: HolderBugs = {}): { holder: OperatorCoordinatorHolder; coordinator: C } {
    const context: OperatorCoordinatorContext = {
      operatorName: 'source',
      parallelism,
      nowUs: 0,
      schedule: () => {},
      failJob: (cause) => this.globalFailures.push(cause),
      step: (name) => this.steps.push(name),
    };
    const holder = new OperatorCoordinatorHolder(create, context, bugs);
    for (let subtask = 0; subtask < parallelism; subtask++) {
      holder.setupSubtaskGateway({
        subtask,
        attempt: 0,
        taskName: `source#${subtask}`,
        sendNow: (event, result) => {
          this.events.push({ subtask, event });
          if (this.manualAnswers) this.unanswered.push(result);
          else result.settle({ ok: true });
        },
        isStillRunning: () => true,
        triggerTaskFailover: (cause) => this.failovers.push(cause),
      });
      holder.executionAttemptRunning(subtask, 0);
    }
    return { holder, coordinator: holder.coordinator as C };
  }
}

/** The outcome of one holder checkpoint, as a test reads it (Flink's CompletableFuture<byte[]>). */
export class CheckpointOutcome {
  result: CoordinatorCheckpointResult | undefined;
  readonly done = (outcome: CoordinatorCheckpointResult): void => {
    if (this.result !== undefined) throw new Error('a checkpoint result came twice');
    this.result = outcome;
  };
  get isDone(): boolean {
    return this.result !== undefined;
  }
  get failed(): boolean {
    return this.result !== undefined && !this.result.ok;
  }
}

/** Triggers the holder's checkpoint and completes the coordinator's part at once (Flink's triggerAndCompleteCheckpoint). */
export function triggerAndCompleteCheckpoint(holder: OperatorCoordinatorHolder, coordinator: TestingCoordinator, checkpointId: number, state: unknown = 'state'): CheckpointOutcome {
  const outcome = new CheckpointOutcome();
  holder.checkpointCoordinator(checkpointId, outcome.done);
  coordinator.lastCheckpoint?.({ ok: true, state });
  return outcome;
}
