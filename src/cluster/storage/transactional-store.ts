/**
 * The sink's external system: a transactional store (Kafka with transactions, a database).
 *
 * Transactions are begun, written to, pre-committed (flushed) and then committed or aborted.
 * Commit is idempotent, as Flink's two-phase-commit sinks require. A transaction left open longer
 * than the transaction timeout (Kafka's transaction.timeout.ms) is aborted by the store: its
 * records are lost, and a later commit of it fails. The read-committed view is what the
 * exactly-once property is judged on. Direct (non-transactional) appends and idempotent upserts
 * serve the at-least-once and upsert sinks.
 *
 * The read-committed view is always kept as an order-independent digest; the records themselves
 * only when the store is made with `retainCommitted` (a run that must list lost or duplicated
 * records). A transaction's records are dropped once it is committed, aborted or timed out, and
 * finished transactions are remembered by status only, in runs of consecutive ids (the sinks
 * number theirs `<writer>.<sequence>`): a long run's history takes memory per change of status,
 * not per transaction.
 */
import { MultisetDigest } from '../../sim/multiset-digest.js';
import { SequencedIdMap } from '../../sim/run-map.js';

/** A record as the sink wrote it. */
export interface SinkEntry {
  readonly key: string | undefined;
  readonly value: unknown;
  readonly origin: { readonly partition: number; readonly offset: number };
}

export type TransactionStatus = 'open' | 'pre-committed' | 'committed' | 'aborted' | 'timed-out';

export type CommitResult = 'committed' | 'already-committed' | 'unknown' | 'aborted' | 'timed-out';

/** A commit by a producer of the given epoch: as {@link CommitResult}, or 'fenced' when a newer producer took the id. */
export type ProducerCommitResult = CommitResult | 'fenced';

/** What a finished transaction holds: nothing (shared, never written: `write` needs an open transaction). */
const noEntries: SinkEntry[] = [];

/** Finished transactions are kept as the index of their status here. */
const finishedStatuses = ['committed', 'aborted', 'timed-out'] as const;
type FinishedStatus = (typeof finishedStatuses)[number];

interface Transaction {
  status: TransactionStatus;
  readonly begunAtUs: number;
  /** Records written and not yet committed or discarded. */
  entries: SinkEntry[];
  /** Records ever written to it. */
  written: number;
}

export class TransactionalStore {
  /** Transactions open or pre-committed. */
  private readonly transactions = new Map<string, Transaction>();
  /**
   * Committed, aborted and timed-out transactions, as status codes: a re-commit after a restore
   * must still find them ('already-committed'), but their records and counts are gone.
   */
  private readonly finished = new SequencedIdMap<number>();
  private readonly committed: SinkEntry[] = [];
  private readonly digest = new MultisetDigest();
  private readonly upserts = new Map<string, SinkEntry>();
  /**
   * Kafka's producer epochs per transactional id (Sink V2): the latest epoch, and the transaction
   * that epoch's producer began, if any.
   */
  private readonly producers = new Map<string, { epoch: number; transactionId: string | undefined }>();

  /**
   * @param clock - the virtual time, for the transaction timeout.
   * @param transactionTimeoutUs - open transactions older than this are aborted by the store.
   * @param retainCommitted - keep every committed record (for `committedEntries`), not only the digest.
   */
  constructor(
    private readonly clock: () => number,
    public transactionTimeoutUs: number,
    private readonly retainCommitted = true,
  ) {}

  /** Starts a transaction; beginning an id that exists is a programming error in the sink. */
  begin(transactionId: string): void {
    if (this.transactions.has(transactionId) || this.finished.has(transactionId)) throw new Error(`transaction ${transactionId} already exists`);
    this.transactions.set(transactionId, { status: 'open', begunAtUs: this.clock(), entries: [], written: 0 });
  }

  /** Adds records to an open transaction; false when it timed out or is no longer open. */
  write(transactionId: string, entries: readonly SinkEntry[]): boolean {
    const transaction = this.live(transactionId);
    if (transaction === undefined || transaction.status !== 'open') return false;
    for (const entry of entries) transaction.entries.push(entry);
    transaction.written += entries.length;
    return true;
  }

  /** Flushes a transaction: it can take no more writes, and waits for commit or abort. */
  preCommit(transactionId: string): boolean {
    const transaction = this.live(transactionId);
    if (transaction === undefined || transaction.status !== 'open') return false;
    transaction.status = 'pre-committed';
    return true;
  }

  /** Makes a transaction's records visible; committing twice is harmless ('already-committed'). */
  commit(transactionId: string): CommitResult {
    const transaction = this.live(transactionId);
    if (transaction === undefined) return 'unknown';
    if (transaction.status === 'committed') return 'already-committed';
    if (transaction.status === 'aborted' || transaction.status === 'timed-out') return transaction.status;
    this.publish(transaction.entries);
    this.finish(transactionId, transaction, 'committed');
    return 'committed';
  }

  /** Discards a transaction's records; a no-op for committed or unknown ones. */
  abort(transactionId: string): boolean {
    const transaction = this.live(transactionId);
    if (transaction === undefined || transaction.status === 'committed') return false;
    if (transaction.status === 'aborted' || transaction.status === 'timed-out') return false;
    this.finish(transactionId, transaction, 'aborted');
    return true;
  }

  status(transactionId: string): TransactionStatus | undefined {
    return this.live(transactionId)?.status;
  }

  /** Records written to an open or pre-committed transaction: what committing it makes visible. 0 once it finished, or for an unknown id. */
  entryCount(transactionId: string): number {
    return this.transactions.get(transactionId)?.written ?? 0;
  }

