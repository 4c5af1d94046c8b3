/**
 * The checkpoint coordinator side of the runtime: Flink's CheckpointCoordinator and the parts it
 * is built from, plus the shared checkpoint vocabulary and ports.
 */
export * from './types.js';
export * from './ports.js';
export { CheckpointCoordinator, type CheckpointCoordinatorOptions, type CheckpointCounts } from './checkpoint-coordinator.js';
export type { CheckpointDone, CheckpointResult } from './checkpoint-result.js';
export { calculateCheckpointPlan, type CheckpointPlan, type CheckpointPlanResult, type TaskAttempt } from './checkpoint-plan.js';
export { PendingCheckpoint, type PendingCheckpointInit, type PendingCheckpointPhase } from './pending-checkpoint.js';
export {
  CheckpointRequestDecider,
  compareRequests,
  defaultMaxQueuedRequests,
  type CheckpointRequestDeciderOptions,
  type DecidableRequest,
  type DeciderState,
  type DroppedRequest,
  type RequestDecision,
} from './checkpoint-request-decider.js';
export {
  CheckpointFailureManager,
  preFlightFailureReasons,
  type CheckpointFailure,
  type CheckpointFailureManagerOptions,
} from './checkpoint-failure-manager.js';
export {
  HaCheckpointIdCounter,
  StandaloneCheckpointIdCounter,
  defaultCheckpointIdCounterKey,
  initialCheckpointId,
} from './checkpoint-id-counter.js';
export {
  HaCompletedCheckpointStore,
  StandaloneCompletedCheckpointStore,
  defaultCompletedCheckpointKeyPrefix,
} from './completed-checkpoint-store.js';
export { subsumeOldest, type SubsumeResult } from './checkpoint-subsume-helper.js';
export {
  fromCompletedCheckpointRecord,
  toCompletedCheckpointRecord,
  type CompletedCheckpointRecord,
} from './completed-checkpoint-record.js';
export { masterHookStatesOf, operatorCoordinatorStatesOf, type CompletedCheckpointWithMasterStates, type MasterHookState } from './master-hook-states.js';
export { PeriodicTrigger } from './periodic-trigger.js';
export { RecentCheckpoints, recentAbortedLimit, recentCompletedLimit } from './recent-checkpoints.js';
export { timedTriggerChainExecutor, triggerChainLatencyUs, type StepLatencyUs } from './trigger-chain-timing.js';
export { CheckpointTriggerChain, type TriggerChainCallbacks } from './trigger-chain.js';
export { TriggerRequestQueue, type TriggerRequest, type TriggerRequestQueueOptions } from './trigger-request-queue.js';
