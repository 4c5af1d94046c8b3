import type { ChannelStateRecord, JobStatus, Observation, SnapshotContent } from '../../cluster/observations.js';
import { taskName } from '../../cluster/jobgraph/job-graph.js';
import { canonicalJson } from '../reference-state.js';
import { keyGroupFor, keyGroupRange } from '../../cluster/jobgraph/key-groups.js';
import { FirstViolation, formatTime, type Checker, type CheckerContext } from './checker.js';

/**
 * recovery: every restore uses the latest completed checkpoint (or the savepoint a new job run
 * resumes from) and restores exactly its state.
 *
 * The checker keeps a model of the completed store (checkpoint-completed of type 'checkpoint'
 * adds, checkpoint-removed-from-store removes, jobmaster-started replaces it with the recovered
 * ids) and decides, for every deployment, which checkpoint its tasks must restore:
 * - a JobMaster start restores the highest recovered id (none for a fresh job); a JobMaster that
 *   takes over (not a new run) must have recovered the latest checkpoint the store held;
 * - a new job run (a JobMaster started after the job reached FINISHED, CANCELED or FAILED, as
 *   stop-with-savepoint or cancel then resume does) restores a savepoint or a checkpoint the
 *   ended run retained: its first restore must name a completed savepoint or one of those, which
 *   then joins the store model;
 * - a failover must name the latest checkpoint of the store model as its restoreCheckpointId, and
 *   its tasks restore that one;
 * - no restore (failover or JobMaster takeover) of a run may go back before a synchronous
 *   savepoint of that run that completed: its completion was notified, so sinks may have
 *   committed its transactions. Flink behaves so (savepoints stay out of the completed store);
 *   the violation names this known gap in details.knownGap ('stop-with-savepoint-failover').
 * The expectation is bound to the attempt at task-deployed, so a late restore of an older
 * attempt is judged by its own deployment. Each task-restored must name the expected checkpoint,
 * and its content (keyed, operator, lineage; canonical JSON) must equal the task's snapshot-taken
 * (latest attempt) in that checkpoint, with as many channel-state records as it persisted.
 * FLIP-147: a subtask that had finished in the restored checkpoint (pre-acknowledged as finished
 * when it was triggered) is restored as finished (task-finished-on-restore): it restores no
 * snapshot and never runs again (no task-running), or it would run its input a second time; and
 * only such a subtask is restored as finished.
 * After a job-rescaled, a vertex restored at another parallelism than the checkpoint's is judged
 * by its keyed state only: the keys of the subtask's own key groups found in the old subtasks'
 * snapshots (operator state and lineage are redistributed, and judged by what follows).
 */
export function createRecoveryChecker(context: CheckerContext): Checker {
  const tasks = context.job.vertices.flatMap((vertex) => Array.from({ length: vertex.parallelism }, (_, index) => taskName(vertex.name, index)));
  const model = new RecoveryModel(tasks, new FirstViolation('recovery'));
  model.maxParallelism = new Map(context.job.vertices.map((vertex) => [vertex.name, vertex.maxParallelism] as const));
  return {
    property: 'recovery',
    observe: (observation) => model.observe(observation),
    finish: () => model.violation.list(),
  };
}

/** Which checkpoint a deployment restores: a checkpoint id, nothing, or a savepoint still to be named. */
type Expectation =
  | { readonly kind: 'checkpoint'; readonly checkpointId: number; readonly because: string }
  | { readonly kind: 'none'; readonly because: string }
  | { readonly kind: 'savepoint'; readonly because: string };

interface SnapshotTexts {
  readonly attempt: number;
  readonly keyed: string;
  readonly operator: string;
  readonly lineage: string;
  /** Keyed state as taken: a rescaled restore is judged against it. */
  readonly keyedState?: SnapshotContent['keyed'];
}

interface CheckpointState {
  readonly snapshots: Map<string, SnapshotTexts>;
  readonly channelState: Map<string, readonly ChannelStateRecord[]>;
  /** Subtasks that had finished when it was triggered (FLIP-147): the checkpoint holds them as finished. */
  readonly finished: ReadonlySet<string>;
  /** Vertex -> parallelism the checkpoint was taken at (its awaited and finished subtasks). */
  readonly parallelism: ReadonlyMap<string, number>;
}

