import type { OperatorEvent } from '../../coordination/operator-event.js';
import type {
  CoordinatorCheckpointResult,
  CoordinatorSubtaskGateway,
  OperatorCoordinator,
  OperatorCoordinatorContext,
} from '../../coordination/operator-coordinator.js';
import { SplitAssignmentTracker } from './split-assignment-tracker.js';
import { PartitionSplitEnumerator, type EnumeratedTopic, type SplitEnumeratorContext } from './split-enumerator.js';
import type { EnumeratorState, PartitionSplit, SourceEvent } from './split.js';

/** What the source coordinator reports to the oracle (observations), besides the holder's steps. */
export interface SourceCoordinatorListener {
  splitsAssigned(subtask: number, attempt: number, splits: readonly PartitionSplit[]): void;
  splitsAddedBack(subtask: number, splits: readonly PartitionSplit[], restoredCheckpointId: number | undefined): void;
  enumeratorReset(checkpointId: number | undefined, state: EnumeratorState): void;
  enumeratorSnapshot(checkpointId: number, state: EnumeratorState): void;
}

/** How the source coordinator deviates from Flink when a planted bug is on. */
export interface SourceCoordinatorBugs {
  /**
   * FLINK-20413 before its fix: a failed reader's splits come back when it fails, and only those
   * assigned since the latest coordinator snapshot; nothing comes back when it is restored.
   */
  readonly returnsSplitsOnFailure?: boolean;
}

/**
 * Flink's SourceCoordinator with its SourceCoordinatorContext, wrapped as Flink's
 * RecreateOnResetOperatorCoordinator does: a global reset throws the enumerator, the registered
 * readers and the assignment tracker away and builds them again from the checkpoint.
 */
export class SourceCoordinator implements OperatorCoordinator {
  private enumerator: PartitionSplitEnumerator;
  private tracker = new SplitAssignmentTracker();
  /** Registered reader per subtask: the attempt that registered. */
  private readonly readers = new Map<number, number>();
  /** The gateway of each subtask's running attempt. */
  private readonly gateways = new Map<number, CoordinatorSubtaskGateway>();
  /**
   * A split request per subtask (the asking attempt) not yet handed to the enumerator because the
   * attempt's registration or readiness has not arrived: a delayed RPC can overtake another.
   */
  private readonly requests = new Map<number, number>();
  private started = false;
  /** Bumped by every reset, so timers of a thrown-away enumerator do nothing. */
  private generation = 0;

  constructor(
    private readonly context: OperatorCoordinatorContext,
    private readonly topic: EnumeratedTopic,
    private readonly listener: SourceCoordinatorListener,
    private readonly bugs: SourceCoordinatorBugs = {},
  ) {
    this.enumerator = this.createEnumerator(undefined);
  }

  start(): void {
    this.started = true;
    this.enumerator.start();
  }

  close(): void {
    this.enumerator.close();
  }

  handleEventFromOperator(subtask: number, attempt: number, event: OperatorEvent): void {
    const sourceEvent = event as SourceEvent;
    switch (sourceEvent.kind) {
      case 'reader-registration':
        this.readers.set(subtask, attempt);
        this.enumerator.addReader(subtask);
        this.serveRequest(subtask);
        return;
      case 'request-split':
        if ((this.requests.get(subtask) ?? -1) < attempt) this.requests.set(subtask, attempt);
        this.serveRequest(subtask);
        return;
      default:
        throw new Error(`unexpected event ${event.kind} from subtask ${subtask} of ${this.context.operatorName}`);
    }
  }

  checkpointCoordinator(checkpointId: number, result: (outcome: CoordinatorCheckpointResult) => void): void {
    this.tracker.onCheckpoint(checkpointId);
    const state = this.enumerator.snapshotState();
    this.listener.enumeratorSnapshot(checkpointId, state);
    result({ ok: true, state });
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.tracker.onCheckpointComplete(checkpointId);
  }

