// The status outbox: range points for VideoUploadedTimeRange, VideoRecordedTimeRange and
// CachedVideoAgeOutOnEdge, kept in a journal file until SiteWise has taken them, sent with
// BatchPutAssetPropertyValue (at most 10 entries per call), retried with backoff while offline.
//
// "Never twice": an entry leaves the outbox (in memory and in the journal) once SiteWise accepted it,
// and a newer value for the same point (same asset, property, range start) replaces a waiting one,
// so a long offline period sends one value per range, not one per minute. The only repeat possible is
// a crash between SiteWise's answer and the journal write; it resends the identical point, which
// SiteWise stores once (same timestamp, same value).
import { BatchPutAssetPropertyValueCommand, type IoTSiteWiseClient } from '@aws-sdk/client-iotsitewise';
import type { Logger } from '../log/index.js';
import { awsErrorName, describeError } from '../sitewise/index.js';
import { Journal, pointKey, type JournalEntry } from './journal.js';
import { backoffDelay, RETRY_BACKOFF, type BackoffPolicy } from '../time/index.js';
import {
  CONTENT_ERRORS,
  MAX_BATCH_ENTRIES,
  POINT_MAX_FUTURE_MS,
  OLDEST_POINT_AGE_MS,
  RETRIABLE,
  toWireEntry,
} from './outbox-policy.js';

export { MAX_BATCH_ENTRIES } from './outbox-policy.js';

/** A range to publish: SiteWise point timestamp = startMs, value = endMs in epoch seconds (DOUBLE). */
export interface StatusPoint {
  assetId: string;
  propertyId: string;
  startMs: number;
  endMs: number;
}

/** Options of StatusOutbox.open. */
export interface StatusOutboxOptions {
  client: IoTSiteWiseClient;
  /** State folder; the journal is `sitewise-outbox.jsonl` in it. */
  dir: string;
  /**
   * Entries kept at most. A camera writes about three points a minute online, and far fewer offline
   * (points coalesce per range), so 10 000 entries (about 1 MB of journal) cover long outages of many
   * cameras. When full, the points with the oldest range start are dropped first: they are the first
   * to fall out of SiteWise's 7-day window anyway.
   */
  maxEntries?: number;
  /** Delay after the first new entry before sending, so points written together share a call. */
  batchDelayMs?: number;
  backoff?: BackoffPolicy;
  now?: () => number;
  log?: Logger;
  /** Called when a journal write meets ENOSPC: frees the state reserve; true when a retry is worth it. */
  onNoSpace?: () => Promise<boolean>;
}

/** A durable outbox of status points for SiteWise. */
export class StatusOutbox {
  readonly #options: StatusOutboxOptions;
  readonly #journal: Journal;
  readonly #now: () => number;
  readonly #entries = new Map<number, JournalEntry>();
  readonly #byKey = new Map<string, number>();
  readonly #inFlight = new Set<number>();
  #nextSeq: number;
  #closed = false;
  #failures = 0;
  #isolate = false;
  #wake: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #loop: Promise<void> | undefined;
  #idleWaiters: (() => void)[] = [];
  #sent = 0;
  #dropped = 0;
  #warnedFuture = false;
  // Set by put(); a put that lands while the loop is between batches must not be slept through.
  #dirty = false;
  #journalError: string | undefined;

  private constructor(
    options: StatusOutboxOptions,
    journal: Journal,
    entries: JournalEntry[],
    nextSeq: number,
  ) {
    this.#options = options;
    this.#journal = journal;
    this.#now = options.now ?? Date.now;
    this.#nextSeq = nextSeq;
    for (const e of entries) this.#index(e);
  }

  /** Open the outbox in `dir`, replay what an earlier run left, and start sending. */
  static async open(options: StatusOutboxOptions): Promise<StatusOutbox> {
    const journal = new Journal(options.dir);
    let replay: Awaited<ReturnType<Journal['replay']>>;
    let readable = true;
    try {
      replay = await journal.replay();
    } catch (err) {
      // Compacting now would erase what could not be read; appending keeps it for the next start.
      readable = false;
      options.log?.error(
        { err, file: journal.file },
        'status journal unreadable; starting with an empty outbox',
      );
      replay = { entries: [], nextSeq: Date.now(), skipped: 0 };
    }
    if (replay.skipped > 0) {
      options.log?.warn(
        { file: journal.file, lines: replay.skipped },
        'outbox journal had unreadable lines (torn write)',
      );
    }
    try {
      if (readable) await journal.compact(replay.entries);
    } catch (err) {
      // A full or read-only disk at start: keep going on the file as it is (replay tolerates it).
      options.log?.warn(
        { err, file: journal.file },
        'status journal could not be compacted; using it as it is',
      );
    }
    const outbox = new StatusOutbox(options, journal, replay.entries, replay.nextSeq);
    if (replay.entries.length > 0)
      options.log?.info({ pending: replay.entries.length }, 'status outbox resumed');
    outbox.#loop = outbox.#run();
    return outbox;
  }

  /** Points waiting. */
  get size(): number {
    return this.#entries.size;
  }