class RecoveryModel {
  /** Ids in the completed store of the current JobMaster, as observed. */
  private store = new Set<number>();
  private readonly completedSavepoints = new Set<number>();
  /** Checkpoints the ended job runs retained (Flink's RETAIN_ON_CANCELLATION): a new run may resume from one. */
  private readonly endedRunRetained = new Set<number>();
  /** Checkpoints aborted because their HA write failed in a way that may have stored them. */
  private readonly possiblyStored = new Set<number>();
  private readonly pendingIds = new Set<number>();
  /** Snapshot contents of pending checkpoints, stored checkpoints and completed savepoints. */
  private readonly states = new Map<number, CheckpointState>();
  /** Vertex -> parallelism for the job run to come, from job-rescaled; undefined before any rescale. */
  private parallelism: Readonly<Record<string, number>> | undefined;
  private readonly current = new Map<string, Expectation>();
  private readonly deployed = new Map<string, { attempt: number; expectation: Expectation }>();
  private lastJobStatus: JobStatus | undefined;
  private jobMasters = 0;
  /** The latest completed synchronous savepoint of this job run: its completion was notified, its side effects are out. */
  private notifiedSavepoint: { checkpointId: number; timeUs: number } | undefined;

  constructor(private tasks: readonly string[], readonly violation: FirstViolation) {
    for (const task of tasks) this.current.set(task, { kind: 'none', because: 'the job starts with no checkpoint' });
  }

  observe(observation: Observation): void {
    if (this.violation.found) return;
    switch (observation.type) {
      case 'checkpoint-triggered':
        this.pendingIds.add(observation.checkpointId);
        this.states.set(observation.checkpointId, { snapshots: new Map(), channelState: new Map(), finished: new Set(observation.preAcknowledged), parallelism: parallelismOf([...observation.tasksToWaitFor, ...observation.preAcknowledged]) });
        return;
      case 'job-rescaled':
        return this.rescaled(observation.parallelism);
      case 'snapshot-taken':
        return this.snapshotTaken(observation.checkpointId, observation.task, observation.attempt, observation.content);
      case 'channel-state-persisted':
        if (this.pendingIds.has(observation.checkpointId)) this.states.get(observation.checkpointId)?.channelState.set(observation.task, observation.records);
        return;
      case 'checkpoint-completed':
        this.pendingIds.delete(observation.checkpointId);
        if (observation.checkpointType === 'checkpoint') this.store.add(observation.checkpointId);
        else this.completedSavepoints.add(observation.checkpointId);
        if (observation.checkpointType === 'sync-savepoint') this.notifiedSavepoint = { checkpointId: observation.checkpointId, timeUs: observation.timeUs };
        return;
      case 'checkpoint-store-write-failed':
        // Its HA write may have landed: a later JobMaster may recover and restore it.
        if (observation.possiblyStored) this.possiblyStored.add(observation.checkpointId);
        return;
      case 'checkpoint-aborted':
        this.pendingIds.delete(observation.checkpointId);
        if (!this.possiblyStored.has(observation.checkpointId)) this.states.delete(observation.checkpointId);
        return;
      case 'checkpoint-removed-from-store':
        this.store.delete(observation.checkpointId);
        if (!this.completedSavepoints.has(observation.checkpointId)) this.states.delete(observation.checkpointId);
        return;
      case 'job-status':
        this.lastJobStatus = observation.status;
        return;
      case 'jobmaster-started':
        return this.jobMasterStarted(observation.leaderEpoch, observation.recoveredCheckpointIds, observation.timeUs);
      case 'failover':
        return this.failover(observation.tasks, observation.restoreCheckpointId, observation.timeUs);
      case 'task-deployed':
        this.deployed.set(observation.task, { attempt: observation.attempt, expectation: this.expectationOf(observation.task) });
        return;
      case 'task-restored':
        return this.restored(observation);
      case 'task-finished-on-restore':
        return this.finishedOnRestore(observation);
      case 'task-running':
        return this.running(observation.task, observation.attempt, observation.timeUs);
      default:
        return;
    }
  }

