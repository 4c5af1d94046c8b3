import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/cluster/observations.js';
import { createCoordinatorInvariantsChecker, createExternalHygieneChecker } from '../../src/oracle/checkers/index.js';
import { alignedCheckpoint, at, finalState, judge, tinyContext, tinyTasks } from './support/fixtures.js';

/** Shared files of incremental checkpoints in the storage check, on hand-built observation streams. */
const fileA = 'shared/count#0/chk-1-attempt-0-kg0';
const fileB = 'shared/count#0/chk-3-attempt-0-kg8';

const registered = (timeUs: number, checkpointId: number, keys: string[], registry = 1): Observation =>
  at(timeUs, { type: 'shared-state-registered', registry, checkpointId, task: 'count#0', keys });
const unregistered = (timeUs: number, lowestCheckpointId: number, registry = 1): Observation => at(timeUs, { type: 'shared-state-unregistered', registry, lowestCheckpointId });
const written = (timeUs: number, key: string): Observation => at(timeUs, { type: 'storage-written', key, sizeBytes: 10 });
const discarded = (timeUs: number, key: string): Observation => at(timeUs, { type: 'storage-discarded', key });
const retained = (checkpointId: number, shared: string[]) => ({
  checkpointId,
  type: 'checkpoint' as const,
  handles: [...tinyTasks.map((task) => `chk-${checkpointId}/${task}@0`), `chk-${checkpointId}/_metadata`, ...shared],
});

const jobMaster = at(0, { type: 'jobmaster-started', leaderEpoch: 1, recoveredCheckpointIds: [] });

describe('storage check with shared files (coordinator-invariants)', () => {
  // Checkpoint 1 uploads A; checkpoint 3 refers to A and uploads B; 3 subsumes 1.
  const stream: Observation[] = [jobMaster, registered(900, 1, [fileA]), ...alignedCheckpoint(1_000, 1, 1), registered(2_900, 3, [fileA, fileB]), ...alignedCheckpoint(3_000, 3, 2), unregistered(3_100, 3)];

  it('stays silent when the retained checkpoint finds its shared files', () => {
    const final = finalState({ storageKeys: [...retained(3, [fileA, fileB]).handles].sort(), retainedCheckpoints: [retained(3, [fileA, fileB])] });
    expect(judge(createCoordinatorInvariantsChecker(tinyContext()), stream, final)).toEqual([]);
  });

  it('names a shared file a retained checkpoint refers to that is gone', () => {
    const kept = retained(3, [fileA, fileB]);
    const final = finalState({ storageKeys: kept.handles.filter((key) => key !== fileA), retainedCheckpoints: [kept] });
    const violations = judge(createCoordinatorInvariantsChecker(tinyContext()), stream, final);
    expect(violations[0]?.message).toBe(`the runtime retains checkpoint 3, but its state ${fileA} is gone from storage`);
  });

  it('names a shared file that outlived every reference after its registry unregistered past its last use', () => {
    const kept = retained(3, [fileB]);
    const stale = 'shared/count#0/chk-2-attempt-0-kg16';
    const withStale = [...stream.slice(0, 3), registered(1_900, 2, [stale]), ...stream.slice(3)];
    const final = finalState({ storageKeys: [...kept.handles, stale].sort(), retainedCheckpoints: [kept] });
    const violations = judge(createCoordinatorInvariantsChecker(tinyContext()), withStale, final);
    expect(violations[0]?.message).toBe(`storage key ${stale} is left behind: no retained checkpoint [3] owns it`);
  });

  it("excuses Flink's deliberate leftovers: a file never registered, and one registered after the last unregistering", () => {
    const kept = retained(3, [fileB]);
    const orphan = 'shared/count#0/chk-4-attempt-0-kg0';
    const late = 'shared/count#0/chk-2-attempt-0-kg16';
    const final = finalState({ storageKeys: [...kept.handles, orphan, late].sort(), retainedCheckpoints: [kept] });
    expect(judge(createCoordinatorInvariantsChecker(tinyContext()), [...stream, registered(3_200, 2, [late])], final)).toEqual([]);
  });

  it('excuses files a JobMaster restored in NO_CLAIM mode', () => {
    const kept = retained(3, [fileB]);
    const restored = at(2_000, { type: 'shared-state-restored', registry: 1, checkpointId: 1, keys: [fileA], mode: 'NO_CLAIM', origin: 'recovery' });
    const final = finalState({ storageKeys: [...kept.handles, fileA].sort(), retainedCheckpoints: [kept] });
    const recovered = [jobMaster, restored, ...alignedCheckpoint(1_000, 1, 1), registered(2_900, 3, [fileB]), ...alignedCheckpoint(3_000, 3, 2), unregistered(3_100, 3)];
    expect(judge(createCoordinatorInvariantsChecker(tinyContext()), recovered, final)).toEqual([]);
  });

  it('names an acknowledgement the registry refused for a file nobody registered', () => {
    const refused = at(2_950, { type: 'shared-state-registration-failed', registry: 1, checkpointId: 3, task: 'count#0', key: 'shared/count#0/chk-2-attempt-0-kg0', reason: 'attempt to reference unknown shared state shared/count#0/chk-2-attempt-0-kg0' });
    const violations = judge(createCoordinatorInvariantsChecker(tinyContext()), [...stream.slice(0, 4), refused]);
    expect(violations[0]?.message).toBe("the shared-state registry refused count#0's acknowledgement of checkpoint 3: attempt to reference unknown shared state shared/count#0/chk-2-attempt-0-kg0");
  });

  it("stays silent on a refusal after the registry unregistered the file (Flink's race with concurrent checkpoints)", () => {
    const refused = at(3_200, { type: 'shared-state-registration-failed', registry: 1, checkpointId: 4, task: 'count#0', key: 'shared/count#0/chk-2-attempt-0-kg16', reason: 'attempt to reference unknown shared state' });
    const race = [...stream.slice(0, 3), registered(1_900, 2, ['shared/count#0/chk-2-attempt-0-kg16']), ...stream.slice(3), refused];
    const kept = retained(3, [fileA, fileB]);
    expect(judge(createCoordinatorInvariantsChecker(tinyContext()), race, finalState({ storageKeys: [...kept.handles].sort(), retainedCheckpoints: [kept] }))).toEqual([]);
  });
});

describe('storage check with shared files (external-hygiene)', () => {
  it('names a written shared file that is neither discarded, retained nor excused', () => {
    const stale = 'shared/count#0/chk-2-attempt-0-kg16';
    const stream = [written(10, stale), registered(20, 2, [stale]), unregistered(30, 3)];
    const violations = judge(createExternalHygieneChecker(tinyContext()), stream, finalState({ storageKeys: [stale] }));
    expect(violations[0]?.message).toBe(`state handle ${stale} was written and is neither discarded nor owned by a retained checkpoint`);
  });

  it('stays silent when the registry discarded it, or never registered it', () => {
    const gone = 'shared/count#0/chk-2-attempt-0-kg16';
    const orphan = 'shared/count#0/chk-5-attempt-0-kg0';
    const stream = [written(10, gone), registered(20, 2, [gone]), unregistered(30, 3), discarded(31, gone), written(40, orphan)];
    expect(judge(createExternalHygieneChecker(tinyContext()), stream, finalState({ storageKeys: [orphan] }))).toEqual([]);
  });
});