  /** Counters since open. */
  get stats(): { pending: number; sent: number; dropped: number } {
    return { pending: this.#entries.size, sent: this.#sent, dropped: this.#dropped };
  }

  /** Queue points; resolves once they are in the journal. A waiting point with the same start is replaced. */
  async put(points: StatusPoint | readonly StatusPoint[]): Promise<void> {
    if (this.#closed) throw new Error('status outbox is closed');
    const list = Array.isArray(points) ? points : [points as StatusPoint];
    const added: JournalEntry[] = [];
    for (const p of list) {
      const entry = {
        seq: this.#nextSeq++,
        assetId: p.assetId,
        propertyId: p.propertyId,
        startMs: p.startMs,
        endMs: p.endMs,
      };
      const older = this.#byKey.get(pointKey(entry));
      // A waiting (not in-flight) older value of the same point is superseded; replay applies the same rule.
      if (older !== undefined && !this.#inFlight.has(older)) this.#entries.delete(older);
      this.#index(entry);
      added.push(entry);
    }
    const overflow = this.#enforceCap();
    this.#kick();
    await this.#record(() => this.#journal.put(added));
    if (overflow.length > 0) await this.#record(() => this.#journal.done(overflow));
  }

  /** Resolves when nothing is waiting (or rejects after timeoutMs). */
  async drained(timeoutMs = 30_000): Promise<void> {
    if (this.#entries.size === 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`outbox still holds ${this.#entries.size} points`)),
        timeoutMs,
      );
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Stop sending (after trying to send what waits for up to flushTimeoutMs) and close the journal. */
  async close(flushTimeoutMs = 0): Promise<void> {
    if (flushTimeoutMs > 0 && !this.#closed) await this.drained(flushTimeoutMs).catch(() => undefined);
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#wake?.();
    await this.#loop;
    await this.#journal
      .close()
      .catch((err: unknown) => this.#options.log?.warn({ err }, 'status journal did not close cleanly'));
    if (this.#entries.size > 0)
      this.#options.log?.info({ pending: this.#entries.size }, 'status outbox closed with points waiting');
  }

  /** The last send failed (SiteWise unreachable or refusing): a flush at stop would only wait. */
  get failing(): boolean {
    return this.#failures > 0;
  }

  /** Why the journal cannot be written (points are kept in memory and still sent); undefined when fine. */
  get journalError(): string | undefined {
    return this.#journalError;
  }

  // A journal write that fails (full disk, read-only remount) never rejects a put or ends the send
  // loop: the point stays in memory and is still sent; only a stop before it is sent loses it. Logged
  // once until a write works again.
  async #record(write: () => Promise<void>): Promise<void> {
    try {
      try {
        await write();
      } catch (err) {
        const full = (err as NodeJS.ErrnoException).code === 'ENOSPC';
        if (!full || !this.#options.onNoSpace || !(await this.#options.onNoSpace())) throw err;
        await write();
      }
      if (this.#journalError !== undefined) {
        this.#options.log?.info('status journal writable again');
        this.#journalError = undefined;
      }
    } catch (err) {
      const reason = `${(err as NodeJS.ErrnoException).code ?? 'EIO'}: ${err instanceof Error ? err.message : String(err)}`;
      if (this.#journalError === undefined) {
        this.#options.log?.error(
          { err, file: this.#journal.file },
          'status journal not writable: status points kept in memory and still sent',
        );
      }
      this.#journalError = reason;
    }
  }

  #index(entry: JournalEntry): void {
    this.#entries.set(entry.seq, entry);
    this.#byKey.set(pointKey(entry), entry.seq);
  }

  #remove(seqs: readonly number[]): void {
    for (const seq of seqs) {
      const e = this.#entries.get(seq);
      this.#entries.delete(seq);
      if (e !== undefined && this.#byKey.get(pointKey(e)) === seq) this.#byKey.delete(pointKey(e));
    }
  }

  #enforceCap(): number[] {
    const max = this.#options.maxEntries ?? 10_000;
    if (this.#entries.size <= max) return [];
    const victims = [...this.#entries.values()]
      .filter((e) => !this.#inFlight.has(e.seq))
      .sort((a, b) => a.startMs - b.startMs || a.seq - b.seq)
      .slice(0, this.#entries.size - max)
      .map((e) => e.seq);
    this.#remove(victims);
    this.#dropped += victims.length;
    this.#options.log?.warn(
      { dropped: victims.length, max },
      'status outbox full: dropped the oldest points',
    );
    return victims;
  }

  #kick(): void {
    this.#dirty = true;
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      const batch = await this.#nextBatch();
      if (batch.length === 0) {
        if (this.#entries.size === 0) this.#notifyIdle();
        // Nothing sendable: wait for a put, or re-check held points (future timestamps) each minute.
        await this.#sleep(this.#entries.size === 0 ? undefined : 60_000, true);
        continue;
      }
      const ok = await this.#send(batch);
      if (this.#entries.size === 0) this.#notifyIdle();
      if (!ok) await this.#sleep(this.#backoffMs(), false);
      else if (this.#options.batchDelayMs !== undefined && this.#entries.size < MAX_BATCH_ENTRIES) {
        await this.#sleep(this.#options.batchDelayMs, false);
      }
    }
  }

  // Choose up to 10 entries, oldest first; enforce SiteWise's time window on the way.
  async #nextBatch(): Promise<JournalEntry[]> {
    this.#dirty = false;
    const now = this.#now();
    const oldest = now - OLDEST_POINT_AGE_MS;
    const batch: JournalEntry[] = [];
    const tooOld: number[] = [];
    const limit = this.#isolate ? 1 : MAX_BATCH_ENTRIES;
    for (const e of this.#entries.values()) {
      if (batch.length >= limit) break;
      if (this.#byKey.get(pointKey(e)) !== e.seq) continue; // superseded, waits for its replacement's turn
      if (e.endMs <= oldest) {
        tooOld.push(e.seq);
        continue;
      }
      if (e.startMs > now + POINT_MAX_FUTURE_MS) {
        if (!this.#warnedFuture) {
          this.#warnedFuture = true;
          this.#options.log?.warn(
            { startMs: e.startMs },
            'status point lies in the future (clock skew?); holding it',
          );
        }
        continue;
      }
      batch.push(e);
    }
    if (tooOld.length > 0) {
      this.#remove(tooOld);
      this.#dropped += tooOld.length;
      this.#options.log?.warn(
        { dropped: tooOld.length },
        'status points older than SiteWise accepts (7 days) dropped',
      );
      await this.#record(() => this.#journal.done(tooOld));
    }
    // Superseded entries whose replacement exists are done too.
    const superseded = [...this.#entries.values()].filter(
      (e) => this.#byKey.get(pointKey(e)) !== e.seq && !this.#inFlight.has(e.seq),
    );
    if (superseded.length > 0) {
      this.#remove(superseded.map((e) => e.seq));
      await this.#record(() => this.#journal.done(superseded.map((e) => e.seq)));
    }
    return batch;
  }

  async #send(batch: JournalEntry[]): Promise<boolean> {
    const now = this.#now();
    const oldest = now - OLDEST_POINT_AGE_MS;
    const entries = batch.map((e) => toWireEntry(e, oldest));
    for (const e of batch) this.#inFlight.add(e.seq);
    try {
      const out = await this.#options.client.send(new BatchPutAssetPropertyValueCommand({ entries }));
      const failed = new Map<number, string>();
      for (const entry of out.errorEntries ?? []) {
        const code = entry.errors?.[0]?.errorCode ?? 'InternalFailureException';
        failed.set(Number(entry.entryId), code);
        if (!RETRIABLE.has(code)) {
          this.#options.log?.warn(
            { entryId: entry.entryId, code, message: entry.errors?.[0]?.errorMessage },
            'SiteWise refused a status point; dropped',
          );
        }
      }
      const finished = batch.filter((e) => !RETRIABLE.has(failed.get(e.seq) ?? '')).map((e) => e.seq);
      const refused = batch.filter(
        (e) => failed.has(e.seq) && !RETRIABLE.has(failed.get(e.seq) ?? ''),
      ).length;
      this.#sent += finished.length - refused;
      this.#dropped += refused;
      this.#remove(finished);
      await this.#record(() => this.#journal.done(finished));
      const retry = finished.length < batch.length;
      if (retry) {
        this.#options.log?.debug({ retrying: batch.length - finished.length }, 'status points to retry');
        this.#failures++;
        return false;
      }
      this.#failures = 0;
      this.#isolate = false;
      return true;
    } catch (err) {
      const name = awsErrorName(err) ?? '';
      if (CONTENT_ERRORS.has(name)) {
        if (batch.length > 1) {
          // One bad entry spoils the call; send one by one until the culprit is found.
          this.#isolate = true;
          return true;
        }
        this.#options.log?.warn({ err: describeError(err) }, 'SiteWise refused a status point; dropped');
        this.#remove(batch.map((e) => e.seq));
        this.#dropped += 1;
        await this.#record(() => this.#journal.done(batch.map((e) => e.seq)));
        return true;
      }
      if (this.#failures++ === 0) {
        this.#options.log?.warn(
          { err: describeError(err), pending: this.#entries.size },
          'SiteWise unreachable; status points kept',
        );
      }
      return false;
    } finally {
      for (const e of batch) this.#inFlight.delete(e.seq);
    }
  }

  #backoffMs(): number {
    return backoffDelay(this.#failures, this.#options.backoff ?? RETRY_BACKOFF);
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  // Wait for ms (forever when undefined); a put ends the wait only when wakeOnPut (not during backoff).
  #sleep(ms: number | undefined, wakeOnPut: boolean): Promise<void> {
    if (this.#closed || (wakeOnPut && this.#dirty)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(this.#timer);
        this.#wake = undefined;
        resolve();
      };
      this.#wake = wakeOnPut ? done : () => this.#closed && done();
      if (ms !== undefined) this.#timer = setTimeout(done, ms);
    });
  }
}
