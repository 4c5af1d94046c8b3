import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/cluster/observations.js';
import { createExternalHygieneChecker } from '../../src/oracle/checkers/index.js';
import { at, finalState, judge, tinyContext } from './support/fixtures.js';

const written = (timeUs: number, key: string): Observation => at(timeUs, { type: 'storage-written', key, sizeBytes: 10 });
const discarded = (timeUs: number, key: string): Observation => at(timeUs, { type: 'storage-discarded', key });
const deployed = (timeUs: number, attempt: number): Observation => at(timeUs, { type: 'task-deployed', task: 'sink#0', attempt, executor: 'taskexecutor-0' });
const begun = (timeUs: number, transactionId: string): Observation => at(timeUs, { type: 'transaction-begun', task: 'sink#0', transactionId });

const retained = { checkpointId: 2, type: 'checkpoint' as const, handles: ['chk-2/sink#0@1', 'chk-2/_metadata'] };
const stream: Observation[] = [
  deployed(0, 0),
  begun(0, 'sink#0/1.0.0'),
  written(1_000, 'chk-1/sink#0@0'),
  deployed(2_000, 1),
  begun(2_000, 'sink#0/1.1.0'),
  written(3_000, 'chk-2/sink#0@1'),
  written(3_100, 'chk-2/_metadata'),
  discarded(3_200, 'chk-1/sink#0@0'),
];
const clean = { storageKeys: ['chk-2/_metadata', 'chk-2/sink#0@1'], retainedCheckpoints: [retained], openTransactions: [] };

describe('external-hygiene checker', () => {
  it('stays silent when nothing is left open and every handle is retained or discarded', () => {
    expect(judge(createExternalHygieneChecker(tinyContext()), stream, finalState(clean))).toEqual([]);
  });

  it("names a transaction of an earlier attempt left open when the job finished, but not while it runs", () => {
    const final = finalState({ ...clean, openTransactions: ['sink#0/1.0.0'] });
    const [violation] = judge(createExternalHygieneChecker(tinyContext()), stream, final);
    expect(violation?.property).toBe('external-hygiene');
    expect(violation?.message).toBe('the job FINISHED with transaction sink#0/1.0.0 (begun by sink#0 attempt 0, an earlier attempt) still open in the transactional store');
    expect(judge(createExternalHygieneChecker(tinyContext()), stream, finalState({ ...final, jobStatus: 'RUNNING' }))).toEqual([]);
  });

  it('names a state handle neither discarded nor retained', () => {
    const final = finalState({ ...clean, storageKeys: [...clean.storageKeys, 'chk-3/sink#0@1'] });
    const [violation] = judge(createExternalHygieneChecker(tinyContext()), [...stream, written(4_000, 'chk-3/sink#0@1')], final);
    expect(violation?.message).toBe('state handle chk-3/sink#0@1 was written and is neither discarded nor owned by a retained checkpoint');
  });

  it('names a leaked state handle before an open transaction, which may be an expected gap', () => {
    const final = finalState({ ...clean, storageKeys: [...clean.storageKeys, 'chk-3/sink#0@1'], openTransactions: ['sink#0/1.0.0'] });
    const [violation] = judge(createExternalHygieneChecker(tinyContext()), [...stream, written(4_000, 'chk-3/sink#0@1')], final);
    expect(violation?.message).toBe('state handle chk-3/sink#0@1 was written and is neither discarded nor owned by a retained checkpoint');
  });

  it('names a key in storage that no write announced', () => {
    const final = finalState({ ...clean, storageKeys: [...clean.storageKeys, 'chk-9/x'] });
    expect(judge(createExternalHygieneChecker(tinyContext()), stream, final)[0]?.message).toBe(
      'storage holds chk-9/x, which no storage-written observation announced or which was reported discarded',
    );
  });
});
