// What the uploader needs from the recording store, declared here so kvs/ never imports store/
// internals. The composition root adapts the store to these (one pair per camera/stream).
import type { Fragment } from '../mkv/fragment.js';

/** A span of media time in epoch ms, start inclusive, end exclusive. */
export interface TimeRange {
  startMs: number;
  endMs: number;
}

/** Recorded fragments of one camera. */
export interface FragmentReader {
  /** Fragments overlapping [startMs, endMs), oldest first, each with its own header. */
  read(startMs: number, endMs: number): AsyncIterable<Fragment>;
}

/** The durable list of ranges of one camera that KVS acknowledged as PERSISTED. */
export interface UploadLedger {
  /** True when every instant of [startMs, endMs) is already persisted. */
  covers(startMs: number, endMs: number): boolean;
  /** Records a persisted range (the store saves it durably in the background). */
  add(range: TimeRange): void;
}

/** True when [startMs, endMs) lies inside one of the sorted, merged `ranges` (for ledger adapters). */
export function rangesCover(ranges: readonly TimeRange[], startMs: number, endMs: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid] as TimeRange;
    if (r.endMs < endMs) lo = mid + 1;
    else if (r.startMs > startMs) hi = mid - 1;
    else return true;
  }
  return false;
}
