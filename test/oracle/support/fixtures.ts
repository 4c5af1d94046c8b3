import { defaultCheckpointConfig, type CheckpointConfig } from '../../../src/cluster/checkpoint/types.js';
import { JobBuilder } from '../../../src/cluster/jobgraph/job-builder.js';
import type { JobGraph } from '../../../src/cluster/jobgraph/job-graph.js';
import { originDigest } from '../../../src/cluster/jobgraph/records.js';
import type { LineageEntry, Observation, ObservationBody, SnapshotContent } from '../../../src/cluster/observations.js';
import type { Checker, CheckerContext, FinalState } from '../../../src/oracle/checkers/index.js';
import type { Violation } from '../../../src/oracle/violation.js';

/**
 * Hand-built observation streams for the checkers' unit tests, over one tiny job:
 * source (one partition: a, b, a, c) -> keyBy(word) -> count (parallelism 1) -> 2PC sink.
 * Every key lands on count#0, so expected states can be written down by hand.
 */
export const words = ['a', 'b', 'a', 'c'] as const;

export function tinyJob(countParallelism = 1): JobGraph {
  const job = new JobBuilder('tiny');
  job
    .source('source', [words.map((word) => ({ key: undefined, value: word }))], { parallelism: 1 })
    .keyBy((word) => String(word))
    .count('count', { parallelism: countParallelism })
    .sink('sink', 'two-phase-commit', { parallelism: 1 });
  return job.build();
}

export const tinyTasks = ['source#0', 'count#0', 'sink#0'] as const;

export function tinyContext(checkpoint: Partial<CheckpointConfig> = {}): CheckerContext {
  return { job: tinyJob(), checkpoint: { ...defaultCheckpointConfig, intervalUs: 10_000, timeoutUs: 1_000_000, ...checkpoint } };
}

/** An observation at a virtual time. */
export function at(timeUs: number, body: ObservationBody): Observation {
  return { timeUs, ...body } as Observation;
}

/** Lineage of records of partition 0 at the given offsets, computed by hand from originDigest. */
export function lineage(offsets: readonly number[], partition = 0): LineageEntry[] {
  if (offsets.length === 0) return [];
  let digestSum = 0;
  for (const offset of offsets) digestSum = (digestSum + originDigest({ partition, offset })) | 0;
  return [{ partition, count: offsets.length, digestSum, maxOffset: Math.max(...offsets) }];
}

/** The content of count#0's snapshot after absorbing the words at `offsets`. */
export function countContent(offsets: readonly number[]): SnapshotContent {
  const counts: Record<string, number> = {};
  for (const offset of offsets) {
    const word = words[offset] as string;
    counts[word] = (counts[word] ?? 0) + 1;
  }
  return { keyed: offsets.length === 0 ? {} : { count: counts }, operator: {}, lineage: lineage(offsets) };
}

export function sourceContent(offset: number): SnapshotContent {
  return { keyed: undefined, operator: { '0': offset }, lineage: [] };
}

export function sinkContent(pending: ReadonlyArray<{ checkpointId: number; transactionId: string }>, open: string): SnapshotContent {
  return { keyed: undefined, operator: { pending, open }, lineage: [] };
}

/** checkpoint-triggered for every tiny task. */
export function triggered(timeUs: number, checkpointId: number, checkpointType: 'checkpoint' | 'savepoint' | 'sync-savepoint' = 'checkpoint'): Observation {
  return at(timeUs, { type: 'checkpoint-triggered', checkpointId, checkpointType, timestampUs: timeUs, tasksToWaitFor: [...tinyTasks], preAcknowledged: [] });
}

export function acknowledged(timeUs: number, checkpointId: number, task: string): Observation {
  return at(timeUs, { type: 'checkpoint-acknowledged', checkpointId, task, result: 'SUCCESS' });
}

export function completed(timeUs: number, checkpointId: number, checkpointType: 'checkpoint' | 'savepoint' | 'sync-savepoint' = 'checkpoint'): Observation {
  return at(timeUs, {
    type: 'checkpoint-completed',
    checkpointId,
    checkpointType,
    acknowledgedTasks: [...tinyTasks],
    awaitedTasks: [...tinyTasks],
    stateHandles: tinyTasks.map((task) => `chk-${checkpointId}/${task}@0`),
  });
}

export function snapshot(timeUs: number, checkpointId: number, task: string, content: SnapshotContent, attempt = 0, unaligned = false): Observation {
  return at(timeUs, { type: 'snapshot-taken', checkpointId, task, attempt, unaligned, content });
}

/** A complete aligned checkpoint of the tiny job: source at `offset`, count#0 holding `countOffsets`. */
export function alignedCheckpoint(timeUs: number, checkpointId: number, offset: number, countOffsets: readonly number[] = range(offset)): Observation[] {
  return [
    triggered(timeUs, checkpointId),
    snapshot(timeUs + 10, checkpointId, 'source#0', sourceContent(offset)),
    snapshot(timeUs + 20, checkpointId, 'count#0', countContent(countOffsets)),
    snapshot(timeUs + 30, checkpointId, 'sink#0', sinkContent([], `sink#0/${checkpointId}`)),
    ...tinyTasks.map((task, index) => acknowledged(timeUs + 40 + index, checkpointId, task)),
    completed(timeUs + 50, checkpointId),
  ];
}

export function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}

export function finalState(overrides: Partial<FinalState> = {}): FinalState {
  return { jobStatus: 'FINISHED', endUs: 1_000_000, lastFaultHealedUs: 0, storageKeys: [], retainedCheckpoints: [], ...overrides };
}

/** Feeds a stream to a checker and returns its verdict. */
export function judge(checker: Checker, observations: readonly Observation[], final: FinalState = finalState()): Violation[] {
  for (const observation of observations) checker.observe(observation);
  return checker.finish(final);
}
