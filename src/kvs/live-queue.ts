// The live queue of one stream: fragments handed over as they complete, bounded in bytes and count.
// When the uplink is slower than the camera, the oldest fragments are dropped from RAM and replaced
// by a gap marker; the gap is read back from the recording store when the uploader gets there, in
// the same order, so a session's timecodes still only increase. RAM never grows with the backlog.
// Each gap counts the fragments it stands for, so the reader can tell when the store lacks some (the
// writer never wrote them: disk full, a write error) instead of skipping them without a word.
import type { Fragment } from '../mkv/fragment.js';

/** Fragments whose starts lie in [fromStartMs, toStartMs] must be read back from the store. */
export interface Gap {
  kind: 'gap';
  fromStartMs: number;
  toStartMs: number;
  /** Fragments moved from RAM into this gap and not yet found in the store. */
  fragments: number;
}

/** One queued item: a fragment in RAM or a stretch to read from disk. */
export type LiveItem = { kind: 'fragment'; fragment: Fragment } | Gap;

/** Limits of the live queue. */
export interface LiveQueueLimits {
  /** Default 16 MiB: ~30 s of 4 Mbit/s video, enough to ride out a reconnect without touching disk. */
  maxBytes?: number;
  /** Default 64: bounds bookkeeping for low-bitrate streams with tiny fragments. */
  maxFragments?: number;
}

/** See the file comment. */
export class LiveQueue {
  readonly #items: LiveItem[] = [];
  readonly #maxBytes: number;
  readonly #maxFragments: number;
  #bytes = 0;
  #fragments = 0;
  #dropped = 0;

  constructor(limits: LiveQueueLimits = {}) {
    this.#maxBytes = limits.maxBytes ?? 16 * 1024 * 1024;
    this.#maxFragments = limits.maxFragments ?? 64;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get length(): number {
    return this.#items.length;
  }

  /** Fragments ever moved from RAM to a gap (read back from disk later). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Appends a completed fragment, turning the oldest into a gap while over the limits. */
  push(fragment: Fragment): void {
    this.#items.push({ kind: 'fragment', fragment });
    this.#bytes += fragment.bytes.length;
    this.#fragments += 1;
    while ((this.#bytes > this.#maxBytes || this.#fragments > this.#maxFragments) && this.#fragments > 1) {
      this.#dropOldest();
    }
  }

  /** Puts items back at the front (fragments of a failed session, a partly read gap), oldest first. */
  unshift(items: LiveItem[]): void {
    for (const it of items) {
      if (it.kind === 'fragment') {
        this.#bytes += it.fragment.bytes.length;
        this.#fragments += 1;
      }
    }
    this.#items.unshift(...items);
    // Retried fragments count against the limits too; the newest stay in RAM, the rest go to disk.
    while ((this.#bytes > this.#maxBytes || this.#fragments > this.#maxFragments) && this.#fragments > 1) {
      this.#dropOldest();
    }
  }

  shift(): LiveItem | undefined {
    const it = this.#items.shift();
    if (it?.kind === 'fragment') {
      this.#bytes -= it.fragment.bytes.length;
      this.#fragments -= 1;
    }
    return it;
  }

  #dropOldest(): void {
    const i = this.#items.findIndex((it) => it.kind === 'fragment');
    const it = this.#items[i];
    if (!it || it.kind !== 'fragment') return;
    const f = it.fragment;
    this.#bytes -= f.bytes.length;
    this.#fragments -= 1;
    this.#dropped += 1;
    const before = this.#items[i - 1];
    const after = this.#items[i + 1];
    if (before?.kind === 'gap') {
      before.toStartMs = Math.max(before.toStartMs, f.startMs);
      before.fragments += 1;
      this.#items.splice(i, 1);
      if (after?.kind === 'gap') {
        before.toStartMs = Math.max(before.toStartMs, after.toStartMs);
        before.fragments += after.fragments;
        this.#items.splice(i, 1);
      }
    } else if (after?.kind === 'gap') {
      after.fromStartMs = Math.min(after.fromStartMs, f.startMs);
      after.fragments += 1;
      this.#items.splice(i, 1);
    } else {
      this.#items[i] = { kind: 'gap', fromStartMs: f.startMs, toStartMs: f.startMs, fragments: 1 };
    }
  }
}
