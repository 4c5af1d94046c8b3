import type { ProtocolStep } from '../cluster/hooks.js';
import type { Fault } from './plan.js';

/**
 * The protocol step a fault took effect at or within, for step × fault coverage. A step-triggered
 * fault took effect at its trigger's step. A time-triggered fault took effect within the step the
 * component it hits last announced (that step's phase was in progress for it), or before any step
 * ({@link beforeAnyStep}) when that component had announced none. The component a fault hits:
 *
 * - `fail-task`, `slow-task`: its task (the `task.*` steps of that task);
 * - `channel-stall`: the producer task of its channel (its `task.*` steps);
 * - `crash-executor`: its executor (the `task.*` and `executor.*` steps on it);
 * - `crash-jobmaster`, `ha-store`: the CheckpointCoordinator (`coordinator.*` steps);
 * - the rest (`rpc`, `partition`, `storage`, `sink-commit-failure`, `transaction-timeout`,
 *   `source-unavailable`) act on the job as a whole: the last `task.*`, `executor.*` or
 *   `coordinator.*` step of any component.
 *
 * RPC steps (`rpc.<method>`) are the nemesis's own view of messages, announced for every message:
 * they never make a phase, so only a fault aimed at one is counted there.
 */
export const beforeAnyStep = 'start';

/** The last step each component announced: kept only while a plan has time-triggered faults. */
export class StepScopes {
  private readonly byTask = new Map<string, string>();
  private readonly byExecutor = new Map<string, string>();
  private coordinator: string | undefined;
  private any: string | undefined;

  /** Notes a step the runtime announced (never an RPC step). */
  note(step: ProtocolStep): void {
    const name = step.name;
    this.any = name;
    if (name.startsWith('coordinator.')) {
      this.coordinator = name;
      return;
    }
    if (step.executor !== undefined) this.byExecutor.set(step.executor, name);
    if (step.task !== undefined && name.startsWith('task.')) this.byTask.set(step.task, name);
  }

  /** The step a time-triggered fault firing now takes effect within (see {@link beforeAnyStep}). */
  stepFor(fault: Fault): string {
    switch (fault.kind) {
      case 'fail-task':
      case 'slow-task':
        return this.byTask.get(fault.task) ?? beforeAnyStep;
      case 'channel-stall':
        return this.byTask.get(fault.channel.split('->')[0] as string) ?? beforeAnyStep;
      case 'crash-executor':
        return this.byExecutor.get(fault.executor) ?? beforeAnyStep;
      case 'crash-jobmaster':
      case 'ha-store':
        return this.coordinator ?? beforeAnyStep;
      default:
        return this.any ?? beforeAnyStep;
    }
  }
}
