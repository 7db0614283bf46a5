// The upload ledger: per camera, the time ranges KVS has acknowledged as PERSISTED. It decides what
// is never uploaded twice, what "recorded but not uploaded" means, and when DeleteAfterUpload may
// delete a file. Each camera's ranges live in <camera folder>/.uploaded-ranges.json, replaced
// atomically (write a temp file, fsync, rename, fsync the folder), so a crash leaves either the old or
// the new list, never a torn one. The same class, with another file name, keeps the upload intent
// (what must reach KVS), so both survive restarts the same way. The intent also lists, apart, the
// requested ranges whose end was still ahead (openRequests): `ranges` alone cannot tell a request
// from live, which is marked a little ahead of its fragments, and only a request must be re-opened by
// the next start. A file without that list (an older version's) loads as having none.
//
// A save that fails (full disk, read-only remount, vanished folder) is logged once until it works
// again, shown in health (saveError), and retried on a timer with backoff, not only on the next
// change: otherwise the next run would upload again what KVS already holds.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log/index.js';
import { errorCode, type StoreFiles } from './files.js';
import { LEDGER_FILE } from './naming.js';
import { covers, normalize, type TimeRange } from '../time/index.js';

// Fragments are acknowledged one by one; their estimated end may miss the next start by a frame or
// two. Joining gaps this small keeps the list short and lets a whole file count as uploaded.
const DEFAULT_JOIN_GAP_MS = 100;

// A camera that uploads only scattered ranges (historical requests) could grow the list forever; the
// oldest ranges go first, by then their files are long deleted by retention anyway.
const MAX_RANGES_PER_CAMERA = 10_000;

// Open requests end at most 10 minutes after they were asked for and leave the list once their end has
// passed, so a camera holds a few; the bound only matters for a flood of requests.
const MAX_OPEN_REQUESTS_PER_CAMERA = 100;

// Live fragments are acknowledged every 1-2 s per camera, and every save is eight file operations with
// two syncs. Saves of one camera start at least this far apart (adds in between coalesce; flush() saves
// at once). A crash can forget at most this much of the newest uploads, which the next start uploads
// again: the same bound the save in flight already had, stretched from one fragment to a few.
const SAVE_EVERY_MS = 5_000;

// A failed save is retried after 1 s, doubling up to a minute.
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 60_000;

interface CameraLedger {
  ranges: TimeRange[];
  /** Requested ranges whose end was ahead when asked for (intent only; see the file comment). */
  open: TimeRange[];
  dir: string;
  saving: Promise<void> | undefined;
  dirty: boolean;
  lastSaveAt: number;
  /** Set by flush(): save without waiting for SAVE_EVERY_MS. */
  hurry: boolean;
  /** Ends the current wait for SAVE_EVERY_MS. */
  wake: (() => void) | undefined;
}

/** Durable per-camera lists of time ranges persisted in KVS. */
export class UploadLedger {
  readonly #cameras = new Map<string, CameraLedger>();
  readonly #files: StoreFiles;
  readonly #log: Logger;
  readonly #dirOf: (cameraId: string) => string;
  readonly #joinGapMs: number;

  readonly #fileName: string;
  readonly #what: string;
  #saveError: string | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryMs = RETRY_MIN_MS;
  #closed = false;

  constructor(
    files: StoreFiles,
    log: Logger,
    dirOf: (cameraId: string) => string,
    joinGapMs?: number,
    fileName: string = LEDGER_FILE,
  ) {
    this.#files = files;
    this.#log = log;
    this.#dirOf = dirOf;
    this.#joinGapMs = joinGapMs ?? DEFAULT_JOIN_GAP_MS;
    this.#fileName = fileName;
    this.#what = fileName === LEDGER_FILE ? 'upload ledger' : 'upload intent';
  }

  /** Called when a save meets ENOSPC: frees the state reserve; true when a retry is worth it. */
  onNoSpace: (() => Promise<boolean>) | undefined;

  /** The last save failure, until a save works again. */
  get saveError(): string | undefined {
    return this.#saveError;
  }

  /** Stops retrying (store close): a final flush() still writes what is dirty. */
  stopRetrying(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
  }

  /** Reads a camera's saved ranges (missing file: none; unreadable file: none, with a warning). */
  async load(cameraId: string): Promise<void> {
    const dir = this.#dirOf(cameraId);
    const cam = this.#camera(cameraId);
    const file = path.join(dir, this.#fileName);
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.#log.warn({ err, file }, 'upload ledger unreadable; treating the camera as not uploaded');
      }
      return;
    }
    try {
      const parsed = JSON.parse(text) as { ranges?: unknown; openRequests?: unknown };
      cam.ranges = normalize([...cam.ranges, ...pairs(parsed.ranges)], this.#joinGapMs);
      cam.open = normalize([...cam.open, ...pairs(parsed.openRequests)], 0);
    } catch (err) {
      // Only a foreign or hand-edited file can be torn (ours are replaced atomically); re-uploading
      // is the safe side of that.
      this.#log.warn({ err, file }, 'upload ledger is not valid JSON; treating the camera as not uploaded');
    }
  }

  /** Records [startMs, endMs) as persisted in KVS; saved to disk in the background (see flush()). */
  add(cameraId: string, startMs: number, endMs: number): void {
    this.#addRanges(cameraId, [{ startMs, endMs }], true);
  }

  /** Same as add() without saving: used for ranges the file names already prove (_uploaded). */
  addKnown(cameraId: string, ranges: TimeRange[]): void {
    this.#addRanges(cameraId, ranges, false);
  }

