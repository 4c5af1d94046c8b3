import type { Cluster, TerminalJobStatus } from '../cluster/cluster.js';
import type { CheckpointResult } from '../cluster/checkpoint/checkpoint-result.js';
import type { CompletedCheckpoint } from '../cluster/checkpoint/types.js';
import { eventKind } from '../sim/index.js';
import type { Operation, OperationKind, ResumeFrom } from './plan.js';
import type { JobGraph } from '../cluster/jobgraph/job-graph.js';
import { forwardGroups, withParallelism } from '../cluster/rescaling/rescaled-job.js';
import { snapshotParallelism } from '../cluster/rescaling/state-assignment-operation.js';
import { taskName } from '../cluster/jobgraph/job-graph.js';

const resumeKind = eventKind('operations.resume');
/**
 * How often a resume that failed to initialize is submitted again, and after how long: as an
 * orchestrator retries a failed submission. More than the HA store write failures a drawn plan
 * can hold (4 faults of at most 3 writes each), so a drawn fault that refuses the restored
 * snapshot's write delays the resume but cannot end the job; a hand-written plan failing more
 * writes than this does fail it.
 */
const maxResubmissions = 16;
const resubmitDelayUs = 100_000;

/** What became of one operation of a plan: when it was asked for, and its answer. */
export interface OperationRecord {
  /** Its position in the plan (shared with the faults). */
  readonly index: number;
  readonly kind: OperationKind;
  readonly requestedAtUs: number;
  /** False when it was not carried out (another stop or cancel in progress, nothing to resume from). */
  readonly applied: boolean;
  answeredAtUs?: number;
  /** Success, with the snapshot's id for savepoints and checkpoints. */
  ok?: boolean;
  checkpointId?: number;
  /** Flink's failure reason, or why it was not carried out. */
  reason?: string;
  /** For a stop or cancel that succeeded: the snapshot the new job run resumed from. */
  resumedFromCheckpointId?: number;
}

/**
 * Runs the operations of a plan against the cluster's entry points (triggerSavepoint,
 * triggerCheckpoint, stopWithSavepoint, cancel) and resumes the job as a new run after a stop
 * or a cancel, as a user or an orchestrator would. The nemesis fires each operation like a
 * fault; every answer is recorded here and published by the cluster as an observation.
 */
export class OperationRunner {
  readonly records: OperationRecord[] = [];
  /** A stop or cancel in progress: a second is not carried out until it ends. */
  private stopping = false;
  private resumePending = false;

  constructor(private readonly cluster: Cluster) {}

  /**
   * Whether the current run's end is not the case's end: a canceled run waits for its resume.
   * The case's driver stops the simulation at a terminal job status only when this is false.
   */
  resumesAfter(status: TerminalJobStatus, cause: string | undefined): boolean {
    if (status === 'CANCELED') return this.resumePending;
    // A stop that failed after its savepoint (FLINK-26783) resumes from that savepoint.
    if (status === 'FAILED' && this.resumePending) return true;
    // A resumed run that could not restore its snapshot is submitted again a little later, as an
    // orchestrator retries a failed submission; a few times at most.
    if (status !== 'FAILED' || this.resumedFrom === undefined || cause?.startsWith('JobInitializationException') !== true) return false;
    if (this.resubmissions >= maxResubmissions) return false;
    this.resubmissions++;
    const snapshot = this.resumedFrom;
    this.cluster.sim.schedule(resubmitDelayUs, resumeKind, () => this.resume(snapshot));
    return true;
  }

  /** Starts a new run of the job from `snapshot`. */
  private resume(snapshot: CompletedCheckpoint): void {
    this.resumedFrom = snapshot;
    this.cluster.submit(snapshot);
  }

  private resumedFrom: CompletedCheckpoint | undefined;
  private resubmissions = 0;

