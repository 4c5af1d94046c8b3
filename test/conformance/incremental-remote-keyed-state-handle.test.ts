/**
 * Conformance with Flink 1.20's IncrementalRemoteKeyedStateHandleTest (flink-runtime,
 * org.apache.flink.runtime.state), through ckptsim's incremental snapshot parts: an incremental
 * keyed state handle is a subtask's acknowledged state with `sharedState`; its registration is
 * SharedStateRegistry.registerAll; a registered handle's discard (the JobMaster's) deletes its
 * private part only, an unregistered one's (the task's cleanup, `discardUploaded`) its new shared
 * files too.
 *
 * Differences kept: ckptsim's acknowledged state does not remember the registry it registered
 * with, so testSharedStateReRegistration leaves out Flink's check that registering one handle
 * twice with the same registry throws (ckptsim accepts the second registration as a repeated use).
 *
 * Flink methods: 7. Skipped as not behaviour: 2 (testCheckpointedSize, testCollectSizeStats: size
 * metrics).
 * Ported and todo counts: test/conformance/README.md (generated).
 */
import { describe, expect, it } from 'vitest';
import type { SubtaskStateSnapshot } from '../../src/cluster/checkpoint/types.js';
import type { CheckpointStorage } from '../../src/cluster/storage/checkpoint-storage.js';
import type { SharedStateHandle } from '../../src/cluster/storage/shared-state/handles.js';
import { SharedStateRegistry } from '../../src/cluster/storage/shared-state/shared-state-registry.js';
import { discardUploaded } from '../../src/cluster/task/incremental-snapshot.js';

function file(name: string, localName = name): SharedStateHandle {
  return { key: `shared/${name}`, localName, sizeBytes: 10, placeholder: false };
}

function handle(checkpointId: number, shared: readonly SharedStateHandle[]): SubtaskStateSnapshot {
  return { taskName: 'count#0', operatorState: { key: `chk-${checkpointId}/count#0@0`, sizeBytes: 100 }, channelState: undefined, finished: false, sharedState: shared };
}

/** The JobMaster's discard of a registered handle: its private part only (shared files are the registry's). */
function discardRegistered(state: SubtaskStateSnapshot, discarded: string[]): void {
  if (state.operatorState !== undefined) discarded.push(state.operatorState.key);
}

function registryWithLog(): { registry: SharedStateRegistry; discarded: string[] } {
  const discarded: string[] = [];
  return { registry: new SharedStateRegistry({ discard: (handles) => discarded.push(...handles.map((entry) => entry.key)) }), discarded };
}

describe('IncrementalRemoteKeyedStateHandleTest (Flink 1.20)', () => {
  it('testUnregisteredDiscarding', () => {
    const discarded: string[] = [];
    const storage = { discard: (keys: readonly string[]) => discarded.push(...keys) } as unknown as CheckpointStorage;
    const shared = [file('a'), file('b')];
    discardUploaded(storage, { handle: { key: 'chk-1/count#0@0', sizeBytes: 100 }, sharedState: shared });
    // Never registered: private part and shared files all go.
    expect(discarded.sort()).toEqual(['chk-1/count#0@0', 'shared/a', 'shared/b']);
  });

  it('testSharedStateDeRegistration', () => {
    const { registry, discarded } = registryWithLog();
    const shared = [file('a'), file('b')];
    const first = handle(0, shared);
    const second = { ...handle(0, shared), operatorState: { key: 'chk-0/count#0@1', sizeBytes: 100 } };
    registry.registerAll([first], 0);
    registry.checkpointCompleted(0);
    registry.registerAll([second], 0);
    expect(registry.entry('shared/a')?.lastUsedCheckpointId).toBe(0);
    discardRegistered(first, discarded);
    // Only the first handle's private part went; the shared files are still referenced.
    expect(discarded).toEqual(['chk-0/count#0@0']);
    discardRegistered(second, discarded);
    registry.unregisterUnusedState(Number.MAX_SAFE_INTEGER);
    expect(discarded.sort()).toEqual(['chk-0/count#0@0', 'chk-0/count#0@1', 'shared/a', 'shared/b']);
  });

  it('testSharedStateReRegistration', () => {
    const { registry: registryA, discarded: discardedA } = registryWithLog();
    const x = handle(0, [file('x1'), file('x2')]);
    const y = handle(0, [file('y1')]);
    const z = handle(0, [file('z1')]);
    registryA.registerAll([x, y, z], 0);
    registryA.close();
    // A closed registry refuses new registrations.
    expect(() => registryA.registerAll([handle(0, [file('w1')])], 0)).toThrow(/closed/);
    // A new registry (a restart) takes over only what is registered with it again.
    const { registry: registryB, discarded: discardedB } = registryWithLog();
    registryB.registerAll([x], 0);
    registryB.unregisterUnusedState(1);
    expect(discardedB.sort()).toEqual(['shared/x1', 'shared/x2']);
    expect(discardedA).toEqual([]);
    registryB.close();
  });

  it.todo('testNonEmptyIntersection — mechanism missing: a keyed state handle cut to a key-group range (rescaling on restore)');

  it('testConcurrentCheckpointSharedStateRegistration', () => {
    const { registry, discarded } = registryWithLog();
    // Two concurrent checkpoints upload the same local file as two physical files.
    const first = handle(1, [file('file-1', '1.sst')]);
    const second = handle(2, [file('file-2', '1.sst')]);
    registry.registerAll([first], 1);
    registry.registerAll([second], 2);
    registry.checkpointCompleted(1);
    // Checkpoint 2 failed: its registered handle is discarded by the JobMaster.
    discardRegistered(second, discarded);
    expect(discarded.filter((key) => key.startsWith('shared/'))).toEqual([]);
    registry.close();
  });
});
