import type { OperatorCoordinatorState } from './ports.js';
import type { CompletedCheckpoint } from './types.js';

/** The state one master hook returned for a checkpoint (Flink's MasterState). */
export interface MasterHookState {
  readonly identifier: string;
  readonly state: unknown;
}

/**
 * A CompletedCheckpoint as the coordinator builds it: it also carries the master hooks' states,
 * so a restore can hand each hook its own state back. It is still a {@link CompletedCheckpoint},
 * so every store and reader that knows only that interface keeps working.
 */
export interface CompletedCheckpointWithMasterStates extends CompletedCheckpoint {
  readonly masterHookStates: readonly MasterHookState[];
  /** The operator coordinators' states; absent when the checkpoint took none. */
  readonly operatorCoordinatorStates?: readonly OperatorCoordinatorState[];
}

/**
 * The master hook states of `checkpoint`, or none when it was built without them (for example a
 * checkpoint a test or another component assembled by hand).
 */
export function masterHookStatesOf(checkpoint: CompletedCheckpoint): readonly MasterHookState[] {
  const states = (checkpoint as Partial<CompletedCheckpointWithMasterStates>).masterHookStates;
  return states === undefined ? [] : states;
}

/** The operator coordinator states of `checkpoint`, or none when it holds none. */
export function operatorCoordinatorStatesOf(checkpoint: CompletedCheckpoint): readonly OperatorCoordinatorState[] {
  const states = (checkpoint as Partial<CompletedCheckpointWithMasterStates>).operatorCoordinatorStates;
  return states === undefined ? [] : states;
}
