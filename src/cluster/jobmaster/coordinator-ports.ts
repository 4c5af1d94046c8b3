import type { SimNode } from '../../sim/index.js';
import { eventKind } from '../../sim/index.js';
import type { CoordinatorPorts, ExecutionGraphView, ExecutionState } from '../checkpoint/ports.js';
import type { CheckpointBarrier } from '../checkpoint/types.js';
import { timedTriggerChainExecutor } from '../checkpoint/trigger-chain-timing.js';
import type { JobCoordinatorsPorts, JobOperatorCoordinators } from '../coordination/job-coordinators.js';
import type { TaskExecutor } from '../executor/task-executor.js';
import type { JobMasterServices } from './job-master-services.js';
import type { TaskRpc } from './task-rpc.js';

const coordinatorKind = eventKind('coordinator.timer');
const operatorCoordinatorTimerKind = eventKind('coordinator.operator-coordinator-timer');
const triggerChainKind = eventKind('coordinator.trigger-chain');

/** What the coordinators' ports need of their JobMaster. */
export interface JobMasterPortContext {
  readonly services: JobMasterServices;
  readonly node: SimNode;
  readonly graph: ExecutionGraphView;
  readonly taskRpc: TaskRpc;
  /** False once the JobMaster's process died or a successor replaced it. */
  isLive(): boolean;
  /** `task`'s attempt `attempt` while it is the current one (its state and executor); undefined otherwise. */
  currentAttempt(task: string, attempt: number): { readonly state: ExecutionState; readonly executor: TaskExecutor | undefined } | undefined;
  /** Fails one subtask (its region restarts, as the failover strategy says). */
  failTask(task: string, cause: string): void;
  /** Fails the whole job over (a global failover). */
  failGlobally(cause: string): void;
}

const deployedStates: ReadonlySet<ExecutionState> = new Set<ExecutionState>(['DEPLOYING', 'INITIALIZING', 'RUNNING']);

/** What the operator coordinators use of their JobMaster: its timers, the RPC to tasks, failover. */
export function operatorCoordinatorPorts(context: JobMasterPortContext): JobCoordinatorsPorts {
  const { services, node, taskRpc } = context;
  const sim = services.sim;
  const running = (task: string, attempt: number) => {
    const current = context.currentAttempt(task, attempt);
    return current !== undefined && deployedStates.has(current.state) ? current : undefined;
  };
  return {
    get nowUs() {
      return sim.nowUs;
    },
    schedule: (delayUs, action) => {
      sim.schedule(delayUs, operatorCoordinatorTimerKind, () => {
        if (context.isLive()) action();
      }, node);
    },
    sendEventToTask: (task, attempt, event, result) => taskRpc.sendOperatorEvent(task, attempt, event, result),
    isStillRunning: (task, attempt) => context.isLive() && running(task, attempt) !== undefined,
    failTask: (task, attempt, cause) => {
      const current = running(task, attempt);
      if (!context.isLive() || current === undefined) return;
      const executor = current.executor;
      context.failTask(task, cause);
      // The failed attempt is canceled on its executor too.
      if (executor !== undefined) taskRpc.sendToExecutor('cancelTask', executor, task, () => executor.cancelTask(task, attempt));
    },
    failJob: (cause) => context.failGlobally(cause),
    step: (step) => {
      if (services.hooks.hasStepListeners) services.hooks.step(step);
    },
    publish: (body) => services.observations.publish(body),
    plantedBugs: services.plantedBugs,
    logs: services.logs ?? new Map(),
  };
}

/** What the CheckpointCoordinator uses of its JobMaster: clock, graph, task RPCs, storage, stores, failover. */
export function checkpointCoordinatorPorts(context: JobMasterPortContext, operatorCoordinators: JobOperatorCoordinators | undefined): CoordinatorPorts {
  const { services, node, taskRpc } = context;
  const sim = services.sim;
  return {
    clock: {
      get nowUs() {
        return sim.nowUs;
      },
      schedule: (delayUs, name, action) => {
        void name;
        const timer = sim.schedule(delayUs, coordinatorKind, action, node);
        return { cancel: () => sim.cancel(timer) };
      },
      randomBetween: (low, high) => services.random.intBetween(low, high),
    },
    graph: context.graph,
    gateway: {
      triggerCheckpoint: (task, attempt, barrier, onFailure) => taskRpc.askTriggerCheckpoint(task, attempt, barrier as CheckpointBarrier, onFailure),
      notifyCheckpointComplete: (task, attempt, checkpointId) =>
        taskRpc.sendToTask('notifyCheckpointComplete', task, attempt, checkpointId, undefined, (executor) => executor.notifyCheckpointComplete(task, attempt, checkpointId)),
      notifyCheckpointAborted: (task, attempt, checkpointId) =>
        taskRpc.sendToTask('notifyCheckpointAborted', task, attempt, checkpointId, undefined, (executor) => executor.notifyCheckpointAborted(task, attempt, checkpointId)),
    },
    storage: {
      initializeLocation: (checkpointId) => services.storage.initializeLocation(checkpointId),
      finalizeMetadata: (location, checkpointId, handles, done) =>
        services.storage.writeMetadata(node, `${location}/_metadata`, { checkpointId, handles: handles.map((handle) => handle.key) }, (result) =>
          done(result.ok ? { ok: true, handle: result.value } : { ok: false, error: result.error }),
        ),
      discard: (keys) => services.storage.discard(keys),
    },
    idCounter: services.idCounter,
    store: services.store,
    callbacks: {
      failJob: (cause) => context.failGlobally(cause),
      failJobDueToTaskFailure: (cause, task, attempt) => {
        const state = context.currentAttempt(task, attempt)?.state;
        if (state === 'INITIALIZING' || state === 'RUNNING') context.failGlobally(cause);
      },
    },
    observations: services.observations,
    hooks: services.hooks,
    masterHooks: [],
    ...(operatorCoordinators === undefined ? {} : { operatorCoordinators }),
    ...(services.sharedState === undefined ? {} : { sharedState: services.sharedState }),
    triggerChain: timedTriggerChainExecutor((delayUs, action) => void sim.schedule(delayUs, triggerChainKind, action, node), sim.random('trigger-chain')),
  };
}
