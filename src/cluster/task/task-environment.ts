import type { RandomStream, SimNode, Simulation } from '../../sim/index.js';
import type { ChannelOptions } from '../../net/index.js';
import type { CheckpointBarrier, CheckpointConfig, CheckpointFailureReason, SubtaskStateSnapshot } from '../checkpoint/types.js';
import type { RuntimeHooks } from '../hooks.js';
import type { JobEdge, JobVertex } from '../jobgraph/job-graph.js';
import type { ObservationBus } from '../observations.js';
import type { CheckpointStorage } from '../storage/checkpoint-storage.js';
import type { PartitionedLog } from '../storage/partitioned-log.js';
import type { TransactionalStore } from '../storage/transactional-store.js';
import type { FileStore } from '../storage/file-store.js';
import type { BarrierHandlerFactory } from './barrier-handler.js';
import type { StreamOperator } from './operator.js';
import type { RescaledRestore } from '../rescaling/state-assignment-operation.js';

/** One input channel of a subtask, as deployed: which producer attempt feeds it, through which gate. */
export interface InputChannelDescriptor {
  readonly gate: number;
  readonly producerTask: string;
  readonly producerAttempt: number;
}

/** One output edge of a subtask: the consumer vertex's subtasks and how records are routed to them. */
export interface OutputDescriptor {
  readonly consumer: JobVertex;
  readonly edge: JobEdge;
  /** Consumer task names, indexed by consumer subtask. */
  readonly consumerTasks: readonly string[];
}

/** Flink's TaskDeploymentDescriptor, reduced: what a TaskExecutor needs to start one subtask attempt. */
export interface TaskDeployment {
  readonly jobRun: number;
  readonly vertex: JobVertex;
  readonly subtaskIndex: number;
  readonly taskName: string;
  readonly attempt: number;
  readonly inputs: readonly InputChannelDescriptor[];
  readonly outputs: readonly OutputDescriptor[];
  /** The checkpoint to restore from and this subtask's state handle in it (undefined: nothing to restore). */
  readonly restore:
    | {
        readonly checkpointId: number;
        readonly stateKey: string | undefined;
        /** The subtask had finished when the checkpoint was taken: it is deployed only to finish again. */
        readonly finished: boolean;
        /** Set when the vertex restores at another parallelism: the old subtasks' handles it reads instead of `stateKey`. */
        readonly rescaled?: RescaledRestore;
      }
    | undefined;
}

/** What the TaskExecutor gives each task it runs. */
export interface TaskEnvironment {
  readonly sim: Simulation;
  readonly node: SimNode;
  readonly executorName: string;
  readonly checkpointConfig: CheckpointConfig;
  /** Keyed state checkpoints incrementally into shared files (absent: full snapshots). */
  readonly incrementalCheckpoints?: boolean;
  readonly storage: CheckpointStorage;
  readonly sinkStore: TransactionalStore;
  /** The file system FileSinks write to (absent in hand-made environments). */
  readonly fileStore?: FileStore;
  readonly logs: ReadonlyMap<string, PartitionedLog>;
  readonly observations: ObservationBus;
  readonly hooks: RuntimeHooks;
  readonly channelOptions: ChannelOptions;
  readonly dataRandom: RandomStream;
  readonly barrierHandlerFactory: BarrierHandlerFactory;
  /** Planted bugs switched on for this run (cluster/planted-bugs.ts). */
  readonly plantedBugs: readonly string[];
  /** Builds the operator of a non-source vertex; the default covers the DSL and the built-in sinks. */
  readonly operatorFactory: (vertex: JobVertex) => StreamOperator;
  /** Connects an input channel to its producer (Flink's partition request), retrying until it is there. */
  requestPartition(consumer: TaskConnection, channel: number, descriptor: InputChannelDescriptor): void;
  /** Registers a producing task so consumers can connect to it. */
  registerProducer(task: TaskConnection): void;
  unregisterProducer(task: TaskConnection): void;
  reportState(taskName: string, attempt: number, state: 'INITIALIZING' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED', cause?: string): void;
  acknowledgeCheckpoint(taskName: string, attempt: number, checkpointId: number, snapshot: SubtaskStateSnapshot): void;
  declineCheckpoint(taskName: string, attempt: number, checkpointId: number, reason: CheckpointFailureReason): void;
  /** Sends an operator event to the coordinator of this task's operator; a lost one fails the task. */
  sendOperatorEventToCoordinator(taskName: string, attempt: number, event: import('../coordination/operator-event.js').OperatorEvent): void;
}

/** How the shuffle service connects channels between two tasks. */
export interface TaskConnection {
  readonly taskName: string;
  readonly attempt: number;
  readonly node: SimNode;
  /** Producer side: the output channel towards `consumerTask`, created at deployment. */
  outputChannelTo(consumerTask: string): import('../../net/index.js').DataChannel<import('./buffers.js').NetworkBuffer> | undefined;
  /** Consumer side: a buffer arrived on input channel `channel`. */
  receive(channel: number, buffer: import('./buffers.js').NetworkBuffer): void;
  /** Consumer side: input channel `channel` is connected. */
  connected(channel: number, link: import('../../net/index.js').DataChannel<import('./buffers.js').NetworkBuffer>): void;
  /** The other end of a channel is gone (its executor crashed, or its partition never appeared). */
  failExternally(cause: string): void;
}

/** Re-exported for the barrier in trigger RPCs. */
export type { CheckpointBarrier };
