/**
 * The definitions of every plan entry (faults and operations) and of their triggers, as data:
 * each field with its type, range, default and meaning. The validator (plan.ts) reads its rules
 * from here, and docs/fault-plans.md is generated from here (scripts/fault-plans-doc.ts), so
 * the reference and the checks cannot drift apart.
 */

/** Flink's RPC methods a fault can target. */
export const rpcMethods = [
  'triggerCheckpoint',
  'acknowledgeCheckpoint',
  'declineCheckpoint',
  'notifyCheckpointComplete',
  'notifyCheckpointAborted',
  'heartbeat',
  'submitTask',
  'cancelTask',
  'updateTaskExecutionState',
  'registerTaskExecutor',
  // Operator events (FLIP-27 sources): coordinator to task, and task to coordinator.
  'sendOperatorEvent',
  'sendOperatorEventToCoordinator',
] as const;

/** The RPC methods that carry operator events: drawn only for jobs with operator coordinators. */
export const operatorEventRpcMethods: readonly (typeof rpcMethods)[number][] = ['sendOperatorEvent', 'sendOperatorEventToCoordinator'];

/**
 * RPC methods a `duplicate` fault may not aim at, because Flink 1.20's world cannot deliver them
 * twice and their receiver is not built to take a second copy. Flink's RPC (Pekko remoting over
 * TCP) delivers a message at most once, and nothing retries these asks: SubtaskGatewayImpl.sendEvent
 * calls the send action once and fails the subtask over when its future fails, it never sends
 * again. A second copy of an AddSplitEvent is therefore not something Flink must survive, and it
 * does not: SourceOperator.handleAddSplitsEvent hands the splits to SourceReaderBase.addSplits,
 * which resets the split's state and gives it to a fetcher again, so the split would be read
 * twice (a reader keeps no record of the splits it finished). The other methods keep their
 * duplicates as a stress of receivers that check checkpoint ids and attempts (acknowledgeTask
 * answers DUPLICATE).
 */
export const rpcMethodsNeverDuplicated: readonly (typeof rpcMethods)[number][] = ['sendOperatorEvent'];

/**
 * Protocol steps of operator coordinators and their events (FLIP-27 sources): the coordinator's
 * snapshot started and finished, a subtask gateway closed and opened, events sent and received
 * on either side, a partition discovered.
 */
export const operatorCoordinatorSteps = [
  'coordinator.operator-snapshot-started',
  'coordinator.operator-snapshot-finished',
  'coordinator.gateway-closed',
  'coordinator.gateway-opened',
  'coordinator.operator-event-sent',
  'coordinator.operator-event-received',
  'coordinator.partition-discovered',
  'task.operator-event-sent',
  'task.operator-event-received',
] as const;

/** Protocol steps a trigger can be aimed at (announced by the runtime's hooks; RPCs as `rpc.<method>`). */
export const stepNames = [
  'task.running',
  'task.alignment-completed',
  'task.snapshot-taken',
  'task.async-upload-started',
  'task.checkpoint-declined',
  'task.notify-complete',
  'task.end-of-data',
  'task.finished',
  'executor.notify-complete-received',
  'coordinator.checkpoint-id-taken',
  'coordinator.pending-checkpoint-created',
  'coordinator.location-initialized',
  'coordinator.coordinators-checkpointed',
  'coordinator.master-states-acknowledged',
  'coordinator.checkpoint-triggered',
  'coordinator.acknowledge-received',
  'coordinator.decline-received',
  'coordinator.all-acknowledged',
  'coordinator.checkpoint-completed',
  'coordinator.checkpoint-aborted',
  ...operatorCoordinatorSteps,
  ...rpcMethods.map((method) => `rpc.${method}` as const),
] as const;

/** The longest duration or time a plan may name: one virtual hour. */
export const maxDurationUs = 3_600_000_000;

/** One field of a plan entry or trigger: how it is checked, and what the reference says of it. */
export type FieldDefinition = {
  readonly name: string;
  /** Absent fields are allowed; `defaultText` says what applies then. */
  readonly optional?: boolean;
  readonly defaultText?: string;
  readonly doc: string;
} & (
  | { readonly type: 'integer'; readonly minimum: number; readonly maximum: number }
  | { readonly type: 'string'; readonly pattern: RegExp; readonly description: string }
  | { readonly type: 'one-of'; readonly values: readonly string[] }
  | { readonly type: 'boolean' }
  | { readonly type: 'node-pair' }
);

