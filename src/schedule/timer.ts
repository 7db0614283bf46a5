// Waiting for the next schedule change. We compute the next change ourselves and set one timer instead
// of letting node-cron fire: node-cron speaks Vixie cron (day-of-month OR day-of-week, 0 = Sunday, no
// L/W/#), and a window needs its end time as much as its start anyway.
import { desiredAt, type DesiredState } from './desired.js';
import type { Schedule } from './schedule.js';

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

/** Options of waitUntil and watchDesired. */
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

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  // Without a signal nothing can end an endless wait; callers always pass one in practice.
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    else signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * Calls onChange with the schedule's state now and whenever `active` flips, until the signal aborts
 * (then it resolves). The first call happens synchronously, so a start inside a window acts at once.
 */
export async function watchDesired(
  schedule: Schedule,
  durationMinutes: number,
  onChange: (state: DesiredState) => void,
  options: WaitOptions = {},
): Promise<void> {
  const { signal, now = Date.now } = options;
  let previous: boolean | undefined;
  while (!signal?.aborted) {
    const state = desiredAt(schedule, durationMinutes, new Date(now()));
    if (state.active !== previous) {
      previous = state.active;
      onChange(state);
    }
    if (!state.nextChange) return untilAborted(signal);
    // waitUntil rejects only when the signal aborts, which ends the loop.
    await waitUntil(state.nextChange, options).catch(() => undefined);
  }
}
