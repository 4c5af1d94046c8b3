import { closeSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import type { ResultsHead, ResultsTail, SweepResults } from '../explore/results.js';
import type { SweepCaseResult } from '../explore/sweep-case.js';

/**
 * results.json on disk, written while the sweep runs and read back case by case, so that neither
 * side holds every case: a sweep of millions of cases makes gigabytes of JSON, more than one
 * JavaScript string (about 2^29 characters) or the heap can hold.
 *
 * The layout is plain JSON with line breaks in fixed places, so a reader can take it a line at
 * a time (and so can grep, head or jq --stream):
 *
 *     {"schema":...,"parameters":...,"shards":...,"properties":...,"cases":[
 *     {case 1},
 *     {case 2}
 *     ],"interrupted":...,"summary":...,"environment":...,"timing":...}
 */

const casesOpen = ',"cases":[';
const casesClose = '],';

/**
 * Writes results.json: the head when made, each case as it is added, the tail at the end. The
 * text goes to `<path>.partial`, renamed over `path` only when complete, so an older results.json
 * stays intact until then. `pieceChars` characters are buffered between writes.
 */
export class ResultsFileWriter {
  private readonly partialPath: string;
  private descriptor: number | undefined;
  private pending: string;
  private cases = 0;
  private flushedMs = Date.now();

  /**
   * Cases reach the disk when `pieceChars` characters are pending or `flushMs` has passed since
   * the last write, whichever comes first: a sweep killed outright (SIGKILL, a CI time limit)
   * leaves a partial file that `report merge --partial` can still read, short of at most the
   * last second's cases.
   */
  constructor(
    readonly path: string,
    head: ResultsHead,
    private readonly pieceChars = 1 << 20,
    private readonly flushMs = 1_000,
  ) {
    this.partialPath = `${path}.partial`;
    const { schema, parameters, shards, missingShards, properties } = head;
    this.pending = `${JSON.stringify({ schema, parameters, shards, ...(missingShards === undefined ? {} : { missingShards }), properties }).slice(0, -1)}${casesOpen}`;
    this.descriptor = openSync(this.partialPath, 'w');
    this.flush();
  }

  /** Cases written so far. */
  get caseCount(): number {
    return this.cases;
  }

  add(entry: SweepCaseResult): void {
    this.pending += `${this.cases === 0 ? '\n' : ',\n'}${JSON.stringify(entry)}`;
    this.cases++;
    if (this.pending.length >= this.pieceChars || Date.now() - this.flushedMs >= this.flushMs) this.flush();
  }

  /** Writes the tail and renames the file into place. */
  finish(tail: ResultsTail): void {
    const { interrupted, plantedBugs, summary, coverage, strategy, corpus, environment, timing } = tail;
    this.pending += `\n${casesClose}${JSON.stringify({ interrupted, plantedBugs, summary, coverage, strategy, corpus, environment, timing }).slice(1)}\n`;
    this.flush();
    this.close();
    renameSync(this.partialPath, this.path);
  }

  /** Stops writing and removes the partial file (the sweep could not finish its reports). */
  abandon(): void {
    this.close();
    rmSync(this.partialPath, { force: true });
  }

  private flush(): void {
    if (this.descriptor === undefined) throw new Error(`results file ${this.path} is already closed`);
    writeSync(this.descriptor, this.pending);
    this.pending = '';
    this.flushedMs = Date.now();
  }

  private close(): void {
    if (this.descriptor !== undefined) closeSync(this.descriptor);
    this.descriptor = undefined;
  }
}

/** Writes results held in memory (a merge of small shards, tests) in the same layout. */
export function writeResultsFile(path: string, results: SweepResults): void {
  const writer = new ResultsFileWriter(path, results);
  try {
    for (const entry of results.cases) writer.add(entry);
  } catch (error) {
    writer.abandon();
    throw error;
  }
  writer.finish(results);
}

/** A results file that cannot be read. */
export class ResultsFileError extends Error {
  override readonly name = 'ResultsFileError';
}

/**
 * The tail of a results file as read. A file cut short (read with `partial`) has none; in its
 * place it reads as interrupted, with the time from the file's creation to its last write.
 */
export type ReadTail = Omit<ResultsTail, 'summary' | 'environment'> & Partial<Pick<ResultsTail, 'summary' | 'environment'>>;

/** An open results.json: its head, then its cases one at a time, then its tail. */
export interface ResultsFileReader {
  readonly head: ResultsHead;
  readonly cases: Iterator<SweepCaseResult>;
  /** The tail; read it after the cases are exhausted. */
  tail(): ReadTail;
  /** True once the cases are exhausted if the file ended before its tail (only with `partial`). */
  readonly cutShort: boolean;
}

/** How to read a results file. */
export interface ReadOptions {
  /**
   * Accept a file cut short, such as the results.json.partial of a sweep killed outright: its
   * complete cases are read, a last case cut mid-line is dropped, and the tail reads as
   * interrupted.
   */
  readonly partial?: boolean;
}

/**
 * Opens a results.json for reading case by case. A file in the layout above is read a line at
 * a time, whatever its size; any other valid JSON (say, one reformatted by a tool) is read whole,
 * which works up to about 512 MiB.
 */
export function openResultsFile(path: string, options: ReadOptions = {}): ResultsFileReader {
  let lines: Generator<string>;
  let first: IteratorResult<string>;
  try {
    lines = readLines(path);
    first = lines.next();
  } catch (error) {
    // One long first line: JSON without line breaks, not the layout written here.
    if (error instanceof LineTooLong) return readWhole(path);
    throw new ResultsFileError(`cannot read results file '${path}'`);
  }
  if (first.done === true) throw new ResultsFileError(`results file '${path}' is empty`);
  const firstLine = first.value;
  if (!firstLine.endsWith(casesOpen)) {
    lines.return(undefined);
    return readWhole(path);
  }
  let head: ResultsHead;
  try {
    head = JSON.parse(`${firstLine.slice(0, -casesOpen.length)}}`) as ResultsHead;
  } catch {
    throw new ResultsFileError(`results file '${path}' is not valid JSON (line 1)`);
  }
  let tail: ReadTail | undefined;
  let cutShort = false;
  let lineNumber = 1;
  let count = 0;
  const nextLine = (): IteratorResult<string> => {
    try {
      return lines.next();
    } catch (error) {
      if (error instanceof LineTooLong) throw new ResultsFileError(`results file '${path}' has a line over 64 MiB after line ${lineNumber}: not one case per line`);
      throw error;
    }
  };
  const endsCutShort = (): void => {
    cutShort = true;
    tail = { interrupted: true, timing: writingTime(path, count) };
  };
  function* cases(): Generator<SweepCaseResult> {
    for (let next = nextLine(); next.done !== true; ) {
      const line = next.value;
      lineNumber++;
      if (line.startsWith(casesClose)) {
        try {
          tail = JSON.parse(`{${line.slice(casesClose.length)}`) as ResultsTail;
        } catch {
          throw new ResultsFileError(`results file '${path}' is not valid JSON (line ${lineNumber})`);
        }
        return;
      }
      let entry: SweepCaseResult | undefined;
      try {
        if (line !== '') entry = JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line) as SweepCaseResult;
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        next = nextLine();
        // The last line of a file cut short may be a case cut mid-line.
        if (options.partial === true && next.done === true) break;
        throw new ResultsFileError(`results file '${path}' is not valid JSON (line ${lineNumber})`);
      }
      if (entry !== undefined) {
        count++;
        yield entry;
      }
      next = nextLine();
    }
    if (options.partial === true) {
      endsCutShort();
      return;
    }
    throw new ResultsFileError(`results file '${path}' ends before its cases do (line ${lineNumber}): was it cut short? --partial reads the cases it holds`);
  }
  return {
    head,
    cases: cases(),
    tail: () => {
      if (tail === undefined) throw new ResultsFileError(`results file '${path}': tail read before its cases`);
      return tail;
    },
    get cutShort() {
      return cutShort;
    },
  };
}