/** A kind of plan entry: a fault the nemesis injects, or an operation a user runs on the job. */
export interface EntryDefinition {
  readonly kind: string;
  readonly category: 'fault' | 'operation';
  /** What it does, in Flink's terms, in a sentence or two. */
  readonly doc: string;
  /** Its own fields, besides `kind` and `when`. */
  readonly fields: readonly FieldDefinition[];
  /** A working plan entry of this kind (the doc's example, and a test runs every one). */
  readonly example: Readonly<Record<string, unknown>>;
}

const executorPattern = /^taskexecutor-\d+$/;
const nodePattern = /^(jobmaster|taskexecutor-\d+)$/;
const taskPattern = /^[^#@>]+#\d+$/;
const channelPattern = /^[^#@>]+#\d+->[^#@>]+#\d+$/;

const taskField = (doc: string, optional = false): FieldDefinition => ({ name: 'task', type: 'string', pattern: taskPattern, description: "a task name like 'count#1'", doc, ...(optional ? { optional, defaultText: 'any task' } : {}) });
const durationField = (doc: string, optional = false, defaultText?: string): FieldDefinition => ({ name: 'durationUs', type: 'integer', minimum: 1, maximum: maxDurationUs, doc, ...(optional ? { optional, defaultText: defaultText ?? 'until the count is used up' } : {}) });
const countField = (doc: string): FieldDefinition => ({ name: 'count', type: 'integer', minimum: 1, maximum: 1_000_000, doc });

/** The fields of a time trigger (`{"atUs": ...}`). */
export const timeTriggerFields: readonly FieldDefinition[] = [{ name: 'atUs', type: 'integer', minimum: 0, maximum: maxDurationUs, doc: 'Virtual time (µs since the case started) at which it fires.' }];

/** The fields of a step trigger (`{"onStep": ...}`). */
export const stepTriggerFields: readonly FieldDefinition[] = [
  { name: 'onStep', type: 'one-of', values: stepNames, doc: 'The protocol step it fires after.' },
  taskField('Only steps of this task count.', true),
  { name: 'executor', type: 'string', pattern: executorPattern, description: "an executor name like 'taskexecutor-1'", optional: true, defaultText: 'any executor', doc: 'Only steps on this executor count.' },
  { name: 'checkpointId', type: 'integer', minimum: 1, maximum: 1_000_000, optional: true, defaultText: 'any checkpoint', doc: 'Only steps of this checkpoint count.' },
  { name: 'occurrence', type: 'integer', minimum: 1, maximum: 1_000_000, optional: true, defaultText: '1', doc: 'Which matching occurrence fires it (1 = the first).' },
  { name: 'afterUs', type: 'integer', minimum: 0, maximum: maxDurationUs, optional: true, defaultText: '0', doc: 'Virtual delay after the step; 0 fires right after it.' },
];

/** Every fault kind, in the order the reference lists them. */
export const faultDefinitions: readonly EntryDefinition[] = [
  {
    kind: 'crash-executor',
    category: 'fault',
    doc: 'Crashes a TaskExecutor: its tasks and volatile state are gone; the JobMaster notices through heartbeats and fails over. It restarts (or a replacement machine joins) after a delay.',
    fields: [
      { name: 'executor', type: 'string', pattern: executorPattern, description: "an executor name like 'taskexecutor-0'", doc: 'The executor to crash.' },
      { name: 'restartAfterUs', type: 'integer', minimum: 0, maximum: maxDurationUs, doc: 'How long until it (or its replacement) is back.' },
      { name: 'replacement', type: 'boolean', doc: 'True: a new executor with the next free name joins; false: the same one restarts as a new incarnation.' },
    ],
    example: { kind: 'crash-executor', executor: 'taskexecutor-1', restartAfterUs: 500000, replacement: false, when: { atUs: 120000 } },
  },
  {
    kind: 'fail-task',
    category: 'fault',
    doc: 'Fails the running attempt of a task as if its operator threw: a region (or full) failover follows.',
    fields: [taskField('The task to fail.')],
    example: { kind: 'fail-task', task: 'count#1', when: { onStep: 'task.snapshot-taken', task: 'count#1', checkpointId: 2 } },
  },
  {
    kind: 'crash-jobmaster',
    category: 'fault',
    doc: 'Crashes the JobMaster: pending checkpoints and every volatile structure are lost; a new leader recovers the completed checkpoints from the HA store after a delay.',
    fields: [{ name: 'recoverAfterUs', type: 'integer', minimum: 0, maximum: maxDurationUs, doc: 'How long until a new JobMaster takes over.' }],
    example: { kind: 'crash-jobmaster', recoverAfterUs: 100000, when: { onStep: 'coordinator.checkpoint-completed', occurrence: 2 } },
  },
  {
    kind: 'rpc',
    category: 'fault',
    doc: 'Drops, delays or duplicates the next matching RPC messages.',
    fields: [
      { name: 'action', type: 'one-of', values: ['drop', 'delay', 'duplicate'], doc: "What happens to a matching message. No 'duplicate' of sendOperatorEvent: Flink's RPC delivers it at most once and never retries it, and a source reader given the same split twice would read it twice." },
      { name: 'method', type: 'one-of', values: rpcMethods, doc: 'The RPC it matches.' },
      taskField('Only messages about this task match.', true),
      { name: 'checkpointId', type: 'integer', minimum: 1, maximum: 1_000_000, optional: true, defaultText: 'any checkpoint', doc: 'Only messages about this checkpoint match.' },
      { name: 'source', type: 'string', pattern: nodePattern, description: "'jobmaster' or 'taskexecutor-N'", optional: true, defaultText: 'any node', doc: 'Only messages from this node match.' },
      { name: 'target', type: 'string', pattern: nodePattern, description: "'jobmaster' or 'taskexecutor-N'", optional: true, defaultText: 'any node', doc: 'Only messages to this node match.' },
      countField('How many matching messages it affects.'),
      { name: 'delayUs', type: 'integer', minimum: 0, maximum: maxDurationUs, optional: true, defaultText: '100000 for delay, 0 for duplicate', doc: "Extra latency for 'delay'; spacing of the copy for 'duplicate'." },
    ],
    example: { kind: 'rpc', action: 'drop', method: 'acknowledgeCheckpoint', count: 1, when: { onStep: 'coordinator.checkpoint-triggered', checkpointId: 2 } },
  },
  {
    kind: 'partition',
    category: 'fault',
    doc: 'Cuts the RPC link between two nodes (both ways, or one way) for a while.',
    fields: [
      { name: 'nodes', type: 'node-pair', doc: "Two different node names ('jobmaster', 'taskexecutor-N'); with oneWay, messages from the first to the second are cut." },
      { name: 'oneWay', type: 'boolean', doc: 'Cut only the first-to-second direction.' },
      durationField('How long the link stays cut.'),
    ],
    example: { kind: 'partition', nodes: ['jobmaster', 'taskexecutor-0'], oneWay: false, durationUs: 2000000, when: { atUs: 110000 } },
  },
  {
    kind: 'channel-stall',
    category: 'fault',
    doc: 'Slows one data channel (producer subtask to consumer subtask) down: every buffer on it takes longer, which backs up the producer and delays barriers.',
    fields: [
      { name: 'channel', type: 'string', pattern: channelPattern, description: "a channel like 'source#0->split#0'", doc: 'The channel, as producer->consumer.' },
      { name: 'extraUs', type: 'integer', minimum: 1, maximum: 10_000_000, doc: 'Extra latency per buffer.' },
      durationField('How long the stall lasts.'),
    ],
    example: { kind: 'channel-stall', channel: 'split#0->count#1', extraUs: 20000, durationUs: 300000, when: { atUs: 105000 } },
  },
  {
    kind: 'slow-task',
    category: 'fault',
    doc: 'Makes one task process records several times slower for a while (a busy or throttled machine).',
    fields: [taskField('The task to slow down.'), { name: 'factor', type: 'integer', minimum: 2, maximum: 1000, doc: 'How many times slower.' }, durationField('How long it stays slow.')],
    example: { kind: 'slow-task', task: 'count#0', factor: 10, durationUs: 300000, when: { atUs: 105000 } },
  },
  {
    kind: 'storage',
    category: 'fault',
    doc: 'Checkpoint storage misbehaves for the next writes, metadata finalisations or reads.',
    fields: [
      { name: 'action', type: 'one-of', values: ['slow-writes', 'fail-writes', 'fail-finalize', 'unreadable-handle', 'fail-location'], doc: "slow-writes: writes and finalisations take longer; fail-writes: state uploads fail; fail-finalize: metadata writes fail; unreadable-handle: a restore cannot read state; fail-location: the coordinator cannot initialise a checkpoint's storage location (Flink's IO_EXCEPTION, counted by the failure manager)." },
      countField('How many operations it affects.'),
      { name: 'extraUs', type: 'integer', minimum: 1, maximum: 100_000_000, optional: true, defaultText: '1000000', doc: "Extra latency for 'slow-writes'." },
      durationField('How long it lasts.', true),
    ],
    example: { kind: 'storage', action: 'fail-writes', count: 2, when: { onStep: 'coordinator.checkpoint-triggered', occurrence: 2 } },
  },
  {
    kind: 'ha-store',
    category: 'fault',
    doc: "The next HA store writes (ZooKeeper, ConfigMaps) fail: a completed checkpoint's pointer (Flink's PossibleInconsistentStateException when ambiguous) or the checkpoint id counter's increment. Without high availability it has no effect.",
    fields: [
      { name: 'action', type: 'one-of', values: ['fail-writes', 'ambiguous-writes'], doc: 'fail-writes: nothing is written; ambiguous-writes: the write lands but the writer is told it failed.' },
      { name: 'target', type: 'one-of', values: ['completed-checkpoint', 'id-counter'], optional: true, defaultText: 'completed-checkpoint', doc: 'Which writes fail.' },
      countField('How many writes it affects.'),
      durationField('How long it lasts.', true),
    ],
    example: { kind: 'ha-store', action: 'ambiguous-writes', count: 1, when: { onStep: 'coordinator.all-acknowledged', checkpointId: 2 } },
  },
  {
    kind: 'sink-commit-failure',
    category: 'fault',
    doc: "The sink's transactional store refuses the next commits (the two-phase-commit sink fails and retries them on restore; a Sink V2 committer takes it as a retriable error and retries a second later).",
    fields: [countField('How many commits fail.')],
    example: { kind: 'sink-commit-failure', count: 2, when: { onStep: 'task.notify-complete', occurrence: 1 } },
  },
  {
    kind: 'transaction-timeout',
    category: 'fault',
    doc: "Sets the transactional store's transaction timeout: an open or pre-committed transaction older than this is aborted by the store (Kafka's transaction.timeout.ms), and its records lost if a checkpoint still counts on it.",
    fields: [{ name: 'timeoutUs', type: 'integer', minimum: 1, maximum: maxDurationUs, doc: 'The new timeout.' }],
    example: { kind: 'transaction-timeout', timeoutUs: 60000000, when: { atUs: 0 } },
  },
  {
    kind: 'source-unavailable',
    category: 'fault',
    doc: 'The source log cannot be read for a while: sources back off and retry.',
    fields: [durationField('How long the log stays unreadable.')],
    example: { kind: 'source-unavailable', durationUs: 200000, when: { atUs: 105000 } },
  },
];

/** Every operation kind: what a user (or an orchestrator) does to the running job. */
export const operationDefinitions: readonly EntryDefinition[] = [
  {
    kind: 'savepoint',
    category: 'operation',
    doc: "A plain savepoint while periodic checkpoints go on (Flink's CheckpointCoordinator.triggerSavepoint): always aligned, never stored in the completed store nor notified, never subsumed. Its result (the savepoint's id, or Flink's failure reason) is awaited and recorded as an operation-answered observation.",
    fields: [],
    example: { kind: 'savepoint', when: { atUs: 110000 } },
  },
  {
    kind: 'checkpoint',
    category: 'operation',
    doc: "A manually triggered checkpoint (Flink's triggerCheckpoint(CheckpointType.FULL)): like a periodic one, but the minimum pause does not hold it back. Its result is awaited and recorded.",
    fields: [],
    example: { kind: 'checkpoint', when: { onStep: 'coordinator.checkpoint-completed', occurrence: 1 } },
  },
  {
    kind: 'stop-with-savepoint',
    category: 'operation',
    doc: "Flink's stop-with-savepoint: periodic checkpoints stop, a synchronous savepoint is taken, and once it completes every task finishes; the case then resumes the job from that savepoint as a new job run. With drain, sources first end their input (Flink's advanceToEndOfEventTime and MAX_WATERMARK, then end of data) so every operator finishes before the savepoint. If the savepoint fails the job runs on (a drained source cannot: its task fails and the job fails over, as Flink's does).",
    fields: [{ name: 'drain', type: 'boolean', optional: true, defaultText: 'false', doc: 'End the input before the savepoint (stop --drain).' }],
    example: { kind: 'stop-with-savepoint', drain: true, when: { atUs: 120000 } },
  },
  {
    kind: 'cancel',
    category: 'operation',
    doc: "Cancels the job (Flink's cancel: every task canceled, the job CANCELED, checkpoints retained as with RETAIN_ON_CANCELLATION) and, after a delay, resumes it as a new job run from the latest savepoint or retained checkpoint. A cancel with nothing to resume from is not carried out (resuming from nothing would replay committed output).",
    fields: [
      { name: 'resumeFrom', type: 'one-of', values: ['latest', 'latest-savepoint', 'latest-checkpoint'], optional: true, defaultText: 'latest', doc: 'latest: the newest of the savepoints and retained checkpoints; latest-savepoint or latest-checkpoint: the newest of that sort (an older one than the newest replays output an exactly-once sink already committed).' },
      { name: 'resumeAfterUs', type: 'integer', minimum: 0, maximum: maxDurationUs, optional: true, defaultText: '0', doc: 'How long after the job is CANCELED the new run is submitted.' },
    ],
    example: { kind: 'cancel', resumeFrom: 'latest', resumeAfterUs: 50000, when: { onStep: 'coordinator.checkpoint-completed', occurrence: 2 } },
  },
  {
    kind: 'rescale',
    category: 'operation',
    doc: "Rescaling on restore: stop-with-savepoint (no drain) or cancel, then a new job run from that savepoint (or the latest retained checkpoint) at another parallelism for the named vertices, within their max parallelism, as Flink's StateAssignmentOperation restores it: key groups reassigned by KeyGroupRangeAssignment, operator list state split evenly (round robin) or unioned, source partitions reassigned with their offsets. Vertices joined by a forward edge must be named together with one parallelism. Not carried out (recorded with the reason) when the parallelism does not fit the job or the cluster's slots; a vertex whose subtasks had partly finished at the savepoint keeps its parallelism, and when the vertices that keep theirs leave the job too large for the slots, none is rescaled.",
    fields: [{ name: 'parallelism', type: 'string', pattern: /^[^#@>=,]+=\d{1,3}(,[^#@>=,]+=\d{1,3})*$/, description: "vertex=parallelism pairs like 'count=3,sink=1'", doc: 'The new parallelism of each named vertex.' },
      { name: 'from', type: 'one-of', values: ['savepoint', 'checkpoint'], optional: true, defaultText: 'savepoint', doc: 'savepoint: stop-with-savepoint and resume from it; checkpoint: cancel (checkpoints retained) and resume from the latest retained checkpoint, as Flink allows rescaling from a retained checkpoint (a vertex with in-flight channel state in it keeps its parallelism).' },
    ],
    example: { kind: 'rescale', parallelism: 'count=2', when: { atUs: 120000 } },
  },
];

/** Every plan entry kind, faults first. */
export const entryDefinitions: readonly EntryDefinition[] = [...faultDefinitions, ...operationDefinitions];

/** The definition of `kind`, or undefined. */
export function definitionOf(kind: string): EntryDefinition | undefined {
  return entryDefinitions.find((definition) => definition.kind === kind);
}
