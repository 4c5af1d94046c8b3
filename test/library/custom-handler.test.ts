import { describe, expect, it } from 'vitest';
// The README's library example, kept runnable: everything comes from the package's entry point,
// the built one (dist/, resolved through package.json's exports; tsconfig's paths type-check it
// against src/, which the build compiles).
import { findScenario, runCase, type BarrierHandlerHost, type CheckpointBarrier, type CheckpointBarrierHandler, type Scenario } from 'ckptsim';

/** A protocol variant of your own: snapshot on the first barrier and never block a channel. */
class SnapshotOnFirstBarrier implements CheckpointBarrierHandler {
  private latest = -1;
  private readonly arrived = new Map<number, Set<number>>();

  constructor(private readonly host: BarrierHandlerHost) {}

  get latestCheckpointId(): number {
    return this.latest;
  }

  processBarrier(barrier: CheckpointBarrier, channel: number): void {
    if (barrier.checkpointId < this.latest) return;
    if (barrier.checkpointId > this.latest) {
      this.latest = barrier.checkpointId;
      this.arrived.set(this.latest, new Set());
      this.host.triggerCheckpoint(barrier, false);
    }
    this.arrived.get(this.latest)?.add(channel);
  }

  processCancellationMarker(checkpointId: number): void {
    if (checkpointId <= this.latest) return;
    this.latest = checkpointId;
    this.host.abortCheckpoint(checkpointId, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER');
  }

  processEndOfPartition(): void {}

  hasReceivedBarrier(channel: number, checkpointId?: number): boolean {
    return this.arrived.get(checkpointId ?? this.latest)?.has(channel) ?? false;
  }
}

/** A built-in scenario with the handler swapped in. */
function withHandler(scenario: Scenario): Scenario {
  return {
    ...scenario,
    build: (parameters, input) => {
      const setup = scenario.build(parameters, input);
      return { ...setup, cluster: { ...setup.cluster, barrierHandler: (host) => new SnapshotOnFirstBarrier(host) } };
    },
  };
}

describe('the library API', () => {
  it('is the built package', () => {
    expect(import.meta.resolve('ckptsim')).toMatch(/\/dist\/src\/index\.js$/);
  });

  it('judges a user-supplied barrier handler with the same properties', () => {
    const scenario = findScenario('fan-in-skew')!;
    const result = runCase(withHandler(scenario), { scenario: 'fan-in-skew', seed: 1 });
    expect(result.verdict).toBe('fail');
    expect(result.violations[0]?.property).toBe('consistent-snapshot');
    expect(result.violations[0]?.message).toMatch(/misses \d+ record\(s\) of partition p\d+ from before the barrier/);
    // Flink's own handler passes the same case.
    expect(runCase(scenario, { scenario: 'fan-in-skew', seed: 1 }).verdict).toBe('pass');
  });
});
