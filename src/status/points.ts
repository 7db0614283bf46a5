// Status ranges -> SiteWise points, the way the TwinMaker video player reads them: each point is one
// range, timestamp = range start, value = range end (epoch seconds, DOUBLE). A range that keeps growing
// rewrites its point (same timestamp, larger value); a gap starts a new point; and a point whose start
// would fall out of SiteWise's 7-day window is continued by a new point (re-anchored after 6 days).
import type { CameraConfig } from '../sitewise/index.js';
import type { TimeRange } from '../time/index.js';
import type { StatusPoint } from './outbox.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** A point's start is moved on once it is this old, a day before SiteWise would refuse it. */
export const REANCHOR_AGE_MS = 6 * DAY_MS;
// CachedVideoAgeOutOnEdge changes with every fragment; once per 10 s of recorded video keeps the
// player's availability bar current without a SiteWise call per fragment.
const CACHED_REPORT_EVERY_MS = 10_000;

/** Where points go (StatusOutbox.put). */
export type PointSink = (point: StatusPoint) => void;

/** Options of RangeSeries. */
export interface RangeSeriesOptions {
  assetId: string;
  propertyId: string;
  sink: PointSink;
  /** Ranges closer than this are one range (segment boundaries leave a frame-sized gap). */
  gapToleranceMs?: number;
  /**
   * Open points remembered. Live upload extends one, a historical upload another; 16 covers a
   * burst of historical requests, and a forgotten one only means a new point next time.
   */
  maxOpen?: number;
  now?: () => number;
}

/** One status property's points (VideoRecordedTimeRange or VideoUploadedTimeRange). */
export class RangeSeries {
  readonly #options: RangeSeriesOptions;
  readonly #now: () => number;
  // Open points, least recently extended first.
  #open: TimeRange[] = [];

  constructor(options: RangeSeriesOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Report that [startMs, endMs) is recorded/uploaded. */
  add(range: TimeRange): void {
    const now = this.#now();
    const tolerance = this.#options.gapToleranceMs ?? 5000;
    const floor = now - REANCHOR_AGE_MS;
    let { startMs } = range;
    const { endMs } = range;
    if (endMs <= floor || endMs <= startMs) return;
    startMs = Math.max(startMs, floor);

    const index = this.#open.findIndex(
      (p) => startMs <= p.endMs + tolerance && p.startMs <= endMs + tolerance,
    );
    let point: TimeRange;
    if (index < 0) {
      point = { startMs, endMs };
    } else {
      const open = this.#open[index] as TimeRange;
      this.#open.splice(index, 1);
      if (endMs <= open.endMs && startMs >= open.startMs) {
        this.#open.push(open); // nothing new
        return;
      }
      // Extending an old point would send a timestamp SiteWise refuses soon: continue in a new point.
      point =
        open.startMs < floor
          ? { startMs: Math.max(open.endMs, startMs), endMs }
          : { startMs: Math.min(open.startMs, startMs), endMs: Math.max(open.endMs, endMs) };
      if (point.endMs <= point.startMs) return;
    }
    this.#open.push(point);
    if (this.#open.length > (this.#options.maxOpen ?? 16)) this.#open.shift();
    this.#options.sink({ assetId: this.#options.assetId, propertyId: this.#options.propertyId, ...point });
  }
}

/** Options of CameraStatus. */
export interface CameraStatusOptions {
  assetId: string;
  status: CameraConfig['status'];
  sink: PointSink;
  gapToleranceMs?: number;
  now?: () => number;
}

/** The three status properties of one camera. */
export class CameraStatus {
  readonly #options: CameraStatusOptions;
  readonly #recorded: RangeSeries;
  readonly #uploaded: RangeSeries;
  readonly #now: () => number;
  #cached = new Map<number, number>();
  #cachedReportedAt = 0;

  constructor(options: CameraStatusOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const series = (propertyId: string): RangeSeries =>
      new RangeSeries({
        assetId: options.assetId,
        propertyId,
        sink: options.sink,
        ...(options.gapToleranceMs !== undefined && { gapToleranceMs: options.gapToleranceMs }),
        ...(options.now !== undefined && { now: options.now }),
      });
    this.#recorded = series(options.status.recordedRange);
    this.#uploaded = series(options.status.uploadedRange);
  }

  /** Video was recorded locally over this range (VideoRecordedTimeRange). */
  recorded(range: TimeRange): void {
    this.#recorded.add(range);
  }

  /**
   * A fragment was recorded: extends VideoRecordedTimeRange and, at most once per 10 s of recorded
   * video, reports what the edge caches (`cachedNow` is read only then).
   */
  recordedFragment(range: TimeRange, cachedNow: () => readonly TimeRange[]): void {
    this.recorded(range);
    if (range.endMs - this.#cachedReportedAt < CACHED_REPORT_EVERY_MS) return;
    this.#cachedReportedAt = range.endMs;
    this.cached(cachedNow());
  }

  /** Video over this range is persisted in KVS (VideoUploadedTimeRange). */
  uploaded(range: TimeRange): void {
    this.#uploaded.add(range);
  }

  /**
   * The ranges cached on the edge now (CachedVideoAgeOutOnEdge), one point per contiguous range, written
   * when it changed. Unlike the reference's (now, oldest) heartbeat, these read correctly in the player.
   */
  cached(ranges: readonly TimeRange[]): void {
    // Rounded to the hour so a long-cached range is re-anchored once an hour, not on every report.
    const floor = Math.ceil((this.#now() - REANCHOR_AGE_MS) / HOUR_MS) * HOUR_MS;
    const tolerance = this.#options.gapToleranceMs ?? 5000;
    const merged: TimeRange[] = [];
    for (const r of [...ranges].sort((a, b) => a.startMs - b.startMs)) {
      const last = merged[merged.length - 1];
      if (last !== undefined && r.startMs <= last.endMs + tolerance)
        last.endMs = Math.max(last.endMs, r.endMs);
      else merged.push({ ...r });
    }
    const next = new Map<number, number>();
    for (const r of merged) {
      if (r.endMs <= floor) continue;
      const startMs = Math.max(r.startMs, floor);
      next.set(startMs, r.endMs);
      if (this.#cached.get(startMs) === r.endMs) continue;
      this.#options.sink({
        assetId: this.#options.assetId,
        propertyId: this.#options.status.cachedRange,
        startMs,
        endMs: r.endMs,
      });
    }
    this.#cached = next;
  }
}
