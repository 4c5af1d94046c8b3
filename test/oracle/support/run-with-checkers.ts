import type { Observation } from '../../../src/cluster/observations.js';
import { mergeClusterConfig, runCase, type CaseResult } from '../../../src/explore/run-case.js';
import type { CaseSpec } from '../../../src/explore/replay-token.js';
import { resolveParameters, type ClusterOverrides, type Scenario } from '../../../src/explore/scenario.js';
import { createCheckers, type CheckerContext, type CheckerProperty, type FinalState, type RetainedCheckpoint } from '../../../src/oracle/checkers/index.js';
import type { Violation } from '../../../src/oracle/violation.js';
import { deriveStream } from '../../../src/sim/index.js';

/** The checker context of a case: the job and checkpoint configuration runCase builds for it. */
export function contextFor(scenario: Scenario, spec: CaseSpec): CheckerContext {
  const setup = scenario.build(resolveParameters(scenario, spec.parameters), deriveStream(spec.seed, 'scenario.input'));
  const config = mergeClusterConfig(setup.cluster, spec.config as ClusterOverrides | undefined);
  return { job: setup.job, checkpoint: config.checkpoint };
}

/**
 * Rebuilds, from observations alone, what the runner would read from the cluster at the end:
 * the storage keys still present (written minus discarded) and the checkpoints still owned (the
 * completed store's, every job run's, and completed savepoints), each with its state handles and
 * its metadata file (`chk-<id>/_metadata`, the runtime's documented naming).
 */
export class FinalStateRecorder {
  private readonly keys = new Set<string>();
  private readonly retained = new Map<number, RetainedCheckpoint>();

  readonly observe = (observation: Observation): void => {
    switch (observation.type) {
      case 'storage-written':
        this.keys.add(observation.key);
        return;
      case 'storage-discarded':
        this.keys.delete(observation.key);
        return;
      case 'checkpoint-completed':
        this.retained.set(observation.checkpointId, {
          checkpointId: observation.checkpointId,
          type: observation.checkpointType,
          handles: [...observation.stateHandles, `chk-${observation.checkpointId}/_metadata`],
        });
        return;
      case 'checkpoint-removed-from-store':
        if (this.retained.get(observation.checkpointId)?.type === 'checkpoint') this.retained.delete(observation.checkpointId);
        return;
      default:
        return;
    }
  };

  finalState(result: CaseResult): FinalState {
    const faults = (result as { faults?: ReadonlyArray<{ healedAtUs: number }> }).faults ?? [];
    return {
      jobStatus: result.jobStatus as FinalState['jobStatus'],
      endUs: result.stats.virtualTimeUs,
      lastFaultHealedUs: faults.reduce((latest, fault) => Math.max(latest, fault.healedAtUs), 0),
      storageKeys: [...this.keys].sort(),
      retainedCheckpoints: [...this.retained.values()],
    };
  }
}

/** One case run with streaming checkers subscribed; returns the run's result and the checkers' violations. */
export function runWithCheckers(scenario: Scenario, spec: CaseSpec, properties: readonly string[] = scenario.properties): { result: CaseResult; violations: Violation[] } {
  const checkers = createCheckers(properties, contextFor(scenario, spec));
  const recorder = new FinalStateRecorder();
  const result = runCase(scenario, spec, { observers: [recorder.observe, ...checkers.map((checker) => (observation: Observation) => checker.observe(observation))] });
  const final = recorder.finalState(result);
  return { result, violations: checkers.flatMap((checker) => checker.finish(final)) };
}

export type { CheckerProperty };
