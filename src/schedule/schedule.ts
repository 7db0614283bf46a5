// A camera's schedule attribute (CaptureStartTime, LiveStreamingStartTime) read the way the reference
// read it: `-` (or empty) never, `* * * * *` always, anything else a Quartz cron expression of start
// times in one time zone. Each start opens a window of the configured duration in minutes.
import { CronExpression } from './cron.js';
import { ScheduleError } from './errors.js';
import { TimeZone } from './time-zone.js';

const MINUTE_MS = 60_000;

/** never: `-` or empty; always: `* * * * *`; cron: start times from a Quartz expression. */
export type ScheduleKind = 'never' | 'always' | 'cron';

/** Where the schedule's local times are read; an empty or absent zone means the system zone. */
export interface ScheduleOptions {
  timeZone?: string;
}

/** One window: recording or live from `start` (inclusive) to `end` (exclusive). */
export interface Window {
  start: Date;
  end: Date;
}

/** A parsed schedule attribute in a time zone. */
export class Schedule {
  readonly kind: ScheduleKind;
  /** The attribute as written. */
  readonly expression: string;
  /** The resolved IANA zone name. */
  readonly timeZone: string;
  readonly #cron: CronExpression | undefined;
  readonly #zone: TimeZone;

  private constructor(kind: ScheduleKind, expression: string, zone: TimeZone, cron?: CronExpression) {
    this.kind = kind;
    this.expression = expression;
    this.timeZone = zone.name;
    this.#zone = zone;
    this.#cron = cron;
  }

  /** Throws ScheduleError: CRON_SYNTAX, CRON_NEVER_FIRES or TIME_ZONE_INVALID. */
  static parse(expression: string, options: ScheduleOptions = {}): Schedule {
    const zone = new TimeZone(options.timeZone);
    // The reference compared the exact strings; surrounding and doubled spaces are forgiven here.
    const normalized = expression.trim().replace(/\s+/g, ' ');
    if (normalized === '' || normalized === '-') return new Schedule('never', expression, zone);
    if (normalized === '* * * * *') return new Schedule('always', expression, zone);
    const cron = CronExpression.parse(expression);
    if (cron.nextWallMinute(0) === undefined) {
      throw new ScheduleError('CRON_NEVER_FIRES', `cron "${expression}": no date ever matches it`, {
        expression,
      });
    }
    return new Schedule('cron', expression, zone, cron);
  }

  /** The first start strictly after `after`; undefined for never/always or when no start is left. */
  nextFire(after: Date): Date | undefined {
    if (!this.#cron) return undefined;
    const afterMs = after.getTime();
    let from = Math.floor(this.#zone.toLocal(afterMs) / MINUTE_MS) + 1;
    // Normally one round; in a repeated (clocks-back) hour local minutes map to instants already
    // passed, and those are skipped here.
    for (;;) {
      const local = this.#cron.nextWallMinute(from);
      if (local === undefined) return undefined;
      const instant = this.#zone.toInstant(local * MINUTE_MS);
      if (instant > afterMs) return new Date(instant);
      from = local + 1;
    }
  }

  /**
   * Up to `count` windows, one per start, that end after `from` (a window already open at `from` comes
   * first). Windows that touch or overlap are listed separately here; windowAt merges them.
   */
  windows(durationMinutes: number, from: Date, count: number): Window[] {
    const out: Window[] = [];
    const durationMs = durationMinutes * MINUTE_MS;
    let start = this.nextFire(new Date(from.getTime() - durationMs));
    while (start && out.length < count) {
      out.push({ start, end: new Date(start.getTime() + durationMs) });
      start = this.nextFire(start);
    }
    return out;
  }

  /**
   * Rejects a duration the way the reference's verifyCron did: a whole number of minutes, at most the
   * gap between the first two starts after 1970-01-01 00:00 local time (only that gap, so irregular
   * expressions can still overlap; overlapping windows simply merge). Additionally a cron duration must
   * be at least 1 (the reference's 0 raced its own stop), and a schedule whose windows all ended before
   * `now` is SCHEDULE_EXPIRED (the reference refused a one-shot start time in the past).
   */
  checkDuration(durationMinutes: number, now: Date): void {
    if (!this.#cron) return;
    const expression = this.expression;
    if (!Number.isInteger(durationMinutes) || durationMinutes < 1) {
      throw new ScheduleError(
        'DURATION_INVALID',
        `duration ${durationMinutes} for "${expression}" must be a whole number of minutes, at least 1`,
        { expression },
      );
    }
    const first = this.#cron.nextWallMinute(1);
    const second = first === undefined ? undefined : this.#cron.nextWallMinute(first + 1);
    if (first !== undefined && second !== undefined && second - first < durationMinutes) {
      throw new ScheduleError(
        'DURATION_TOO_LONG',
        `duration ${durationMinutes} minutes is longer than the ${second - first} minutes between ` +
          `two starts of "${expression}"`,
        { expression },
      );
    }
    if (!this.nextFire(new Date(now.getTime() - durationMinutes * MINUTE_MS))) {
      throw new ScheduleError(
        'SCHEDULE_EXPIRED',
        `cron "${expression}" has no window after ${now.toISOString()}: all its start times are in the past`,
        { expression },
      );
    }
  }
}

/** Parses a schedule attribute; see Schedule.parse. */
export function parseSchedule(expression: string, options: ScheduleOptions = {}): Schedule {
  return Schedule.parse(expression, options);
}
