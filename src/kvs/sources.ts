// Where a session's fragments come from. The live source drains the live queue (reading its gaps
// back from the store); a range source walks the store from a cursor for a historical or backfill
// request. Both skip what the ledger already holds, and take back what a failed session left
// unacknowledged so it is sent again first.
import type { Fragment } from '../mkv/fragment.js';
import type { Holdings } from './delivery-check.js';
import type { Gap, LiveItem, LiveQueue } from './live-queue.js';
import type { FragmentReader, UploadLedger } from './seams.js';

/** Why a fragment is being sent: the live edge, a gap of the live edge, or a historical request. */
export type FragmentOrigin = 'live' | 'backfill' | 'historical';

/** A fragment picked for sending, with where it came from. */
export interface Picked {
  fragment: Fragment;
  origin: FragmentOrigin;
}

/** A supply of fragments for one session at a time. */
export interface FragmentSource {
  /** The next fragment to send, or undefined when there is nothing (right now). */
  next(): Promise<Picked | undefined>;
  /** A session ended with these unacknowledged (oldest first): send them again next time. */
  giveBack(items: Picked[]): Promise<void>;
}

/** Fragments of a live gap the store did not have when the gap was read back. */
export interface MissingFromStore {
  fromStartMs: number;
  toStartMs: number;
  fragments: number;
}

/** The live edge: RAM queue first, gaps read back from the store in place. */
export class LiveSource implements FragmentSource {
  readonly #queue: LiveQueue;
  readonly #reader: FragmentReader;
  readonly #ledger: UploadLedger;
  readonly #onMissing: (m: MissingFromStore) => void;
  #gap: (Gap & { readFromMs: number }) | undefined;
  #gapIter: AsyncIterator<Fragment> | undefined;

  constructor(
    queue: LiveQueue,
    reader: FragmentReader,
    ledger: UploadLedger,
    onMissing: (m: MissingFromStore) => void = () => undefined,
  ) {
    this.#queue = queue;
    this.#reader = reader;
    this.#ledger = ledger;
    this.#onMissing = onMissing;
  }

  /** True when something is waiting to be sent. */
  get waiting(): boolean {
    return this.#queue.length > 0 || this.#gap !== undefined;
  }

  async next(): Promise<Picked | undefined> {
    for (;;) {
      const gap = this.#gap;
      if (gap && this.#gapIter) {
        const r = await this.#gapIter.next();
        if (!r.done) {
          const f = r.value;
          if (f.startMs < gap.fromStartMs) continue;
          if (f.startMs <= gap.toStartMs) {
            gap.fromStartMs = f.startMs + 1;
            gap.fragments = Math.max(0, gap.fragments - 1);
            if (this.#ledger.covers(f.startMs, f.endMs)) continue;
            return { fragment: f, origin: 'backfill' };
          }
        }
        // Past the gap (or the store has nothing more): the gap is closed. Whatever it stood for and
        // the store lacks was never written; said once per gap, with its range.
        if (gap.fragments > 0) {
          this.#onMissing({
            fromStartMs: gap.readFromMs,
            toStartMs: gap.toStartMs,
            fragments: gap.fragments,
          });
        }
        await this.#closeGap();
        continue;
      }
      const item = this.#queue.shift();
      if (!item) return undefined;
      if (item.kind === 'gap') {
        this.#gap = { ...item, readFromMs: item.fromStartMs };
        this.#gapIter = this.#reader.read(item.fromStartMs, item.toStartMs + 1)[Symbol.asyncIterator]();
        continue;
      }
      const f = item.fragment;
      if (this.#ledger.covers(f.startMs, f.endMs)) continue;
      return { fragment: f, origin: 'live' };
    }
  }

  async giveBack(items: Picked[]): Promise<void> {
    const back: LiveItem[] = items.map((p) => ({ kind: 'fragment', fragment: p.fragment }));
    const gap = this.#gap;
    if (gap) {
      // The rest of a partly read gap goes back behind the retried fragments.
      if (gap.fromStartMs <= gap.toStartMs) {
        back.push({
          kind: 'gap',
          fromStartMs: gap.fromStartMs,
          toStartMs: gap.toStartMs,
          fragments: gap.fragments,
        });
      }
      await this.#closeGap();
    }
    if (back.length > 0) this.#queue.unshift(back);
  }

  /** Releases the store reader of an open gap (stop). */
  async close(): Promise<void> {
    await this.#closeGap();
  }

  async #closeGap(): Promise<void> {
    const it = this.#gapIter;
    this.#gap = undefined;
    this.#gapIter = undefined;
    await it?.return?.();
  }
}

/** Progress of a range upload. */
export interface RangeProgress {
  /** Bytes of fragments acknowledged as PERSISTED by this job. */
  bytes: number;
  /** Fragments persisted by this job. */
  fragments: number;
  /** Fragments skipped because the ledger already had them. */
  alreadyPersisted: number;
  /** Fragments skipped after a non-retriable ERROR ACK. */
  rejected: number;
  /** 0..100 by media time covered. */
  percent: number;
}