  /** Carries out `operation` now; its answer comes later, through the cluster. */
  fire(index: number, operation: Operation): boolean {
    const now = this.cluster.sim.nowUs;
    switch (operation.kind) {
      case 'savepoint': {
        const record = this.start(index, operation.kind, now);
        this.cluster.triggerSavepoint((result) => this.answer(record, result));
        return true;
      }
      case 'checkpoint': {
        const record = this.start(index, operation.kind, now);
        this.cluster.triggerCheckpoint((result) => this.answer(record, result));
        return true;
      }
      case 'stop-with-savepoint':
        if (this.stopping) return this.skip(index, operation.kind, now, 'another stop or cancel is in progress');
        this.stopWithSavepoint(index, operation.drain ?? false, now);
        return true;
      case 'cancel':
        if (this.stopping) return this.skip(index, operation.kind, now, 'another stop or cancel is in progress');
        return this.cancel(index, operation.resumeFrom ?? 'latest', operation.resumeAfterUs ?? 0, now);
      case 'rescale':
        if (this.stopping) return this.skip(index, operation.kind, now, 'another stop or cancel is in progress');
        return this.rescale(index, operation.parallelism, operation.from ?? 'savepoint', now);
    }
  }

  /**
   * Rescaling on restore: stop-with-savepoint, then a new run from the savepoint at the new
   * parallelism (cluster/rescaling/). Checked first against the job (vertices, max parallelism,
   * forward edges) and the cluster's slots; a vertex whose subtasks had partly finished at the
   * savepoint keeps its parallelism (its finished subtasks hold no state to redistribute).
   */
  private rescale(index: number, text: string, from: 'savepoint' | 'checkpoint', now: number): boolean {
    const wanted = parseParallelism(text);
    const problem = rescaleProblem(this.cluster.currentJob, wanted, this.cluster.config.executors * this.cluster.config.slotsPerExecutor);
    if (problem !== undefined) return this.skip(index, 'rescale', now, problem);
    if (from === 'checkpoint') return this.cancel(index, 'latest-checkpoint', 0, now, 'rescale', (record, checkpoint) => this.rescaleFrom(record, checkpoint, wanted));
    const record = this.start(index, 'rescale', now);
    this.stopAndResume(false, (result) => {
      this.answer(record, result);
      const savepoint = result.ok ? result.checkpoint : result.savepoint;
      if (savepoint === undefined) return;
      record.resumedFromCheckpointId = savepoint.checkpointId;
      this.rescaleFrom(record, savepoint, wanted);
    });
    return true;
  }

  /** Sets the next run's parallelism for what `snapshot` allows: not partly finished vertices, and nothing from a checkpoint that may hold channel state. */
  private rescaleFrom(record: OperationRecord, snapshot: CompletedCheckpoint, wanted: ReadonlyMap<string, number>): void {
    const applied = new Map<string, number>();
    // A checkpoint taken with unaligned checkpoints on may hold in-flight data, which ckptsim does not redistribute (Flink does).
    const mayHoldChannelState = snapshot.type === 'checkpoint' && this.cluster.config.checkpoint.unaligned;
    for (const [vertex, parallelism] of wanted) if (!mayHoldChannelState && !partlyFinished(snapshot, vertex)) applied.set(vertex, parallelism);
    // Every vertex of a forward group keeps its parallelism when one of them must.
    for (const group of forwardGroups(this.cluster.currentJob)) if (group.some((vertex) => wanted.has(vertex) && !applied.has(vertex))) for (const vertex of group) applied.delete(vertex);
    if (applied.size < wanted.size) record.reason = 'some vertices keep their parallelism: subtasks had partly finished, or hold channel state, in the snapshot';
    // The check before the stop saw the wanted parallelism only: vertices that keep theirs can
    // leave a job too large for the cluster's slots, whose slot requests Flink would fail and
    // restart without end. The job then resumes at the parallelism it ran at.
    const problem = applied.size > 0 && applied.size < wanted.size ? rescaleProblem(this.cluster.currentJob, applied, this.cluster.config.executors * this.cluster.config.slotsPerExecutor) : undefined;
    if (problem !== undefined) {
      record.reason = `no vertex rescaled: some vertices keep their parallelism (subtasks had partly finished, or hold channel state, in the snapshot), and then ${problem}`;
      applied.clear();
    }
    if (applied.size > 0) this.cluster.rescaleNextRun(applied);
  }

  /**
   * Stop-with-savepoint, then a new run of the job from its savepoint (the savepoint-stop
   * scenario's stop goes through here too). `onAnswer` sees the result first.
   */
  stopAndResume(drain: boolean, onAnswer: (result: CheckpointResult) => void): void {
    this.stopping = true;
    this.cluster.stopWithSavepoint((result) => {
      this.stopping = false;
      onAnswer(result);
      // Answered once the job is FINISHED: the new run starts from the savepoint at once.
      if (result.ok) this.resume(result.checkpoint);
      else if (result.savepoint !== undefined) this.resumeAfterFailedStop(result.savepoint);
    }, drain);
  }

