// Waiting for the next schedule change. We compute the next change ourselves and set one timer instead
// of letting node-cron fire: node-cron speaks Vixie cron (day-of-month OR day-of-week, 0 = Sunday, no
// L/W/#), and a window needs its end time as much as its start anyway.

/** setTimeout's largest delay; a longer one fires immediately (Node warns and uses 1 ms). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

// A gateway without a real-time clock boots with a wrong time and NTP steps it later; timers run on a
// monotonic clock, so a long wait re-reads the wall clock at least this often to notice the step.
const DEFAULT_HOP_MS = 60_000;

/** Timer functions; tests substitute their own to check the hop lengths. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of waitUntil. */
export interface WaitOptions {
  signal?: AbortSignal;
  /** The wall clock in epoch ms; Date.now by default. */
  now?: () => number;
  /** Longest single timer before the wall clock is read again (default 60 s, at most 2^31-1 ms). */
  maxHopMs?: number;
  timers?: Timers;
}

const nodeTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Resolves once the wall clock reaches `at`; rejects with the signal's reason when aborted. */
export function waitUntil(at: Date, options: WaitOptions = {}): Promise<void> {
  const { signal, now = Date.now, timers = nodeTimers } = options;
  const maxHopMs = Math.min(options.maxHopMs ?? DEFAULT_HOP_MS, MAX_TIMEOUT_MS);
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let handle: unknown;
    const onAbort = () => {
      timers.clearTimeout(handle);
      reject(signal!.reason);
    };
    const hop = () => {
      const remaining = at.getTime() - now();
      if (remaining <= 0) {
        signal?.removeEventListener('abort', onAbort);
        resolve();
        return;
      }
      handle = timers.setTimeout(hop, Math.min(remaining, maxHopMs));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    hop();
  });
}
