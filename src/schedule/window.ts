// Desired state from a schedule at any moment, so a process that starts in the middle of a window
// resumes it (the reference only acted on the start trigger and lost the window on restart).
import type { Schedule } from './schedule.js';

const MINUTE_MS = 60_000;

// How many touching windows are followed either way. Back-to-back windows (`*/30` with 30 minutes, or
// `* * * * ?` with 1) form one long window; a day of minute starts is plenty to report it, and beyond
// that the caller simply asks again at nextChange.
const CHAIN_LIMIT = 1440;

/** Whether the schedule wants its activity on at one moment, and when to ask again. */
export interface WindowState {
  active: boolean;
  /** Start of the current window (touching windows merged); absent when inactive or always. */
  windowStart?: Date;
  /** End of the current window, exclusive; absent when inactive, always, or too far to follow. */
  windowEnd?: Date;
  /** When `active` may change next; absent when it never will (never, always, no start left). */
  nextChange?: Date;
}

/**
 * The schedule's state at `now`. Windows run from a start time (inclusive) for durationMinutes
 * (exclusive end); a window that starts exactly when another ends continues it.
 */
export function windowAt(schedule: Schedule, durationMinutes: number, now: Date): WindowState {
  if (schedule.kind === 'never') return { active: false };
  if (schedule.kind === 'always') return { active: true };
  const durationMs = durationMinutes * MINUTE_MS;
  const nowMs = now.getTime();
  // The earliest start whose window still covers or follows now.
  const first = schedule.nextFire(new Date(nowMs - durationMs));
  if (!first) return { active: false };
  if (first.getTime() > nowMs) return { active: false, nextChange: first };

  let start = first.getTime();
  for (let i = 0; i < CHAIN_LIMIT; i++) {
    // Any start in [start - duration, start) touches this window; nextFire finds the earliest.
    const earlier = schedule.nextFire(new Date(start - durationMs - 1));
    if (!earlier || earlier.getTime() >= start) break;
    start = earlier.getTime();
  }

  let last = first;
  let end = first.getTime() + durationMs;
  for (let i = 0; i < CHAIN_LIMIT; i++) {
    const next = schedule.nextFire(last);
    if (!next || next.getTime() > end) {
      return {
        active: true,
        windowStart: new Date(start),
        windowEnd: new Date(end),
        nextChange: new Date(end),
      };
    }
    last = next;
    end = next.getTime() + durationMs;
  }
  return { active: true, windowStart: new Date(start), nextChange: new Date(end) };
}
