import fc from 'fast-check';
import type { CheckpointConfig } from '../cluster/checkpoint/types.js';
import { deriveStream } from '../sim/index.js';
import { resolveParameters, type Scenario } from './scenario.js';

/**
 * What the default sweep draws for every case besides its faults (not only with `--vary`): the
 * input size and the checkpoint configuration, so that cases run deep (a good share complete 10
 * to 40 checkpoints, ids pass 10, up to three are retained) and across Flink's real settings
 * rather than at one point of them. Everything shrinks towards the scenario as written: input
 * size 1x, its own interval, one retained checkpoint, one concurrent checkpoint, Flink's
 * 10-minute default timeout, its own mode, aligned checkpoints.
 */
export interface DepthDraw {
  readonly parameters: Record<string, number>;
  readonly config: Record<string, unknown>;
}

/** The scenario parameters that size the input (records per source); scaled by the drawn factor. */
const inputSizeParameters = ['lines', 'events'] as const;

/** Flink's default checkpoint timeout (execution.checkpointing.timeout): 10 minutes. */
export const flinkDefaultCheckpointTimeoutUs = 600_000_000;

/**
 * The shortest timeout drawn. Flink accepts down to 10 ms, but a timeout shorter than a
 * fault-free checkpoint takes here (a few to some tens of ms) would expire checkpoints of a case
 * without faults, which a correct runtime never does in practice; 200 ms keeps expiry the work of
 * faults (stalls, lost acknowledgements, slow tasks) while covering short production settings.
 */
const shortestTimeoutUs = 200_000;

/** The scenarios' own periodic interval (7 ms of virtual time: about 5 checkpoints per run at input 1x). */
const scenarioIntervalUs = 7_000;

/**
 * Checkpoint timeouts across Flink's range: its 10-minute default (a hung checkpoint then holds
 * its slot for 10 virtual minutes before it expires, a path short timeouts hide), and anything
 * from {@link shortestTimeoutUs} to 2 minutes.
 */
function timeoutArbitrary(): fc.Arbitrary<number> {
  // One draw in three is the default; the choice shrinks to it (a oneof would shrink a drawn
  // short timeout to the shortest instead).
  return fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: shortestTimeoutUs, max: 120_000_000 })).map(([choice, timeoutUs]) => (choice === 0 ? flinkDefaultCheckpointTimeoutUs : timeoutUs));
}

/** An integer in [low, high] that shrinks towards `target` (inside the range). */
function around(target: number, low: number, high: number): fc.Arbitrary<number> {
  return fc.integer({ min: low - target, max: high - target }).map((offset) => target + offset);
}

/**
 * The checkpoint settings of a case: interval (1.5 to 8 ms, so that input 1x to 2.5x makes from a
 * few to some tens of checkpoints), retained checkpoints 1 to 3, max concurrent checkpoints 1
 * to 3 (1 whenever checkpoints are unaligned: see {@link withinFlinkLimits}), the timeout, the checkpointing mode (mostly the scenario's own; either mode otherwise,
 * so multi-input tasks run both the aligning handler and the tracker), and unaligned checkpoints
 * (with or without an aligned-checkpoint timeout) for exactly-once cases, including the
 * scenario whose job ends in stop-with-savepoint: savepoints beside unaligned checkpoints.
 */
export function depthConfigArbitrary(): fc.Arbitrary<Record<string, unknown>> {
  // Choices are drawn as integers whose 0 is the scenario's own setting, so they shrink to it (a
  // oneof would shrink within the branch drawn instead).
  const mode = fc.integer({ min: 0, max: 7 }).map((choice) => (choice < 6 ? undefined : choice === 6 ? ('EXACTLY_ONCE' as const) : ('AT_LEAST_ONCE' as const)));
  const alignment = fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(0, 0, 1_000, 5_000))
    .map(([choice, alignedCheckpointTimeoutUs]) => (choice < 3 ? undefined : { unaligned: true, alignedCheckpointTimeoutUs }));
  return fc
    .record({
      intervalUs: around(scenarioIntervalUs, 1_500, 8_000),
      retainedCheckpoints: fc.integer({ min: 1, max: 3 }),
      maxConcurrentCheckpoints: fc.integer({ min: 1, max: 3 }),
      timeoutUs: timeoutArbitrary(),
      mode,
      alignment,
    })
    .map(({ mode: drawnMode, alignment: drawnAlignment, ...rest }) => {
      const checkpoint: Record<string, unknown> = { ...rest };
      if (drawnMode !== undefined) checkpoint['mode'] = drawnMode;
      // Unaligned checkpoints exist only in exactly-once mode: not drawn with AT_LEAST_ONCE (in a
      // scenario that runs at-least-once itself, the mode wins and they stay off).
      if (drawnAlignment !== undefined && drawnMode !== 'AT_LEAST_ONCE') Object.assign(checkpoint, drawnAlignment);
      return { checkpoint };
    });
}

/**
 * The input size of a case: the scenario's size parameters times 1, 1.5, 2 or 2.5 (shrinking
 * to 1x); its other parameters (parallelism, keys, skew) stay as written.
 */
