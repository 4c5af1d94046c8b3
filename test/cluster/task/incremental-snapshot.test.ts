import { describe, expect, it } from 'vitest';
import { RuntimeHooks } from '../../../src/cluster/hooks.js';
import { ObservationBus } from '../../../src/cluster/observations.js';
import { CheckpointStorage } from '../../../src/cluster/storage/checkpoint-storage.js';
import type { SharedFileReference } from '../../../src/cluster/storage/shared-state/handles.js';
import { IncrementalSnapshotStrategy, readIncremental, uploadIncremental, type IncrementalPart, type UploadedSnapshot } from '../../../src/cluster/task/incremental-snapshot.js';
import type { KeyedStateSnapshot } from '../../../src/cluster/task/state-backend.js';
import { Simulation } from '../../../src/sim/index.js';
import type { StorageResult } from '../../../src/cluster/storage/checkpoint-storage.js';

const owner = { taskName: 'count#0', attempt: 0, maxParallelism: 128, keyGroups: { start: 0, end: 63 }, reuseUnconfirmed: false };

/** Keys spread over several key-group ranges (found by their key groups, not assumed). */
const state = (counts: Record<string, number>): KeyedStateSnapshot => ({ count: counts });
const initial = state({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8 });

const references = (planned: ReturnType<IncrementalSnapshotStrategy['plan']>): SharedFileReference[] => planned.map((file) => file.reference);
const placeholders = (planned: ReturnType<IncrementalSnapshotStrategy['plan']>): number => planned.filter((file) => file.reference.handle.placeholder).length;

describe('IncrementalSnapshotStrategy', () => {
  it('uploads every non-empty range first, then refers to unchanged ranges of the confirmed checkpoint only', () => {
    const strategy = new IncrementalSnapshotStrategy(owner);
    const first = strategy.plan(1, initial, true);
    expect(first.length).toBeGreaterThan(1);
    expect(placeholders(first)).toBe(0);
    strategy.recordUploaded(1, references(first));
    // Not yet confirmed: nothing to refer to.
    expect(placeholders(strategy.plan(2, initial, true))).toBe(0);
    strategy.notifyCheckpointComplete(1);
    const changed = { ...initial.count, a: 100 };
    const third = strategy.plan(3, state(changed as Record<string, number>), true);
    expect(placeholders(third)).toBe(first.length - 1);
    for (const file of third.filter((entry) => entry.reference.handle.placeholder)) {
      expect(first.map((entry) => entry.reference.handle.key)).toContain(file.reference.handle.key);
    }
  });

  it('shares nothing in a savepoint (canonical format)', () => {
    const strategy = new IncrementalSnapshotStrategy(owner);
    strategy.recordUploaded(1, references(strategy.plan(1, initial, true)));
    strategy.notifyCheckpointComplete(1);
    expect(placeholders(strategy.plan(2, initial, false))).toBe(0);
  });

  it('takes a restored checkpoint as its base, as a confirmed one', () => {
    const strategy = new IncrementalSnapshotStrategy(owner);
    const restoredFiles = references(new IncrementalSnapshotStrategy(owner).plan(4, initial, true));
    strategy.restored(4, restoredFiles);
    const next = strategy.plan(5, initial, true);
    expect(placeholders(next)).toBe(restoredFiles.length);
  });

  it('under the planted bug task-reuses-unconfirmed-shared-state, refers to an aborted snapshot', () => {
    const correct = new IncrementalSnapshotStrategy(owner);
    const buggy = new IncrementalSnapshotStrategy({ ...owner, reuseUnconfirmed: true });
    for (const strategy of [correct, buggy]) {
      strategy.recordUploaded(1, references(strategy.plan(1, initial, true)));
      strategy.notifyCheckpointAborted(1);
    }
    expect(placeholders(correct.plan(2, initial, true))).toBe(0);
    expect(placeholders(buggy.plan(2, initial, true))).toBeGreaterThan(0);
  });
});

