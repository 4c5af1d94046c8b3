import type { DataStream, JobBuilder, SourceOptions } from '../src/cluster/jobgraph/job-builder.js';
import type { PartitionDiscovery } from '../src/cluster/connectors/flip27/split.js';
import type { SourcePartition } from '../src/cluster/storage/partitioned-log.js';
import type { ScenarioParameters } from '../src/explore/scenario.js';

/**
 * The source of a built-in scenario: a FLIP-27 source (Flink's env.fromSource: a split
 * enumerator on the JobMaster discovering the partitions over time, readers asking it for
 * splits), or, with the scenario parameter `legacySource` = 1, the legacy source that reads a
 * fixed share of the partitions.
 *
 * Partition discovery: `initialPartitions` (default: half the partitions, at least one) exist at
 * the start, one more appears every `newPartitionEveryUs` (default 4 ms), and the enumerator
 * looks every `discoveryIntervalUs` (default 1 ms).
 */
export function scenarioSource(job: JobBuilder, name: string, partitions: ReadonlyArray<SourcePartition>, parameters: ScenarioParameters, options: SourceOptions): DataStream {
  if (parameters['legacySource'] === 1) return job.source(name, partitions, options);
  const discovery: PartitionDiscovery = {
    initialPartitions: parameters['initialPartitions'] ?? Math.max(1, Math.floor(partitions.length / 2)),
    newPartitionEveryUs: parameters['newPartitionEveryUs'] ?? 4_000,
    discoveryIntervalUs: parameters['discoveryIntervalUs'] ?? 1_000,
  };
  return job.fromSource(name, partitions, discovery, options);
}
