import { describe, expect, it } from 'vitest';
import type { ObservationBody } from '../../../src/cluster/observations.js';
import type { JobVertex, SinkKind } from '../../../src/cluster/jobgraph/job-graph.js';
import { assignSubtaskState, type RescalableSubtaskState } from '../../../src/cluster/rescaling/index.js';
import { TwoPhaseCommitSink } from '../../../src/cluster/connectors/two-phase-commit-sink.js';
import { CommitterOperator, SinkWriterOperator } from '../../../src/cluster/connectors/sink-v2/index.js';
import { TransactionalStore } from '../../../src/cluster/storage/transactional-store.js';
import type { OperatorSnapshot } from '../../../src/cluster/task/operator.js';
import { SinkOperatorContext } from '../connectors/support/sink-operator-context.js';
import { decodeReplayToken } from '../../../src/explore/replay-token.js';
import { runCase } from '../../../src/explore/run-case.js';
import { findScenario } from '../../../scenarios/index.js';

/**
 * A sink's state across a rescale, as Flink 1.20 keeps it: TwoPhaseCommitSinkFunction's list
 * state holds one State per subtask (pending-commit transactions, open transaction, transaction
 * context), and CommitterOperator's one CommittableCollector per subtask; StateAssignmentOperation
 * splits those elements whole, and a subtask given several merges them.
 */


function sinkVertex(name: string, sink: SinkKind, parallelism: number): JobVertex {
  return { name, index: 0, parallelism, maxParallelism: 128, operator: { kind: 'sink', sink }, inputs: [], recordCostUs: 1 };
}

function stored(snapshot: OperatorSnapshot): RescalableSubtaskState {
  return { operator: snapshot, lineage: [], source: undefined, channelState: [] };
}

/** What new subtask `subtask` of `vertex` restores from the old subtasks' snapshots (restored checkpoint 3). */
function share(vertex: JobVertex, subtask: number, snapshots: readonly OperatorSnapshot[]): OperatorSnapshot {
  return assignSubtaskState(vertex, subtask, 3, snapshots.length, new Map(snapshots.map((snapshot, old) => [old, stored(snapshot)])), []).operator;
}

/** `parallelism` two-phase-commit sink subtasks that each wrote a record and pre-committed it for checkpoint 3, never notified. */
function preCommittedSinks(store: TransactionalStore, parallelism: number): OperatorSnapshot[] {
  return Array.from({ length: parallelism }, (_, subtask) => {
    const sink = new TwoPhaseCommitSink();
    sink.open(new SinkOperatorContext(store, { taskName: `sink#${subtask}`, parallelism: parallelism, jobRun: 1 }), undefined);
    sink.processElement({ key: `k${subtask}`, value: subtask, origin: { partition: 0, offset: subtask } });
    return sink.snapshotState(3);
  });
}

describe('two-phase-commit sink across a rescale (TwoPhaseCommitSinkFunction.initializeState)', () => {
  it('keeps each old subtask\'s pending and open transactions together, in one new subtask that knows whose they were', () => {
    for (const [from, to] of [[2, 3], [2, 4], [5, 3], [4, 2], [3, 1]] as const) {
      const snapshots = preCommittedSinks(new TransactionalStore(() => 0, 1_000_000_000), from);
      const shares = Array.from({ length: to }, (_, subtask) => share(sinkVertex('sink', 'two-phase-commit', to), subtask, snapshots));
      const owners = shares.map((restored) => restored.operator['elementOwners'] as string[]);
      expect(owners.flat().sort(), `${from} -> ${to}`).toEqual(Array.from({ length: from }, (_, old) => `sink#${old}`).sort());
      for (const restored of shares) {
        const mine = new Set((restored.operator['elementOwners'] as string[]).map((owner) => `${owner}/`));
        const transactions = [...(restored.operator['pending'] as Array<{ transactionId: string }>).map((entry) => entry.transactionId), ...(restored.operator['open'] as string[])];
        expect(transactions.every((transactionId) => mine.has(transactionId.slice(0, transactionId.indexOf('/') + 1))), `${from} -> ${to}`).toBe(true);
        expect(transactions.length, `${from} -> ${to}`).toBe(2 * mine.size);
        expect(restored.operator['previousParallelism']).toBe(from);
      }
    }
  });

  it('commits every pending transaction whichever new subtask opens first, and leaves nothing open of the old run', () => {
    for (const [from, to] of [[2, 3], [5, 3], [4, 2]] as const) {
      for (const order of ['ascending', 'descending'] as const) {
        const store = new TransactionalStore(() => 0, 1_000_000_000);
        const snapshots = preCommittedSinks(store, from);
        const subtasks = Array.from({ length: to }, (_, subtask) => subtask);
        if (order === 'descending') subtasks.reverse();
        const contexts = subtasks.map((subtask) => {
          const context = new SinkOperatorContext(store, { taskName: `sink#${subtask}`, parallelism: to, jobRun: 2 });
          new TwoPhaseCommitSink().open(context, share(sinkVertex('sink', 'two-phase-commit', to), subtask, snapshots));
          return context;
        });
        const what = `${from} -> ${to}, ${order}`;
        for (let old = 0; old < from; old++) {
          expect(store.status(`sink#${old}/1.0.0`), what).toBe('committed');
          expect(store.status(`sink#${old}/1.0.1`), what).toBe('aborted');
        }
        expect(contexts.flatMap((context) => context.observations).filter((body) => body.type === 'transaction-aborted' && body.cause.startsWith('commit failed')), what).toEqual([]);
        expect(store.lingering('').sort(), what).toEqual(Array.from({ length: to }, (_, subtask) => `sink#${subtask}/2.0.0`));
      }
    }
  });
});