/** How a range job learns what KVS already holds before it sends anything. */
export interface RangeCheck {
  /** What KVS holds of [startMs, endMs]; undefined when unknown. */
  verify(startMs: number, endMs: number): Promise<Holdings | undefined>;
  /** A fragment of the range KVS already holds (recorded as persisted, not sent). */
  onHeld(f: Fragment): void;
}

/**
 * A historical (or backfill) range walked through the store; see the file comment. Before its first
 * fragment it asks KVS what it holds of the range (a run that was killed, or an earlier request,
 * may have delivered part of it without the ledger knowing).
 */
export class RangeSource implements FragmentSource {
  readonly startMs: number;
  readonly endMs: number;
  readonly origin: FragmentOrigin;
  readonly progress: RangeProgress = { bytes: 0, fragments: 0, alreadyPersisted: 0, rejected: 0, percent: 0 };
  readonly #reader: FragmentReader;
  readonly #ledger: UploadLedger;
  /** Only fragments starting at or after this are still to be picked. */
  #fromStartMs: number;
  #iter: AsyncIterator<Fragment> | undefined;
  #exhausted = false;
  #covered = 0;
  // Fragments rejected for good; a re-read after a failure must not offer them again.
  readonly #rejected = new Set<number>();
  readonly #check: RangeCheck | undefined;
  #verified = false;
  #held: Holdings | undefined;
  #cancelled = false;

  constructor(
    startMs: number,
    endMs: number,
    origin: FragmentOrigin,
    reader: FragmentReader,
    ledger: UploadLedger,
    check?: RangeCheck,
  ) {
    this.startMs = startMs;
    this.endMs = endMs;
    this.origin = origin;
    this.#reader = reader;
    this.#ledger = ledger;
    this.#check = check;
    this.#fromStartMs = -Infinity;
  }

  /** Nobody waits for this job any more: it offers nothing else. */
  cancel(): void {
    this.#cancelled = true;
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Everything in the range has been offered (the job is complete once nothing is in flight). */
  get exhausted(): boolean {
    return this.#exhausted;
  }

  async next(): Promise<Picked | undefined> {
    if (this.#exhausted || this.#cancelled) return undefined;
    if (!this.#iter) {
      const from = Number.isFinite(this.#fromStartMs) ? this.#fromStartMs : this.startMs;
      this.#iter = this.#reader.read(from, this.endMs)[Symbol.asyncIterator]();
    }
    for (;;) {
      const r = await this.#iter.next();
      if (r.done) break;
      const f = r.value;
      // The store returns whole fragments overlapping the range; keep exactly those.
      if (f.endMs <= this.startMs || f.startMs < this.#fromStartMs || this.#rejected.has(f.startMs)) continue;
      if (f.startMs >= this.endMs) break;
      this.#fromStartMs = f.startMs + 1;
      if (this.#ledger.covers(f.startMs, f.endMs)) {
        this.progress.alreadyPersisted += 1;
        this.#advance(f.endMs);
        continue;
      }
      if (!this.#verified) {
        // Asked from the first fragment not in the ledger, not from the range start: a range that
        // begins inside a fragment (the ledger's end estimate of the one before) must still find it.
        this.#verified = true;
        if (this.#check) this.#held = await this.#check.verify(f.startMs, this.endMs);
      }
      if (this.#held?.has(f.startMs)) {
        this.#check?.onHeld(f);
        this.progress.alreadyPersisted += 1;
        this.#advance(f.endMs);
        continue;
      }
      return { fragment: f, origin: this.origin };
    }
    this.#exhausted = true;
    await this.#closeIter();
    return undefined;
  }

  async giveBack(items: Picked[]): Promise<void> {
    const first = items[0];
    if (!first) return;
    // Re-read from the store from the oldest unacknowledged fragment: nothing stays in RAM.
    this.#fromStartMs = Math.min(this.#fromStartMs, first.fragment.startMs);
    this.#exhausted = false;
    await this.#closeIter();
  }

  /** A fragment of this job was persisted. */
  persisted(f: Fragment): void {
    this.progress.bytes += f.bytes.length;
    this.progress.fragments += 1;
    this.#advance(f.endMs);
  }

  /** A fragment of this job was rejected for good. */
  rejected(f: Fragment): void {
    this.#rejected.add(f.startMs);
    this.progress.rejected += 1;
    this.#advance(f.endMs);
  }

  /** Marks the job complete (100 %). */
  complete(): void {
    this.progress.percent = 100;
  }

  async close(): Promise<void> {
    await this.#closeIter();
  }

  #advance(endMs: number): void {
    this.#covered = Math.max(this.#covered, Math.min(endMs, this.endMs) - this.startMs);
    const span = this.endMs - this.startMs;
    this.progress.percent = span > 0 ? Math.min(100, Math.floor((this.#covered / span) * 1000) / 10) : 100;
  }

  async #closeIter(): Promise<void> {
    const it = this.#iter;
    this.#iter = undefined;
    await it?.return?.();
  }
}
