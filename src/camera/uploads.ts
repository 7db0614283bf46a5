// The camera's upload jobs: every range of this camera's recording that is owed to KVS, whoever asked
// for it (a historical request, the backfill of a live window, what a start finds owed), in one
// bounded, de-duplicated queue with its origin. The stream's uploader runs one range at a time and
// only when this queue hands it over, so one owner decides what runs next, retries what failed and
// cancels everything on stop. What the recording holds and what is owed comes through the
// RecordingIndexPort; the camera never sees the store.
//
// A historical request whose end is still in the future stays open: it is uploaded in passes, each
// sending what has been recorded in the range so far, until a pass runs after its end was recorded.
// The future part is bounded (MAX_FUTURE_MS); longer is what `live` is for. A restart before the end
// re-opens it (owedAtStart), from what the index kept of the request.
import type { Logger } from '../log/index.js';
import { joins, normalize, subtract, type TimeRange } from '../time/index.js';

/** Who asked for a range: a user's request, the live window's backfill, or what a start found owed. */
export type UploadOrigin = 'historical' | 'backfill' | 'owed';

/** The camera's view of its recording and of what it owes KVS (the store, in the wiring). */
export interface RecordingIndexPort {
  /** Recorded ranges KVS does not hold yet, oldest first. */
  notUploaded(): TimeRange[];
  /** Recorded ranges marked for KVS (intend) that KVS does not hold yet, oldest first. */
  owed(): TimeRange[];
  /** Marks a range as owed to KVS, durably: a restart before it is uploaded still uploads it. */
  intend(range: TimeRange, kind: 'live' | 'request'): void;
  /**
   * Requested ranges whose end was still ahead when they were asked for (durable, so a start sees the
   * requests of the run before); never live. Each end is already clipped to MAX_FUTURE_MS.
   */
  openRequests(): TimeRange[];
  /** The end of the newest recorded video on disk, if any. */
  recordedUntil(): number | undefined;
}

/** The stream's uploader as the queue uses it: runs one range at a time. */
export interface RangeUploaderPort {
  /**
   * Uploads what is recorded in the range and not in KVS (verified against KVS before sending);
   * resolves when all of it is persisted, rejects when the upload ended before that. Aborting the
   * signal cancels it.
   */
  upload(range: TimeRange, origin: 'historical' | 'backfill', signal: AbortSignal): Promise<void>;
}

export interface UploadQueueOptions {
  log: Logger;
  index: RecordingIndexPort;
  uploader: RangeUploaderPort;
  now: () => number;
  /** Pause before retrying a failed job; default 10 s. */
  retryMs?: number;
  /** Pause between two passes of a range that is still being recorded; default 5 s. */
  openPassMs?: number;
}

// Distinct ranges one camera keeps waiting. Overlapping or touching requests merge and a range inside
// a waiting one joins it, so 100 means a hundred separate spans asked for before the first finishes;
// a waiting job is two numbers, so the bound is about a flood of requests, not memory.
export const MAX_UPLOAD_JOBS = 100;

// What a start finds owed becomes at most this many jobs, leaving room in the queue for requests;
// small holes between them are joined (the job skips what KVS holds, so joining never resends).
export const MAX_OWED_JOBS = 16;

// How far into the future a historical request keeps uploading. A player's range selection that ends
// a little after now means "and what comes next"; a user who wants longer asks for `live`, whose
// keep-alive the player renews on its own.
export const MAX_FUTURE_MS = 10 * 60_000;

// After the end of an open range, how long a pass waits for the recording to reach that end before it
// runs as the last pass anyway (the camera stopped recording, say): a fragment is at most 10 s long
// and reaches the disk well under a second later.
const OPEN_SETTLE_MS = 20_000;

// Each pass of an open range re-reads the recording from this long before the previous pass began, so
// a fragment that was still being cut or written then is found now; the ledger skips what was sent.
const OPEN_OVERLAP_MS = 30_000;

interface Job {
  range: TimeRange;
  origin: UploadOrigin;
  /** Still being recorded: uploaded in passes until its end is recorded. */
  open: boolean;
  /** Where the next pass starts reading (open ranges move it forward pass by pass). */
  fromMs: number;
  /** Not run before this time (a retry or the next pass of an open range). */
  notBeforeMs: number;
}

/** See the file comment. */
export class UploadQueue {
  readonly #o: UploadQueueOptions;
  readonly #jobs: Job[] = [];
  readonly #abort = new AbortController();
  #running: Job | undefined;
  #worker: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #refusedWarned = false;
  #lastError: string | undefined;