  /**
   * The job failed while stopping, after its savepoint completed (Flink 1.20, FLINK-26783): its
   * executions are gone and the job is about to be FAILED. As Flink's message asks, the user
   * resumes from that savepoint: a new run, as after a stop.
   */
  private resumeAfterFailedStop(savepoint: CompletedCheckpoint): void {
    this.resumePending = true;
    this.stopping = true;
    this.cluster.sim.schedule(0, resumeKind, () => {
      this.resumePending = false;
      this.stopping = false;
      this.resume(savepoint);
    });
  }

  private stopWithSavepoint(index: number, drain: boolean, now: number): void {
    const record = this.start(index, 'stop-with-savepoint', now);
    this.stopAndResume(drain, (result) => {
      this.answer(record, result);
      if (result.ok) record.resumedFromCheckpointId = result.checkpoint.checkpointId;
      else if (result.savepoint !== undefined) record.resumedFromCheckpointId = result.savepoint.checkpointId;
    });
  }

  private cancel(index: number, resumeFrom: ResumeFrom, resumeAfterUs: number, now: number, kind: 'cancel' | 'rescale' = 'cancel', beforeResume?: (record: OperationRecord, restorePoint: CompletedCheckpoint) => void): boolean {
    // Resuming from nothing would read the input again and duplicate what the sink committed:
    // no user would, so neither does the plan.
    if (this.cluster.latestRestorePoint(resumeFrom) === undefined) return this.skip(index, kind, now, `nothing to resume from (${resumeFrom})`);
    const record = this.start(index, kind, now);
    this.stopping = true;
    this.cluster.cancel((result) => {
      record.answeredAtUs = this.cluster.sim.nowUs;
      record.ok = result.ok;
      if (!result.ok) {
        this.stopping = false;
        record.reason = result.reason;
        return;
      }
      const restorePoint = this.cluster.latestRestorePoint(resumeFrom) as CompletedCheckpoint;
      record.resumedFromCheckpointId = restorePoint.checkpointId;
      beforeResume?.(record, restorePoint);
      this.resumePending = true;
      this.cluster.sim.schedule(resumeAfterUs, resumeKind, () => {
        this.resumePending = false;
        this.stopping = false;
        this.resume(restorePoint);
      });
    });
    return true;
  }

  private start(index: number, kind: OperationKind, now: number): OperationRecord {
    const record: OperationRecord = { index, kind, requestedAtUs: now, applied: true };
    this.records.push(record);
    return record;
  }

  private skip(index: number, kind: OperationKind, now: number, reason: string): false {
    this.records.push({ index, kind, requestedAtUs: now, applied: false, reason });
    return false;
  }

  private answer(record: OperationRecord, result: CheckpointResult): void {
    record.answeredAtUs = this.cluster.sim.nowUs;
    record.ok = result.ok;
    if (result.ok) record.checkpointId = result.checkpoint.checkpointId;
    else record.reason = result.reason;
  }
}

/** `vertex=n,vertex=n` as a map (the plan's pattern has checked its shape). */
export function parseParallelism(text: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const pair of text.split(',')) {
    const [vertex, parallelism] = pair.split('=') as [string, string];
    result.set(vertex, Number(parallelism));
  }
  return result;
}

/** Why `job` cannot run at `wanted` within `slots` slots, or undefined when it can. */
export function rescaleProblem(job: JobGraph, wanted: ReadonlyMap<string, number>, slots: number): string | undefined {
  let rescaled: JobGraph;
  try {
    rescaled = withParallelism(job, wanted);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const tasks = rescaled.vertices.reduce((total, vertex) => total + vertex.parallelism, 0);
  if (tasks > slots) return `${tasks} tasks at the new parallelism do not fit the cluster's ${slots} slots`;
  return undefined;
}

/** True when some but not all of `vertex`'s subtasks had finished in `savepoint`. */
function partlyFinished(savepoint: CompletedCheckpoint, vertex: string): boolean {
  const parallelism = snapshotParallelism(savepoint, vertex);
  let finished = 0;
  for (let subtask = 0; subtask < parallelism; subtask++) if (savepoint.subtaskStates.get(taskName(vertex, subtask))?.finished === true) finished++;
  return finished > 0 && finished < parallelism;
}

