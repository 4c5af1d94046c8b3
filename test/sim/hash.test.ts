import { describe, expect, it } from 'vitest';
import { finalizeWord, hashIntegers, hashString, mixInteger, mixWord, toHex32 } from '../../src/sim/hash.js';

/**
 * MurmurHash3 x86_32 over whole 4-byte little-endian blocks, built from the module's pieces. With
 * it the pieces can be checked against Murmur3's published test vectors, so a slip in a constant
 * or a rotation (which would silently change every stored digest) is caught.
 */
function murmur3Blocks(bytes: readonly number[], seed: number): number {
  if (bytes.length % 4 !== 0) throw new Error(`murmur3Blocks: ${bytes.length} bytes is not whole blocks`);
  let hash = seed | 0;
  for (let offset = 0; offset < bytes.length; offset += 4) {
    const word =
      (bytes[offset] as number) |
      ((bytes[offset + 1] as number) << 8) |
      ((bytes[offset + 2] as number) << 16) |
      ((bytes[offset + 3] as number) << 24);
    hash = mixWord(hash, word);
  }
  return finalizeWord(hash ^ bytes.length) >>> 0;
}

function asciiBytes(text: string): number[] {
  return Array.from(text, (character) => character.charCodeAt(0));
}

describe('mixWord and finalizeWord', () => {
  it('reproduce MurmurHash3 x86_32 test vectors', () => {
    expect(murmur3Blocks([], 0)).toBe(0);
    expect(murmur3Blocks([], 1)).toBe(0x514e28b7);
    expect(murmur3Blocks([], 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3Blocks([0, 0, 0, 0], 0)).toBe(0x2362f9de);
    expect(murmur3Blocks([0xff, 0xff, 0xff, 0xff], 0)).toBe(0x76293b50);
    expect(murmur3Blocks([0x21, 0x43, 0x65, 0x87], 0)).toBe(0xf55b516b);
    expect(murmur3Blocks([0x21, 0x43, 0x65, 0x87], 0x5082edee)).toBe(0x2362f9de);
    expect(murmur3Blocks(asciiBytes('aaaa'), 0x9747b28c)).toBe(0x5a97808a);
    expect(murmur3Blocks(asciiBytes('abcd'), 0x9747b28c)).toBe(0xf0478627);
  });
});

describe('hashString', () => {
  it('is FNV-1a finalised by Murmur3, so it is stable across versions and platforms', () => {
    // FNV-1a 32 of "" is its offset basis; of "a" and "foobar", its published test vectors.
    expect(hashString('')).toBe(finalizeWord(0x811c9dc5));
    expect(hashString('a')).toBe(finalizeWord(0xe40c292c));
    expect(hashString('foobar')).toBe(finalizeWord(0xbf9cf968));
  });

  it('is the same for the same string and differs for different ones', () => {
    const names = ['checkpoint.trigger', 'checkpoint.ack', 'barrier', 'barriers', 'Barrier', 'node.crash', 'node.restart', ''];
    const hashes = names.map((name) => hashString(name));
    expect(new Set(hashes).size).toBe(names.length);
    expect(names.map((name) => hashString(name))).toEqual(hashes);
    expect(hashString('barrier', 1)).not.toBe(hashString('barrier'));
  });

  it('returns signed 32-bit integers', () => {
    for (const name of ['a', 'b', 'checkpoint', 'x'.repeat(1_000)]) {
      const hash = hashString(name);
      expect(hash).toBe(hash | 0);
    }
  });
});

describe('mixInteger and hashIntegers', () => {
  it('mixInteger sees the bits above 32 of values up to 2^53', () => {
    expect(mixInteger(0, 2 ** 32)).not.toBe(mixInteger(0, 0));
    expect(mixInteger(0, 2 ** 52 + 1)).not.toBe(mixInteger(0, 1));
    expect(mixInteger(0, Number.MAX_SAFE_INTEGER)).not.toBe(mixInteger(0, 2 ** 32 - 1));
  });

  it('hashIntegers depends on the values, their order and their count', () => {
    const digests = [[], [0], [0, 0], [1, 2], [2, 1], [1, 2, 3], [2 ** 40]].map((values) => hashIntegers(values));
    expect(new Set(digests).size).toBe(digests.length);
    expect(hashIntegers([1, 2])).toBe(hashIntegers([1, 2]));
  });
});

describe('toHex32', () => {
  it('formats a word as eight lowercase hex digits, treating it as unsigned', () => {
    expect(toHex32(0)).toBe('00000000');
    expect(toHex32(255)).toBe('000000ff');
    expect(toHex32(0xdeadbeef)).toBe('deadbeef');
    expect(toHex32(-1)).toBe('ffffffff');
    expect(toHex32(0x80000000 | 0)).toBe('80000000');
    // Only the low 32 bits count.
    expect(toHex32(2 ** 32 + 0x1234)).toBe('00001234');
  });
});
