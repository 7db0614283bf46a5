// A parsed Quartz cron expression as the reference's users write it, matched against wall-clock time.
//
// Users write `minute hour day-of-month month day-of-week [year]`; the reference prepended a seconds
// field `0` before handing it to Quartz, so every start is at second 0 and seconds are not written.
// Matching here knows nothing about time zones: it walks a plain proleptic Gregorian calendar in
// "wall minutes" (minutes since 1970-01-01 00:00 on the local clock). The zone is applied afterwards
// (time-zone.ts), which keeps DST handling in one place.
import { ScheduleError } from './errors.js';
import {
  FieldError,
  parseDayOfMonth,
  parseDayOfWeek,
  parseList,
  type DayOfMonthSpec,
  type DayOfWeekSpec,
} from './cron-fields.js';

// The Gregorian calendar, weekdays included, repeats every 400 years: an expression without a year
// field that matches nothing in 400 years never matches.
const CALENDAR_CYCLE_YEARS = 400;

// Month day sets are cached per (year, month); a walk rarely touches more than a few months, and the
// cap keeps a long-running process from growing the cache.
const DAY_CACHE_LIMIT = 64;

/** Smallest member >= v for every v in 0..max+1, or -1: one lookup instead of a scan per step. */
function nextTable(values: ReadonlySet<number>, max: number): Int16Array {
  const table = new Int16Array(max + 2).fill(-1);
  for (let v = max; v >= 0; v--) table[v] = values.has(v) ? v : table[v + 1]!;
  return table;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = Sunday ... 7 = Saturday, as Quartz numbers them. */
export function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

// Quartz's W: the weekday nearest to `day` without leaving the month (1st on a Saturday -> Monday 3rd,
// last day on a Sunday -> Friday).
function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysInMonth(year, month);
  const dow = weekday(year, month, day);
  if (dow === 7) return day === 1 ? 3 : day - 1;
  if (dow === 1) return day === last ? day - 2 : day + 1;
  return day;
}