  /**
   * Same as add(), and lists the range as an open request (its end is after `nowMs`) until that end
   * has passed: what the next start re-opens if it comes before the end.
   */
  addOpenRequest(cameraId: string, range: TimeRange, nowMs: number): void {
    const cam = this.#camera(cameraId);
    const open = normalize([...cam.open.filter((r) => r.endMs > nowMs), range], 0);
    cam.open = open.slice(-MAX_OPEN_REQUESTS_PER_CAMERA);
    this.#addRanges(cameraId, [range], true);
  }

  /** The camera's open requests as saved (some may have ended since; the reader decides), a copy. */
  openRequests(cameraId: string): TimeRange[] {
    return (this.#cameras.get(cameraId)?.open ?? []).map((r) => ({ ...r }));
  }

  /** True when all of [startMs, endMs) is persisted. */
  isPersisted(cameraId: string, startMs: number, endMs: number): boolean {
    return covers(this.#cameras.get(cameraId)?.ranges ?? [], startMs, endMs);
  }

  /** The camera's persisted ranges, sorted and merged (a copy). */
  persisted(cameraId: string): TimeRange[] {
    return (this.#cameras.get(cameraId)?.ranges ?? []).map((r) => ({ ...r }));
  }

  /** Resolves when every add() so far is durable on disk (or its save failed; see saveError). */
  async flush(): Promise<void> {
    for (const [cameraId, cam] of this.#cameras) {
      cam.hurry = true;
      cam.wake?.();
      try {
        while (cam.saving) await cam.saving;
        if (cam.dirty) {
          cam.saving = this.#saveLoop(cameraId, cam).finally(() => (cam.saving = undefined));
          await cam.saving;
        }
      } finally {
        cam.hurry = false;
      }
    }
  }

  #camera(cameraId: string): CameraLedger {
    let cam = this.#cameras.get(cameraId);
    if (!cam) {
      cam = {
        ranges: [],
        open: [],
        dir: this.#dirOf(cameraId),
        saving: undefined,
        dirty: false,
        lastSaveAt: 0,
        hurry: false,
        wake: undefined,
      };
      this.#cameras.set(cameraId, cam);
    }
    return cam;
  }

  #addRanges(cameraId: string, ranges: TimeRange[], save: boolean): void {
    const cam = this.#camera(cameraId);
    cam.ranges = normalize([...cam.ranges, ...ranges], this.#joinGapMs);
    if (cam.ranges.length > MAX_RANGES_PER_CAMERA)
      cam.ranges.splice(0, cam.ranges.length - MAX_RANGES_PER_CAMERA);
    if (!save) return;
    cam.dirty = true;
    cam.saving ??= this.#saveLoop(cameraId, cam).finally(() => (cam.saving = undefined));
  }

  // One save in flight per camera; adds during a save are coalesced into the next one.
  async #saveLoop(cameraId: string, cam: CameraLedger): Promise<void> {
    while (cam.dirty) {
      await this.#pace(cam);
      cam.dirty = false;
      cam.lastSaveAt = Date.now();
      try {
        await this.#write(cameraId, cam);
      } catch (err) {
        cam.dirty = true;
        if (errorCode(err) === 'ENOSPC' && this.onNoSpace && (await this.onNoSpace())) continue;
        const reason = `${errorCode(err) ?? 'EIO'}: ${err instanceof Error ? err.message : String(err)}`;
        if (this.#saveError === undefined) {
          this.#log.error(
            { err, cameraId },
            `could not save the ${this.#what}; kept in memory and retried until it works`,
          );
        }
        this.#saveError = reason;
        this.#scheduleRetry();
        return;
      }
    }
    if (this.#saveError !== undefined && ![...this.#cameras.values()].some((c) => c.dirty)) {
      this.#log.info(`the ${this.#what} is saved again`);
      this.#saveError = undefined;
      this.#retryMs = RETRY_MIN_MS;
    }
  }

  // Waits until SAVE_EVERY_MS after the camera's previous save began; flush() ends the wait at once.
  // The timer does not keep the process alive: stopping flushes.
  async #pace(cam: CameraLedger): Promise<void> {
    const wait = cam.lastSaveAt + SAVE_EVERY_MS - Date.now();
    if (wait <= 0 || cam.hurry) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        cam.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, wait);
      timer.unref();
      cam.wake = done;
    });
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retryTimer) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      for (const [cameraId, cam] of this.#cameras) {
        if (cam.dirty) cam.saving ??= this.#saveLoop(cameraId, cam).finally(() => (cam.saving = undefined));
      }
    }, this.#retryMs);
    this.#retryTimer.unref();
    this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
  }

  async #write(cameraId: string, cam: CameraLedger): Promise<void> {
    const file = path.join(cam.dir, this.#fileName);
    const tmp = `${file}.tmp`;
    // Still version 1: an older reader ignores openRequests and still finds every range in `ranges`.
    const body = JSON.stringify({
      version: 1,
      cameraId,
      ranges: cam.ranges.map((r) => [r.startMs, r.endMs]),
      ...(cam.open.length > 0 && { openRequests: cam.open.map((r) => [r.startMs, r.endMs]) }),
    });
    await this.#files.mkdir(cam.dir);
    await this.#files.unlink(tmp).catch(() => undefined);
    const out = await this.#files.create(tmp);
    try {
      await out.write(Buffer.from(body), 0);
      await out.datasync();
    } finally {
      await out.close();
    }
    await this.#files.rename(tmp, file);
    await this.#files.syncDir(cam.dir);
  }
}

/** [start, end] pairs of a saved list; anything else in it is skipped. */
function pairs(list: unknown): TimeRange[] {
  const out: TimeRange[] = [];
  for (const r of Array.isArray(list) ? (list as unknown[]) : []) {
    if (Array.isArray(r) && Number.isFinite(r[0]) && Number.isFinite(r[1])) {
      out.push({ startMs: Number(r[0]), endMs: Number(r[1]) });
    }
  }
  return out;
}