  private snapshotTaken(checkpointId: number, task: string, attempt: number, content: SnapshotContent): void {
    const state = this.states.get(checkpointId);
    if (state === undefined || !this.pendingIds.has(checkpointId)) return;
    const held = state.snapshots.get(task);
    if (held !== undefined && held.attempt > attempt) return;
    // The observation's own object, kept by reference: a rescaled restore is judged against it.
    const keyedState = content.keyed !== undefined ? { keyedState: content.keyed } : {};
    state.snapshots.set(task, { attempt, keyed: canonicalJson(content.keyed ?? null), operator: canonicalJson(content.operator), lineage: canonicalJson(content.lineage), ...keyedState });
  }

  private latestStored(): number | undefined {
    return this.store.size === 0 ? undefined : Math.max(...this.store);
  }

  private jobMasterStarted(epoch: number, recovered: readonly number[], timeUs: number): void {
    // A run that ended (finished, canceled, failed) is never taken over: a JobMaster started after it runs a new one.
    const newRun = this.lastJobStatus === 'FINISHED' || this.lastJobStatus === 'CANCELED' || this.lastJobStatus === 'FAILED';
    if (newRun) for (const id of this.store) this.endedRunRetained.add(id);
    const latest = this.latestStored();
    if (!newRun && this.jobMasters > 0 && latest !== undefined && !recovered.includes(latest)) {
      this.violation.report(
        `the JobMaster of leader epoch ${epoch} recovered checkpoints [${recovered.join(', ')}], missing the latest completed checkpoint ${latest}`,
        timeUs,
        { leaderEpoch: epoch, recoveredCheckpointIds: recovered, latestCompletedCheckpointId: latest },
      );
      return;
    }
    this.jobMasters++;
    if (newRun) this.notifiedSavepoint = undefined;
    else if (this.rolledBack(highestOf(recovered), `the JobMaster of leader epoch ${epoch}`, timeUs)) return;
    this.store = new Set(recovered);
    this.pendingIds.clear();
    for (const id of [...this.states.keys()]) if (!this.store.has(id) && !this.completedSavepoints.has(id) && !this.possiblyStored.has(id) && !this.endedRunRetained.has(id)) this.states.delete(id);
    const highest = highestOf(recovered);
    const because = `the JobMaster of leader epoch ${epoch} started at ${formatTime(timeUs)}`;
    const expectation: Expectation = newRun
      ? { kind: 'savepoint', because: `${because} a new job run, which resumes from a savepoint` }
      : highest === undefined
        ? { kind: 'none', because: `${because} with no completed checkpoint` }
        : { kind: 'checkpoint', checkpointId: highest, because: `${because} and recovered checkpoint ${highest}` };
    for (const task of this.tasks) this.current.set(task, expectation);
  }

  private failover(tasks: readonly string[], restoreCheckpointId: number | undefined, timeUs: number): void {
    if (restoreCheckpointId !== undefined && this.awaitingSavepoint() && this.resumable(restoreCheckpointId)) {
      this.savepointNamed(restoreCheckpointId);
    }
    const latest = this.latestStored();
    if (restoreCheckpointId !== latest) {
      this.violation.report(
        `the failover at ${formatTime(timeUs)} restores ${restoreCheckpointId === undefined ? 'no checkpoint' : `checkpoint ${restoreCheckpointId}`}, but the latest completed checkpoint is ${latest ?? 'none'}`,
        timeUs,
        { tasks, restoreCheckpointId, latestCompletedCheckpointId: latest, storedCheckpointIds: [...this.store].sort((a, b) => a - b) },
      );
      return;
    }
    if (this.rolledBack(latest, `the failover at ${formatTime(timeUs)}`, timeUs)) return;
    const because = `the failover at ${formatTime(timeUs)}`;
    const expectation: Expectation = latest === undefined ? { kind: 'none', because: `${because} had no completed checkpoint` } : { kind: 'checkpoint', checkpointId: latest, because: `${because} restores checkpoint ${latest}` };
    for (const task of tasks) this.current.set(task, expectation);
  }