describe('Sink V2 committer across a rescale (CommitterOperator.initializeState, CommittableCollector.merge)', () => {
  it('merges the collectors of several old subtasks by checkpoint and commits every committable', () => {
    const store = new TransactionalStore(() => 0, 1_000_000_000);
    const snapshots = [0, 1].map((subtask) => {
      const writerContext = new SinkOperatorContext(store, { taskName: `sink#${subtask}`, parallelism: 2, jobRun: 1 });
      const writer = new SinkWriterOperator();
      writer.open(writerContext, undefined);
      writer.processElement({ key: 'k', value: subtask, origin: { partition: 0, offset: subtask } });
      writer.prepareSnapshotPreBarrier(3);
      writer.snapshotState(3);
      const committer = new CommitterOperator();
      committer.open(new SinkOperatorContext(store, { taskName: `sink-committer#${subtask}`, parallelism: 2, jobRun: 1 }), undefined);
      for (const [offset, message] of writerContext.emitted.entries()) committer.processElement({ key: undefined, value: message, origin: { partition: 0, offset } });
      return committer.snapshotState(3);
    });
    const context = new SinkOperatorContext(store, { taskName: 'sink-committer#0', parallelism: 1, jobRun: 2 });
    new CommitterOperator().open(context, share(sinkVertex('sink-committer', 'sink-v2-committer', 1), 0, snapshots));
    const committed = context.observations.filter((body): body is Extract<ObservationBody, { type: 'transaction-committed' }> => body.type === 'transaction-committed');
    expect(committed.map((body) => [body.checkpointId, body.transactionId.slice(0, body.transactionId.indexOf('/'))]).sort()).toEqual([
      [3, 'sink#0'],
      [3, 'sink#1'],
    ]);
  });
});

