import { describe, expect, it } from 'vitest';
import { decodeReplayToken } from '../../src/explore/replay-token.js';
import { runCase } from '../../src/explore/run-case.js';
import { findScenario } from '../../scenarios/index.js';

/**
 * restore-drops-finished-flag (FLINK-21084) is a known survivor of the default sweep's first 350
 * cases (see knownSurvivors): the sweep lacks the workload, not the property. Its shrunk failing
 * case from case 247, before aligned checkpoints with timeout changed that case's run, still
 * fails with the bug and passes without it, so the oracle keeps its teeth for it.
 */
const token = 'ckpt1.eyJzY2VuYXJpbyI6ImFsaWduZWQtdGltZW91dCIsInNlZWQiOjYsInBhcmFtZXRlcnMiOnsiZXZlbnRzIjoxMDAwfSwiZmF1bHRzIjpbeyJraW5kIjoic2xvdy10YXNrIiwidGFzayI6InRvdGFsIzAiLCJmYWN0b3IiOjQzLCJkdXJhdGlvblVzIjo3MDU5Nywid2hlbiI6eyJhdFVzIjoxNTY1MDR9fSx7ImtpbmQiOiJycGMiLCJhY3Rpb24iOiJkZWxheSIsIm1ldGhvZCI6InN1Ym1pdFRhc2siLCJjb3VudCI6MSwiZGVsYXlVcyI6NzcwNTUsIndoZW4iOnsiYXRVcyI6Mjc3MTkwfX0seyJraW5kIjoic2xvdy10YXNrIiwidGFzayI6InNvdXJjZSMyIiwiZmFjdG9yIjozOCwiZHVyYXRpb25VcyI6MTMwMDIyLCJ3aGVuIjp7ImF0VXMiOjE2OTAxOH19LHsia2luZCI6InJwYyIsImFjdGlvbiI6ImR1cGxpY2F0ZSIsIm1ldGhvZCI6Im5vdGlmeUNoZWNrcG9pbnRBYm9ydGVkIiwiY291bnQiOjMsImRlbGF5VXMiOjIyMjczOSwid2hlbiI6eyJhdFVzIjoyOTA2OTl9fSx7ImtpbmQiOiJzdG9wLXdpdGgtc2F2ZXBvaW50IiwiZHJhaW4iOmZhbHNlLCJ3aGVuIjp7ImF0VXMiOjMyNzQyNn19XSwiY29uZmlnIjp7ImNoZWNrcG9pbnQiOnsiaW50ZXJ2YWxVcyI6MTU2OCwicmV0YWluZWRDaGVja3BvaW50cyI6MywibWF4Q29uY3VycmVudENoZWNrcG9pbnRzIjoxLCJ0aW1lb3V0VXMiOjYwMDAwMDAwMH0sInBsYW50ZWRCdWdzIjpbInJlc3RvcmUtZHJvcHMtZmluaXNoZWQtZmxhZyJdfX0.c7cfe36a';

describe('restore-drops-finished-flag on its shrunk default-sweep case', () => {
  it('is caught with the bug (the finished task runs its input again) and passes without it', () => {
    const spec = decodeReplayToken(token);
    const scenario = findScenario(spec.scenario)!;
    expect(spec.config?.['plantedBugs']).toEqual(['restore-drops-finished-flag']);
    expect(runCase(scenario, spec).verdict).toBe('fail');
    expect(runCase(scenario, { ...spec, config: { ...spec.config, plantedBugs: [] } }).verdict).toBe('pass');
  });
});
