import { describe, expect, it } from 'vitest';
import { runWithFaults, ofType } from '../../faults/run-with-faults.js';
import type { Fault } from '../../../src/faults/plan.js';
import { forwardGroups, withParallelism } from '../../../src/cluster/rescaling/index.js';
import { findScenario } from '../../../scenarios/index.js';
import { deriveStream } from '../../../src/sim/index.js';
import { decodeReplayToken } from '../../../src/explore/replay-token.js';
import { runCase } from '../../../src/explore/run-case.js';

/** A rescale is an operation; the fault-plan type carries operations too. */
const rescale = (parallelism: string): Fault => ({ kind: 'rescale', parallelism, when: { atUs: 120_000 } }) as unknown as Fault;

describe('rescale operation', () => {
  it('resumes wordcount at another parallelism with its keyed state and exactly-once intact', () => {
    const { result, observations } = runWithFaults('wordcount', 3, [rescale('count=2')]);
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe('pass');
    expect(ofType(observations, 'job-rescaled').map((observation) => observation.parallelism['count'])).toEqual([2]);
    // The new run's count#0 and count#1 restored the keys of their key groups from three old subtasks.
    const restored = ofType(observations, 'task-restored').filter((observation) => observation.task.startsWith('count#'));
    expect(restored.map((observation) => observation.task).sort()).toEqual(['count#0', 'count#1']);
  });

  it('redistributes source partitions (union state) when the source is rescaled', () => {
    const { result } = runWithFaults('running-sum', 3, [rescale('source=2')]);
    expect(result.violations).toEqual([]);
  });

  it('is caught when keyed state is not reassigned (planted bug, FLINK-10809)', () => {
    const { result } = runWithFaults('wordcount', 3, [rescale('count=2')], { plantedBugs: ['rescale-skips-keyed-state-reassignment'] });
    expect(result.violations.map((violation) => violation.property)).toContain('consistent-snapshot');
  });

  it('is caught when union state misses entries (planted bug, FLINK-21080)', () => {
    const { result } = runWithFaults('running-sum', 3, [rescale('source=2')], { plantedBugs: ['rescale-union-state-misses-entries'] });
    expect(result.violations.map((violation) => violation.property)).toContain('exactly-once');
  });

  it('is not carried out when a forward edge would join different parallelisms, and says why', () => {
    const { result } = runWithFaults('wordcount', 3, [rescale('source=3')]);
    expect(result.operations?.[0]?.applied).toBe(false);
    expect(result.operations?.[0]?.reason).toMatch(/forward edge source -> split/);
  });

  it('resumes at the old parallelism when the vertices that must keep theirs leave the rest too large for the slots (aligned-timeout case 360 of the default sweep restarted for want of slots until its deadline)', () => {
    // source=1,enrich=1,total=3,sink=3 fits 16 slots; two sources had finished at the savepoint,
    // so source and enrich (a forward group) keep 6 each, and 6+6+3+3 does not. The sweep's case,
    // with the rescale at 324 ms (where today's runtime has sources finished at the savepoint).
    const spec = decodeReplayToken('ckpt1.eyJzY2VuYXJpbyI6ImFsaWduZWQtdGltZW91dCIsInNlZWQiOjQsInBhcmFtZXRlcnMiOnsiZXZlbnRzIjoxMDAwfSwiZmF1bHRzIjpbeyJraW5kIjoiZmFpbC10YXNrIiwidGFzayI6InNvdXJjZSMwIiwid2hlbiI6eyJhdFVzIjoyMTc3MjV9fSx7ImtpbmQiOiJyZXNjYWxlIiwicGFyYWxsZWxpc20iOiJzb3VyY2U9MSxlbnJpY2g9MSx0b3RhbD0zLHNpbms9MyIsIndoZW4iOnsiYXRVcyI6MzI0MDAwfX1dLCJjb25maWciOnsiY2hlY2twb2ludCI6eyJpbnRlcnZhbFVzIjo2ODY2LCJyZXRhaW5lZENoZWNrcG9pbnRzIjoyLCJtYXhDb25jdXJyZW50Q2hlY2twb2ludHMiOjEsInRpbWVvdXRVcyI6NjAwMDAwMDAwLCJtb2RlIjoiRVhBQ1RMWV9PTkNFIiwidW5hbGlnbmVkIjp0cnVlLCJhbGlnbmVkQ2hlY2twb2ludFRpbWVvdXRVcyI6MTAwMH19fQ.d761928f');
    const result = runCase(findScenario(spec.scenario)!, spec);
    expect(result.operations?.[0]?.reason).toMatch(/no vertex rescaled: .*18 tasks at the new parallelism do not fit the cluster's 16 slots/);
    expect(result.jobStatus).toBe('FINISHED');
    expect(result.violations).toEqual([]);
    // The sweep's own case, as drawn, finishes too.
    const drawn = decodeReplayToken('ckpt1.eyJzY2VuYXJpbyI6ImFsaWduZWQtdGltZW91dCIsInNlZWQiOjQsInBhcmFtZXRlcnMiOnsiZXZlbnRzIjoxMDAwfSwiZmF1bHRzIjpbeyJraW5kIjoiZmFpbC10YXNrIiwidGFzayI6InNvdXJjZSMwIiwid2hlbiI6eyJhdFVzIjoyMTc3MjV9fSx7ImtpbmQiOiJyZXNjYWxlIiwicGFyYWxsZWxpc20iOiJzb3VyY2U9MSxlbnJpY2g9MSx0b3RhbD0zLHNpbms9MyIsIndoZW4iOnsiYXRVcyI6MzE4NzQ4fX1dLCJjb25maWciOnsiY2hlY2twb2ludCI6eyJpbnRlcnZhbFVzIjo2ODY2LCJyZXRhaW5lZENoZWNrcG9pbnRzIjoyLCJtYXhDb25jdXJyZW50Q2hlY2twb2ludHMiOjEsInRpbWVvdXRVcyI6NjAwMDAwMDAwLCJtb2RlIjoiRVhBQ1RMWV9PTkNFIiwidW5hbGlnbmVkIjp0cnVlLCJhbGlnbmVkQ2hlY2twb2ludFRpbWVvdXRVcyI6MTAwMH19fQ.6da32e4d');
    const drawnResult = runCase(findScenario(drawn.scenario)!, drawn);
    expect(drawnResult.jobStatus).toBe('FINISHED');
    expect(drawnResult.violations).toEqual([]);
  });

  it('rescales vertices joined by forward edges together', () => {
    const scenario = findScenario('sink-v2')!;
    const job = scenario.build({ ...scenario.defaults }, deriveStream(0, 'scenario.input')).job;
    expect(forwardGroups(job)).toContainEqual(['sink', 'sink-committer']);
    expect(() => withParallelism(job, new Map([['sink', 3]]))).toThrow(/forward edge sink -> sink-committer/);
    expect(withParallelism(job, new Map([['sink', 3], ['sink-committer', 3]])).vertices.map((vertex) => vertex.parallelism)).toContain(3);
  });
});

describe('rescale from a retained checkpoint', () => {
  const fromCheckpoint = (parallelism: string, atUs: number): Fault => ({ kind: 'rescale', parallelism, from: 'checkpoint', when: { atUs } }) as unknown as Fault;

  it('cancels, resumes from the latest retained checkpoint at the new parallelism, and the sink aborts what removed subtasks left open', () => {
    for (const [scenario, parallelism] of [['wordcount', 'sink=1'], ['sink-v2', 'sink=1,sink-committer=1'], ['running-sum', 'sum=3,sink=3']] as const) {
      const { result } = runWithFaults(scenario, 3, [fromCheckpoint(parallelism, 130_000)]);
      expect(result.operations?.[0]?.applied, scenario).toBe(true);
      expect(result.violations, scenario).toEqual([]);
    }
  });
});
