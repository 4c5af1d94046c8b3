import { finalizeWord, mixWord } from '../../sim/index.js';

/**
 * Where a record came from: the source log partition (numbered across the cluster) and offset.
 * Records derived from it (split words, counts) keep the origin, so the oracle can trace lineage.
 */
export interface RecordOrigin {
  readonly partition: number;
  readonly offset: number;
}

/** A record flowing between tasks. `key` is set by a hash partitioner (keyBy). */
export interface StreamRecord {
  readonly key: string | undefined;
  readonly value: unknown;
  readonly origin: RecordOrigin;
}

/** A stable 32-bit digest of an origin; summed (mod 2^32) into lineage summaries. */
export function originDigest(origin: RecordOrigin): number {
  return finalizeWord(mixWord(mixWord(0x5bd1e995, origin.partition), origin.offset));
}

/** Formats an origin for messages: `p0@17`. */
export function formatOrigin(origin: RecordOrigin): string {
  return `p${origin.partition}@${origin.offset}`;
}
