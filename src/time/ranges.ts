// Time ranges in epoch milliseconds, half-open [startMs, endMs). The recorded view, the upload
// ledger, "recorded but not uploaded", requests, status points and upload jobs are all these.
//
// One rule for empty ranges: [t, t) stands for the instant t, as if it were [t, t + 1). A fragment
// whose frame duration is unknown ends where it starts, yet it carries a frame; treating it as
// "trivially covered" would skip it forever, so it is covered only when its instant is.

/** A span of media time in epoch ms, start inclusive, end exclusive. */
export interface TimeRange {
  startMs: number;
  endMs: number;
}

/**
 * Sorts and merges ranges; two ranges whose gap is at most `joinGapMs` become one (the gap is
 * swallowed; 0 joins ranges that touch). Empty or inverted ranges are dropped.
 */
export function normalize(ranges: readonly TimeRange[], joinGapMs = 0): TimeRange[] {
  const sorted = ranges.filter((r) => r.endMs > r.startMs).sort((a, b) => a.startMs - b.startMs);
  const out: TimeRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.startMs - last.endMs <= joinGapMs) {
      last.endMs = Math.max(last.endMs, r.endMs);
    } else {
      out.push({ startMs: r.startMs, endMs: r.endMs });
    }
  }
  return out;
}

/**
 * True when every instant of [startMs, endMs) lies inside one of the normalized (sorted, merged)
 * `ranges`; an empty range is covered when its instant is. Binary search: ledgers grow long.
 */
export function covers(ranges: readonly TimeRange[], startMs: number, endMs: number): boolean {
  const end = Math.max(endMs, startMs + 1);
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid] as TimeRange;
    if (r.endMs <= startMs) lo = mid + 1;
    else if (r.startMs > startMs) hi = mid - 1;
    else return r.endMs >= end;
  }
  return false;
}

/** `from` minus `minus`, both normalized; pieces shorter than `minLengthMs` are dropped. */
export function subtract(
  from: readonly TimeRange[],
  minus: readonly TimeRange[],
  minLengthMs = 1,
): TimeRange[] {
  const out: TimeRange[] = [];
  for (const r of from) {
    let cursor = r.startMs;
    for (const m of minus) {
      if (m.endMs <= cursor) continue;
      if (m.startMs >= r.endMs) break;
      if (m.startMs > cursor) out.push({ startMs: cursor, endMs: m.startMs });
      cursor = Math.max(cursor, m.endMs);
      if (cursor >= r.endMs) break;
    }
    if (cursor < r.endMs) out.push({ startMs: cursor, endMs: r.endMs });
  }
  return out.filter((r) => r.endMs - r.startMs >= minLengthMs);
}

/** True when the two ranges overlap or touch, so that together they form one range. */
export function joins(a: TimeRange, b: TimeRange): boolean {
  return a.startMs <= b.endMs && b.startMs <= a.endMs;
}

/** The instants in both `a` and `b` (both normalized). */
export function intersect(a: readonly TimeRange[], b: readonly TimeRange[]): TimeRange[] {
  return subtract(a, subtract(a, b));
}
