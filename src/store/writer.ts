// SegmentWriter: one per camera. The live path hands it fragments; it appends them to
// video_<startMs>.mkv files, rotating at a fragment boundary after the segment duration and at every
// header change, so every file is one header plus gap-free fragments that any player can open.
//
// append() never waits for the disk: fragments go to a bounded queue drained by one write loop. When
// the disk is slower than the camera and the queue is full, the incoming fragment is dropped (whole
// fragments only, so files stay valid), counted, and the next written fragment starts a new file, so a
// file never hides a gap.
import path from 'node:path';
import type { Logger } from '../log/index.js';
import type { Fragment, StreamHeader } from '../mkv/index.js';
import type { Catalog, Segment } from './catalog.js';
import type { StoreClock } from './clock.js';
import { errorCode, type StoreFiles, type WritableFile } from './files.js';
import { segmentName } from './naming.js';

/** What happened to a fragment handed to append(). */
export type AppendResult = 'queued' | 'dropped-queue-full' | 'dropped-denied' | 'closed';

/** Counters for health reporting. */
export interface WriterStats {
  queuedBytes: number;
  queuedFragments: number;
  writtenFragments: number;
  writtenBytes: number;
  droppedFragments: number;
  filesOpened: number;
  lastError?: string;
}

/** What a writer needs from the store around it. */
export interface WriterContext {
  catalog: Catalog;
  files: StoreFiles;
  clock: StoreClock;
  log: Logger;
  segmentMs: number;
  fsyncIntervalMs: number;
  maxQueueBytes: number;
  maxQueueFragments: number;
  /** DENY_NEW_MEDIA is in force: drop instead of writing. */
  isDenied(): boolean;
  /** The disk is full: free space if the strategy allows; true when a retry is worth it. */
  onDiskFull(cameraId: string): Promise<boolean>;
  /** Called after every write so size retention can react at once. */
  afterWrite(): void;
  onClosed(cameraId: string): void;
}

interface OpenFile {
  seg: Segment;
  file: WritableFile;
  header: StreamHeader;
  lastSyncAt: number;
}

// Name collisions happen only when two files would start in the same millisecond (a clock step
// back); a handful of retries with +1 ms is plenty.
const NAME_RETRIES = 50;

// endMs is an estimate (last frame + one frame duration), so the next fragment may start a little
// earlier; only a clear step back means the clock moved.
const CLOCK_STEP_TOLERANCE_MS = 1000;

// Deletions one write may ask for before its fragment counts as lost (see #withSpace).
const DISK_FULL_RETRIES = 4;

