import type { RandomStream } from '../../sim/random.js';
import type { TriggerChainExecutor, TriggerChainStep } from './ports.js';

/** The range of one trigger-chain step's latency, in microseconds (inclusive). */
export interface StepLatencyUs {
  readonly low: number;
  readonly high: number;
}

/**
 * How long each step of the trigger chain takes in the cluster. Steps on Flink's I/O executor (the
 * id counter's HA write, the storage location's directories, a master hook) take a storage-like
 * round trip; hand-overs to the JobMaster's main thread or the coordinator's timer thread take a
 * little queueing. Kept well under the scenarios' checkpoint intervals, so a chain rarely holds a
 * periodic request back, but long enough that expiry, stops, failovers and declines land mid-chain.
 */
export const triggerChainLatencyUs: Readonly<Record<TriggerChainStep, StepLatencyUs>> = {
  'calculate-plan': { low: 0, high: 50 },
  'take-checkpoint-id': { low: 50, high: 800 },
  'create-pending-checkpoint': { low: 0, high: 50 },
  'initialize-location': { low: 50, high: 800 },
  'acknowledge-coordinators': { low: 0, high: 50 },
  'trigger-master-hook': { low: 50, high: 800 },
  'acknowledge-master-state': { low: 0, high: 50 },
  'trigger-request': { low: 0, high: 50 },
};

/**
 * A {@link TriggerChainExecutor} that runs each step as its own simulation event after a latency
 * drawn from `random` (the run's own 'trigger-chain' stream, so the chain's draws shift no other
 * component's). `schedule` belongs to the JobMaster's node: a crash drops the steps in flight.
 *
 * @param schedule - schedules `action` after `delayUs` on the JobMaster's node
 * @param random - the seeded stream the latencies are drawn from
 * @param latencyUs - the latency range of each step; default {@link triggerChainLatencyUs}
 */
export function timedTriggerChainExecutor(
  schedule: (delayUs: number, action: () => void) => void,
  random: RandomStream,
  latencyUs: Readonly<Record<TriggerChainStep, StepLatencyUs>> = triggerChainLatencyUs,
): TriggerChainExecutor {
  return {
    execute: (step, action) => {
      const { low, high } = latencyUs[step];
      schedule(random.intBetween(low, high), action);
    },
  };
}