export function inputSizeArbitrary(scenario: Scenario): fc.Arbitrary<Record<string, number>> {
  const sized = inputSizeParameters.filter((name) => (scenario.defaults[name] ?? 0) > 1);
  if (sized.length === 0) return fc.constant({});
  return fc.integer({ min: 2, max: 5 }).map((halves) => Object.fromEntries(sized.map((name) => [name, Math.round(((scenario.defaults[name] as number) * halves) / 2)])));
}

/** The default sweep's draw besides faults: input size and checkpoint configuration. */
export function depthDrawArbitrary(scenario: Scenario): fc.Arbitrary<DepthDraw> {
  return fc.record({ parameters: inputSizeArbitrary(scenario), config: depthConfigArbitrary() });
}

const ownConfigs = new WeakMap<Scenario, Partial<CheckpointConfig>>();

/**
 * The checkpoint settings a scenario sets itself, read from one build with its default
 * parameters (kept per scenario); none when its build throws (its cases then fail on their own).
 */
export function scenarioCheckpointConfig(scenario: Scenario): Partial<CheckpointConfig> {
  let own = ownConfigs.get(scenario);
  if (own === undefined) {
    try {
      own = scenario.build(resolveParameters(scenario, undefined), deriveStream(0, 'scenario.input')).cluster.checkpoint ?? {};
    } catch {
      own = {};
    }
    ownConfigs.set(scenario, own);
  }
  return own;
}

/**
 * Keeps a drawn configuration within what Flink supports: unaligned checkpoints only with one
 * concurrent checkpoint ("Unaligned checkpoints can only be enabled if checkpointing.mode is
 * EXACTLY_ONCE and if checkpointing.max-concurrent-checkpoints is 1"), whether the draw or the
 * scenario itself turned them on. Without it a savepoint's aligned barrier could be overtaken by
 * the priority barrier of a newer, concurrent unaligned checkpoint, which Flink never lets happen.
 */
export function withinFlinkLimits(draw: DepthDraw, own: Partial<CheckpointConfig>): DepthDraw {
  const checkpoint = draw.config['checkpoint'] as Record<string, unknown>;
  const mode = checkpoint['mode'] ?? own.mode ?? 'EXACTLY_ONCE';
  const unaligned = (checkpoint['unaligned'] ?? own.unaligned ?? false) === true && mode === 'EXACTLY_ONCE';
  if (!unaligned || checkpoint['maxConcurrentCheckpoints'] === 1) return draw;
  return { ...draw, config: { ...draw.config, checkpoint: { ...checkpoint, maxConcurrentCheckpoints: 1 } } };
}

/**
 * The named random stream the state-backend choice is drawn from. It is not a fast-check draw,
 * so adding it shifted none of the draws a case made before (faults, seed, depth, operations):
 * the same case seed still makes the same case, now with or without incremental checkpoints.
 */
export const stateBackendStreamName = 'sweep.state-backend';

/**
 * The default sweep's state backend for a case: incremental checkpoints (shared files, the
 * SharedStateRegistry) in one case of two, drawn from the case seed's own stream; full snapshots
 * otherwise. A scenario that sets `incrementalCheckpoints` itself keeps its setting.
 */
export function withStateBackend(draw: DepthDraw, caseSeed: number | undefined): DepthDraw {
  if (caseSeed === undefined) return draw;
  const incremental = deriveStream(caseSeed, stateBackendStreamName).chance(1, 2);
  return incremental ? { ...draw, config: { ...draw.config, incrementalCheckpoints: true } } : draw;
}

/**
 * The named random stream RPC detours are drawn from. Like the state backend's, it is not a
 * fast-check draw: adding it moved none of a case's other draws (faults, seed, depth,
 * operations); the cases it picks run on a network that holds some messages back.
 */
export const rpcDetoursStreamName = 'sweep.rpc-detours';

/** The RPCs of the checkpoint protocol, both ways: the messages detours hold back in the default sweep. */
export const checkpointProtocolRpcs = ['triggerCheckpoint', 'acknowledgeCheckpoint', 'declineCheckpoint', 'notifyCheckpointComplete', 'notifyCheckpointAborted'] as const;

/**
 * The default sweep's RPC network for a case: in one case of three, one checkpoint-protocol
 * message in eight is held back out of its connection's order by up to four checkpoint
 * intervals (net/rpc.ts, RpcDetours), so with concurrent checkpoints a trigger can reach its
 * source after the next checkpoint's, an acknowledgement or a decline can reach the coordinator
 * after a newer checkpoint completed, and notifications of one checkpoint can pass another's;
 * drawn from the case seed's own stream. Other cases keep every message in order.
 */
export function withRpcDetours(draw: DepthDraw, caseSeed: number | undefined, own: Partial<CheckpointConfig>): DepthDraw {
  if (caseSeed === undefined || !deriveStream(caseSeed, rpcDetoursStreamName).chance(1, 3)) return draw;
  const checkpoint = draw.config['checkpoint'] as Record<string, unknown> | undefined;
  const intervalUs = (checkpoint?.['intervalUs'] as number | undefined) ?? own.intervalUs ?? scenarioIntervalUs;
  return { ...draw, config: { ...draw.config, rpcDetours: { methods: [...checkpointProtocolRpcs], numerator: 1, denominator: 8, maxExtraUs: 4 * intervalUs } } };
}