// Quartz proper and Spring write seconds first ("0 0/5 * * * ?"); read as minute-first, such an
// expression means something else (every five hours) or nothing. When dropping the first field leaves a
// valid expression, say so and give it.
function secondsFirstHint(texts: string[]): string | undefined {
  if (texts.length < 6 || texts.length > 7 || !/^\d{1,2}$/.test(texts[0]!) || Number(texts[0]) > 59)
    return undefined;
  const year = texts[5]!;
  if (texts.length === 6 && !/[?LW#]/i.test(year)) return undefined;
  const rest = texts.slice(1);
  try {
    CronExpression.parse(rest.join(' '));
  } catch {
    return undefined;
  }
  const step = /^(\d+|\*)\/(\d+)$/.exec(rest[0]!);
  const everyHour = rest.slice(1, 5).every((f) => f === '*' || f === '?');
  const meaning =
    step && everyHour
      ? ` (a start every ${step[2]} minutes from minute ${step[1] === '*' ? 0 : step[1]})`
      : '';
  return (
    `this looks like Quartz with a seconds field first (seconds minute hour day-of-month month ` +
    `day-of-week); seconds are not written here (every start is at second 0): write "${rest.join(' ')}"${meaning}`
  );
}

/** One parsed expression; `nextWallMinute` finds the next matching local minute. */
export class CronExpression {
  readonly #minutes: Int16Array;
  readonly #hours: Int16Array;
  readonly #months: Int16Array;
  readonly #years: ReadonlySet<number> | undefined;
  readonly #dayOfMonth: DayOfMonthSpec;
  readonly #dayOfWeek: DayOfWeekSpec;
  readonly #dayCache = new Map<number, Int16Array>();

  private constructor(fields: {
    minutes: Set<number>;
    hours: Set<number>;
    months: Set<number>;
    years: Set<number> | undefined;
    dayOfMonth: DayOfMonthSpec;
    dayOfWeek: DayOfWeekSpec;
  }) {
    this.#minutes = nextTable(fields.minutes, 59);
    this.#hours = nextTable(fields.hours, 23);
    this.#months = nextTable(fields.months, 12);
    this.#years = fields.years;
    this.#dayOfMonth = fields.dayOfMonth;
    this.#dayOfWeek = fields.dayOfWeek;
  }

  /** Parses the 5- or 6-field form; throws ScheduleError (CRON_SYNTAX) naming the field and token. */
  static parse(expression: string): CronExpression {
    const texts = expression.trim().split(/\s+/);
    const secondsFirst = secondsFirstHint(texts);
    if (secondsFirst !== undefined) {
      throw new ScheduleError('CRON_SYNTAX', `cron "${expression}": ${secondsFirst}`, { expression });
    }
    if (texts.length < 5 || texts.length > 6 || texts[0] === '') {
      const got = texts[0] === '' ? 0 : texts.length;
      throw new ScheduleError(
        'CRON_SYNTAX',
        `cron "${expression}": expected 5 fields (minute hour day-of-month month day-of-week) ` +
          `and an optional 6th (year), got ${got}`,
        { expression },
      );
    }
    const [minute, hour, dom, month, dow, year] = texts as [string, string, string, string, string, string?];
    try {
      // Fields in the order they are written, so the first mistake a reader sees is the one named.
      const minutes = parseList('minute', minute);
      const hours = parseList('hour', hour);
      const dayOfMonth = parseDayOfMonth(dom);
      const months = parseList('month', month);
      const dayOfWeek = parseDayOfWeek(dow);
      const bothUnspecified = dayOfMonth.kind === 'unspecified' && dayOfWeek.kind === 'unspecified';
      if (bothUnspecified || (dayOfMonth.kind !== 'unspecified' && dayOfWeek.kind !== 'unspecified')) {
        const hint = bothUnspecified
          ? `only one of them may be '?'`
          : `one of them must be '?' (Quartz), e.g. '${minute} ${hour} ${dom} ${month} ?' or '${minute} ${hour} ? ${month} ${dow}'`;
        throw new ScheduleError(
          'CRON_SYNTAX',
          `cron "${expression}": day-of-month '${dom}' and day-of-week '${dow}': ${hint}`,
          { expression, field: 'day-of-week', token: dow },
        );
      }
      if (year === '?') {
        throw new FieldError(
          'year',
          year,
          `'?' is only allowed in day-of-month or day-of-week (the 6th field is the year; seconds are not written)`,
        );
      }
      return new CronExpression({
        minutes,
        hours,
        months,
        years: year === undefined ? undefined : parseList('year', year),
        dayOfMonth,
        dayOfWeek,
      });
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      throw new ScheduleError('CRON_SYNTAX', `cron "${expression}": ${error.message}`, {
        expression,
        field: error.field,
        token: error.token,
      });
    }
  }

  /** The first matching wall minute at or after `from`, or undefined when there is none. */
  nextWallMinute(from: number): number | undefined {
    const start = new Date(from * 60_000);
    let year = start.getUTCFullYear();
    let month = start.getUTCMonth() + 1;
    let day = start.getUTCDate();
    let hour = start.getUTCHours();
    let minute = start.getUTCMinutes();
    const lastYear = this.#years ? Math.max(...this.#years) : year + CALENDAR_CYCLE_YEARS;
    const nextMonth = () => {
      month += 1;
      day = 1;
      hour = 0;
      minute = 0;
      if (month > 12) {
        month = 1;
        year += 1;
      }
    };
    while (year <= lastYear) {
      if (this.#years && !this.#years.has(year)) {
        year += 1;
        month = 1;
        day = 1;
        hour = 0;
        minute = 0;
        continue;
      }
      const m = this.#months[month]!;
      if (m < 0) {
        month = 12;
        nextMonth();
        continue;
      }
      if (m !== month) {
        month = m;
        day = 1;
        hour = 0;
        minute = 0;
      }
      const d = this.#days(year, month)[day]!;
      if (d < 0) {
        nextMonth();
        continue;
      }
      if (d !== day) {
        day = d;
        hour = 0;
        minute = 0;
      }
      const h = this.#hours[hour]!;
      if (h < 0) {
        day += 1;
        hour = 0;
        minute = 0;
        continue;
      }
      if (h !== hour) {
        hour = h;
        minute = 0;
      }
      const mi = this.#minutes[minute]!;
      if (mi < 0) {
        hour += 1;
        minute = 0;
        continue;
      }
      return Date.UTC(year, month - 1, day, hour, mi) / 60_000;
    }
    return undefined;
  }

  #days(year: number, month: number): Int16Array {
    const key = year * 12 + month;
    let table = this.#dayCache.get(key);
    if (!table) {
      if (this.#dayCache.size >= DAY_CACHE_LIMIT) this.#dayCache.clear();
      table = nextTable(this.#matchingDays(year, month), 32);
      this.#dayCache.set(key, table);
    }
    return table;
  }

  #matchingDays(year: number, month: number): Set<number> {
    const last = daysInMonth(year, month);
    const days = new Set<number>();
    const dom = this.#dayOfMonth;
    const dow = this.#dayOfWeek;
    if (dom.kind === 'values') {
      for (const d of dom.values) if (d <= last) days.add(d);
    } else if (dom.kind === 'last') {
      const base = last - dom.offset;
      if (base >= 1) days.add(dom.weekday ? nearestWeekday(year, month, base) : base);
    } else if (dom.kind === 'nearest-weekday') {
      // Quartz would roll '31W' into the next month; here a day the month lacks simply does not match.
      if (dom.day <= last) days.add(nearestWeekday(year, month, dom.day));
    } else if (dow.kind === 'values') {
      const first = weekday(year, month, 1);
      for (let d = 1; d <= last; d++) if (dow.values.has(((first - 1 + d - 1) % 7) + 1)) days.add(d);
    } else if (dow.kind === 'last') {
      days.add(last - ((weekday(year, month, last) - dow.day + 7) % 7));
    } else if (dow.kind === 'nth') {
      const d = 1 + ((dow.day - weekday(year, month, 1) + 7) % 7) + 7 * (dow.nth - 1);
      if (d <= last) days.add(d);
    }
    return days;
  }
}
