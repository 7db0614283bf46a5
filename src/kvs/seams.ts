// What the uploader needs from the recording store, declared here so kvs/ never imports store/
// internals. The composition root adapts the store to these (one pair per camera/stream).
import type { Fragment } from '../mkv/fragment.js';
import type { TimeRange } from '../time/index.js';

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
