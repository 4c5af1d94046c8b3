/**
 * Integer hashing used by the trace and by payload digests.
 *
 * Everything here works on 32-bit integers with `Math.imul`, so it is exact, allocation-free and
 * gives the same answer on every platform. It is not cryptographic: it only has to make an
 * accidental collision between two different runs vanishingly unlikely.
 */

/** Murmur3's per-word mixing step: folds `word` into the running hash `hash`. */
export function mixWord(hash: number, word: number): number {
  let k = Math.imul(word | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let h = hash ^ k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Murmur3's finaliser: spreads every input bit over the whole word. */
export function finalizeWord(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** Folds a non-negative integer of up to 53 bits (a time in microseconds, a counter) into `hash`. */
export function mixInteger(hash: number, value: number): number {
  const low = value >>> 0;
  const high = Math.floor(value / 4294967296) >>> 0;
  return mixWord(mixWord(hash, low), high);
}

/** FNV-1a over the UTF-16 code units of `text`; used to digest names once, when they are interned. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed | 0;
  for (let index = 0; index < text.length; index++) {
    h ^= text.charCodeAt(index);
    h = Math.imul(h, 0x01000193);
  }
  return finalizeWord(h);
}

/** Digests a list of integers into one word, for payload digests built from ids and counters. */
export function hashIntegers(values: readonly number[], seed = 0x2545f491): number {
  let h = seed | 0;
  for (const value of values) h = mixInteger(h, value);
  return finalizeWord(h ^ values.length);
}

/** Formats a 32-bit word as eight lowercase hex digits. */
export function toHex32(word: number): string {
  return (word >>> 0).toString(16).padStart(8, '0');
}