  /**
   * A restore must not go back before a synchronous savepoint of the same run that completed: its
   * completion was notified, so its side effects (committed transactions) cannot be undone, and
   * the records before it would be replayed. Savepoints are not in the completed store (as in
   * Flink), so restoring "the latest stored checkpoint" is not enough once one completed.
   */
  private rolledBack(restoreId: number | undefined, who: string, timeUs: number): boolean {
    const savepoint = this.notifiedSavepoint;
    if (savepoint === undefined || (restoreId !== undefined && restoreId >= savepoint.checkpointId)) return false;
    this.violation.report(
      `${who} restores ${restoreId === undefined ? 'no checkpoint' : `checkpoint ${restoreId}`}, older than sync-savepoint ${savepoint.checkpointId}, which completed at ${formatTime(savepoint.timeUs)} and was notified to the tasks (its transactions may be committed already)`,
      timeUs,
      // Flink behaves so too (savepoints stay out of the completed store): a known gap, named for the gap classifier.
      { restoreCheckpointId: restoreId, savepointId: savepoint.checkpointId, savepointCompletedUs: savepoint.timeUs, knownGap: 'stop-with-savepoint-failover' },
    );
    return true;
  }

  /** Whether a new job run may resume from `checkpointId`: a completed savepoint, or a checkpoint an ended run retained. */
  private resumable(checkpointId: number): boolean {
    return this.completedSavepoints.has(checkpointId) || this.endedRunRetained.has(checkpointId);
  }

  private awaitingSavepoint(): boolean {
    return [...this.current.values()].some((expectation) => expectation.kind === 'savepoint');
  }

  /** The savepoint a new run resumes from is now known: it is in the store, and every deployment restores it. */
  private savepointNamed(checkpointId: number): void {
    this.store.add(checkpointId);
    const resolve = (expectation: Expectation): Expectation =>
      expectation.kind === 'savepoint' ? { kind: 'checkpoint', checkpointId, because: `${expectation.because} (savepoint ${checkpointId})` } : expectation;
    for (const [task, expectation] of this.current) this.current.set(task, resolve(expectation));
    for (const binding of this.deployed.values()) binding.expectation = resolve(binding.expectation);
  }

  private expectationOf(task: string, attempt?: number): Expectation {
    const binding = this.deployed.get(task);
    if (binding !== undefined && binding.attempt === attempt) return binding.expectation;
    return this.current.get(task) ?? { kind: 'none', because: `${task} is not a task of the job` };
  }

  private restored(observation: Extract<Observation, { type: 'task-restored' }>): void {
    const { task, attempt, checkpointId, timeUs } = observation;
    if (!this.restoresExpected(task, attempt, checkpointId, timeUs)) return;
    if (this.finishedIn(checkpointId, task)) {
      return this.violation.report(`${task} (attempt ${attempt}) restored a snapshot of checkpoint ${checkpointId}, in which it had finished: it must be restored as finished (FLIP-147)`, timeUs, { task, attempt, checkpointId });
    }
    this.compareContent(observation);
  }

  /** A restore names the checkpoint the deployment was to restore (naming the savepoint a new run resumes from); false once reported. */
  private restoresExpected(task: string, attempt: number, checkpointId: number, timeUs: number): boolean {
    let expectation = this.expectationOf(task, attempt);
    const who = `${task} (attempt ${attempt})`;
    if (expectation.kind === 'savepoint') {
      if (!this.resumable(checkpointId)) {
        this.violation.report(`${who} restored checkpoint ${checkpointId}, but ${expectation.because} and ${checkpointId} is neither a completed savepoint nor a checkpoint an ended run retained`, timeUs, { task, attempt, checkpointId });
        return false;
      }
      this.savepointNamed(checkpointId);
      expectation = this.expectationOf(task, attempt);
    }
    if (expectation.kind !== 'checkpoint') {
      this.violation.report(`${who} restored checkpoint ${checkpointId}, but nothing was to be restored: ${expectation.because}`, timeUs, { task, attempt, checkpointId });
      return false;
    }
    if (expectation.checkpointId !== checkpointId) {
      this.violation.report(`${who} restored checkpoint ${checkpointId}, but ${expectation.because}`, timeUs, { task, attempt, checkpointId, expectedCheckpointId: expectation.checkpointId });
      return false;
    }
    return true;
  }

