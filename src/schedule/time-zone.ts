// Local wall-clock time <-> instants in an IANA time zone, with one explicit rule for each DST case.
//
// - A local time that exists once maps to that instant.
// - A local time that exists twice (clocks go back) maps to its first occurrence, so a start in the
//   repeated hour happens once, not twice.
// - A local time that does not exist (clocks jump forward) maps to the instant of the jump, so a start
//   in the skipped hour happens as soon as the clock has jumped, not never (cron and cronie do the same).
// This mapping never goes backwards as local time goes forwards, which is what lets the schedule walk
// local time and still return instants in order.
import { ScheduleError } from './errors.js';

const DAY_MS = 86_400_000;

// Offsets are looked up through Intl, which is slow next to the calendar walk. They are memoised per
// 15-minute bucket, but only for buckets whose first and last second carry the same offset (no zone
// changes offset twice within 15 minutes); a bucket holding a change is looked up to the second.
// 4096 buckets are about six weeks of dense lookups and a few hundred kB at most.
const BUCKET_MS = 15 * 60_000;
const OFFSET_MEMO_LIMIT = 4096;

/** The process's own zone (TZ environment variable or the system setting). */
export function systemTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** True when Intl knows the name (IANA names such as Europe/Berlin, and UTC). */
export function isValidTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** One time zone: local wall time (ms since 1970-01-01 00:00 local) <-> instants (epoch ms). */
export class TimeZone {
  readonly name: string;
  readonly #format: Intl.DateTimeFormat;
  readonly #memo = new Map<number, number>();

  /** `name` empty or undefined means the system zone; an unknown name throws TIME_ZONE_INVALID. */
  constructor(name?: string) {
    const resolved = name === undefined || name === '' ? systemTimeZone() : name;
    if (!isValidTimeZone(resolved)) {
      throw new ScheduleError(
        'TIME_ZONE_INVALID',
        `time zone "${resolved}" is unknown; use an IANA name such as Europe/Berlin or UTC`,
        { expression: '' },
      );
    }
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone: resolved,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    this.name = this.#format.resolvedOptions().timeZone;
  }

  /** Local time minus UTC at `instant`, in ms (Europe/Berlin in summer: 7_200_000). */
  offsetAt(instant: number): number {
    const bucket = Math.floor(instant / BUCKET_MS);
    let offset = this.#memo.get(bucket);
    if (offset === undefined) {
      const first = this.#exactOffset(bucket * BUCKET_MS);
      const last = this.#exactOffset((bucket + 1) * BUCKET_MS - 1000);
      offset = first === last ? first : NaN;
      if (this.#memo.size >= OFFSET_MEMO_LIMIT) this.#memo.clear();
      this.#memo.set(bucket, offset);
    }
    return Number.isNaN(offset) ? this.#exactOffset(instant) : offset;
  }

  #exactOffset(instant: number): number {
    const second = Math.floor(instant / 1000) * 1000;
    const parts: Record<string, number> = {};
    for (const part of this.#format.formatToParts(second)) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const local = Date.UTC(
      parts.year!,
      parts.month! - 1,
      parts.day!,
      parts.hour!,
      parts.minute!,
      parts.second!,
    );
    return local - second;
  }

  /** The local wall time of an instant. */
  toLocal(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /** The instant of a local wall time, by the three rules at the top of this file. */
  toInstant(local: number): number {
    // Assumes at most one offset change within a day either side, true of every zone in use.
    const before = this.offsetAt(local - DAY_MS);
    const after = this.offsetAt(local + DAY_MS);
    const early = local - before;
    const late = local - after;
    const earlyFits = this.offsetAt(early) === before;
    const lateFits = this.offsetAt(late) === after;
    if (earlyFits && lateFits) return Math.min(early, late);
    if (earlyFits) return early;
    if (lateFits) return late;
    // In the gap: find the first instant carrying the new offset, to the second.
    let lo = Math.min(early, late);
    let hi = Math.max(early, late);
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (this.offsetAt(mid) === after) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}
