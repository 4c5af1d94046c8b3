import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as SweepModule from '../../src/explore/sweep.js';

// The sweep command's own runSweep, given a plan whose case 4 names a scenario the sweep worker
// does not know: the worker then fails outside any case's run, as a harness bug would make it.
vi.mock('../../src/explore/sweep.js', async (importOriginal) => {
  const real = await importOriginal<typeof SweepModule>();
  const runSweep: typeof real.runSweep = (cases, workers, progress) =>
    real.runSweep({ length: cases.length, at: (position) => (position === 4 ? { ...cases.at(position)!, scenario: 'no-such-scenario' } : cases.at(position)) }, workers, progress);
  return { ...real, runSweep };
});

const { commandSweep, harnessFailureExitCode } = await import('../../src/cli/sweep-command.js');

describe('ckptsim sweep when a sweep worker fails', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes the cases that finished, marked interrupted, and exits 3 with the worker error', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'ckptsim-worker-failure-'));
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);

    const code = await commandSweep(['wordcount', '--runs', '8', '--workers', '1', '--out', directory]);

    expect(code).toBe(harnessFailureExitCode);
    expect(harnessFailureExitCode).toBe(3);
    const text = stderr.join('');
    expect(text).toContain(`ckptsim: the sweep stopped early because a sweep worker failed (a fault of ckptsim, not of the protocol under test); the 4 cases that finished are written to ${directory}, marked interrupted`);
    expect(text).toContain('sweep case no-such-scenario#4');
    expect(text).toContain('(in sweep worker 0)');
    const results = JSON.parse(readFileSync(join(directory, 'results.json'), 'utf8')) as { interrupted: boolean; cases: Array<{ index: number }> };
    expect(results.interrupted).toBe(true);
    expect(results.cases.map((entry) => entry.index)).toEqual([0, 1, 2, 3]);
    for (const name of ['report.md', 'report.html', 'junit.xml']) expect(existsSync(join(directory, name)), name).toBe(true);
    expect(existsSync(join(directory, 'results.json.partial'))).toBe(false);
  }, 60_000);
});