  /** FLIP-147: only a subtask that had finished in the checkpoint is restored as finished. */
  private finishedOnRestore(observation: Extract<Observation, { type: 'task-finished-on-restore' }>): void {
    const { task, attempt, checkpointId, timeUs } = observation;
    if (!this.restoresExpected(task, attempt, checkpointId, timeUs)) return;
    if (this.finishedIn(checkpointId, task) || this.rescaledSince(checkpointId, task)) return;
    this.violation.report(`${task} (attempt ${attempt}) was restored as finished from checkpoint ${checkpointId}, in which it had not finished: its input after that checkpoint is never read`, timeUs, { task, attempt, checkpointId });
  }

  /**
   * A subtask that had finished in the checkpoint its attempt restores must not run again
   * (FLINK-21084): restored as a fresh subtask, it would read its input once more (a legacy
   * source from its start) or open its operators anew.
   */
  private running(task: string, attempt: number, timeUs: number): void {
    const binding = this.deployed.get(task);
    if (binding === undefined || binding.attempt !== attempt || binding.expectation.kind !== 'checkpoint') return;
    const checkpointId = binding.expectation.checkpointId;
    if (!this.finishedIn(checkpointId, task)) return;
    this.violation.report(`${task} (attempt ${attempt}) runs again, though it had finished in checkpoint ${checkpointId}, which it restores (${binding.expectation.because}): a subtask finished in the restored checkpoint is restored as finished (FLIP-147)`, timeUs, { task, attempt, checkpointId });
  }

  /** Whether `task` had finished in checkpoint `checkpointId`, and is restored at the same parallelism (a rescale redistributes). */
  private finishedIn(checkpointId: number, task: string): boolean {
    return this.states.get(checkpointId)?.finished.has(task) === true && !this.rescaledSince(checkpointId, task);
  }

  /** The task's vertex runs at another parallelism than checkpoint `checkpointId` was taken at. */
  private rescaledSince(checkpointId: number, task: string): boolean {
    const vertex = task.slice(0, task.lastIndexOf('#'));
    const now = this.parallelism?.[vertex];
    const then = this.states.get(checkpointId)?.parallelism.get(vertex);
    return now !== undefined && then !== undefined && now !== then;
  }

  /** The next run has other tasks: every vertex at its new parallelism. */
  private rescaled(parallelism: Readonly<Record<string, number>>): void {
    this.parallelism = parallelism;
    this.tasks = Object.entries(parallelism).flatMap(([vertex, count]) => Array.from({ length: count }, (_, index) => taskName(vertex, index)));
  }

  /**
   * A subtask of a vertex restored at another parallelism than the checkpoint's: its keyed state
   * must be exactly the keys of its own key-group range (KeyGroupRangeAssignment, with the
   * parallelism job-rescaled named) found in the old subtasks' snapshots. Operator state and
   * lineage are redistributed, not copied: they are judged by what follows (exactly-once, and the
   * consistent-snapshot check of the next checkpoints).
   */
  private compareRescaled(observation: Extract<Observation, { type: 'task-restored' }>, state: CheckpointState, vertex: string, oldParallelism: number, newParallelism: number): void {
    const { task, attempt, checkpointId, content, timeUs } = observation;
    const subtask = Number(task.slice(task.lastIndexOf('#') + 1));
    const range = keyGroupRange(subtask, maxParallelismOf(vertex, this.maxParallelism), newParallelism);
    const expected: Record<string, Record<string, unknown>> = {};
    for (let old = 0; old < oldParallelism; old++) {
      const keyed = state.snapshots.get(taskName(vertex, old))?.keyedState;
      for (const [name, entries] of Object.entries(keyed ?? {})) {
        const table = (expected[name] ??= {});
        for (const [key, value] of Object.entries(entries)) {
          const group = keyGroupFor(key, maxParallelismOf(vertex, this.maxParallelism));
          if (group >= range.start && group <= range.end) table[key] = value;
        }
      }
    }
    const restored = canonicalJson(content.keyed ?? {});
    const want = canonicalJson(expected);
    if (restored === want) return;
    this.violation.report(
      `${task} (attempt ${attempt}) restored keyed state from checkpoint ${checkpointId} at parallelism ${newParallelism} (was ${oldParallelism}) that differs from the keys of its key groups ${range.start}..${range.end} in the old subtasks' snapshots: ${abbreviate(restored)} instead of ${abbreviate(want)}`,
      timeUs,
      { task, attempt, checkpointId, part: 'keyed', restored, snapshot: want, keyGroups: range, oldParallelism, newParallelism },
    );
  }

