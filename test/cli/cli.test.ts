import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** End-to-end tests of the `ckptsim` command as a user runs it. */
function ckptsim(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['bin/ckptsim.js', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ckptsim run', () => {
  it('prints the same traceHash for seed 7 twice and another for seed 8', () => {
    const first = JSON.parse(ckptsim('run', 'wordcount', '--seed', '7', '--json').stdout);
    const again = JSON.parse(ckptsim('run', 'wordcount', '--seed', '7', '--json').stdout);
    const other = JSON.parse(ckptsim('run', 'wordcount', '--seed', '8', '--json').stdout);
    expect(first.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(again.traceHash).toBe(first.traceHash);
    expect(other.traceHash).not.toBe(first.traceHash);
    expect(Object.keys(first).sort()).toEqual(['expectedGaps', 'replay', 'scenario', 'seed', 'stats', 'traceHash', 'verdict', 'violations']);
    expect(first.stats.checkpoints.completed).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('says which faults fired and which never did, and refuses a fault aimed at a task the job lacks', () => {
    const plan = [
      { kind: 'fail-task', task: 'count#1', when: { atUs: 3_000_000 } },
      { kind: 'fail-task', task: 'count#0', when: { atUs: 120_000 } },
    ];
    const result = ckptsim('run', 'wordcount', '--seed', '1', '--faults', JSON.stringify(plan));
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}fault 0 fail-task never fired: the run ended before its trigger came\n {2}fault 1 fail-task fired at 120\.0 ms\n/m);
    const typo = ckptsim('run', 'wordcount', '--seed', '1', '--faults', JSON.stringify([{ kind: 'fail-task', task: 'count#7', when: { atUs: 120_000 } }]));
    expect(typo.status).toBe(2);
    expect(typo.stderr.trim()).toBe("ckptsim: faults[0].task names no task of this case: 'count#7' (there are source#0, source#1, split#0, split#1, count#0, count#1, count#2, sink#0, sink#1)");
  }, 60_000);

  it('runs operations beside faults, prints each answer, and refuses a bad operation naming the field', () => {
    const plan = [
      { kind: 'savepoint', when: { atUs: 105_000 } },
      { kind: 'cancel', when: { onStep: 'coordinator.checkpoint-completed', occurrence: 2 } },
    ];
    const result = ckptsim('run', 'wordcount', '--seed', '1', '--faults', JSON.stringify(plan));
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}operation 0 savepoint fired at 105\.0 ms, succeeded at [0-9.]+ ms \(savepoint 1\)\n {2}operation 1 cancel fired at [0-9.]+ ms, succeeded at [0-9.]+ ms, resumed from 2\n/m);
    const json = JSON.parse(ckptsim('run', 'wordcount', '--seed', '1', '--json', '--faults', JSON.stringify(plan)).stdout);
    expect(json.operations.map((record: { kind: string; ok: boolean }) => [record.kind, record.ok])).toEqual([['savepoint', true], ['cancel', true]]);
    const bad = ckptsim('run', 'wordcount', '--seed', '1', '--faults', JSON.stringify([{ kind: 'stop-with-savepoint', drain: 1, when: { atUs: 0 } }]));
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('ckptsim: faults[0].drain must be true or false, got 1');
  }, 60_000);

  it('sweep refuses an unknown --operations level, naming it', () => {
    const bad = ckptsim('sweep', 'wordcount', '--runs', '1', '--operations', 'lots');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe("ckptsim: --operations must be one of none, some, many, got 'lots'");
  });

  it('run --help points to the plan reference', () => {
    const help = ckptsim('run', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('docs/fault-plans.md');
  });

  it('every command answers --help with its own usage lines, exit 0, and runs nothing', () => {
    for (const [command, line] of [['bench', 'ckptsim bench [--json]'], ['sweep', 'ckptsim sweep [scenario...]'], ['mutants', 'ckptsim mutants [bug...]'], ['report', 'ckptsim report merge'], ['start', 'ckptsim start [sweep options]']] as const) {
      const help = ckptsim(command, '--help');
      expect(help.status, `${command} --help: ${help.stderr}`).toBe(0);
      expect(help.stdout).toContain(line);
      expect(help.stdout).not.toContain('ckptsim run <scenario>');
    }
  });

  it('replays a case from its token with the same trace hash', () => {
    const first = JSON.parse(ckptsim('run', 'diamond', '--seed', '11', '--json').stdout);
    const replayed = JSON.parse(ckptsim('replay', first.replay, '--json').stdout);
    expect(replayed.traceHash).toBe(first.traceHash);
  }, 60_000);

  it('rejects bad input with one sentence on stderr and exit code 2', () => {
    for (const args of [
      ['run', 'no-such-scenario'],
      ['run', 'wordcount', '--seed', 'seven'],
      ['run', 'wordcount', '--bogus'],
      ['replay', 'ckpt1.abc.00000000'],
      ['frobnicate'],
      ['sweep', 'wordcount', '--runs', '2', '--out', 'package.json/cannot-be-a-directory'],
      ['sweep', 'wordcount', '--runs', '2', '--timelines', 'some'],
      ['report', 'merge', 'no-such-dir/results.json'],
    ]) {
      const result = ckptsim(...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^ckptsim: /);
    }
  }, 60_000);

  it('lists the scenarios as JSON', () => {
    const listed = JSON.parse(ckptsim('list', '--json').stdout) as Array<{ name: string }>;
    expect(listed.map((scenario) => scenario.name)).toEqual(['wordcount', 'diamond', 'fan-in-skew', 'unaligned', 'aligned-timeout', 'at-least-once', 'savepoint-stop', 'running-sum', 'sink-v2', 'windowed-sum', 'file-sink']);
  }, 30_000);
});

describe('replay tokens', () => {
  it('reject a token whose config names an unknown planted bug, with exit code 2', async () => {
    const { encodeReplayToken } = await import('../../src/explore/replay-token.js');
    const token = encodeReplayToken({ scenario: 'wordcount', seed: 1, config: { plantedBugs: ['no-such-bug'] } });
    const result = ckptsim('replay', token);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('ckptsim: config.plantedBugs names an unknown planted bug "no-such-bug"');
  }, 30_000);

  it('reject a truncated token with exit code 2', () => {
    const result = ckptsim('replay', 'ckpt1.eyJzY2VuYXJpbyI6IndvcmRjb3VudCIsInNlZWQiOjd9.a0c7f6');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/truncated or altered/);
  }, 30_000);
});