  constructor(options: UploadQueueOptions) {
    this.#o = options;
  }

  /** Jobs waiting or running. */
  get size(): number {
    return this.#jobs.length + (this.#running ? 1 : 0);
  }

  /** Why the last attempt failed, until one succeeds. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /**
   * A historical request. A range ending after now stays open until its end (clipped to
   * MAX_FUTURE_MS from now, logged). Marked owed at once, so a restart before it is done uploads
   * what was recorded of it. False when the queue is full.
   */
  request(range: TimeRange): boolean {
    const now = this.#o.now();
    let r = { startMs: range.startMs, endMs: range.endMs };
    if (r.endMs > now + MAX_FUTURE_MS) {
      r = { startMs: r.startMs, endMs: now + MAX_FUTURE_MS };
      this.#o.log.info(
        {
          requestedEnd: new Date(range.endMs).toISOString(),
          end: new Date(r.endMs).toISOString(),
        },
        `upload request ends more than ${MAX_FUTURE_MS / 60_000} min from now; clipped there (ask for live to stream longer)`,
      );
    }
    if (r.endMs <= r.startMs) {
      this.#o.log.warn({ range }, 'upload request starts after the future bound; nothing to upload');
      return false;
    }
    this.#o.index.intend(r, 'request');
    return this.#add(r, 'historical', r.endMs > now);
  }

  /**
   * Live just turned on inside a window that began at `sinceMs` (before a restart, say): what was
   * recorded since then and never reached KVS is uploaded too, so the window has no hole.
   */
  backfill(sinceMs: number): void {
    for (const gap of this.#o.index.notUploaded()) {
      const startMs = Math.max(gap.startMs, sinceMs);
      if (gap.endMs <= startMs) continue;
      const r = { startMs, endMs: gap.endMs };
      this.#o.log.info(r, 'backfilling the live window from the recording');
      this.#o.index.intend(r, 'request');
      this.#add(r, 'backfill', false);
    }
  }

  /**
   * At a start: a request of the run before whose end is still ahead is re-opened, so what is recorded
   * in it until its end still goes up; then what is recorded, owed to KVS and not there (a restart
   * during an outage, a kill mid-upload) is queued oldest first, whatever the schedules say. Live
   * still goes first.
   */
  owedAtStart(): void {
    const now = this.#o.now();
    // The saved end is already clipped; clipping again keeps a clock stepped back from holding a
    // range open longer than a request made now could.
    const reopened = normalize(
      this.#o.index
        .openRequests()
        .filter((r) => r.endMs > now)
        .map((r) => ({ startMs: r.startMs, endMs: Math.min(r.endMs, now + MAX_FUTURE_MS) })),
    );
    for (const r of reopened) {
      this.#o.log.info(
        { range: r, end: new Date(r.endMs).toISOString() },
        're-opening an upload request of the previous run whose end is still ahead',
      );
      this.#add(r, 'historical', true);
    }
    // What the re-opened requests cover is uploaded by them.
    const owed = coalesce(subtract(this.#o.index.owed(), reopened), MAX_OWED_JOBS);
    if (owed.length === 0) return;
    const total = owed.reduce((n, r) => n + (r.endMs - r.startMs), 0);
    this.#o.log.info(
      {
        ranges: owed.length,
        seconds: Math.round(total / 1000),
        oldest: new Date(owed[0]!.startMs).toISOString(),
      },
      'uploading what was recorded for KVS and never reached it',
    );
    for (const r of owed) this.#add(r, 'owed', false);
  }

  /** Cancels every job (the running one through its signal) and waits for the worker to end. */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wake?.();
    this.#jobs.splice(0);
    await this.#worker;
  }

  #add(range: TimeRange, origin: UploadOrigin, open: boolean): boolean {
    if (this.#abort.signal.aborted) return false;
    const inside = (j: Job) => j.range.startMs <= range.startMs && range.endMs <= j.range.endMs;
    // A range inside a running or waiting job is already on its way (open ranges only grow).
    if ((this.#running && inside(this.#running)) || this.#jobs.some(inside)) return true;
    const job: Job = { range: { ...range }, origin, open, fromMs: range.startMs, notBeforeMs: 0 };
    const joined = this.#jobs.some((j) => j.origin === origin && joins(j.range, range));
    if (!joined && this.size >= MAX_UPLOAD_JOBS) {
      if (!this.#refusedWarned) {
        this.#refusedWarned = true;
        this.#o.log.warn(
          { range, origin, jobs: this.size },
          `upload queue of the camera is full (${MAX_UPLOAD_JOBS} ranges); range dropped (what is marked owed is uploaded at the next start)`,
        );
      }
      return false;
    }
    this.#insert(job, 'back');
    this.#startWorker();
    this.#wake?.();
    return true;
  }

  /**
   * Puts a job in the queue, merged with every waiting job of the same origin it overlaps or touches;
   * a merged job keeps the place of the earliest job it absorbed, otherwise it goes to `where`.
   */
  #insert(job: Job, where: 'front' | 'back'): void {
    let at = -1;
    for (let i = this.#jobs.length - 1; i >= 0; i--) {
      const j = this.#jobs[i]!;
      if (j.origin !== job.origin || !joins(j.range, job.range)) continue;
      job.range = {
        startMs: Math.min(j.range.startMs, job.range.startMs),
        endMs: Math.max(j.range.endMs, job.range.endMs),
      };
      job.open ||= j.open;
      job.fromMs = Math.min(j.fromMs, job.fromMs);
      job.notBeforeMs = Math.min(j.notBeforeMs, job.notBeforeMs);
      this.#jobs.splice(i, 1);
      at = i;
    }
    if (at >= 0) this.#jobs.splice(at, 0, job);
    else if (where === 'front') this.#jobs.unshift(job);
    else this.#jobs.push(job);
  }

  #startWorker(): void {
    if (this.#worker || this.#abort.signal.aborted) return;
    this.#worker = this.#run().finally(() => {
      this.#worker = undefined;
      if (this.#jobs.length > 0) this.#startWorker();
    });
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted && this.#jobs.length > 0) {
      const now = this.#o.now();
      const i = this.#jobs.findIndex((j) => j.notBeforeMs <= now);
      if (i < 0) {
        await this.#sleep(Math.min(...this.#jobs.map((j) => j.notBeforeMs)) - now);
        continue;
      }
      const job = this.#jobs.splice(i, 1)[0]!;
      this.#running = job;
      try {
        await this.#pass(job, signal);
      } finally {
        this.#running = undefined;
      }
      if (this.#jobs.length < MAX_UPLOAD_JOBS / 2) this.#refusedWarned = false;
    }
  }

  async #pass(job: Job, signal: AbortSignal): Promise<void> {
    const startedAt = this.#o.now();
    const { endMs } = job.range;
    // The last pass of an open range is the first that starts after its end reached the disk.
    const last =
      !job.open ||
      (startedAt >= endMs &&
        ((this.#o.index.recordedUntil() ?? -Infinity) >= endMs || startedAt >= endMs + OPEN_SETTLE_MS));
    const range = { startMs: job.fromMs, endMs };
    const origin = job.origin === 'historical' ? 'historical' : 'backfill';
    try {
      if (job.fromMs === job.range.startMs)
        this.#o.log.info({ range: job.range, origin: job.origin, open: job.open }, 'upload started');
      await this.#o.uploader.upload(range, origin, signal);
      if (signal.aborted) return;
      this.#lastError = undefined;
      if (last) {
        this.#o.log.info({ range: job.range, origin: job.origin }, 'upload finished');
        return;
      }
      // Still being recorded: again after a pause, from a little before this pass began.
      job.fromMs = Math.max(job.range.startMs, startedAt - OPEN_OVERLAP_MS);
      job.notBeforeMs = startedAt + (this.#o.openPassMs ?? 5_000);
      this.#insert(job, 'back');
    } catch (err) {
      if (signal.aborted) return;
      this.#lastError = err instanceof Error ? err.message : String(err);
      this.#o.log.warn({ err, range: job.range, origin: job.origin }, 'upload failed; will retry');
      job.notBeforeMs = this.#o.now() + (this.#o.retryMs ?? 10_000);
      this.#insert(job, 'front');
    }
  }

  /** Waits `ms`, or less when a job is added or the queue stops. */
  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
  }
}

/** Joins the closest neighbours until at most `max` ranges are left (input sorted, disjoint). */
export function coalesce(ranges: TimeRange[], max: number): TimeRange[] {
  const out = ranges.map((r) => ({ ...r }));
  while (out.length > max) {
    let best = 1;
    for (let i = 2; i < out.length; i++) {
      if (out[i]!.startMs - out[i - 1]!.endMs < out[best]!.startMs - out[best - 1]!.endMs) best = i;
    }
    out[best - 1]!.endMs = out[best]!.endMs;
    out.splice(best, 1);
  }
  return out;
}
