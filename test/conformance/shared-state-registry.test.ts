/**
 * Conformance with Flink 1.20's SharedStateRegistryTest (flink-runtime,
 * org.apache.flink.runtime.state), through ckptsim's SharedStateRegistry. A state handle is a
 * shared file (`SharedStateHandle`); "discarded" means the registry handed it to its discard.
 *
 * Flink methods: 8. Skipped as not behaviour: 0.
 * Ported and todo counts: test/conformance/README.md (generated).
 */
import { describe, expect, it } from 'vitest';
import type { SharedStateHandle } from '../../src/cluster/storage/shared-state/handles.js';
import { SharedStateRegistry } from '../../src/cluster/storage/shared-state/shared-state-registry.js';

function file(name: string): SharedStateHandle {
  return { key: `shared/${name}`, localName: name, sizeBytes: 10, placeholder: false };
}

function registryWithLog(): { registry: SharedStateRegistry; discarded: string[] } {
  const discarded: string[] = [];
  return { registry: new SharedStateRegistry({ discard: (handles) => discarded.push(...handles.map((handle) => handle.key)) }), discarded };
}

describe('SharedStateRegistryTest (Flink 1.20)', () => {
  it('testRegistryNormal', () => {
    const { registry, discarded } = registryWithLog();
    const first = file('first');
    expect(registry.registerReference(first.key, first, 0)).toBe(first);
    expect(discarded).toEqual([]);
    const second = file('second');
    expect(registry.registerReference(second.key, second, 0)).toBe(second);
    expect(discarded).toEqual([]);
    registry.unregisterUnusedState(1);
    expect(discarded.sort()).toEqual([first.key, second.key]);
  });

  it('testUnregisterWithUnexistedKey', () => {
    const { registry, discarded } = registryWithLog();
    expect(() => registry.unregisterUnusedState(-1)).not.toThrow();
    expect(() => registry.unregisterUnusedState(Number.MAX_SAFE_INTEGER)).not.toThrow();
    expect(discarded).toEqual([]);
  });

  it.todo('testRegisterChangelogStateBackendHandles — mechanism missing: the changelog state backend (materialized and non-materialized state handles)');

  it.todo('testUnregisterUnusedSavepointState — mechanism missing: native-format savepoints (ckptsim takes canonical savepoints only, which share no files)');

  it('testUnregisterNonInitialCheckpoint', () => {
    const { registry } = registryWithLog();
    const state = file('stateId');
    registry.registerReference(state.key, state, 1);
    registry.registerReference(state.key, state, 2);
    // The first (non-initial) checkpoint could be discarded: nothing keeps it.
    expect([...registry.unregisterUnusedState(2)]).toEqual([]);
  });

  it('testUnregisterInitialCheckpoint', () => {
    const { registry } = registryWithLog();
    const restored = file('restored-state');
    // A retained checkpoint the job was restored from (NO_CLAIM, Flink's default mode).
    registry.registerAllAfterRestored(1, [{ sharedState: [restored] }], 'NO_CLAIM');
    registry.registerReference(restored.key, restored, 2);
    // Not considered in use even though its state is.
    expect([...registry.unregisterUnusedState(2)]).toEqual([]);
  });

  it('testUnregisterInitialCheckpointUsedInChangelog', () => {
    const { registry } = registryWithLog();
    const restored = file('restored-state');
    registry.registerAllAfterRestored(1, [{ sharedState: [restored] }], 'NO_CLAIM');
    // A later checkpoint wraps the initial state and asks to keep the checkpoint that created it.
    registry.registerReference(restored.key, restored, 2, true);
    // A later use without the flag changes nothing: deletion is still prevented.
    registry.registerReference(restored.key, restored, 3, false);
    expect([...registry.unregisterUnusedState(3)]).toEqual([1]);
  });

  it.todo('testFireMergingOperatorStateRegister — mechanism missing: file merging of checkpoint files (FLIP-306, FileMergingSnapshotManager)');
});
