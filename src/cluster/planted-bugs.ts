/**
 * Planted bugs: realistic protocol mistakes, each switched on by name in the cluster config
 * (`plantedBugs`), with no code edits. They prove the oracle catches real bugs: `ckptsim mutants`
 * runs the suite against each and reports which property kills it and how fast.
 */
export const plantedBugCatalogue = {
  'coordinator-completes-without-all-acks': { component: 'coordinator', description: 'completes a checkpoint when all but one task acknowledged, recording no state for the missing task' },
  'coordinator-ignores-max-concurrent': { component: 'coordinator', description: 'triggers periodic checkpoints even when max-concurrent checkpoints are already pending' },
  'coordinator-never-expires': { component: 'coordinator', description: 'arms no timeout canceller, so a checkpoint whose ack is lost stays pending forever' },
  'coordinator-discards-possibly-stored-checkpoint': { component: 'coordinator', description: 'discards the state of a checkpoint whose HA write may have landed, which a new JobMaster can then recover and fail to restore' },
  'coordinator-leaks-subsumed-state': { component: 'coordinator', description: 'removes subsumed checkpoints from the store without discarding their state' },
  'handler-snapshots-before-alignment': { component: 'barrier handler', description: 'takes the aligned snapshot on the first barrier instead of after the last one' },
  'handler-never-blocks-channels': { component: 'barrier handler', description: 'never blocks a channel whose barrier arrived, so post-barrier records enter the snapshot' },
  'handler-ignores-newer-barrier': { component: 'barrier handler', description: 'counts a newer checkpoint barrier during alignment as if it belonged to the current checkpoint' },
  'exactly-once-uses-tracker': { component: 'barrier handler', description: 'uses the non-blocking at-least-once barrier tracker in EXACTLY_ONCE mode' },
  'source-offset-after-emit': { component: 'source', description: 'records its read offset after emitting the next batch, past the barrier' },
  'source-ignores-restored-offsets': { component: 'source', description: 'starts reading from the beginning after a restore instead of the restored offsets' },
  'task-drops-input-channel-state': { component: 'task', description: 'persists no input channel state in unaligned checkpoints' },
  'restore-skips-channel-state': { component: 'task', description: 'restores operator state but does not replay unaligned channel state' },
  'sink-commits-on-snapshot': { component: 'two-phase-commit sink', description: 'commits its transaction when snapshotting instead of on notifyCheckpointComplete' },
  'sink-skips-recommit-on-restore': { component: 'two-phase-commit sink', description: 'does not commit the pending transactions of the restored state' },
  'sink-commits-only-exact-id': { component: 'two-phase-commit sink', description: 'on notifyCheckpointComplete(N) commits only the transaction of N, not every one up to N' },
  'restore-oldest-retained-checkpoint': { component: 'recovery', description: 'restores the oldest retained checkpoint instead of the latest' },
  'checkpoint-id-counter-not-ha': { component: 'recovery', description: 'keeps the checkpoint id counter in memory, so a new JobMaster starts ids again from 1' },
} as const satisfies Record<string, { component: string; description: string }>;

export type PlantedBug = keyof typeof plantedBugCatalogue;

export const plantedBugNames = Object.keys(plantedBugCatalogue) as PlantedBug[];

/** True when `bug` is switched on in `bugs`. */
export function bugOn(bugs: readonly string[], bug: PlantedBug): boolean {
  return bugs.length > 0 && bugs.includes(bug);
}