/** Default-sweep cases (correct protocol) whose rescale failed after its savepoint completed and resumed from it at the new parallelism. */
const regressions: Array<[string, string]> = [
  [
    'diamond: sink 2 -> 4; the pending transaction of old sink#0 went to new sink#2 while new sink#0 aborted it as its own lingering one',
    'ckpt1.eyJzY2VuYXJpbyI6ImRpYW1vbmQiLCJzZWVkIjozMDg1NDMyOTIsInBhcmFtZXRlcnMiOnsiZXZlbnRzIjo3NTB9LCJmYXVsdHMiOlt7ImtpbmQiOiJzaW5rLWNvbW1pdC1mYWlsdXJlIiwiY291bnQiOjEsIndoZW4iOnsib25TdGVwIjoidGFzay5hbGlnbm1lbnQtY29tcGxldGVkIiwib2NjdXJyZW5jZSI6MX19LHsia2luZCI6InJlc2NhbGUiLCJwYXJhbGxlbGlzbSI6InNpbms9NCIsIndoZW4iOnsib25TdGVwIjoidGFzay5hbGlnbm1lbnQtY29tcGxldGVkIiwib2NjdXJyZW5jZSI6MiwiY2hlY2twb2ludElkIjoyfX1dLCJjb25maWciOnsiY2hlY2twb2ludCI6eyJpbnRlcnZhbFVzIjoyNzUyLCJyZXRhaW5lZENoZWNrcG9pbnRzIjoxLCJtYXhDb25jdXJyZW50Q2hlY2twb2ludHMiOjMsInRpbWVvdXRVcyI6MjAwMDE2fSwiaW5jcmVtZW50YWxDaGVja3BvaW50cyI6dHJ1ZX19.24cd15bb',
  ],
  [
    'fan-in-skew: sink 2 -> 3; pending and open transactions split apart, and new sink#1 aborted the pending transaction new sink#0 then failed to commit',
    'ckpt1.eyJzY2VuYXJpbyI6ImZhbi1pbi1za2V3Iiwic2VlZCI6MTksInBhcmFtZXRlcnMiOnsiZXZlbnRzIjo4MDB9LCJmYXVsdHMiOlt7ImtpbmQiOiJmYWlsLXRhc2siLCJ0YXNrIjoic2luayMxIiwid2hlbiI6eyJvblN0ZXAiOiJjb29yZGluYXRvci5jaGVja3BvaW50LWNvbXBsZXRlZCIsIm9jY3VycmVuY2UiOjF9fSx7ImtpbmQiOiJyZXNjYWxlIiwicGFyYWxsZWxpc20iOiJzb3VyY2U9MSxlbnJpY2g9MSx0b3RhbD0zLHNpbms9MyIsIndoZW4iOnsib25TdGVwIjoidGFzay5hbGlnbm1lbnQtY29tcGxldGVkIiwib2NjdXJyZW5jZSI6MSwidGFzayI6ImVucmljaCM0In19XSwiY29uZmlnIjp7ImNoZWNrcG9pbnQiOnsiaW50ZXJ2YWxVcyI6NzQ4MCwicmV0YWluZWRDaGVja3BvaW50cyI6MSwibWF4Q29uY3VycmVudENoZWNrcG9pbnRzIjozLCJ0aW1lb3V0VXMiOjQ0Nzc5MzU5LCJtb2RlIjoiQVRfTEVBU1RfT05DRSJ9fX0.0727aa49',
  ],
  [
    'windowed-sum: sink 2 -> 3 (seed 3 since the trigger chain\'s steps take time; seed 26 no longer fails its stop)',
    'ckpt1.eyJzY2VuYXJpbyI6IndpbmRvd2VkLXN1bSIsInNlZWQiOjMsInBhcmFtZXRlcnMiOnsiZXZlbnRzIjoxMDAwfSwiZmF1bHRzIjpbeyJraW5kIjoic2luay1jb21taXQtZmFpbHVyZSIsImNvdW50IjoxLCJ3aGVuIjp7ImF0VXMiOjE0ODA4MH19LHsia2luZCI6InJlc2NhbGUiLCJwYXJhbGxlbGlzbSI6IndpbmRvdz0zLHNpbms9MyIsIndoZW4iOnsib25TdGVwIjoicnBjLm5vdGlmeUNoZWNrcG9pbnRDb21wbGV0ZSIsIm9jY3VycmVuY2UiOjEsImNoZWNrcG9pbnRJZCI6NH19XSwiY29uZmlnIjp7ImNoZWNrcG9pbnQiOnsiaW50ZXJ2YWxVcyI6Njk5NCwicmV0YWluZWRDaGVja3BvaW50cyI6MSwibWF4Q29uY3VycmVudENoZWNrcG9pbnRzIjozLCJ0aW1lb3V0VXMiOjYwMDAwMDAwMH19fQ.c0eac64f',
  ],
  [
    'file-sink: sink and committer 2 -> 1; the restored committer kept one of the two collectors\' entries for checkpoint 3 and never committed the other\'s part file',
    'ckpt1.eyJzY2VuYXJpbyI6ImZpbGUtc2luayIsInNlZWQiOjEyLCJwYXJhbWV0ZXJzIjp7ImV2ZW50cyI6NzUwfSwiZmF1bHRzIjpbeyJraW5kIjoic2luay1jb21taXQtZmFpbHVyZSIsImNvdW50IjoxLCJ3aGVuIjp7Im9uU3RlcCI6InRhc2suYWxpZ25tZW50LWNvbXBsZXRlZCIsIm9jY3VycmVuY2UiOjF9fSx7ImtpbmQiOiJyZXNjYWxlIiwicGFyYWxsZWxpc20iOiJzaW5rPTEsc2luay1jb21taXR0ZXI9MSIsIndoZW4iOnsib25TdGVwIjoidGFzay5hbGlnbm1lbnQtY29tcGxldGVkIiwib2NjdXJyZW5jZSI6MX19XSwiY29uZmlnIjp7ImNoZWNrcG9pbnQiOnsiaW50ZXJ2YWxVcyI6NTM5MiwicmV0YWluZWRDaGVja3BvaW50cyI6MiwibWF4Q29uY3VycmVudENoZWNrcG9pbnRzIjoyLCJ0aW1lb3V0VXMiOjExOTk5OTk3NCwibW9kZSI6IkVYQUNUTFlfT05DRSJ9fX0.f53267fc',
  ],
];

describe('rescale whose stop failed after its savepoint: the resumed run commits what the savepoint holds (default-sweep regressions)', () => {
  it.each(regressions)('%s', (_cause, token) => {
    const spec = decodeReplayToken(token);
    const result = runCase(findScenario(spec.scenario)!, spec);
    expect(result.operations.find((operation) => operation.kind === 'rescale')?.reason).toBe('TASK_FAILURE');
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe('pass');
    expect(result.jobStatus).toBe('FINISHED');
  });
});
