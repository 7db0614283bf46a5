// Reconnect pacing for one stream: exponential backoff with full jitter after failures, and a cap
// of five connection attempts in any one second (the PutMedia quota per stream, kvs-putmedia.md §1.8).

/** Backoff settings; tests shrink the delays and pin the random source. */
export interface BackoffOptions {
  /** First retry delay ceiling; default 1 s (PIC's base). */
  baseMs?: number;
  /** Largest delay ceiling; default 16 s (PIC's cap). */
  capMs?: number;
  /** Uniform [0, 1); default Math.random. */
  random?: () => number;
}

/** Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2^(n-1))). */
export class Backoff {
  readonly #base: number;
  readonly #cap: number;
  readonly #random: () => number;
  #failures = 0;

  constructor(options: BackoffOptions = {}) {
    this.#base = options.baseMs ?? 1000;
    this.#cap = options.capMs ?? 16_000;
    this.#random = options.random ?? Math.random;
  }

  /** Records a failure and returns how long to wait before the next attempt. */
  next(): number {
    this.#failures += 1;
    const ceiling = Math.min(this.#cap, this.#base * 2 ** Math.min(this.#failures - 1, 30));
    return Math.floor(this.#random() * ceiling);
  }

  /** A session worked (data was persisted): the next failure starts from the base again. */
  reset(): void {
    this.#failures = 0;
  }

  get failures(): number {
    return this.#failures;
  }
}

/** Sliding one-second window of connection attempts. */
export class AttemptLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #times: number[] = [];

  constructor(options: { max?: number; windowMs?: number; now?: () => number } = {}) {
    this.#max = options.max ?? 5;
    this.#windowMs = options.windowMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** How long to wait before an attempt is allowed (0 = now). Does not record the attempt. */
  delay(): number {
    const now = this.#now();
    while (this.#times.length > 0 && now - (this.#times[0] as number) >= this.#windowMs) this.#times.shift();
    if (this.#times.length < this.#max) return 0;
    return (this.#times[0] as number) + this.#windowMs - now;
  }

  /** Records an attempt made now. */
  record(): void {
    this.#times.push(this.#now());
    // The window never needs more than max entries.
    if (this.#times.length > this.#max) this.#times.shift();
  }
}

/** Resolves after ms, or rejects with the signal's reason when aborted first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
