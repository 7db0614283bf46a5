// Time and timers the store uses, injectable so tests drive retention without waiting.

/** Wall clock plus the one kind of timer the store needs. */
export interface StoreClock {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemClock: StoreClock = {
  now: () => Date.now(),
  setInterval: (fn, ms) => {
    const h = setInterval(fn, ms);
    // Retention must never keep a process alive on its own; its owner stops it on close().
    h.unref();
    return h;
  },
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};