export class SegmentWriter {
  readonly cameraId: string;
  readonly #dir: string;
  readonly #ctx: WriterContext;
  readonly #queue: Fragment[] = [];
  #queuedBytes = 0;
  #current: OpenFile | undefined;
  #gap = false;
  #closed = false;
  #draining: Promise<void> | undefined;
  readonly #stats: WriterStats = {
    queuedBytes: 0,
    queuedFragments: 0,
    writtenFragments: 0,
    writtenBytes: 0,
    droppedFragments: 0,
    filesOpened: 0,
  };
  #warnedFull = false;
  #failing = false;
  readonly #written = new Set<(range: { startMs: number; endMs: number }) => void>();

  constructor(cameraId: string, dir: string, ctx: WriterContext) {
    this.cameraId = cameraId;
    this.#dir = dir;
    this.#ctx = ctx;
  }

  /** Queues a fragment for writing; never waits for the disk. */
  append(fragment: Fragment): AppendResult {
    if (this.#closed) return 'closed';
    if (this.#ctx.isDenied()) return this.#drop('dropped-denied');
    const n = fragment.bytes.length;
    if (
      this.#queue.length > 0 &&
      (this.#queuedBytes + n > this.#ctx.maxQueueBytes || this.#queue.length >= this.#ctx.maxQueueFragments)
    ) {
      if (!this.#warnedFull) {
        this.#warnedFull = true;
        this.#ctx.log.warn(
          { cameraId: this.cameraId, queuedBytes: this.#queuedBytes },
          'disk slower than the camera: write queue full, dropping whole fragments until it drains',
        );
      }
      return this.#drop('dropped-queue-full');
    }
    this.#queue.push(fragment);
    this.#queuedBytes += n;
    this.#draining ??= this.#drain().finally(() => (this.#draining = undefined));
    return 'queued';
  }

  /**
   * Calls `listener` after each fragment is written (not when it is queued: a refused write must
   * never show as recorded). Returns the unsubscribe.
   */
  onWritten(listener: (range: { startMs: number; endMs: number }) => void): () => void {
    this.#written.add(listener);
    return () => this.#written.delete(listener);
  }

  /** Resolves when everything queued so far is on disk (or dropped). */
  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  /** Drains the queue, fsyncs and closes the current file. Appends after this return 'closed'. */
  async close(): Promise<void> {
    if (this.#closed) return this.flush();
    this.#closed = true;
    await this.flush();
    await this.#closeCurrent();
    this.#ctx.onClosed(this.cameraId);
  }

  get stats(): WriterStats {
    return { ...this.#stats, queuedBytes: this.#queuedBytes, queuedFragments: this.#queue.length };
  }

  #drop(result: AppendResult): AppendResult {
    this.#stats.droppedFragments++;
    this.#gap = true;
    return result;
  }

  async #drain(): Promise<void> {
    for (let f = this.#queue[0]; f; f = this.#queue[0]) {
      try {
        await this.#writeOne(f);
      } catch (err) {
        // Read-only remount, vanished folder, I/O error: lose this fragment, not the camera. The next
        // one tries again with a new file (the folder is created again if it vanished).
        this.#fail(`${errorCode(err) ?? 'EIO'}: recording write failed`, err);
        this.#drop('dropped-queue-full');
        await this.#closeCurrent().catch(() => undefined);
      }
      this.#queue.shift();
      this.#queuedBytes -= f.bytes.length;
      if (this.#queue.length === 0) this.#warnedFull = false;
    }
  }

  #needsNewFile(f: Fragment): boolean {
    const cur = this.#current;
    if (!cur || this.#gap) return true;
    if (f.header !== cur.header && !f.header.bytes.equals(cur.header.bytes)) return true;
    if (f.header.generation !== cur.header.generation) return true;
    if (f.startMs - cur.seg.startMs >= this.#ctx.segmentMs) return true;
    // The clock stepped back: a file's fragments must keep increasing times.
    return f.startMs < cur.seg.endMs - CLOCK_STEP_TOLERANCE_MS;
  }

  async #writeOne(f: Fragment): Promise<void> {
    if (this.#ctx.isDenied()) {
      this.#drop('dropped-denied');
      await this.#closeCurrent();
      return;
    }
    if (this.#needsNewFile(f)) {
      await this.#closeCurrent();
      if (!(await this.#withSpace(() => this.#open(f)))) return this.#lose(f, 'no space for a new file');
    }
    const cur = this.#current;
    if (!cur) return;
    const offset = cur.seg.bytes;
    const wrote = await this.#withSpace(async () => {
      try {
        await cur.file.write(f.bytes, offset);
      } catch (err) {
        // A partial write leaves bytes past `offset`; cut them so the file stays valid.
        await cur.file.truncate(offset).catch(() => undefined);
        throw err;
      }
    });
    if (!wrote) {
      await this.#closeCurrent();
      return this.#lose(f, 'disk full');
    }
    cur.seg.spans?.push({
      startMs: f.startMs,
      endMs: f.endMs,
      offset,
      length: f.bytes.length,
      keyframe: f.keyframe,
    });
    cur.seg.endMs = Math.max(cur.seg.endMs, f.endMs);
    this.#ctx.catalog.grow(cur.seg, f.bytes.length);
    this.#stats.writtenFragments++;
    this.#stats.writtenBytes += f.bytes.length;
    this.#gap = false;
    if (this.#stats.lastError !== undefined && this.#failing) {
      this.#failing = false;
      this.#ctx.log.info({ cameraId: this.cameraId }, 'recording writes work again');
    }
    for (const l of this.#written) {
      try {
        l({ startMs: f.startMs, endMs: f.endMs });
      } catch (err) {
        this.#ctx.log.error({ err, cameraId: this.cameraId }, 'a written-fragment listener threw');
      }
    }
    this.#ctx.afterWrite();
    const now = this.#ctx.clock.now();
    if (now - cur.lastSyncAt >= this.#ctx.fsyncIntervalMs) {
      cur.lastSyncAt = now;
      try {
        await cur.file.datasync();
      } catch (err) {
        // The fragment is written and readable, but may not survive a power loss: say so, and start
        // a new file rather than keep appending to one the kernel could not flush.
        this.#fail(`${errorCode(err) ?? 'EIO'}: fsync failed`, err);
        await this.#closeCurrent().catch(() => undefined);
      }
    }
  }

  #lose(f: Fragment, why: string): void {
    this.#drop('dropped-queue-full');
    this.#fail(`ENOSPC: ${why}`, undefined, f.startMs);
  }

  // Logged once until a write works again (or the reason changes): a full disk would otherwise log
  // every fragment. Health shows lastError and the drop count all along.
  #fail(reason: string, err?: unknown, startMs?: number): void {
    const changed = !this.#failing || this.#stats.lastError !== reason;
    this.#stats.lastError = reason;
    this.#failing = true;
    if (changed) {
      this.#ctx.log.error(
        { err, cameraId: this.cameraId, startMs, reason },
        'fragments are not being recorded; retrying with every fragment',
      );
    }
  }

  /**
   * Runs `op`; on ENOSPC asks retention for space and tries again, up to DISK_FULL_RETRIES times.
   * One retry is not enough: with several cameras, another writer can fill the room a deletion made
   * before this one gets to it. The cap keeps an ENOSPC that deletions cannot cure (a quota on another
   * tree, a broken file system) from emptying the store. False when still no space.
   */
  async #withSpace(op: () => Promise<void>): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await op();
        return true;
      } catch (err) {
        if (errorCode(err) !== 'ENOSPC' && errorCode(err) !== 'EDQUOT') throw err;
        if (attempt >= DISK_FULL_RETRIES || !(await this.#ctx.onDiskFull(this.cameraId))) return false;
      }
    }
  }

  async #open(f: Fragment): Promise<void> {
    await this.#ctx.files.mkdir(this.#dir);
    let startMs = Math.trunc(f.startMs);
    let file: WritableFile | undefined;
    let filePath = '';
    for (let i = 0; !file; i++) {
      filePath = path.join(this.#dir, segmentName(startMs));
      try {
        file = await this.#ctx.files.create(filePath);
      } catch (err) {
        if (errorCode(err) !== 'EEXIST' || i >= NAME_RETRIES) throw err;
        startMs++;
      }
    }
    try {
      await file.write(f.header.bytes, 0);
      await this.#ctx.files.syncDir(this.#dir);
    } catch (err) {
      await file.close().catch(() => undefined);
      await this.#ctx.files.unlink(filePath).catch(() => undefined);
      throw err;
    }
    const seg: Segment = {
      cameraId: this.cameraId,
      path: filePath,
      startMs,
      endMs: startMs,
      bytes: 0,
      uploadedByName: false,
      writing: true,
      timeBaseMs: 0,
      spans: [],
      header: f.header,
    };
    this.#ctx.catalog.add(seg);
    this.#ctx.catalog.grow(seg, f.header.bytes.length);
    this.#current = { seg, file, header: f.header, lastSyncAt: this.#ctx.clock.now() };
    this.#stats.filesOpened++;
  }

  async #closeCurrent(): Promise<void> {
    const cur = this.#current;
    if (!cur) return;
    this.#current = undefined;
    try {
      await cur.file.datasync();
    } catch (err) {
      this.#ctx.log.warn({ err, path: cur.seg.path }, 'fsync of a finished recording failed');
    } finally {
      await cur.file.close().catch(() => undefined);
      cur.seg.writing = false;
      delete cur.seg.spans;
      delete cur.seg.header;
    }
    if (cur.seg.endMs <= cur.seg.startMs) {
      // Header only, no fragment: nothing worth keeping.
      this.#ctx.catalog.remove(cur.seg);
      await this.#ctx.files.unlink(cur.seg.path).catch(() => undefined);
    }
  }
}
