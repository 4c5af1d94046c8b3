/**
 * Conformance with Flink 1.20's SourceCoordinatorTest (flink-runtime,
 * org.apache.flink.runtime.source.coordinator), ported as behaviour onto ckptsim's
 * SourceCoordinator, PartitionSplitEnumerator and SplitAssignmentTracker
 * (src/cluster/connectors/flip27/). Flink's MockSplitEnumerator is ckptsim's enumerator of the
 * partitioned log: splits are partitions, assigned one per request.
 *
 * Flink methods: 20. Skipped as not behaviour: 9 (testThrowExceptionWhenNotStarted: an API guard;
 * testClosed, testClosedWithoutStart, testBlockOnClose: thread lifecycle;
 * testUserClassLoaderWhenCreatingNewEnumerator, testUserClassLoaderWhenRestoringEnumerator: class
 * loaders; testSerdeBackwardCompatibility: serialization; testInferSourceParallelismAsync:
 * parallelism inference; testListeningEventsFromOtherCoordinators: watermark-alignment events).
 * Ported and todo counts: test/conformance/README.md (generated).
 */
import { describe, expect, it } from 'vitest';
import type { EnumeratorState } from '../../src/cluster/connectors/flip27/split.js';
import { SourceCoordinatorHarness } from '../cluster/connectors/flip27-harness.js';

describe('SourceCoordinatorTest (Flink 1.20)', () => {
  it('testRestCheckpointAfterCoordinatorStarted', () => {
    const harness = new SourceCoordinatorHarness(3);
    harness.coordinator.start();
    harness.coordinator.resetToCheckpoint(0, { unassigned: [{ partition: 2, offset: 5 }], discovered: [0, 1, 2] } satisfies EnumeratorState);
    expect(harness.coordinator.enumeratorState()).toEqual({ unassigned: [{ partition: 2, offset: 5 }], discovered: [0, 1, 2] });
    expect(harness.failures).toEqual([]);
  });

  it('testStart', () => {
    const harness = new SourceCoordinatorHarness(2);
    expect(harness.coordinator.enumeratorState().discovered).toEqual([]);
    harness.coordinator.start();
    expect(harness.coordinator.enumeratorState().discovered).toEqual([0, 1]);
  });

  it.todo('testHandleSourceEvent: needs custom SourceEvents between readers and the enumerator (ckptsim\'s readers send only registrations and split requests)');

  it('testCheckpointCoordinatorAndRestore', () => {
    const harness = new SourceCoordinatorHarness(3);
    harness.coordinator.start();
    harness.readerReady(0);
    harness.requestSplit(0);
    const state = harness.checkpoint(100) as EnumeratorState;
    expect(state).toEqual({ unassigned: [{ partition: 1, offset: 0 }, { partition: 2, offset: 0 }], discovered: [0, 1, 2] });
    const restored = new SourceCoordinatorHarness(3);
    restored.coordinator.start();
    restored.coordinator.resetToCheckpoint(100, state);
    expect(restored.coordinator.enumeratorState()).toEqual(state);
  });

  it.todo('testBatchSnapshotCoordinatorAndRestore: needs batch jobs (OperatorCoordinator.BATCH_CHECKPOINT_ID snapshots for JobMaster failover of batch jobs)');

  it('testSubtaskFailedAndRevertUncompletedAssignments', () => {
    const harness = new SourceCoordinatorHarness(6, { initialPartitions: 6 });
    harness.coordinator.start();
    harness.readerReady(0);
    harness.requestSplit(0);
    harness.requestSplit(0);
    harness.checkpoint(100);
    harness.requestSplit(0);
    harness.checkpoint(101);
    expect(harness.coordinator.enumeratorState().unassigned).toHaveLength(3);
    // None of the checkpoints is confirmed: the subtask fails and goes back to checkpoint 99.
    harness.coordinator.executionAttemptFailed(0, 0, 'failed');
    harness.coordinator.subtaskReset(0, 99);
    expect(harness.addedBack).toEqual([{ subtask: 0, splits: [0, 1, 2].map((partition) => ({ partition, offset: 0 })) }]);
    expect(harness.coordinator.enumeratorState().unassigned).toHaveLength(6);
    // A request of the failed attempt finds no registered reader: nothing more is sent.
    harness.requestSplit(0, 0);
    expect(harness.sentTo(0)).toEqual([0, 1, 2]);
  });

  it('testFailedSubtaskDoNotRevertCompletedCheckpoint', () => {
    const harness = new SourceCoordinatorHarness(6);
    harness.coordinator.start();
    harness.readerReady(0);
    harness.requestSplit(0);
    harness.requestSplit(0);
    harness.checkpoint(100);
    harness.coordinator.notifyCheckpointComplete(100);
    harness.coordinator.executionAttemptFailed(0, 0, 'failed');
    harness.coordinator.subtaskReset(0, 100);
    expect(harness.addedBack).toEqual([{ subtask: 0, splits: [] }]);
    expect(harness.coordinator.enumeratorState().unassigned).toHaveLength(4);
  });

  it.todo('testFailJobWhenExceptionThrownFromStart: needs user split enumerators that can throw (ckptsim has one built-in enumerator)');
  it.todo('testFailJobWhenExceptionThrownFromEnumeratorCreation: needs user split enumerators that can throw (ckptsim has one built-in enumerator)');
  it.todo('testErrorThrownFromSplitEnumerator: needs user split enumerators that can throw (ckptsim has one built-in enumerator)');

  it('testSubtaskRestartAndRequestSplitsAgain', () => {
    const harness = new SourceCoordinatorHarness(2);
    harness.coordinator.start();
    harness.readerReady(0, 0);
    harness.requestSplit(0, 0);
    harness.requestSplit(0, 0);
    harness.checkpoint(100);
    harness.requestSplit(0, 0);
    expect(harness.coordinator.enumeratorState().unassigned).toEqual([]);
    harness.coordinator.executionAttemptFailed(0, 0, 'failed');
    harness.coordinator.subtaskReset(0, 99);
    expect(harness.coordinator.enumeratorState().unassigned).toHaveLength(2);
    harness.readerReady(0, 1);
    harness.requestSplit(0, 1);
    harness.requestSplit(0, 1);
    harness.requestSplit(0, 1);
    expect(harness.coordinator.enumeratorState().unassigned).toEqual([]);
    expect(harness.sentTo(0)).toEqual([0, 1, 'none', 0, 1, 'none']);
  });
});
