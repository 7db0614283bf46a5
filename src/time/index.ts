// Time: the two rules about time that every other folder shares, so each has exactly one version.
//
// - ranges: TimeRange, half-open [startMs, endMs) in epoch ms, and the operations on sorted, merged
//   lists of them (normalize, covers, subtract, joins). The recorded view, the upload ledger, upload
//   requests and jobs, and status points are all TimeRanges. An empty range stands for its instant.
// - backoff: one retry policy (exponential, equal jitter) with two caps, 16 s for KVS PutMedia
//   reconnects and 30 s for everything else, and an abortable delay.
//
// A leaf: it imports nothing, and anything may import it.
export { covers, intersect, joins, normalize, subtract, type TimeRange } from './ranges.js';
export {
  Backoff,
  backoffDelay,
  delay,
  RETRY_BACKOFF,
  UPLOAD_BACKOFF,
  type BackoffPolicy,
} from './backoff.js';
