import type { ClusterConfig } from '../cluster/cluster.js';
import type { CheckpointConfig } from '../cluster/checkpoint/types.js';
import type { JobGraph } from '../cluster/jobgraph/job-graph.js';
import type { RandomStream } from '../sim/index.js';
import { UsageError } from '../sim/usage-error.js';

/** Numeric knobs of a scenario (records, partitions, parallelism, keys, skew...). */
export type ScenarioParameters = Readonly<Record<string, number>>;

/** The property names a scenario can declare; the oracle implements each. */
export type PropertyName =
  | 'job-finishes'
  | 'exactly-once'
  | 'at-least-once'
  | 'upsert-exactly-once'
  | 'consistent-snapshot'
  | 'recovery'
  | 'coordinator-invariants'
  | 'two-phase-commit'
  | 'liveness'
  | 'trigger-results'
  | 'failure-accounting'
  | 'notification-order'
  | 'explained-failures'
  | 'external-hygiene'
  | 'windowed-output'
  | 'split-ownership';

/** Cluster settings a scenario overrides; the checkpoint part merges field by field. */
export type ClusterOverrides = Partial<Omit<ClusterConfig, 'checkpoint'>> & { readonly checkpoint?: Partial<CheckpointConfig> };

/** What a scenario builds for one case. */
export interface ScenarioSetup {
  readonly job: JobGraph;
  readonly cluster: ClusterOverrides;
  /** Stop-with-savepoint at this virtual time, then resume a new run from the savepoint. */
  readonly stopWithSavepointAtUs?: number;
}

/**
 * A named, ready-to-run scenario: a job, the cluster it runs on, and the properties that apply.
 * `build` must be deterministic given the parameters and the input stream it is handed.
 */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly properties: readonly PropertyName[];
  readonly defaults: ScenarioParameters;
  /**
   * True when the job's output depends on the order in which records from different channels
   * reach an operator (running aggregates, first-seen deduplication). Exactly-once is then judged
   * by whether some failure-free interleaving explains the committed output (see
   * oracle/interleaving-search.ts), and the committed records are kept from the start. Left out,
   * the job is taken as confluent (one failure-free output); should its output differ from that
   * one, the interleaving search still runs before any record is called lost.
   */
  readonly orderDependent?: boolean;
  build(parameters: ScenarioParameters, input: RandomStream): ScenarioSetup;
}

/** Resolves a scenario's parameters: defaults overridden by `given`; unknown or bad values are errors. */
export function resolveParameters(scenario: Scenario, given: Readonly<Record<string, number>> | undefined): ScenarioParameters {
  const resolved: Record<string, number> = { ...scenario.defaults };
  for (const [name, value] of Object.entries(given ?? {})) {
    if (!Object.hasOwn(scenario.defaults, name)) {
      throw new UsageError(`scenario ${scenario.name} has no parameter '${name}' (it has: ${Object.keys(scenario.defaults).join(', ')})`);
    }
    if (!Number.isSafeInteger(value) || value < 0) throw new UsageError(`parameter ${name} must be a non-negative integer, got ${value}`);
    resolved[name] = value;
  }
  return resolved;
}

/** Thrown for bad user input; defined in the kernel layer so every layer can throw it. */
export { UsageError };