  notifyCheckpointAborted(checkpointId: number): void {
    void checkpointId;
  }

  resetToCheckpoint(checkpointId: number | undefined, state: unknown): void {
    this.enumerator.close();
    this.generation++;
    this.tracker = new SplitAssignmentTracker();
    this.readers.clear();
    this.requests.clear();
    const restored = state as EnumeratorState | undefined;
    this.enumerator = this.createEnumerator(restored);
    this.listener.enumeratorReset(checkpointId, this.enumerator.snapshotState());
    if (this.started) this.enumerator.start();
  }

  subtaskReset(subtask: number, checkpointId: number | undefined): void {
    if (this.bugs.returnsSplitsOnFailure === true) return;
    const splits = this.tracker.getAndRemoveUncheckpointedAssignment(subtask, checkpointId);
    this.listener.splitsAddedBack(subtask, splits, checkpointId);
    this.enumerator.addSplitsBack(splits);
  }

  executionAttemptFailed(subtask: number, attempt: number, reason: string): void {
    void reason;
    if (this.readers.get(subtask) === attempt) this.readers.delete(subtask);
    if (this.requests.get(subtask) === attempt) this.requests.delete(subtask);
    if (this.gateways.get(subtask)?.attempt === attempt) this.gateways.delete(subtask);
    if (this.bugs.returnsSplitsOnFailure === true) {
      const splits = this.tracker.getAndRemoveSinceLastSnapshot(subtask);
      this.listener.splitsAddedBack(subtask, splits, undefined);
      this.enumerator.addSplitsBack(splits);
    }
  }

  executionAttemptReady(subtask: number, attempt: number, gateway: CoordinatorSubtaskGateway): void {
    void attempt;
    this.gateways.set(subtask, gateway);
    this.serveRequest(subtask);
  }

  /** Hands a subtask's split request to the enumerator once its attempt is registered and ready. */
  private serveRequest(subtask: number): void {
    const attempt = this.requests.get(subtask);
    if (attempt === undefined || this.readers.get(subtask) !== attempt || this.gateways.get(subtask)?.attempt !== attempt) return;
    this.requests.delete(subtask);
    this.enumerator.handleSplitRequest(subtask);
  }

  /** The enumerator's current state (for tests). */
  enumeratorState(): EnumeratorState {
    return this.enumerator.snapshotState();
  }

  private createEnumerator(restored: EnumeratorState | undefined): PartitionSplitEnumerator {
    const generation = this.generation;
    const coordinatorContext = this.context;
    const context: SplitEnumeratorContext = {
      get nowUs() {
        return coordinatorContext.nowUs;
      },
      registeredReaders: () => [...this.readers.keys()].filter((subtask) => this.gateways.has(subtask)).sort((a, b) => a - b),
      assignSplit: (split, subtask) => this.assignSplit(split, subtask),
      signalNoMoreSplits: (subtask) => {
        this.gateways.get(subtask)?.sendEvent({ kind: 'no-more-splits' });
      },
      schedule: (delayUs, action) => this.context.schedule(delayUs, () => {
        if (generation === this.generation) action();
      }),
      step: (name) => this.context.step(name),
    };
    return new PartitionSplitEnumerator(context, this.topic, restored);
  }

  /** Flink's SourceCoordinatorContext.assignSplits: record the assignment, then send it. */
  private assignSplit(split: PartitionSplit, subtask: number): void {
    const gateway = this.gateways.get(subtask);
    if (gateway === undefined) throw new Error(`cannot assign a split to subtask ${subtask} of ${this.context.operatorName}: its reader is not registered`);
    this.tracker.recordSplitAssignment(subtask, [split]);
    this.listener.splitsAssigned(subtask, gateway.attempt, [split]);
    gateway.sendEvent({ kind: 'add-splits', splits: [split] } as OperatorEvent);
  }
}