/**
 * The time a file of `cases` cases took to write: from its creation to its last write, when the
 * file system records a birth time; none when it does not.
 */
function writingTime(path: string, cases: number): ResultsTail['timing'] {
  let wallMs = 0;
  try {
    const stats = statSync(path);
    if (stats.birthtimeMs > 0 && stats.mtimeMs >= stats.birthtimeMs) wallMs = stats.mtimeMs - stats.birthtimeMs;
  } catch {
    // Unknown: counts as no time.
  }
  return { wallMs, casesPerSecond: wallMs === 0 ? 0 : (cases * 1000) / wallMs };
}

function readWhole(path: string): ResultsFileReader {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG') {
      throw new ResultsFileError(`results file '${path}' is too large to read as one string (over 512 MiB) and is not in the line-per-case layout ckptsim writes`);
    }
    throw new ResultsFileError(`cannot read results file '${path}'`);
  }
  let results: SweepResults;
  try {
    results = JSON.parse(text) as SweepResults;
  } catch {
    throw new ResultsFileError(`results file '${path}' is not valid JSON`);
  }
  if (results === null || typeof results !== 'object' || !Array.isArray(results.cases)) throw new ResultsFileError(`results file '${path}' has no cases list`);
  return { head: results, cases: results.cases[Symbol.iterator](), tail: () => results, cutShort: false };
}

/** A line longer than a reader accepts. */
class LineTooLong extends Error {}

/**
 * The lines of a UTF-8 file, read in chunks (a line break byte never occurs inside a multi-byte
 * character). Throws {@link LineTooLong} on a line over `maxLineBytes`.
 */
function* readLines(path: string, chunkBytes = 1 << 20, maxLineBytes = 64 << 20): Generator<string> {
  const descriptor = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    let carry: Buffer[] = [];
    let carried = 0;
    for (;;) {
      const read = readSync(descriptor, chunk, 0, chunkBytes, null);
      if (read === 0) break;
      let start = 0;
      for (let end = chunk.indexOf(10, start); end >= 0 && end < read; end = chunk.indexOf(10, start)) {
        carry.push(chunk.subarray(start, end));
        yield Buffer.concat(carry).toString('utf8');
        carry = [];
        carried = 0;
        start = end + 1;
      }
      if (start < read) {
        carry.push(Buffer.from(chunk.subarray(start, read)));
        carried += read - start;
        if (carried > maxLineBytes) throw new LineTooLong();
      }
    }
    if (carry.length > 0) yield Buffer.concat(carry).toString('utf8');
  } finally {
    closeSync(descriptor);
  }
}
