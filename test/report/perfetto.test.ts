import { describe, expect, it } from 'vitest';
import { runCase } from '../../src/explore/run-case.js';
import { PerfettoTraceBuilder } from '../../src/report/perfetto.js';
import { findScenario } from '../../scenarios/index.js';

describe('the Perfetto trace', () => {
  it('has tasks as named threads, checkpoints as matched async spans and one flow per barrier delivery', () => {
    const builder = new PerfettoTraceBuilder();
    const result = runCase(findScenario('wordcount')!, { scenario: 'wordcount', seed: 3, faults: [{ kind: 'fail-task', task: 'count#1', when: { atUs: 120_000 } }] }, { observers: [(observation) => builder.observe(observation)] });
    for (const fault of result.faults) builder.fault(fault.kind, fault.firedAtUs, fault.index);
    const trace = JSON.parse(builder.toJson()) as { traceEvents: Array<{ name: string; ph: string; id?: string; args?: { name?: string } }> };
    const events = trace.traceEvents;
    const threadNames = events.filter((event) => event.ph === 'M' && event.name === 'thread_name').map((event) => event.args?.name);
    expect(threadNames).toEqual(expect.arrayContaining(['checkpoint coordinator', 'source#0', 'count#1', 'sink#1']));
    const begins = events.filter((event) => event.ph === 'b').map((event) => event.id).sort();
    const ends = events.filter((event) => event.ph === 'e').map((event) => event.id).sort();
    expect(begins).toEqual(ends);
    expect(begins.length).toBe(result.stats.checkpoints.triggered);
    const flowEnds = events.filter((event) => event.ph === 'f').map((event) => event.id);
    expect(new Set(flowEnds).size).toBe(flowEnds.length);
    const flowStarts = new Set(events.filter((event) => event.ph === 's').map((event) => event.id));
    for (const id of flowEnds) expect(flowStarts.has(id)).toBe(true);
    expect(events.some((event) => event.name === 'fault 0: fail-task')).toBe(true);
  });

  it('draws checkpoint RPCs and barriers of a captured trace as flows from sender to receiver', () => {
    const builder = new PerfettoTraceBuilder();
    const result = runCase(findScenario('wordcount')!, { scenario: 'wordcount', seed: 3 }, { captureTrace: true, observers: [(observation) => builder.observe(observation)] });
    builder.messages(result.capturedEvents ?? []);
    const events = (JSON.parse(builder.toJson()) as { traceEvents: Array<{ name: string; ph: string; id?: string; cat: string; ts: number }> }).traceEvents;
    const messageFlows = events.filter((event) => (event.cat === 'rpc' || event.cat === 'channel') && (event.ph === 's' || event.ph === 'f'));
    const starts = new Map(messageFlows.filter((event) => event.ph === 's').map((event) => [event.id, event.ts]));
    const ends = messageFlows.filter((event) => event.ph === 'f');
    expect(ends.length).toBe(starts.size);
    // Every message arrives after it left.
    for (const end of ends) expect(end.ts).toBeGreaterThanOrEqual(starts.get(end.id) as number);
    const names = new Set(ends.map((event) => event.name.replace(/ \d+.*$/, '')));
    expect([...names]).toEqual(expect.arrayContaining(['acknowledgeCheckpoint', 'barrier']));
  });
});
