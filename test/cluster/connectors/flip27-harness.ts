import { EventSendResult, type OperatorEvent } from '../../../src/cluster/coordination/operator-event.js';
import type { CoordinatorSubtaskGateway, OperatorCoordinatorContext } from '../../../src/cluster/coordination/operator-coordinator.js';
import { SourceCoordinator, type SourceCoordinatorBugs } from '../../../src/cluster/connectors/flip27/source-coordinator.js';
import type { PartitionDiscovery, PartitionSplit } from '../../../src/cluster/connectors/flip27/split.js';

/** A source coordinator on a manual clock, with gateways that record what they send. */
export class SourceCoordinatorHarness {
  nowUs = 0;
  readonly timers: Array<{ atUs: number; action: () => void }> = [];
  readonly sent: Array<{ subtask: number; attempt: number; event: OperatorEvent }> = [];
  readonly failures: string[] = [];
  readonly addedBack: Array<{ subtask: number; splits: readonly PartitionSplit[] }> = [];
  readonly coordinator: SourceCoordinator;

  constructor(partitions: number, discovery: Partial<PartitionDiscovery> = {}, bugs: SourceCoordinatorBugs = {}) {
    const harness = this;
    const context: OperatorCoordinatorContext = {
      operatorName: 'source',
      parallelism: 2,
      get nowUs() {
        return harness.nowUs;
      },
      schedule: (delayUs, action) => this.timers.push({ atUs: this.nowUs + delayUs, action }),
      failJob: (cause) => this.failures.push(cause),
      step: () => {},
    };
    this.coordinator = new SourceCoordinator(
      context,
      { firstPartition: 0, partitionCount: partitions, discovery: { initialPartitions: partitions, newPartitionEveryUs: 1_000, discoveryIntervalUs: 500, ...discovery } },
      {
        splitsAssigned: () => {},
        splitsAddedBack: (subtask, splits) => this.addedBack.push({ subtask, splits }),
        enumeratorReset: () => {},
        enumeratorSnapshot: () => {},
      },
      bugs,
    );
  }

  /** Runs timers due up to `untilUs`, in time order. */
  advance(untilUs: number): void {
    for (;;) {
      this.timers.sort((a, b) => a.atUs - b.atUs);
      const next = this.timers[0];
      if (next === undefined || next.atUs > untilUs) break;
      this.timers.shift();
      this.nowUs = next.atUs;
      next.action();
    }
    this.nowUs = untilUs;
  }

  /** The attempt's task is running and its reader registered (Flink's setReaderTaskReady + registerReader). */
  readerReady(subtask: number, attempt = 0): void {
    const gateway: CoordinatorSubtaskGateway = {
      subtask,
      attempt,
      sendEvent: (event) => {
        this.sent.push({ subtask, attempt, event });
        const result = new EventSendResult();
        result.settle({ ok: true });
        return result;
      },
    };
    this.coordinator.executionAttemptReady(subtask, attempt, gateway);
    this.coordinator.handleEventFromOperator(subtask, attempt, { kind: 'reader-registration' });
  }

  requestSplit(subtask: number, attempt = 0): void {
    this.coordinator.handleEventFromOperator(subtask, attempt, { kind: 'request-split' });
  }

  /** Takes the coordinator's snapshot of `checkpointId`, returning its state. */
  checkpoint(checkpointId: number): unknown {
    let state: unknown;
    this.coordinator.checkpointCoordinator(checkpointId, (outcome) => {
      if (!outcome.ok) throw new Error(outcome.cause);
      state = outcome.state;
    });
    return state;
  }

  /** Partitions of the add-splits events sent to a subtask, and 'none' for a no-more-splits event. */
  sentTo(subtask: number): Array<number | 'none'> {
    return this.sent
      .filter((entry) => entry.subtask === subtask)
      .flatMap((entry): Array<number | 'none'> => (entry.event.kind === 'no-more-splits' ? ['none'] : (entry.event as unknown as { splits: PartitionSplit[] }).splits.map((split) => split.partition)));
  }
}