describe('uploadIncremental and readIncremental', () => {
  function storageFor(seed: number): { sim: Simulation; storage: CheckpointStorage; hooks: RuntimeHooks } {
    const sim = new Simulation({ seed });
    const hooks = new RuntimeHooks();
    return { sim, storage: new CheckpointStorage(sim, hooks, new ObservationBus(() => sim.nowUs), sim.random('storage')), hooks };
  }
  const privatePart = (part: IncrementalPart) => ({ value: { incremental: part }, sizeBytes: 100 });

  it('writes the new files and the private part, and reads the keyed state back', () => {
    const { sim, storage } = storageFor(1);
    const node = sim.createNode('taskexecutor-0');
    const strategy = new IncrementalSnapshotStrategy(owner);
    let uploaded: StorageResult<UploadedSnapshot> | undefined;
    uploadIncremental({ storage, node, cancelled: () => false }, strategy, 1, 'chk-1/count#0@0', privatePart, initial, (result) => (uploaded = result));
    sim.run();
    expect(uploaded?.ok).toBe(true);
    const shared = uploaded?.ok === true ? uploaded.value.sharedState ?? [] : [];
    for (const handle of shared) expect(storage.has(handle.key)).toBe(true);
    let read: StorageResult<KeyedStateSnapshot> | undefined;
    readIncremental(storage, node, { files: shared.map((handle, index) => ({ range: { start: index, end: index }, handle })), stateNames: Object.keys(initial).sort() }, (result) => (read = result));
    sim.run();
    expect(read).toEqual({ ok: true, value: initial });
  });

  it('keeps a registered state with no entries through snapshot and restore (Flink writes the meta info of every registered state)', () => {
    const { sim, storage } = storageFor(4);
    const node = sim.createNode('taskexecutor-0');
    // The window operator's state after its last window fired: both states registered, both empty.
    const keyed: KeyedStateSnapshot = { '_timer_state/event_window-timers': {}, count: { 'key-1': 3 }, 'window-contents': {} };
    let part: IncrementalPart | undefined;
    let uploaded: StorageResult<UploadedSnapshot> | undefined;
    const capture = (written: IncrementalPart) => ((part = written), privatePart(written));
    uploadIncremental({ storage, node, cancelled: () => false }, new IncrementalSnapshotStrategy(owner), 1, 'chk-1/window#0@0', capture, keyed, (result) => (uploaded = result));
    sim.run();
    expect(uploaded?.ok).toBe(true);
    expect(part?.stateNames).toEqual(['_timer_state/event_window-timers', 'count', 'window-contents']);
    let read: StorageResult<KeyedStateSnapshot> | undefined;
    readIncremental(storage, node, part as IncrementalPart, (result) => (read = result));
    sim.run();
    expect(read).toEqual({ ok: true, value: keyed });
    expect(Object.keys(read?.ok === true ? read.value : {})).toEqual(Object.keys(keyed));
  });

  it('deletes the files that landed when a shared write fails (a storage fault reaches shared files)', () => {
    const { sim, storage, hooks } = storageFor(2);
    const node = sim.createNode('taskexecutor-0');
    let writes = 0;
    hooks.interceptStorage((operation, key) => ({ extraLatencyUs: 0, fail: operation === 'write' && key.startsWith('shared/') && writes++ === 1 }));
    let uploaded: StorageResult<UploadedSnapshot> | undefined;
    uploadIncremental({ storage, node, cancelled: () => false }, new IncrementalSnapshotStrategy(owner), 1, 'chk-1/count#0@0', privatePart, initial, (result) => (uploaded = result));
    sim.run();
    expect(uploaded?.ok).toBe(false);
    expect(storage.keys()).toEqual([]);
  });

  it('fails the read of an unreadable shared file', () => {
    const { sim, storage, hooks } = storageFor(3);
    const node = sim.createNode('taskexecutor-0');
    let uploaded: StorageResult<UploadedSnapshot> | undefined;
    uploadIncremental({ storage, node, cancelled: () => false }, new IncrementalSnapshotStrategy(owner), 1, 'chk-1/count#0@0', privatePart, initial, (result) => (uploaded = result));
    sim.run();
    const shared = uploaded?.ok === true ? uploaded.value.sharedState ?? [] : [];
    hooks.interceptStorage((operation, key) => ({ extraLatencyUs: 0, fail: operation === 'read' && key === shared[1]?.key }));
    let read: StorageResult<KeyedStateSnapshot> | undefined;
    readIncremental(storage, node, { files: shared.map((handle, index) => ({ range: { start: index, end: index }, handle })), stateNames: Object.keys(initial).sort() }, (result) => (read = result));
    sim.run();
    expect(read?.ok).toBe(false);
  });
});
