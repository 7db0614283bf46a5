// A camera source's health as the operator sees it, and the rate meters over a short window that
// compute it. (camera/'s CameraHealth is the whole camera; this is its GStreamer part.)
import type { FailureClass } from './failures.js';

/** Where a camera source is in its life. */
export type SourceState = 'starting' | 'streaming' | 'backing-off' | 'failed' | 'stopped';

/** A snapshot of one camera source. */
export interface SourceHealth {
  cameraId: string;
  state: SourceState;
  /** Epoch ms of the last state change. */
  since: number;
  lastError?: { code: FailureClass; message: string; at: number; detail?: string };
  bytesPerSecond: number;
  fragmentsPerSecond: number;
  /** Pipeline runs started after the first one. */
  restarts: number;
  /** Header generation of the last fragment (0 before the first). */
  generation: number;
  /** The running child's pid, while one runs. */
  pid?: number;
  /** Codecs of the current or last run, e.g. { video: 'h264', audio: 'aac-generic' }. */
  media?: { video: string; audio?: string };
  /** Epoch ms of the next attempt while backing off or failed. */
  nextAttemptAt?: number;
}

// Ten one-second buckets: long enough to smooth a GOP's burst of bytes, short enough to show a stall.
const BUCKETS = 10;

/** Events per second over the last ten seconds, in constant memory. */
export class RateMeter {
  readonly #counts = new Array<number>(BUCKETS).fill(0);
  readonly #seconds = new Array<number>(BUCKETS).fill(-1);
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  add(n: number): void {
    const second = Math.floor(this.#now() / 1000);
    const i = second % BUCKETS;
    if (this.#seconds[i] !== second) {
      this.#seconds[i] = second;
      this.#counts[i] = 0;
    }
    this.#counts[i]! += n;
  }

  /** Average over the completed seconds of the window (the current second is partial). */
  perSecond(): number {
    const current = Math.floor(this.#now() / 1000);
    let sum = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const s = this.#seconds[i]!;
      if (s < current && s >= current - (BUCKETS - 1)) sum += this.#counts[i]!;
    }
    return sum / (BUCKETS - 1);
  }
}
