// Status ranges -> SiteWise points, the way the TwinMaker video player reads them: each point is one
// range, timestamp = range start, value = range end (epoch seconds, DOUBLE). A range that keeps growing
// rewrites its point (same timestamp, larger value); a gap starts a new point; and a point whose start
// would fall out of SiteWise's 7-day window is continued by a new point (re-anchored after 6 days).
import type { CameraConfig } from '../sitewise/index.js';
import type { TimeRange } from '../time/index.js';
import type { EdgeChunkMemory } from './edge-chunks.js';
import type { StatusPoint } from './outbox.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** A point's start is moved on once it is this old, a day before SiteWise would refuse it. */
export const REANCHOR_AGE_MS = 6 * DAY_MS;
/**
 * Length of a CachedVideoAgeOutOnEdge chunk. Bounds the points per camera to 6 days x 1440 (8,640),
 * under the outbox's 10,000 entries, and what a player window can miss at its start to one minute.
 */
export const CACHED_CHUNK_MS = 60_000;

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
  /**
   * The cached ranges reported before this start, and where to remember them: chunks that were reported
   * then and whose video is gone now are retracted by the first cached() call.
   */
  memory?: EdgeChunkMemory;
}

/** The three status properties of one camera. */
export class CameraStatus {
  readonly #options: CameraStatusOptions;
  readonly #recorded: RangeSeries;
  readonly #uploaded: RangeSeries;
  readonly #now: () => number;
  #cached = new Map<number, number>();

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
    // Chunks are cut from ranges by a fixed rule, so the remembered ranges give back the chunk starts
    // written before the stop. Their ends may be older than what was written (the file is not rewritten
    // as the last chunk grows); that only makes the first cached() write such a chunk once more.
    if (options.memory) this.#cached = chunksOf(options.memory.remembered, -Infinity);
  }

  /** Video was recorded locally over this range (VideoRecordedTimeRange). */
  recorded(range: TimeRange): void {
    this.#recorded.add(range);
  }

  /** Video over this range is persisted in KVS (VideoUploadedTimeRange). */
  uploaded(range: TimeRange): void {
    this.#uploaded.add(range);
  }

  /**
   * The ranges cached on the edge now (CachedVideoAgeOutOnEdge), in chunks of at most a minute on
   * minute boundaries: timestamp = chunk start, value = chunk end. The player only sees points stamped
   * inside its window, so a long cached range written as one point (or as the reference's (now, oldest)
   * heartbeat) would be invisible in "last 15 minutes"; with chunks, at most the minute at the window's
   * start is missed. A chunk is written when it changed. A chunk whose video is gone (retention) is
   * retracted: its point is rewritten with value = start, an empty range, since SiteWise replaces a
   * value written again at the same timestamp. Chunks older than the BatchPut window are left alone.
   * With `memory`, this holds across restarts: the first call retracts the remembered chunks whose
   * video was deleted while the connector was stopped.
   */
  cached(ranges: readonly TimeRange[]): void {
    // Rounded to the hour so a chunk is never written with a timestamp SiteWise is about to refuse.
    const floor = Math.ceil((this.#now() - REANCHOR_AGE_MS) / HOUR_MS) * HOUR_MS;
    const tolerance = this.#options.gapToleranceMs ?? 5000;
    const merged: TimeRange[] = [];
    for (const r of [...ranges].sort((a, b) => a.startMs - b.startMs)) {
      const last = merged[merged.length - 1];
      if (last !== undefined && r.startMs <= last.endMs + tolerance)
        last.endMs = Math.max(last.endMs, r.endMs);
      else merged.push({ ...r });
    }
    const next = chunksOf(merged, floor);
    const sink = (startMs: number, endMs: number) =>
      this.#options.sink({
        assetId: this.#options.assetId,
        propertyId: this.#options.status.cachedRange,
        startMs,
        endMs,
      });
    for (const startMs of this.#cached.keys()) {
      if (!next.has(startMs) && startMs >= floor) sink(startMs, startMs);
    }
    for (const [startMs, endMs] of next) {
      if (this.#cached.get(startMs) !== endMs) sink(startMs, endMs);
    }
    const startsChanged =
      next.size !== this.#cached.size || [...next.keys()].some((startMs) => !this.#cached.has(startMs));
    this.#cached = next;
    if (startsChanged && this.#options.memory) {
      this.#options.memory.save(
        merged
          .filter((r) => r.endMs > floor)
          .map((r) => ({ startMs: Math.max(r.startMs, floor), endMs: r.endMs })),
      );
    }
  }
}

/**
 * The CachedVideoAgeOutOnEdge chunks of merged ranges: at most a minute, on minute boundaries, none
 * starting before `floor` (an hour boundary, so clipping there gives the same chunk starts).
 */
function chunksOf(merged: readonly TimeRange[], floor: number): Map<number, number> {
  const chunks = new Map<number, number>();
  for (const r of merged) {
    for (let startMs = Math.max(r.startMs, floor); startMs < r.endMs;) {
      const endMs = Math.min(r.endMs, (Math.floor(startMs / CACHED_CHUNK_MS) + 1) * CACHED_CHUNK_MS);
      chunks.set(startMs, endMs);
      startMs = endMs;
    }
  }
  return chunks;
}
