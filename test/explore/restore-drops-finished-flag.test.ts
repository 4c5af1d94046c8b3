import { describe, expect, it } from 'vitest';
import { decodeReplayToken } from '../../src/explore/replay-token.js';
import { runCase } from '../../src/explore/run-case.js';
import { findScenario } from '../../scenarios/index.js';

/**
 * restore-drops-finished-flag (FLINK-21084) on a case of its own: windowed-sum, whose legacy source
 * subtask re-reads its input when restored without its finished flag (default-sweep case 813 before
 * the recovery property judged finished restores; the kill matrix now catches the bug by that
 * property within its first cases). This shrunk case fails with the bug and passes without it.
 */
const token = 'ckpt1.eyJzY2VuYXJpbyI6IndpbmRvd2VkLXN1bSIsInNlZWQiOjE1LCJwYXJhbWV0ZXJzIjp7ImV2ZW50cyI6ODAwfSwiZmF1bHRzIjpbeyJraW5kIjoicnBjIiwiYWN0aW9uIjoiZGVsYXkiLCJtZXRob2QiOiJub3RpZnlDaGVja3BvaW50QWJvcnRlZCIsImNvdW50IjoyLCJkZWxheVVzIjo2OTI3LCJ3aGVuIjp7ImF0VXMiOjMxODg5OX19LHsia2luZCI6InJwYyIsImFjdGlvbiI6ImR1cGxpY2F0ZSIsIm1ldGhvZCI6ImhlYXJ0YmVhdCIsImNvdW50IjozLCJkZWxheVVzIjo0MDM1OCwid2hlbiI6eyJhdFVzIjozNzU3ODV9fSx7ImtpbmQiOiJycGMiLCJhY3Rpb24iOiJkZWxheSIsIm1ldGhvZCI6Im5vdGlmeUNoZWNrcG9pbnRDb21wbGV0ZSIsImNvdW50IjozLCJkZWxheVVzIjoyODU4NTEsIndoZW4iOnsiYXRVcyI6MzcyMjMxfX0seyJraW5kIjoic2luay1jb21taXQtZmFpbHVyZSIsImNvdW50IjoxLCJ3aGVuIjp7ImF0VXMiOjIzMjczOH19LHsia2luZCI6ImNoZWNrcG9pbnQiLCJ3aGVuIjp7Im9uU3RlcCI6InRhc2subm90aWZ5LWNvbXBsZXRlIiwib2NjdXJyZW5jZSI6MSwidGFzayI6InNvdXJjZSMwIiwiY2hlY2twb2ludElkIjo0fX0seyJraW5kIjoicmVzY2FsZSIsInBhcmFsbGVsaXNtIjoic291cmNlPTQiLCJ3aGVuIjp7ImF0VXMiOjM2MDAwMH19XSwiY29uZmlnIjp7ImNoZWNrcG9pbnQiOnsiaW50ZXJ2YWxVcyI6NjQzMiwicmV0YWluZWRDaGVja3BvaW50cyI6MiwibWF4Q29uY3VycmVudENoZWNrcG9pbnRzIjoyLCJ0aW1lb3V0VXMiOjY5ODcwNTA3fSwicGxhbnRlZEJ1Z3MiOlsicmVzdG9yZS1kcm9wcy1maW5pc2hlZC1mbGFnIl19fQ.ac789518';

describe('restore-drops-finished-flag on its shrunk default-sweep case', () => {
  it('is caught with the bug (the finished task runs its input again) and passes without it', () => {
    const spec = decodeReplayToken(token);
    const scenario = findScenario(spec.scenario)!;
    expect(spec.config?.['plantedBugs']).toEqual(['restore-drops-finished-flag']);
    expect(runCase(scenario, spec).verdict).toBe('fail');
    expect(runCase(scenario, { ...spec, config: { ...spec.config, plantedBugs: [] } }).verdict).toBe('pass');
  });
});
