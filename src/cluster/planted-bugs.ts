/**
 * Planted bugs: realistic protocol mistakes, each switched on by name in the cluster config
 * (`plantedBugs`), with no code edits. They prove the oracle catches real bugs: `ckptsim mutants`
 * runs the suite against each and reports which property kills it and how fast.
 */
/**
 * One planted bug: the component it lives in, what it does wrong, and the real Flink bug it is
 * modelled on (`issue`: FLINK-NNNNN, or 'generic' for a generic mistake; `realBug`: one sentence
 * on what went wrong in Flink).
 */
export interface PlantedBugEntry {
  readonly component: string;
  readonly description: string;
  readonly issue: string;
  readonly realBug: string;
}

export const plantedBugCatalogue = {
  'coordinator-completes-without-all-acks': { component: 'coordinator', description: 'completes a checkpoint when all but one task acknowledged, recording no state for the missing task' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'coordinator-ignores-max-concurrent': { component: 'coordinator', description: 'triggers periodic checkpoints even when max-concurrent checkpoints are already pending' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'coordinator-never-expires': { component: 'coordinator', description: 'arms no timeout canceller, so a checkpoint whose ack is lost stays pending forever' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'coordinator-discards-possibly-stored-checkpoint': { component: 'coordinator', description: 'discards the state of a checkpoint whose HA write may have landed, which a new JobMaster can then recover and fail to restore' , issue: 'FLINK-22494', realBug: 'The CheckpointCoordinator discarded a checkpoint whose ZooKeeper write failed ambiguously, although a new JobMaster could find it in HA and fail to restore it.' },
  'coordinator-leaks-subsumed-state': { component: 'coordinator', description: 'removes subsumed checkpoints from the store without discarding their state' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'handler-snapshots-before-alignment': { component: 'barrier handler', description: 'takes the aligned snapshot on the first barrier instead of after the last one' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'handler-never-blocks-channels': { component: 'barrier handler', description: 'never blocks a channel whose barrier arrived, so post-barrier records enter the snapshot' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'handler-ignores-newer-barrier': { component: 'barrier handler', description: 'counts a newer checkpoint barrier during alignment as if it belonged to the current checkpoint' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'exactly-once-uses-tracker': { component: 'barrier handler', description: 'uses the non-blocking at-least-once barrier tracker in EXACTLY_ONCE mode' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'source-offset-after-emit': { component: 'source', description: 'records its read offset after emitting the next batch, past the barrier' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'source-ignores-restored-offsets': { component: 'source', description: 'starts reading from the beginning after a restore instead of the restored offsets' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'task-drops-input-channel-state': { component: 'task', description: 'persists no input channel state in unaligned checkpoints' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'restore-skips-channel-state': { component: 'task', description: 'restores operator state but does not replay unaligned channel state' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'sink-commits-on-snapshot': { component: 'two-phase-commit sink', description: 'commits its transaction when snapshotting instead of on notifyCheckpointComplete' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'sink-skips-recommit-on-restore': { component: 'two-phase-commit sink', description: 'does not commit the pending transactions of the restored state' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'sink-commits-only-exact-id': { component: 'two-phase-commit sink', description: 'on notifyCheckpointComplete(N) commits only the transaction of N, not every one up to N' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'restore-oldest-retained-checkpoint': { component: 'recovery', description: 'restores the oldest retained checkpoint instead of the latest' , issue: 'FLINK-14145', realBug: 'CompletedCheckpointStore.getLatestCheckpoint(true) walked back past the latest checkpoint and recovered from an older one.' },
  'checkpoint-id-counter-not-ha': { component: 'recovery', description: 'keeps the checkpoint id counter in memory, so a new JobMaster starts ids again from 1' , issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'failure-manager-ignores-expired': { component: 'failure manager', description: 'does not count CHECKPOINT_EXPIRED towards the tolerable checkpoint failures, so expiring checkpoints never fail the job', issue: 'FLINK-17351', realBug: 'CheckpointFailureManager ignored CHECKPOINT_EXPIRED, so a job whose checkpoints kept timing out ran on without failing over, whatever the tolerable number.' },
  'coordinator-leaves-aborted-trigger-unanswered': { component: 'coordinator', description: 'never completes the result of a trigger whose checkpoint is aborted, so its caller waits forever', issue: 'FLINK-26394', realBug: 'An aborted pending checkpoint did not complete its completion future, so whoever awaited the checkpoint (a savepoint caller, the stop-with-savepoint handler) was never answered.' },
  'coordinator-notifies-before-finalize': { component: 'coordinator', description: 'sends notifyCheckpointComplete once every task acknowledged, before the metadata is finalized and the checkpoint stored, so a checkpoint that then fails is committed by the tasks', issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'coordinator-expires-after-interval': { component: 'coordinator', description: 'arms the checkpoint canceller with the checkpoint interval instead of the checkpoint timeout, so healthy checkpoints expire', issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'sink-leaves-lingering-transactions': { component: 'two-phase-commit sink', description: 'does not abort the transactions earlier attempts left open or pre-committed when it starts', issue: 'generic', realBug: 'A generic protocol mistake, not modelled on one reported Flink bug.' },
  'savepoint-forced-in-unaligned-mode': { component: 'request decider', description: 'forces savepoints past max concurrent checkpoints even when unaligned checkpoints are on', issue: 'FLINK-17342', realBug: 'With unaligned checkpoints a savepoint was triggered at once beside pending checkpoints instead of being enqueued, though unaligned mode allows one checkpoint at a time.' },
} as const satisfies Record<string, PlantedBugEntry>;

export type PlantedBug = keyof typeof plantedBugCatalogue;

export const plantedBugNames = Object.keys(plantedBugCatalogue) as PlantedBug[];

/** True when `bug` is switched on in `bugs`. */
export function bugOn(bugs: readonly string[], bug: PlantedBug): boolean {
  return bugs.length > 0 && bugs.includes(bug);
}
