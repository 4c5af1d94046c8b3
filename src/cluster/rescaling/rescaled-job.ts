import type { JobGraph, JobVertex } from '../jobgraph/job-graph.js';

/**
 * The job at another parallelism per vertex, as a user resumes a savepoint with new parallelism
 * settings. The edges stay as they were: a forward edge needs both ends at one parallelism, so
 * vertices joined by forward edges ({@link forwardGroups}) are rescaled together.
 */

/** Groups of vertex names joined by forward edges, each in job order; groups in job order of their first vertex. */
export function forwardGroups(job: JobGraph): string[][] {
  const groupOf = new Map<string, string[]>();
  const groups: string[][] = [];
  for (const vertex of job.vertices) {
    let group: string[] | undefined;
    for (const edges of vertex.inputs) {
      for (const edge of edges) if (edge.partitioner.kind === 'forward') group = groupOf.get(edge.source);
    }
    if (group === undefined) groups.push((group = []));
    group.push(vertex.name);
    groupOf.set(vertex.name, group);
  }
  return groups;
}

/**
 * `job` with the parallelism of the vertices named in `parallelism` changed. Throws (a
 * programming error of the caller, which validates plans first) for an unknown vertex, a
 * parallelism outside 1..maxParallelism, or a forward edge whose ends would differ.
 */
export function withParallelism(job: JobGraph, parallelism: ReadonlyMap<string, number>): JobGraph {
  for (const name of parallelism.keys()) if (!job.vertices.some((vertex) => vertex.name === name)) throw new Error(`job ${job.name} has no vertex named ${name}`);
  const vertices: JobVertex[] = job.vertices.map((vertex) => {
    const wanted = parallelism.get(vertex.name);
    if (wanted === undefined || wanted === vertex.parallelism) return vertex;
    if (!Number.isInteger(wanted) || wanted < 1 || wanted > vertex.maxParallelism) throw new Error(`parallelism ${wanted} of ${vertex.name} is outside 1..${vertex.maxParallelism} (its max parallelism)`);
    return { ...vertex, parallelism: wanted };
  });
  const byName = new Map(vertices.map((vertex) => [vertex.name, vertex] as const));
  for (const vertex of vertices) {
    for (const edges of vertex.inputs) {
      for (const edge of edges) {
        const producer = byName.get(edge.source) as JobVertex;
        if (edge.partitioner.kind === 'forward' && producer.parallelism !== vertex.parallelism) {
          throw new Error(`forward edge ${producer.name} -> ${vertex.name} needs equal parallelism (${producer.parallelism} vs ${vertex.parallelism})`);
        }
      }
    }
  }
  return { ...job, vertices };
}
