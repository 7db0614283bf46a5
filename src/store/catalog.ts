// The in-memory index: every recording file of every camera, sorted by start time, with its end
// time and size. Built at start by scan.ts, kept current by the writers and by retention.
import type { StreamHeader } from '../mkv/index.js';
import { normalize, type TimeRange } from '../time/index.js';

/** Where one complete fragment sits in a file being written, and the time it covers. */
export interface FragmentSpan {
  startMs: number;
  endMs: number;
  offset: number;
  length: number;
  keyframe: boolean;
}

/** One recording file as the index knows it. */
export interface Segment {
  cameraId: string;
  path: string;
  /** Epoch ms of the first frame (from the file name, which the writer sets to it). */
  startMs: number;
  /** Epoch ms just after the last complete fragment. */
  endMs: number;
  /** Bytes on disk that belong to complete fragments (header included). */
  bytes: number;
  /** Named video_<ms>_uploaded.mkv by the AWS component. */
  uploadedByName: boolean;
  /** Still being appended to; never deleted by retention. */
  writing: boolean;
  /**
   * Added to the file's own timecodes to get epoch ms: 0 for files with absolute timecodes, the name's
   * time minus the first cluster timecode for zero-based files (the AWS component's splitmuxsink).
   */
  timeBaseMs: number;
  /** Only while writing: the fragments fully on disk (readers never see a half-written one). */
  spans?: FragmentSpan[];
  /** Only while writing: the header at the start of the file. */
  header?: StreamHeader;
}

/** A file's public description (no internals), as returned by Store.segments(). */
export interface SegmentInfo {
  cameraId: string;
  path: string;
  startMs: number;
  endMs: number;
  bytes: number;
  uploadedByName: boolean;
  writing: boolean;
}

export class Catalog {
  readonly #cameras = new Map<string, Segment[]>();
  readonly #cameraBytes = new Map<string, number>();
  #totalBytes = 0;

  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** Bytes of one camera's files, the one being written included. */
  cameraBytes(cameraId: string): number {
    return this.#cameraBytes.get(cameraId) ?? 0;
  }

  #count(cameraId: string, delta: number): void {
    this.#totalBytes += delta;
    this.#cameraBytes.set(cameraId, this.cameraBytes(cameraId) + delta);
  }

  cameras(): string[] {
    return [...this.#cameras.keys()].sort();
  }

  ensureCamera(cameraId: string): void {
    if (!this.#cameras.has(cameraId)) this.#cameras.set(cameraId, []);
  }

  /** The camera's files sorted by start time (the live array: callers must not modify it). */
  segments(cameraId: string): readonly Segment[] {
    return this.#cameras.get(cameraId) ?? [];
  }

  add(seg: Segment): void {
    const list = this.#cameras.get(seg.cameraId) ?? [];
    this.#cameras.set(seg.cameraId, list);
    // Files arrive almost always in time order: search from the end.
    let i = list.length;
    while (i > 0 && (list[i - 1]?.startMs ?? 0) > seg.startMs) i--;
    list.splice(i, 0, seg);
    this.#count(seg.cameraId, seg.bytes);
  }

  remove(seg: Segment): boolean {
    const list = this.#cameras.get(seg.cameraId);
    const i = list ? list.indexOf(seg) : -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    this.#count(seg.cameraId, -seg.bytes);
    return true;
  }

  /** Records that `seg` grew by `delta` bytes on disk. */
  grow(seg: Segment, delta: number): void {
    seg.bytes += delta;
    this.#count(seg.cameraId, delta);
  }

  /** Closed files of every camera, oldest start first: the order size retention deletes in. */
  closedOldestFirst(): Segment[] {
    const all: Segment[] = [];
    for (const list of this.#cameras.values()) for (const s of list) if (!s.writing) all.push(s);
    return all.sort((a, b) => a.startMs - b.startMs);
  }

  /** Files overlapping [startMs, endMs): the one holding startMs, those inside, the one being written. */
  overlapping(cameraId: string, startMs: number, endMs: number): Segment[] {
    return this.segments(cameraId).filter((s) => s.startMs < endMs && s.endMs > startMs);
  }

  /**
   * Contiguous recorded ranges: files whose gap is at most `gapToleranceMs` join into one range.
   * Files with no complete fragment cover nothing.
   */
  recorded(cameraId: string, gapToleranceMs: number): TimeRange[] {
    return normalize(
      this.segments(cameraId).map((s) => ({ startMs: s.startMs, endMs: s.endMs })),
      gapToleranceMs,
    );
  }
}

export function describe(seg: Segment): SegmentInfo {
  const { cameraId, path, startMs, endMs, bytes, uploadedByName, writing } = seg;
  return { cameraId, path, startMs, endMs, bytes, uploadedByName, writing };
}
