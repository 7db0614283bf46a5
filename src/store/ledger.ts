// The upload ledger: per camera, the time ranges KVS has acknowledged as PERSISTED. It decides what
// is never uploaded twice, what "recorded but not uploaded" means, and when DeleteAfterUpload may
// delete a file. Each camera's ranges live in <camera folder>/.uploaded-ranges.json, replaced
// atomically (write a temp file, fsync, rename, fsync the folder), so a crash leaves either the old or
// the new list, never a torn one.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log/index.js';
import type { StoreFiles } from './files.js';
import { LEDGER_FILE } from './naming.js';
import { covers, normalize, type TimeRange } from './ranges.js';

// Fragments are acknowledged one by one; their estimated end may miss the next start by a frame or
// two. Joining gaps this small keeps the list short and lets a whole file count as uploaded.
const DEFAULT_JOIN_GAP_MS = 100;

// A camera that uploads only scattered ranges (historical requests) could grow the list forever; the
// oldest ranges go first, by then their files are long deleted by retention anyway.
const MAX_RANGES_PER_CAMERA = 10_000;

// Live fragments are acknowledged every 1-2 s per camera, and every save is eight file operations with
// two syncs. Saves of one camera are at least this far apart (adds in between coalesce; flush() saves
// at once). A crash can forget at most this much of the newest uploads, which the next start uploads
// again: the same bound the save in flight already had, stretched from one fragment to a few.
const SAVE_EVERY_MS = 5_000;

interface CameraLedger {
  ranges: TimeRange[];
  dir: string;
  saving: Promise<void> | undefined;
  dirty: boolean;
  /** Pending delayed save (SAVE_EVERY_MS after the previous one started). */
  timer: NodeJS.Timeout | undefined;
  lastSaveAt: number;
}

/** Durable per-camera lists of time ranges persisted in KVS. */
export class UploadLedger {
  readonly #cameras = new Map<string, CameraLedger>();
  readonly #files: StoreFiles;
  readonly #log: Logger;
  readonly #dirOf: (cameraId: string) => string;
  readonly #joinGapMs: number;

  constructor(files: StoreFiles, log: Logger, dirOf: (cameraId: string) => string, joinGapMs?: number) {
    this.#files = files;
    this.#log = log;
    this.#dirOf = dirOf;
    this.#joinGapMs = joinGapMs ?? DEFAULT_JOIN_GAP_MS;
  }

  /** Reads a camera's saved ranges (missing file: none; unreadable file: none, with a warning). */
  async load(cameraId: string): Promise<void> {
    const dir = this.#dirOf(cameraId);
    const cam = this.#camera(cameraId);
    const file = path.join(dir, LEDGER_FILE);
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
      const parsed = JSON.parse(text) as { ranges?: unknown };
      const ranges = Array.isArray(parsed.ranges) ? parsed.ranges : [];
      const loaded: TimeRange[] = [];
      for (const r of ranges) {
        if (Array.isArray(r) && Number.isFinite(r[0]) && Number.isFinite(r[1])) {
          loaded.push({ startMs: Number(r[0]), endMs: Number(r[1]) });
        }
      }
      cam.ranges = normalize([...cam.ranges, ...loaded], this.#joinGapMs);
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

  /** True when all of [startMs, endMs) is persisted. */
  isPersisted(cameraId: string, startMs: number, endMs: number): boolean {
    return covers(this.#cameras.get(cameraId)?.ranges ?? [], startMs, endMs);
  }

  /** The camera's persisted ranges, sorted and merged (a copy). */
  persisted(cameraId: string): TimeRange[] {
    return (this.#cameras.get(cameraId)?.ranges ?? []).map((r) => ({ ...r }));
  }

  /** Resolves when every add() so far is durable on disk. */
  async flush(): Promise<void> {
    for (const [cameraId, cam] of this.#cameras) {
      while (cam.saving || cam.timer) {
        if (cam.timer) {
          clearTimeout(cam.timer);
          cam.timer = undefined;
          this.#save(cameraId, cam);
        }
        await cam.saving;
      }
    }
  }

  #camera(cameraId: string): CameraLedger {
    let cam = this.#cameras.get(cameraId);
    if (!cam) {
      cam = {
        ranges: [],
        dir: this.#dirOf(cameraId),
        saving: undefined,
        dirty: false,
        timer: undefined,
        lastSaveAt: 0,
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
    this.#schedule(cameraId, cam);
  }

  // One save in flight per camera, at most one per SAVE_EVERY_MS; adds meanwhile join the next save.
  #schedule(cameraId: string, cam: CameraLedger): void {
    if (cam.saving || cam.timer) return;
    const wait = cam.lastSaveAt + SAVE_EVERY_MS - Date.now();
    if (wait <= 0) return this.#save(cameraId, cam);
    cam.timer = setTimeout(() => {
      cam.timer = undefined;
      this.#save(cameraId, cam);
    }, wait);
    cam.timer.unref();
  }

  #save(cameraId: string, cam: CameraLedger): void {
    cam.dirty = false;
    cam.lastSaveAt = Date.now();
    cam.saving = this.#write(cameraId, cam)
      .catch((err: unknown) => {
        this.#log.error({ err, cameraId }, 'could not save the upload ledger; will retry on the next upload');
      })
      .finally(() => {
        cam.saving = undefined;
        if (cam.dirty) this.#schedule(cameraId, cam);
      });
  }

  async #write(cameraId: string, cam: CameraLedger): Promise<void> {
    const file = path.join(cam.dir, LEDGER_FILE);
    const tmp = `${file}.tmp`;
    const body = JSON.stringify({
      version: 1,
      cameraId,
      ranges: cam.ranges.map((r) => [r.startMs, r.endMs]),
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
