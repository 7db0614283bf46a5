// A cap of five PutMedia connection attempts per stream in any one second (the service's quota,
// kvs-putmedia.md §1.8), on top of the shared retry backoff (time/backoff.ts).

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
