import type { RpcNetwork } from '../../net/index.js';
import type { RandomStream, SimNode, Simulation } from '../../sim/index.js';
import type { CheckpointIdCounter, CompletedCheckpointStore } from '../checkpoint/ports.js';
import type { CheckpointConfig, CompletedCheckpoint } from '../checkpoint/types.js';
import type { HeartbeatOptions } from '../executor/task-executor.js';
import type { RuntimeHooks } from '../hooks.js';
import type { ObservationBus } from '../observations.js';
import type { CheckpointStorage } from '../storage/checkpoint-storage.js';
import type { PartitionedLog } from '../storage/partitioned-log.js';
import type { SharedStatePort } from '../storage/shared-state/shared-state-lifecycle.js';
import type { RestartStrategyConfig } from './restart-strategy.js';

/** What a JobMaster is built from. */
export interface JobMasterServices {
  readonly sim: Simulation;
  readonly node: SimNode;
  readonly leaderEpoch: number;
  readonly rpc: RpcNetwork;
  /** Where the answers of the JobMaster's asks travel back (see Cluster.rpcAnswers). */
  readonly rpcAnswers: RpcNetwork;
  readonly hooks: RuntimeHooks;
  readonly observations: ObservationBus;
  readonly storage: CheckpointStorage;
  readonly idCounter: CheckpointIdCounter;
  readonly store: CompletedCheckpointStore;
  /** Incremental checkpoints: the store's SharedStateRegistry side (absent without incremental state). */
  readonly sharedState?: SharedStatePort;
  readonly checkpointConfig: CheckpointConfig;
  readonly restartStrategy: RestartStrategyConfig;
  readonly plantedBugs: readonly string[];
  readonly failoverStrategy: 'region' | 'full';
  readonly heartbeat: HeartbeatOptions;
  readonly random: RandomStream;
  /** The source logs, for the FLIP-27 sources' split enumerators (absent: the job has none). */
  readonly logs?: ReadonlyMap<string, PartitionedLog>;
  /** Attempt numbers are unique per subtask across JobMaster failovers (Flink's ExecutionAttemptID). */
  nextAttempt(task: string): number;
  /** A savepoint completed: its state belongs to the user from now on and is never discarded. */
  onSavepointCompleted(savepoint: CompletedCheckpoint): void;
  /** Called once when the job reaches a globally terminal state. */
  onTerminal(status: 'FINISHED' | 'FAILED' | 'CANCELED', cause: string | undefined): void;
}
