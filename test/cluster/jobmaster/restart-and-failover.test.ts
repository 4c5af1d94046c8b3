import { describe, expect, it } from 'vitest';
import { computeFailoverRegions } from '../../../src/cluster/jobmaster/failover-regions.js';
import { RestartStrategy } from '../../../src/cluster/jobmaster/restart-strategy.js';
import { JobBuilder } from '../../../src/cluster/jobgraph/job-builder.js';
import { runCase } from '../../../src/explore/run-case.js';
import { findScenario } from '../../../scenarios/index.js';

describe('restart strategies', () => {
  it('fixed-delay restarts with its delay until the attempts are used up', () => {
    const strategy = new RestartStrategy({ kind: 'fixed-delay', attempts: 2, delayUs: 70 });
    expect(strategy.decide(0)).toEqual({ restart: true, delayUs: 70 });
    expect(strategy.decide(10)).toEqual({ restart: true, delayUs: 70 });
    expect(strategy.decide(20)).toEqual({ restart: false, reason: 'fixed-delay restart attempts (2) exhausted' });
  });

  it('exponential-delay grows the backoff, caps it, and resets it after a quiet period', () => {
    const strategy = new RestartStrategy({ kind: 'exponential-delay', initialBackoffUs: 100, maxBackoffUs: 350, multiplier: 2, resetBackoffThresholdUs: 10_000, attempts: 10 });
    expect([0, 1, 2, 3].map((time) => strategy.decide(time))).toEqual([
      { restart: true, delayUs: 100 },
      { restart: true, delayUs: 200 },
      { restart: true, delayUs: 350 },
      { restart: true, delayUs: 350 },
    ]);
    expect(strategy.decide(20_000)).toEqual({ restart: true, delayUs: 100 });
  });

  it('none never restarts', () => {
    expect(new RestartStrategy({ kind: 'none' }).decide(0)).toEqual({ restart: false, reason: 'restart strategy is none' });
  });

  it('a job fails, reported, when its restarts are exhausted', () => {
    const scenario = findScenario('wordcount')!;
    const result = runCase(scenario, {
      scenario: 'wordcount',
      seed: 2,
      config: { restartStrategy: { kind: 'fixed-delay', attempts: 1, delayUs: 1_000 } },
      faults: [
        { kind: 'fail-task', task: 'count#0', when: { atUs: 110_000 } },
        { kind: 'fail-task', task: 'count#1', when: { atUs: 140_000 } },
      ],
    });
    expect(result.jobStatus).toBe('FAILED');
    expect(result.violations.find((violation) => violation.property === 'job-finishes')?.message).toContain('fixed-delay restart attempts (1) exhausted');
  });
});

describe('failover scope', () => {
  it('pipelined regions: forward-only pipelines are separate regions, an all-to-all edge joins everything', () => {
    const forward = new JobBuilder('forward');
    forward.source('s', [[], []], { parallelism: 2 }).map('m', (value) => value, { parallelism: 2 }).sink('k', 'two-phase-commit', { parallelism: 2 });
    const regions = computeFailoverRegions(forward.build());
    expect(regions.get('m#0')).toEqual(['k#0', 'm#0', 's#0']);
    expect(regions.get('m#1')).toEqual(['k#1', 'm#1', 's#1']);
    const keyed = new JobBuilder('keyed');
    keyed.source('s', [[], []], { parallelism: 2 }).keyBy((value) => String(value)).count('c', { parallelism: 2 }).sink('k', 'two-phase-commit', { parallelism: 2 });
    expect(computeFailoverRegions(keyed.build()).get('s#0')).toHaveLength(6);
  });

  it('full failover restarts every task globally and recovers exactly-once', () => {
    const result = runCase(findScenario('diamond')!, { scenario: 'diamond', seed: 4, config: { failoverStrategy: 'full' }, faults: [{ kind: 'fail-task', task: 'join#1', when: { atUs: 120_000 } }] });
    expect(result.stats.restores).toBe(1);
    expect(result.verdict).toBe('pass');
  });
});
