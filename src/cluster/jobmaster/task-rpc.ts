import type { RpcNetwork } from '../../net/index.js';
import type { SimNode, Simulation } from '../../sim/index.js';
import { eventKind } from '../../sim/index.js';
import type { CheckpointBarrier } from '../checkpoint/types.js';
import type { EventSendResult, OperatorEvent } from '../coordination/operator-event.js';
import type { TaskExecutor } from '../executor/task-executor.js';

/** Flink's RPC ask timeout (akka.ask.timeout), scaled down like the heartbeats. */
export const askTimeoutUs = 2_000_000;
const askTimeoutKind = eventKind('jobmaster.deploy-timeout');
const triggerTimeoutKind = eventKind('jobmaster.trigger-checkpoint-timeout');

/** Where a subtask's current attempt runs, as the execution graph knows it. */
export interface TaskLocation {
  readonly attempt: number;
  readonly executor: TaskExecutor | undefined;
}

/** What the JobMaster's RPCs travel on. */
export interface TaskRpcServices {
  readonly sim: Simulation;
  readonly node: SimNode;
  readonly rpc: RpcNetwork;
  /** Where the answers of the JobMaster's asks travel back (see Cluster.rpcAnswers). */
  readonly rpcAnswers: RpcNetwork;
}

/**
 * The JobMaster's RPCs to the TaskExecutors that run its subtasks (Flink's TaskManagerGateway,
 * as Execution calls it): each addressed to one attempt of a subtask over the lossy RPC network,
 * and dropped here when the execution graph knows no executor for that attempt. The asks
 * (triggerCheckpoint, sendOperatorEvent) fail after the ask timeout when the request or its
 * answer is lost.
 */
export class TaskRpc {
  constructor(
    private readonly services: TaskRpcServices,
    private readonly locate: (task: string) => TaskLocation | undefined,
  ) {}

  /** The envelope every JobMaster RPC carries: what the network's fault rules match on. */
  envelope(method: string, executor: TaskExecutor, task: string | undefined, checkpointId: number | undefined) {
    return { method, source: 'jobmaster', target: executor.name, task, checkpointId };
  }

  /** Sends `method` to an executor, outside any subtask (heartbeats, acknowledgements, cancels). */
  sendToExecutor(method: string, executor: TaskExecutor, task: string | undefined, call: () => void): void {
    this.services.rpc.send(this.services.node, executor.node, this.envelope(method, executor, task, undefined), call);
  }

  /**
   * Sends `method` to the executor running `task@attempt`; `onFailure` learns at once when the
   * graph knows no executor for that attempt (a fire-and-forget call has none).
   */
  sendToTask(
    method: string,
    task: string,
    attempt: number,
    checkpointId: number,
    onFailure: ((cause: string) => void) | undefined,
    call: (executor: TaskExecutor) => void,
  ): void {
    const location = this.locate(task);
    const executor = location?.executor;
    if (executor === undefined || location?.attempt !== attempt) {
      onFailure?.(`no executor for ${task}@${attempt}`);
      return;
    }
    this.services.rpc.send(this.services.node, executor.node, this.envelope(method, executor, task, checkpointId), () => call(executor));
  }

  /**
   * Flink's Execution.triggerCheckpoint: an ask, whose future the TaskExecutor completes on
   * receipt (TaskExecutor.triggerCheckpoint answers Acknowledge at once) and which fails after the
   * RPC timeout when the request or its answer is lost; CheckpointCoordinator.triggerCheckpointRequest
   * then aborts the checkpoint with TRIGGER_CHECKPOINT_FAILURE (which the failure manager does not
   * count), instead of leaving it to expire.
   */
  askTriggerCheckpoint(task: string, attempt: number, barrier: CheckpointBarrier, onFailure: (cause: string) => void): void {
    const { sim, node, rpcAnswers } = this.services;
    let answered = false;
    const timer = sim.schedule(askTimeoutUs, triggerTimeoutKind, () => {
      if (!answered) onFailure(`triggerCheckpoint ${barrier.checkpointId} of ${task}@${attempt} timed out`);
    }, node);
    this.sendToTask('triggerCheckpoint', task, attempt, barrier.checkpointId, (cause) => {
      sim.cancel(timer);
      onFailure(cause);
    }, (executor) => {
      executor.triggerCheckpoint(task, attempt, barrier);
      rpcAnswers.send(executor.node, node, { method: 'triggerCheckpointAnswer', source: executor.name, target: 'jobmaster', task, checkpointId: barrier.checkpointId }, () => {
        answered = true;
        sim.cancel(timer);
      });
    });
  }

  /** Flink's sendOperatorEventToTask, an ask: the result settles with the executor's answer, or fails after the ask timeout. */
  sendOperatorEvent(task: string, attempt: number, event: OperatorEvent, result: EventSendResult): void {
    const location = this.locate(task);
    const executor = location?.executor;
    if (executor === undefined || location?.attempt !== attempt) {
      result.settle({ ok: false, cause: `no executor for ${task}@${attempt}` });
      return;
    }
    const { sim, node, rpc } = this.services;
    rpc.send(node, executor.node, this.envelope('sendOperatorEvent', executor, task, undefined), () =>
      executor.sendOperatorEventToTask(task, attempt, event, (outcome) => result.settle(outcome)),
    );
    sim.schedule(askTimeoutUs, askTimeoutKind, () => result.settle({ ok: false, cause: `the operator event to ${task}@${attempt} timed out` }), node);
  }

  /**
   * Schedules `onTimeout` after the ask timeout, on the JobMaster's node (submitTask's ask: a
   * deployment that never starts fails its execution).
   */
  afterAskTimeout(onTimeout: () => void): void {
    this.services.sim.schedule(askTimeoutUs, askTimeoutKind, onTimeout, this.services.node);
  }
}
