import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeReplayToken } from '../../src/explore/replay-token.js';
import { UsageError } from '../../src/explore/scenario.js';
import { InterestingCases, parseSavedCase, rejudged, savedCaseFileName } from '../../src/explore/strategies/saved-corpus.js';
import type { SweepCaseResult } from '../../src/explore/sweep-case.js';
import { openCorpusDirectory, writeSavedCases } from '../../src/cli/corpus-directory.js';

const token = encodeReplayToken({ scenario: 'wordcount', seed: 3, faults: [{ kind: 'fail-task', task: 'sum[0]', when: { atUs: 200_000 } }] });

function result(index: number, pairs: string[], states: string[], extra: Partial<SweepCaseResult> = {}): SweepCaseResult {
  return { index, scenario: 'wordcount', caseSeed: index, simSeed: 1, verdict: 'pass', faultKinds: [], faultCount: 0, traceHash: `hash${index}`, events: 1, virtualTimeUs: 1, checkpointsCompleted: 0, restores: 0, violated: [], gaps: [], gapProperties: [], coverage: { pairs, states }, replay: encodeReplayToken({ scenario: 'wordcount', seed: index }), ...extra };
}

describe('the saved corpus (--corpus DIR)', () => {
  it('picks failures and the cases that reached coverage no earlier case of their scenario reached, counting saved cases re-run first', () => {
    const picker = new InterestingCases();
    picker.know(result(0, ['fail-task@start'], ['Ta00r']));
    picker.add(result(1, ['fail-task@start'], ['Ta00r']));
    picker.add(result(2, ['fail-task@start'], ['Ta00r', 'Ti00f']));
    picker.add(result(3, [], [], { verdict: 'fail', failure: { property: 'exactly-once', message: 'm', shrunkFaults: [], shrunkSeed: 1, shrinkSteps: 0, replay: token } }));
    expect(picker.picked.map((saved) => [saved.traceHash, saved.reason])).toEqual([
      ['hash2', 'new coverage'],
      ['hash3', 'failure: exactly-once'],
    ]);
  });

  it('a saved case re-run with another trace hash is re-judged: saved again with its new hash and verdict', () => {
    const saved = { token, traceHash: 'old', verdict: 'pass' as const, reason: 'new coverage' };
    const again = rejudged({ file: 'x.json', saved, result: result(5, [], [], { verdict: 'fail', failure: { property: 'recovery', message: 'm', shrunkFaults: [], shrunkSeed: 1, shrinkSteps: 0, replay: token } }), same: false });
    expect(again).toEqual({ token, traceHash: 'hash5', verdict: 'fail', reason: 'failure: recovery' });
  });

  it('writes and reads saved cases; a file that is not a saved case, or a path that is a file, is one sentence (exit 2)', () => {
    const directory = mkdtempSync(join(tmpdir(), 'ckptsim-corpus-'));
    writeSavedCases(directory, [{ token, traceHash: 'abc', verdict: 'pass', reason: 'new coverage' }]);
    expect(readdirSync(directory)).toEqual([savedCaseFileName(token)]);
    const read = openCorpusDirectory(directory);
    expect(read.entries.map((entry) => entry.spec.scenario)).toEqual(['wordcount']);
    expect(JSON.parse(readFileSync(join(directory, savedCaseFileName(token)), 'utf8')).traceHash).toBe('abc');
    writeFileSync(join(directory, 'broken.json'), '{"token": "ckpt1.x.y", "traceHash": "a", "verdict": "pass", "reason": "r"}');
    expect(() => openCorpusDirectory(directory)).toThrow(/corpus file '.*broken.json': replay token/);
    writeFileSync(join(directory, 'broken.json'), '[1]');
    expect(() => openCorpusDirectory(directory)).toThrow(UsageError);
    expect(() => parseSavedCase('nope', 'f.json')).toThrow(/'f.json' is not JSON/);
    expect(() => openCorpusDirectory(join(directory, 'broken.json'))).toThrow(/--corpus .*is a file, not a directory/);
  });
});
