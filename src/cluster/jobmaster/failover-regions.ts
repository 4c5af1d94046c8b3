import { producerSubtasks, taskName, type JobGraph } from '../jobgraph/job-graph.js';

/**
 * Pipelined regions (Flink's RestartPipelinedRegionFailoverStrategy): subtasks connected by
 * pipelined data exchanges fail over together. Returns the region of every task, as the sorted
 * list of task names in it; an all-to-all edge makes one region of everything it touches.
 */
export function computeFailoverRegions(graph: JobGraph): Map<string, readonly string[]> {
  const parent = new Map<string, string>();
  const find = (task: string): string => {
    let root = task;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    parent.set(task, root);
    return root;
  };
  const union = (left: string, right: string): void => {
    const leftRoot = find(left);
    const rightRoot = find(right);
    if (leftRoot !== rightRoot) parent.set(leftRoot < rightRoot ? rightRoot : leftRoot, leftRoot < rightRoot ? leftRoot : rightRoot);
  };
  const parallelism = new Map(graph.vertices.map((vertex) => [vertex.name, vertex.parallelism]));
  for (const vertex of graph.vertices) {
    for (let subtask = 0; subtask < vertex.parallelism; subtask++) parent.set(taskName(vertex.name, subtask), taskName(vertex.name, subtask));
  }
  for (const vertex of graph.vertices) {
    for (const edges of vertex.inputs) {
      for (const edge of edges) {
        for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
          for (const producer of producerSubtasks(edge, parallelism.get(edge.source) as number, subtask)) {
            union(taskName(edge.source, producer), taskName(vertex.name, subtask));
          }
        }
      }
    }
  }
  const members = new Map<string, string[]>();
  for (const task of parent.keys()) {
    const root = find(task);
    let list = members.get(root);
    if (list === undefined) members.set(root, (list = []));
    list.push(task);
  }
  const regions = new Map<string, readonly string[]>();
  for (const list of members.values()) {
    const sorted = [...list].sort();
    for (const task of list) regions.set(task, sorted);
  }
  return regions;
}
