import { listLabels, parseShardLabels, shardCoverage } from '../explore/shards.js';
import { UsageError } from '../explore/scenario.js';

/**
 * Before `report merge` joins results files: they must hold every shard of one split exactly
 * once, or the merged reports would speak for cases no one ran (`20 per scenario` while holding
 * 10). Missing shards are allowed with `--allow-partial`, and every report then says which are
 * missing; a shard given twice, or shards of different splits, never are. Throws a
 * {@link UsageError} of one sentence naming the files or shards at fault; returns the shards
 * missing (empty unless allowed).
 */
export function checkShardCoverage(paths: readonly string[], shardLabels: ReadonlyArray<readonly string[]>, allowPartial: boolean): readonly string[] {
  const shards = shardLabels.map((labels, index) => {
    const parsed = parseShardLabels(labels);
    if (parsed === undefined) throw new UsageError(`'${paths[index]}' names its shards ${JSON.stringify(labels)}, not as i/n`);
    return parsed;
  });
  const coverage = shardCoverage(shards.flat());
  if (coverage.count === undefined) {
    throw new UsageError(`cannot merge shards of different splits (into ${coverage.counts.join(' and ')}): ${paths.map((path, index) => `'${path}' holds ${(shardLabels[index] ?? []).join(', ')}`).join('; ')}`);
  }
  if (coverage.duplicated.length > 0) {
    throw new UsageError(`shard ${listLabels(coverage.duplicated)} appears in more than one of the merged results; give each shard once`);
  }
  if (coverage.missing.length > 0 && !allowPartial) {
    const which = coverage.missing.length === 1 ? 'shard' : 'shards';
    throw new UsageError(`${which} ${listLabels(coverage.missing)} of ${coverage.count} ${coverage.missing.length === 1 ? 'is' : 'are'} missing from the merge; add ${coverage.missing.length === 1 ? 'its' : 'their'} results.json, or pass --allow-partial to merge without ${coverage.missing.length === 1 ? 'it' : 'them'} (the reports then say so)`);
  }
  return coverage.missing;
}
