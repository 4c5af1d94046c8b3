/** Rescaling on restore: Flink's StateAssignmentOperation, operator state repartitioning and lineage per key group. */
export { repartitionOperatorState, type NamedListState, type OperatorListStates, type OperatorStateMode } from './operator-state-repartitioner.js';
export { KeyGroupLineage, type KeyGroupLineageSnapshot } from './key-group-lineage.js';
export {
  assignSubtaskState,
  readRescaledState,
  rescaledRestoreFor,
  snapshotParallelism,
  type RescalableSubtaskState,
  type RescaledRestore,
  type StateReader,
} from './state-assignment-operation.js';
export { withParallelism, forwardGroups } from './rescaled-job.js';
