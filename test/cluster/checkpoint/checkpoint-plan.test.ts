import { describe, expect, it } from 'vitest';
import { calculateCheckpointPlan } from '../../../src/cluster/checkpoint/checkpoint-plan.js';
import { FakeGraph, pipelineGraph } from './fakes.js';

describe('calculateCheckpointPlan', () => {
  it('triggers the sources and waits for every task when all run', () => {
    const result = calculateCheckpointPlan(pipelineGraph().executions(), true);
    expect(result).toEqual({
      ok: true,
      plan: {
        tasksToTrigger: [{ taskName: 'source#0', attempt: 0 }],
        tasksToWaitFor: [
          { taskName: 'source#0', attempt: 0 },
          { taskName: 'map#0', attempt: 0 },
          { taskName: 'sink#0', attempt: 0 },
        ],
        finishedTasks: [],
        taskOrder: ['source#0', 'map#0', 'sink#0'],
      },
    });
  });

  it('with finished sources, triggers the running tasks whose upstream all finished and pre-acknowledges the finished', () => {
    const graph = new FakeGraph([
      { taskName: 'source#0', attempt: 0, state: 'FINISHED', upstream: [] },
      { taskName: 'source#1', attempt: 0, state: 'RUNNING', upstream: [] },
      { taskName: 'map#0', attempt: 3, state: 'RUNNING', upstream: ['source#0'] },
      { taskName: 'map#1', attempt: 0, state: 'RUNNING', upstream: ['source#1'] },
    ]);
    const result = calculateCheckpointPlan(graph.executions(), true);
    if (!result.ok) throw new Error(result.detail);
    expect(result.plan.tasksToTrigger).toEqual([
      { taskName: 'source#1', attempt: 0 },
      { taskName: 'map#0', attempt: 3 },
    ]);
    expect(result.plan.tasksToWaitFor.map((task) => task.taskName)).toEqual(['source#1', 'map#0', 'map#1']);
    expect(result.plan.finishedTasks).toEqual(['source#0']);
  });

  it('fails with NOT_ALL_REQUIRED_TASKS_RUNNING when a task is neither RUNNING nor FINISHED', () => {
    const graph = pipelineGraph();
    graph.set('map#0', 'DEPLOYING', 1);
    const result = calculateCheckpointPlan(graph.executions(), true);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('NOT_ALL_REQUIRED_TASKS_RUNNING');
    expect(result.detail).toContain('map#0');
  });

  it('fails with NOT_ALL_REQUIRED_TASKS_RUNNING on a finished task when checkpoints after finish are off', () => {
    const graph = pipelineGraph();
    graph.set('source#0', 'FINISHED');
    const result = calculateCheckpointPlan(graph.executions(), false);
    expect(result.ok ? 'ok' : result.reason).toBe('NOT_ALL_REQUIRED_TASKS_RUNNING');
  });

  it('has nothing to checkpoint when every task finished', () => {
    const graph = pipelineGraph();
    for (const name of ['source#0', 'map#0', 'sink#0']) graph.set(name, 'FINISHED');
    const result = calculateCheckpointPlan(graph.executions(), true);
    expect(result.ok ? 'ok' : result.reason).toBe('TRIGGER_CHECKPOINT_FAILURE');
  });

  it('refuses a graph that names an unknown upstream task', () => {
    const graph = new FakeGraph([{ taskName: 'map#0', attempt: 0, state: 'RUNNING', upstream: ['ghost#0'] }]);
    expect(() => calculateCheckpointPlan(graph.executions(), true)).toThrow(/unknown task ghost#0/);
  });
});
