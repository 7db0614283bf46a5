// Per-camera health as the operator sees it, and the small pieces that compute it: rate meters over a
// short window and the restart backoff.
import type { FailureClass } from './failures.js';

/** Where a camera source is in its life. */
export type SourceState = 'starting' | 'streaming' | 'backing-off' | 'failed' | 'stopped';

/** A snapshot of one camera source. */
export interface CameraHealth {
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

/** Restart timing. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Fraction of the delay added or removed at random, so cameras behind one switch do not retry in step. */
  jitter: number;
}

/** Delay before attempt n+1 after n consecutive failures: base * 2^n, capped, with jitter. */
export function backoffDelay(
  failures: number,
  o: BackoffOptions,
  random: () => number = Math.random,
): number {
  const raw = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(failures, 30));
  const spread = raw * o.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(raw + spread));
}
