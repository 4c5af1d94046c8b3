/**
 * Order-independent digests of record multisets, so the exactly-once comparison needs neither the
 * committed output nor the failure-free output kept in memory: the sink store and the reference
 * model each fold their records into a digest as they go, and the two digests are compared at the
 * end. Only when they differ is the case run again keeping both lists, to say which records were
 * lost or duplicated (see explore/run-case).
 *
 * A record's digest is two independent 32-bit hashes of a structural walk of `[key ?? null,
 * value]` that follows JSON's rules for plain data (what `entryIdentity` compares), with a type
 * tag and a length before every value, so two records with different JSON texts collide only by
 * chance. A multiset's digest is the count and the sums (mod 2^32) of its records' hashes: a lost,
 * duplicated or changed record moves the sums unless two 64-bit sums collide (about 2^-64). Values
 * that are not plain data (class instances, maps, objects with toJSON) are hashed through their
 * JSON text under a tag of their own; at worst a digest then differs where JSON texts agree, which
 * costs the detailed comparison and never hides a difference.
 */

const enum Tag {
  Null = 1,
  False,
  True,
  Integer,
  Float,
  String,
  Array,
  Object,
  Json,
}

/** The two lanes of the hash being built; module-level so the walk allocates nothing. */
let laneA = 0;
let laneB = 0;

const floatView = new Float64Array(1);
const floatWords = new Int32Array(floatView.buffer);

function mix(word: number): void {
  laneA = Math.imul(laneA ^ word, 0x01000193);
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  laneB ^= Math.imul(k, 0x1b873593);
  laneB = (Math.imul((laneB << 13) | (laneB >>> 19), 5) + 0xe6546b64) | 0;
}

function mixString(text: string): void {
  mix(Tag.String);
  mix(text.length);
  for (let index = 0; index < text.length; index++) mix(text.charCodeAt(index));
}

/** True for a value JSON writes as nothing inside an object (and as null inside an array). */
function skipped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function walk(value: unknown): void {
  switch (typeof value) {
    case 'string':
      mixString(value);
      return;
    case 'number':
      if (!Number.isFinite(value)) mix(Tag.Null);
      else if ((value | 0) === value) {
        mix(Tag.Integer);
        mix(value);
      } else {
        floatView[0] = value === 0 ? 0 : value;
        mix(Tag.Float);
        mix(floatWords[0] as number);
        mix(floatWords[1] as number);
      }
      return;
    case 'boolean':
      mix(value ? Tag.True : Tag.False);
      return;
    case 'object':
      if (value === null) mix(Tag.Null);
      else if (Array.isArray(value)) {
        mix(Tag.Array);
        mix(value.length);
        for (const element of value) {
          if (skipped(element)) mix(Tag.Null);
          else walk(element);
        }
      } else {
        const prototype = Object.getPrototypeOf(value) as unknown;
        if ((prototype === Object.prototype || prototype === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
          mix(Tag.Object);
          const record = value as Record<string, unknown>;
          let fields = 0;
          // for-in visits own keys in Object.keys order (JSON's); the prototype (Object's or
          // none) adds no enumerable keys.
          for (const field in record) {
            const fieldValue = record[field];
            if (skipped(fieldValue)) continue;
            mixString(field);
            walk(fieldValue);
            fields++;
          }
          mix(fields);
        } else jsonText(value);
      }
      return;
    default:
      if (skipped(value)) mix(Tag.Null);
      else jsonText(value);
  }
}

function jsonText(value: unknown): void {
  let text: string;
  try {
    text = JSON.stringify(value) ?? 'undefined';
  } catch {
    text = String(value);
  }
  mix(Tag.Json);
  mixString(text);
}

function finalize(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** Count and hash sums of a multiset of records; add records in any order, get the same digest. */
export class MultisetDigest {
  private records = 0;
  private sumA = 0;
  private sumB = 0;

  /** Folds in one record. */
  add(key: string | undefined, value: unknown): void {
    laneA = 0x811c9dc5;
    laneB = 0x2545f491;
    mix(Tag.Array);
    mix(2);
    if (key === undefined) mix(Tag.Null);
    else mixString(key);
    if (skipped(value)) mix(Tag.Null);
    else walk(value);
    this.sumA = (this.sumA + finalize(laneA)) | 0;
    this.sumB = (this.sumB + finalize(laneB)) | 0;
    this.records++;
  }

  /** Folds in every record of another digest. */
  addAll(other: MultisetDigest): void {
    this.records += other.records;
    this.sumA = (this.sumA + other.sumA) | 0;
    this.sumB = (this.sumB + other.sumB) | 0;
  }

  get count(): number {
    return this.records;
  }

  equals(other: MultisetDigest): boolean {
    return this.records === other.records && this.sumA === other.sumA && this.sumB === other.sumB;
  }

  /** `count:hash`, 16 hex digits of hash: the `outputDigest` of a case's statistics. */
  toString(): string {
    return `${this.records}:${(this.sumA >>> 0).toString(16).padStart(8, '0')}${(this.sumB >>> 0).toString(16).padStart(8, '0')}`;
  }
}
