// Time ranges in epoch milliseconds, half-open [startMs, endMs). The recorded view, the upload
// ledger and "recorded but not uploaded" are all lists of these, kept sorted and non-overlapping.

/** A span of media time in epoch ms, start inclusive, end exclusive. */
export interface TimeRange {
  startMs: number;
  endMs: number;
}

/**
 * Sorts and merges ranges; two ranges whose gap is at most `joinGapMs` become one (the gap is
 * swallowed). Empty or inverted ranges are dropped.
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

/** True when every instant of [startMs, endMs) lies inside one of the normalized `ranges`. */
export function covers(ranges: readonly TimeRange[], startMs: number, endMs: number): boolean {
  if (endMs <= startMs) return true;
  for (const r of ranges) {
    if (r.startMs <= startMs && r.endMs >= endMs) return true;
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

/** True when [aStart, aEnd) and [bStart, bEnd) share at least one instant. */
export function overlaps(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  return aStart < bEnd && bStart < aEnd;
}

/** The instants in both `a` and `b` (both normalized). */
export function intersect(a: readonly TimeRange[], b: readonly TimeRange[]): TimeRange[] {
  return subtract(a, subtract(a, b));
}