  /** Ids of transactions still open or pre-committed whose id starts with `prefix`, sorted. */
  lingering(prefix: string): string[] {
    const result: string[] = [];
    for (const [transactionId, transaction] of this.transactions) {
      if (!transactionId.startsWith(prefix)) continue;
      if (this.live(transactionId) === undefined) continue;
      if (transaction.status === 'open' || transaction.status === 'pre-committed') result.push(transactionId);
    }
    return result.sort();
  }

  /**
   * Kafka's initTransactions for a transactional id: bumps the producer epoch, which fences every
   * older producer of the id, and aborts the transaction the previous epoch left open or flushed
   * (Kafka has no prepared state that survives a new producer). Returns the new epoch and the
   * aborted transaction, if any. A Sink V2 writer calls it for each transactional id it uses,
   * and for the lingering ids it aborts on restore.
   */
  initProducer(transactionalId: string): { epoch: number; aborted: string | undefined } {
    const producer = this.producers.get(transactionalId);
    const previous = producer?.transactionId;
    const aborted = previous !== undefined && this.abort(previous) ? previous : undefined;
    const epoch = (producer?.epoch ?? -1) + 1;
    this.producers.set(transactionalId, { epoch, transactionId: undefined });
    return { epoch, aborted };
  }

  /** The latest producer epoch of a transactional id; undefined when no producer ever used it. */
  producerEpoch(transactionalId: string): number | undefined {
    return this.producers.get(transactionalId)?.epoch;
  }

  /**
   * Begins the transaction of the producer `epoch` of `transactionalId`; its transaction id is
   * `<transactionalId>.<epoch>` (unique: one transaction per producer). Undefined when the
   * producer is fenced (a newer epoch exists). Producers are never forgotten: a restored writer
   * reuses transactional ids, and a fresh epoch 0 would collide with the finished `<id>.0`.
   */
  beginWithProducer(transactionalId: string, epoch: number): string | undefined {
    const producer = this.producers.get(transactionalId);
    if (producer === undefined || producer.epoch !== epoch) return undefined;
    const transactionId = `${transactionalId}.${epoch}`;
    this.begin(transactionId);
    producer.transactionId = transactionId;
    return transactionId;
  }

  /** Commits as the producer `epoch` of `transactionalId` (Kafka's resumed producer): 'fenced' when a newer epoch took the id. */
  commitWithProducer(transactionalId: string, epoch: number, transactionId: string): ProducerCommitResult {
    const current = this.producers.get(transactionalId)?.epoch;
    if (current !== undefined && current > epoch) {
      // A commit already made stays made; only an unfinished one is lost to the fence.
      return this.status(transactionId) === 'committed' ? 'already-committed' : 'fenced';
    }
    return this.commit(transactionId);
  }

  /** Whether the producer `epoch` of `transactionalId` has been fenced by a newer one. */
  isFenced(transactionalId: string, epoch: number): boolean {
    const current = this.producers.get(transactionalId)?.epoch;
    return current !== undefined && current > epoch;
  }

  /** Transactional ids with prefix `prefix` that some producer used, sorted (Kafka's listing of transactions). */
  producerIds(prefix: string): string[] {
    const result: string[] = [];
    for (const transactionalId of this.producers.keys()) if (transactionalId.startsWith(prefix)) result.push(transactionalId);
    return result.sort();
  }

  /** Non-transactional append, visible at once (the at-least-once sink). */
  append(entries: readonly SinkEntry[]): void {
    this.publish(entries);
  }

  /** Idempotent write by key (the upsert sink): the last write for a key wins. */
  upsert(entry: SinkEntry): void {
    if (entry.key === undefined) throw new Error('upsert needs a keyed record');
    this.upserts.set(entry.key, entry);
  }

  /** The read-committed view, in commit order; only for a store made with `retainCommitted`. */
  committedEntries(): readonly SinkEntry[] {
    if (!this.retainCommitted) throw new Error('committed records were not retained; use committedDigest()');
    return this.committed;
  }

  /** Whether `committedEntries` is available. */
  get retainsCommitted(): boolean {
    return this.retainCommitted;
  }

  /** The read-committed view as an order-independent digest (kept whether or not records are). */
  committedDigest(): MultisetDigest {
    return this.digest;
  }

  private publish(entries: readonly SinkEntry[]): void {
    for (const entry of entries) {
      this.digest.add(entry.key, entry.value);
      if (this.retainCommitted) this.committed.push(entry);
    }
  }

  /** The upsert view, sorted by key. */
  upsertEntries(): SinkEntry[] {
    return [...this.upserts.values()].sort((left, right) => ((left.key as string) < (right.key as string) ? -1 : 1));
  }

  /**
   * The transaction, after applying the timeout: an open one past its deadline is aborted now. A
   * finished one comes back as a read-only copy (callers only read a finished transaction).
   */
  private live(transactionId: string): Transaction | undefined {
    const transaction = this.transactions.get(transactionId);
    if (transaction === undefined) {
      const finished = this.finished.get(transactionId);
      if (finished === undefined) return undefined;
      return { status: finishedStatuses[finished] as FinishedStatus, begunAtUs: 0, entries: noEntries, written: 0 };
    }
    const expired = this.clock() - transaction.begunAtUs > this.transactionTimeoutUs;
    if (expired) this.finish(transactionId, transaction, 'timed-out');
    return transaction;
  }

  private finish(transactionId: string, transaction: Transaction, status: FinishedStatus): void {
    transaction.status = status;
    transaction.entries = noEntries;
    this.transactions.delete(transactionId);
    this.finished.set(transactionId, finishedStatuses.indexOf(status));
  }
}
