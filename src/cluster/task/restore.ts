import { bugOn } from '../planted-bugs.js';
import { keyGroupRange } from '../jobgraph/key-groups.js';
import { ReplayableSourceReader } from '../connectors/replayable-source.js';
import { extentsOf, openFlip27Reader } from '../connectors/flip27/task-reader.js';
import type { StreamRecord } from '../jobgraph/records.js';
import { recordsBuffer, recordsPerBuffer, type NetworkBuffer } from './buffers.js';
import type { StoredSubtaskState, StreamTask } from './stream-task.js';
import { readIncremental } from './incremental-snapshot.js';
import type { TaskDeployment } from './task-environment.js';
import { assignSubtaskState, readRescaledState } from '../rescaling/state-assignment-operation.js';

/** Opens the subtask's source reader or operator, with the restored state if there is any. */
export function openOperator(task: StreamTask, stored: StoredSubtaskState | undefined): void {
  const vertex = task.deployment.vertex;
  const environment = task.environment;
  if (vertex.operator.kind === 'source') {
    const log = environment.logs.get(vertex.operator.topic);
    if (log === undefined) throw new Error(`no log for topic ${vertex.operator.topic}`);
    const hooks = environment.hooks;
    const restored = stored?.source !== undefined && !bugOn(task.bugs, 'source-ignores-restored-offsets') ? stored.source : undefined;
    if (vertex.operator.flip27 !== undefined) {
      // Event time opens first, over the restored splits: the reader's added splits extend it.
      task.eventTime.openSource(vertex.operator.watermarks, extentsOf(log, Object.keys(restored ?? {}).map(Number)), restored, true);
      task.source = openFlip27Reader(log, task, environment, restored);
      return;
    }
    const source = new ReplayableSourceReader(log, task.deployment.subtaskIndex, vertex.parallelism, (partition) =>
      !hooks.external('source-log', 'read', String(partition)).fail,
    );
    if (restored !== undefined) source.restore(restored);
    task.source = source;
    task.eventTime.openSource(vertex.operator.watermarks, source.extents(), restored);
    return;
  }
  task.operator = environment.operatorFactory(vertex);
  if (stored !== undefined) task.lineage?.restore(stored.lineage);
  const range = keyGroupRange(task.deployment.subtaskIndex, vertex.maxParallelism, vertex.parallelism);
  if (stored !== undefined) task.keyGroupLineage?.restore([stored.keyGroupLineage], range);
  task.operator.open(task.operatorContext(), stored?.operator);
}

/** Unaligned channel state goes first: input records ahead of new input, output records ahead of new output. */
export function replayChannelState(task: StreamTask, stored: StoredSubtaskState, checkpointId: number): void {
  const inputRecords = new Map<string, StreamRecord[]>();
  for (const record of stored.channelState) {
    const streamRecord: StreamRecord = { key: record.key, value: record.value, origin: record.origin };
    if (record.side === 'output') {
      task.outputs.emitRecovered(record.peer, streamRecord);
      continue;
    }
    const name = `${record.peer}->${task.taskName}`;
    let list = inputRecords.get(name);
    if (list === undefined) inputRecords.set(name, (list = []));
    list.push(streamRecord);
  }
  task.outputs.flush();
  for (const channel of task.inputs.channels) {
    const records = inputRecords.get(channel.name);
    if (records === undefined) continue;
    const recovered: NetworkBuffer[] = [];
    for (let start = 0; start < records.length; start += recordsPerBuffer) {
      recovered.push({ ...recordsBuffer(records.slice(start, start + recordsPerBuffer)), recovered: true } as NetworkBuffer);
    }
    // Recovered data precedes anything already received on the new connection.
    channel.prepend(recovered);
    task.inputs.markAvailable(channel);
  }
  const count = stored.channelState.length;
  task.observe({
    type: 'task-restored',
    task: task.taskName,
    attempt: task.attempt,
    checkpointId,
    content: { keyed: stored.operator.keyed, operator: stored.source ?? stored.operator.operator, lineage: stored.lineage },
    channelStateRecords: count,
  });
}

/**
 * Reads the state a deployment restores: its own handle (and an incremental snapshot's shared
 * files), or at another parallelism the old subtasks' handles, keeping this subtask's share
 * (rescaling/). `opened` gets it once read, unless the attempt ended meanwhile; a read that fails
 * fails the attempt.
 */
export function readRestoredState(task: StreamTask, restore: NonNullable<TaskDeployment['restore']>, opened: (stored: StoredSubtaskState | undefined) => void): void {
  const { checkpointId } = restore;
  const failed = (error: string): void => task.fail(`restore from checkpoint ${checkpointId} failed: ${error}`);
  if (restore.rescaled !== undefined) {
    const rescaled = restore.rescaled;
    readRescaledState(
      (key, done) =>
        task.environment.storage.read(task.node, key, (result) => {
          // An incremental snapshot's keyed state is in its shared files: read them too.
          const part = result.ok ? (result.value as StoredSubtaskState).incremental : undefined;
          if (!result.ok || part === undefined) return done(result);
          const stored = result.value as StoredSubtaskState;
          readIncremental(task.environment.storage, task.node, part, (keyed) => done(keyed.ok ? { ok: true, value: { ...stored, operator: { ...stored.operator, keyed: keyed.value } } } : keyed));
        }),
      rescaled,
      (previous) => assignSubtaskState(task.deployment.vertex, task.deployment.subtaskIndex, checkpointId, rescaled.oldParallelism, previous, task.bugs),
      (result) => {
        if (!task.active) return;
        if (!result.ok) return failed(result.error);
        opened(result.state as StoredSubtaskState);
      },
    );
    return;
  }
  if (restore.stateKey === undefined) return opened(undefined);
  task.environment.storage.read(task.node, restore.stateKey, (result) => {
    if (!task.active) return;
    // Planted bug restore-tolerates-unreadable-state: the task starts without its state.
    if (!result.ok && bugOn(task.bugs, 'restore-tolerates-unreadable-state')) return opened(undefined);
    if (!result.ok) return failed(result.error);
    const stored = result.value as StoredSubtaskState;
    // An incremental snapshot's keyed state is read back from its shared files before the operator opens.
    const part = stored.incremental;
    if (part === undefined) return opened(stored);
    readIncremental(task.environment.storage, task.node, part, (keyed) => {
      if (!task.active) return;
      if (!keyed.ok) return failed(keyed.error);
      task.incremental?.restored(checkpointId, part.files);
      opened({ ...stored, operator: { ...stored.operator, keyed: keyed.value } });
    });
  });
}