  /** Max parallelism per vertex, from the job (set by the checker). */
  maxParallelism: ReadonlyMap<string, number> = new Map();

  private compareContent(observation: Extract<Observation, { type: 'task-restored' }>): void {
    const { task, attempt, checkpointId, content, timeUs } = observation;
    const who = `${task} (attempt ${attempt})`;
    const state = this.states.get(checkpointId);
    const vertex = task.slice(0, task.lastIndexOf('#'));
    const newParallelism = this.parallelism?.[vertex];
    if (state !== undefined && newParallelism !== undefined) {
      let oldParallelism = 0;
      while (state.snapshots.has(taskName(vertex, oldParallelism))) oldParallelism++;
      if (oldParallelism !== newParallelism) return this.compareRescaled(observation, state, vertex, oldParallelism, newParallelism);
    }
    const taken = state?.snapshots.get(task);
    if (state === undefined || taken === undefined) {
      return this.violation.report(`${who} restored checkpoint ${checkpointId}, in which it published no snapshot-taken`, timeUs, { task, attempt, checkpointId });
    }
    const restored = { keyed: canonicalJson(content.keyed ?? null), operator: canonicalJson(content.operator), lineage: canonicalJson(content.lineage) };
    for (const part of ['keyed', 'operator', 'lineage'] as const) {
      if (restored[part] === taken[part]) continue;
      return this.violation.report(
        `${who} restored ${part} state from checkpoint ${checkpointId} that differs from its snapshot (attempt ${taken.attempt}): ${abbreviate(restored[part])} instead of ${abbreviate(taken[part])}`,
        timeUs,
        { task, attempt, checkpointId, part, restored: restored[part], snapshot: taken[part] },
      );
    }
    const persisted = state.channelState.get(task)?.length ?? 0;
    if (observation.channelStateRecords !== persisted) {
      this.violation.report(
        `${who} restored ${observation.channelStateRecords} channel-state record(s) from checkpoint ${checkpointId}, but it persisted ${persisted}`,
        timeUs,
        { task, attempt, checkpointId, restoredRecords: observation.channelStateRecords, persistedRecords: persisted },
      );
    }
  }
}

/** Subtasks per vertex among task names (`vertex#index`). */
function parallelismOf(tasks: readonly string[]): Map<string, number> {
  const subtasks = new Map<string, Set<string>>();
  for (const task of tasks) {
    const vertex = task.slice(0, task.lastIndexOf('#'));
    let names = subtasks.get(vertex);
    if (names === undefined) subtasks.set(vertex, (names = new Set()));
    names.add(task);
  }
  return new Map([...subtasks].map(([vertex, names]) => [vertex, names.size] as const));
}

function highestOf(ids: readonly number[]): number | undefined {
  return ids.length === 0 ? undefined : Math.max(...ids);
}

function abbreviate(text: string): string {
  return text.length <= 120 ? text : `${text.slice(0, 117)}...`;
}

function maxParallelismOf(vertex: string, maxParallelism: ReadonlyMap<string, number>): number {
  return maxParallelism.get(vertex) ?? 128;
}
