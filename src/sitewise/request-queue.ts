// One camera's pending requests: the latest `live` (a keep-alive deadline) and historical ranges to
// upload, merged where they overlap or touch. accept() never blocks or throws, so it is safe to call
// from a message handler; the camera's controller reads the state when it reconciles.
import type { Logger } from '../log/index.js';
import { RequestError } from './errors.js';
import { parseRequest, type TimeRange, type UploadRequest } from './requests.js';

/** Options of CameraRequests. */
export interface CameraRequestsOptions {
  /** How long one `live` keeps live streaming wanted (LiveKeepAliveSeconds, default 300 s). */
  liveKeepAliveMs?: number;
  /**
   * Pending ranges kept at most. Each merged range is one upload job; 32 distinct ranges is far more
   * than an operator clicks in the player between two uploads, and bounds memory if a script floods us.
   */
  maxPending?: number;
  /** Whether the store holds video in a range; requests outside recorded video are rejected. */
  isRecorded?: (range: TimeRange) => boolean;
  /** Called after every accepted request (wake the controller's reconcile loop). */
  onChange?: () => void;
  now?: () => number;
  log?: Logger;
}

/** The pending requests of one camera. */
export class CameraRequests {
  readonly #options: CameraRequestsOptions;
  readonly #now: () => number;
  #pending: TimeRange[] = [];
  #liveUntil: number | undefined;
  #waiters: (() => void)[] = [];

  constructor(options: CameraRequestsOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Handle a raw request value: parse, validate, queue. Bad values are logged with the value and dropped. */
  acceptText(text: string): UploadRequest | undefined {
    try {
      const request = parseRequest(text, {
        now: this.#now(),
        ...(this.#options.isRecorded !== undefined && { isRecorded: this.#options.isRecorded }),
      });
      this.accept(request);
      return request;
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      this.#options.log?.warn({ code: err.code, value: err.value }, `request ignored: ${err.message}`);
      return undefined;
    }
  }

  /** Queue a parsed request. */
  accept(request: UploadRequest): void {
    if (request.kind === 'live') {
      this.#liveUntil = this.#now() + (this.#options.liveKeepAliveMs ?? 300_000);
      this.#options.log?.info({ liveUntil: new Date(this.#liveUntil).toISOString() }, 'live requested');
    } else if (!this.#addRange({ startMs: request.startMs, endMs: request.endMs })) {
      return;
    }
    this.#options.onChange?.();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Epoch ms until which live is wanted because of requests, or undefined. */
  get liveUntil(): number | undefined {
    return this.#liveUntil;
  }

  /** Whether a `live` request is still in force. */
  liveWanted(now = this.#now()): boolean {
    return this.#liveUntil !== undefined && now < this.#liveUntil;
  }

  /** Pending historical ranges, oldest first. */
  get pending(): readonly TimeRange[] {
    return this.#pending;
  }

  /** Take the oldest pending range. */
  take(): TimeRange | undefined {
    return this.#pending.shift();
  }

  /** Wait for the next range (resolves at once when one is pending); rejects when the signal aborts. */
  async next(signal?: AbortSignal): Promise<TimeRange> {
    for (;;) {
      const range = this.take();
      if (range !== undefined) return range;
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          this.#waiters = this.#waiters.filter((w) => w !== wake);
          reject(signal?.reason);
        };
        const wake = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        this.#waiters.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  /** Forget everything (camera removed or reset). */
  clear(): void {
    this.#pending = [];
    this.#liveUntil = undefined;
  }

  #addRange(range: TimeRange): boolean {
    // Merge with every range it overlaps or touches; the list stays sorted and disjoint.
    let merged = range;
    const rest: TimeRange[] = [];
    for (const r of this.#pending) {
      if (r.startMs <= merged.endMs && merged.startMs <= r.endMs) {
        merged = { startMs: Math.min(r.startMs, merged.startMs), endMs: Math.max(r.endMs, merged.endMs) };
      } else rest.push(r);
    }
    const max = this.#options.maxPending ?? 32;
    if (rest.length >= max) {
      // Full: the new request is refused (older requests were made first and may be half-done).
      this.#options.log?.warn(
        { startMs: range.startMs, endMs: range.endMs, pending: rest.length },
        `upload request dropped: ${max} ranges already pending for this camera`,
      );
      return false;
    }
    rest.push(merged);
    rest.sort((a, b) => a.startMs - b.startMs);
    this.#pending = rest;
    this.#options.log?.info({ startMs: merged.startMs, endMs: merged.endMs }, 'upload range queued');
    return true;
  }
}
