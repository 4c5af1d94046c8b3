/**
 * ckptsim's public API: build a job and a scenario, run one case or a sweep under faults, plug in
 * your own barrier handler, operator or sink, and judge it with the same properties.
 *
 * ```ts
 * import { runCase, findScenario } from 'ckptsim';
 * const result = runCase(findScenario('wordcount')!, { scenario: 'wordcount', seed: 7 });
 * console.log(result.verdict, result.traceHash);
 * ```
 */

// Running cases, sweeps and planted bugs.
export { runCase, mergeClusterConfig, defaultCaseLimits, type CaseResult, type CaseStats, type RunCaseOptions, type Verdict } from './explore/run-case.js';
export { encodeReplayToken, decodeReplayToken, type CaseSpec } from './explore/replay-token.js';
export { UsageError, resolveParameters, type Scenario, type ScenarioSetup, type ScenarioParameters, type PropertyName, type ClusterOverrides } from './explore/scenario.js';
export { runSweep, sweepCases, SweepPlan, CanonicalOrder, type Shard, type CaseList, type RunningSweep, type SweepProgress } from './explore/sweep.js';
export { runSweepCase, caseSeedFor, type SweepCase, type SweepCaseResult } from './explore/sweep-case.js';
export { mergeResults, summarise, resultsSchema, ResultsCollector, reportOf, type SweepResults, type SweepReport, type ScenarioSummary } from './explore/results.js';
export { ResultsFileWriter, openResultsFile, writeResultsFile } from './report/results-file.js';
export { faultPlanArbitrary, profilePlanArbitrary, faultOfKind, topologyOf, faultProfiles, type FaultProfile, type Topology } from './explore/arbitraries.js';
export { operationsArbitrary, operationLevels, type OperationLevel } from './explore/operation-arbitraries.js';
export { runMutant, runMutants, runTailoredMutant, mutantSetups, defaultMutantSweep, summariseMutants, type MutantResult, type MutantSweep, type MutantSummary } from './explore/mutants.js';
export { scenarios, findScenario } from '../scenarios/index.js';
// User scenario modules: load them (before runSweep, so its worker threads load them too) and look
// scenarios up among the built-ins and the loaded ones.
export { loadScenarioModules, scenarioForSpec, findProjectRoot, type ScenarioModuleSet } from './explore/scenario-modules.js';
export { registeredScenarios, lookupScenario, scenarioOrigin, type ScenarioOrigin } from './explore/scenario-registry.js';

// Reports: the renderers behind report.md, junit.xml, report.html and Perfetto traces.
export { renderMarkdown, type DeclaredProperties } from './report/markdown.js';
export { renderJunit } from './report/junit.js';
export { renderSweepHtml, renderCaseHtml, replayForReport, type ReplayedCase, type SweepHtmlOptions } from './report/html.js';
export { PerfettoTraceBuilder } from './report/perfetto.js';
export { renderCaseReport, type CaseReport } from './report/case-report.js';

// Fault plans.
export { parseFaultPlan, faultKinds, rpcMethods, stepNames, operationKinds, isOperation, type Fault, type FaultKind, type FaultPlan, type FaultTrigger, type Operation, type OperationKind, type PlanEntry, type ResumeFrom } from './faults/plan.js';
export { entryDefinitions, type EntryDefinition, type FieldDefinition } from './faults/plan-definitions.js';
export type { OperationRecord } from './faults/operations.js';

// The job DSL.
export { JobBuilder, DataStream, KeyedStream, ConnectedStreams, type OperatorOptions, type SourceOptions } from './cluster/jobgraph/job-builder.js';
export { maxWatermark, minWatermark, windowStartFor, type TumblingWindowSpec, type WatermarkStrategy, type WindowResult } from './cluster/jobgraph/event-time.js';
export type { KeyedContext, KeyedProcessFunction, KeyedCoProcessFunction, ValueState, ListState } from './cluster/jobgraph/functions.js';
export type { JobGraph, JobVertex, OperatorSpec, SinkKind } from './cluster/jobgraph/job-graph.js';
export type { StreamRecord, RecordOrigin } from './cluster/jobgraph/records.js';
export { GeneratedPartition, type SourcePartition, type LogRecord } from './cluster/storage/partitioned-log.js';

// The runtime's extension points: barrier handlers, operators and sinks, cluster configuration.
export { Cluster, defaultClusterConfig, defaultBarrierHandler, defaultOperator, type ClusterConfig } from './cluster/cluster.js';
export type { CheckpointBarrierHandler, BarrierHandlerHost, BarrierHandlerFactory } from './cluster/task/barrier-handler.js';
export { SingleCheckpointBarrierHandler } from './cluster/task/single-checkpoint-barrier-handler.js';
export { CheckpointBarrierTracker } from './cluster/task/checkpoint-barrier-tracker.js';
export type { StreamOperator, OperatorContext, OperatorSnapshot } from './cluster/task/operator.js';
export { TwoPhaseCommitSink, AtLeastOnceSink, UpsertSink } from './cluster/connectors/index.js';
export { defaultCheckpointConfig, type CheckpointConfig, type CheckpointBarrier, type CheckpointOptions, type CheckpointFailureReason } from './cluster/checkpoint/types.js';
export { plantedBugCatalogue, plantedBugNames, type PlantedBug } from './cluster/planted-bugs.js';
export type { Observation, ObservationBody } from './cluster/observations.js';

// The oracle.
export { createCheckers, checkerRegistry } from './oracle/checkers/index.js';
export type { Checker, CheckerContext, FinalState } from './oracle/checkers/checker.js';
export { computeReference, type ReferenceResult } from './oracle/reference-model.js';
export { MultisetDigest } from './sim/multiset-digest.js';
export { knownGaps, type KnownGap, type ExpectedGap } from './oracle/known-gaps.js';
export type { Violation } from './oracle/violation.js';

// The kernel.
export { Simulation, RandomStream, deriveStream, type RunOutcome, type RunLimits } from './sim/index.js';
