import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { encodeReplayToken } from '../../src/explore/replay-token.js';
import { buildSpaceTime, spaceTimeCategories } from '../../src/report/space-time.js';

function ckptsim(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['bin/ckptsim.js', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What a new user trips over, tried as one would. */
describe('ckptsim as a new user meets it', () => {
  it('list describes fan-in-skew without a stutter', () => {
    const listed = JSON.parse(ckptsim('list', '--json').stdout) as Array<{ name: string; description: string }>;
    const description = listed.find((scenario) => scenario.name === 'fan-in-skew')?.description ?? '';
    expect(description).toMatch(/^Six upstream channels into two keyed counters with a hot key/);
    for (const scenario of listed) expect(scenario.description, scenario.name).not.toMatch(/\b(\w+) \1\b/);
  }, 30_000);

  it('a replayed case with a planted bug switched on says so on its first line, and in JSON', () => {
    const token = encodeReplayToken({ scenario: 'wordcount', seed: 1, config: { plantedBugs: ['sink-commits-on-snapshot'] } });
    const result = ckptsim('replay', token);
    expect(result.status).toBe(1);
    expect(result.stdout.split('\n')[0]).toBe('wordcount seed 1: FAIL (job FINISHED, run stopped) with planted bug sink-commits-on-snapshot switched on (a deliberate bug, as ckptsim mutants plants)');
    expect(JSON.parse(ckptsim('replay', token, '--json').stdout).plantedBugs).toEqual(['sink-commits-on-snapshot']);
  }, 60_000);

  it("the README's expected-gap case shows the property as a gap, not as held", () => {
    const plan = '[{"kind":"crash-jobmaster","recoverAfterUs":0,"when":{"onStep":"task.alignment-completed","checkpointId":3}},{"kind":"ha-store","action":"ambiguous-writes","count":1,"when":{"onStep":"task.alignment-completed","checkpointId":2}}]';
    const result = ckptsim('run', 'diamond', '--seed', '1004407241', '--faults', plan);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('\n  gap       exactly-once\n');
    expect(result.stdout).not.toContain('held      exactly-once');
    expect(result.stdout).toContain('expected gap (possibly-stored-checkpoint-restored): exactly-once: committed output differs from the failure-free output: 534 record(s) lost');
  }, 60_000);

  it('the space-time diagram draws a new JobMaster as a lifecycle mark, not a fault', () => {
    const data = buildSpaceTime([], [{ timeUs: 5, type: 'jobmaster-started', leaderEpoch: 2, recoveredCheckpointIds: [] }], []);
    const mark = data.labels.indexOf('JobMaster started, leader epoch 2');
    expect(mark).toBeGreaterThanOrEqual(0);
    expect(spaceTimeCategories[data.marks.category[data.marks.label.indexOf(mark)]!]).toBe('task');
  });
});
