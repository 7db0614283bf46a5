// Parsing of the single fields of a Quartz cron expression into value sets and special rules.
//
// The grammar and the value ranges are Quartz 2.3's (CronExpression), which is what the reference
// component ran; where Quartz silently ignores text (anything after a three-letter name, a step after
// names) we reject it instead, because a schedule that quietly means something else than it reads is
// worse than one that is refused with a reason.
import type { CronField } from './errors.js';

/** Where a field's values live and what they may be called. */
interface FieldRange {
  readonly min: number;
  readonly max: number;
  /** Largest step Quartz accepts (checkIncrementRange); years have no limit of their own. */
  readonly maxStep: number;
  readonly names?: readonly string[];
  /** How the allowed values read in error messages: numbers only, and with names. */
  readonly numbers: string;
  readonly allowed: string;
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

// Quartz documents years 1970-2099.
const MIN_YEAR = 1970;
const MAX_YEAR = 2099;

export const RANGES: Record<CronField, FieldRange> = {
  minute: { min: 0, max: 59, maxStep: 59, numbers: '0-59', allowed: '0-59' },
  hour: { min: 0, max: 23, maxStep: 23, numbers: '0-23', allowed: '0-23' },
  'day-of-month': { min: 1, max: 31, maxStep: 31, numbers: '1-31', allowed: '1-31' },
  month: { min: 1, max: 12, maxStep: 12, names: MONTH_NAMES, numbers: '1-12', allowed: '1-12 or JAN-DEC' },
  'day-of-week': {
    min: 1,
    max: 7,
    maxStep: 7,
    names: DAY_NAMES,
    numbers: '1-7 (1 = SUN, 7 = SAT)',
    allowed: '1-7 or SUN-SAT',
  },
  year: {
    min: MIN_YEAR,
    max: MAX_YEAR,
    maxStep: MAX_YEAR - MIN_YEAR,
    numbers: `${MIN_YEAR}-${MAX_YEAR}`,
    allowed: `${MIN_YEAR}-${MAX_YEAR}`,
  },
};

/** A syntax problem inside one field; the caller adds the expression around it. */
export class FieldError extends Error {
  constructor(
    readonly field: CronField,
    readonly token: string,
    detail: string,
  ) {
    super(`${field} field: ${detail}`);
  }
}

/** Day-of-month: `?`, a set of days, `L`/`L-n` (optionally with `W`), or `nW`. */
export type DayOfMonthSpec =
  | { readonly kind: 'unspecified' }
  | { readonly kind: 'values'; readonly values: ReadonlySet<number> }
  | { readonly kind: 'last'; readonly offset: number; readonly weekday: boolean }
  | { readonly kind: 'nearest-weekday'; readonly day: number };

/** Day-of-week (1 = SUN): `?`, a set of days, `nL` (last n-day of the month) or `n#k` (k-th n-day). */
export type DayOfWeekSpec =
  | { readonly kind: 'unspecified' }
  | { readonly kind: 'values'; readonly values: ReadonlySet<number> }
  | { readonly kind: 'last'; readonly day: number }
  | { readonly kind: 'nth'; readonly day: number; readonly nth: number };

function parseValue(field: CronField, text: string, item: string): { value: number; named: boolean } {
  const range = RANGES[field];
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < range.min || value > range.max) {
      throw new FieldError(field, item, `'${text}' is out of range ${range.numbers}`);
    }
    return { value, named: false };
  }
  const index = range.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index >= 0) return { value: index + 1, named: true };
  const what = field === 'month' ? 'a month' : field === 'day-of-week' ? 'a day of the week' : 'a number';
  throw new FieldError(field, item, `'${text}' is not ${what} (${range.allowed})`);
}

function parseStep(field: CronField, text: string, item: string): number {
  const range = RANGES[field];
  const step = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(step >= 1 && step <= range.maxStep)) {
    throw new FieldError(field, item, `the step in '${item}' must be a number 1-${range.maxStep}`);
  }
  return step;
}

// Quartz lets a range run past the end of the field and wrap to its start (22-2 hours, FRI-MON),
// except for years.
function addRange(field: CronField, out: Set<number>, from: number, to: number, step: number, item: string) {
  const { min, max } = RANGES[field];
  if (to < from) {
    if (field === 'year') throw new FieldError(field, item, `the range '${item}' must go forward`);
    to += max - min + 1;
  }
  for (let v = from; v <= to; v += step) out.add(v > max ? v - (max - min + 1) : v);
}

function misplacedSpecial(field: CronField, item: string): string | undefined {
  const domOrDow = field === 'day-of-month' || field === 'day-of-week';
  if (item.includes('?')) {
    return domOrDow ? `'?' must be the whole field` : `'?' is only allowed in day-of-month or day-of-week`;
  }
  if (item.includes('#') && field !== 'day-of-week') return `'#' is only allowed in day-of-week`;
  // Month and day names contain L and W (JUL, WED), so look at the shapes L and W take, not the letters.
  const special = field === 'month' ? /^L(-|$)|\dL$|\dW$/i : /^L|\dL$|\dW$|^W/i;
  if (field === 'minute' || field === 'hour' || field === 'year' || field === 'month') {
    if (special.test(item)) {
      return /W/i.test(item) && !/^L/i.test(item)
        ? `'W' is only allowed in day-of-month`
        : `'L' is only allowed in day-of-month or day-of-week`;
    }
  }
  if (field === 'day-of-week' && /\dW$|^LW$/i.test(item)) return `'W' is only allowed in day-of-month`;
  if (field === 'day-of-month' && /\dL$/i.test(item)) {
    return `'${item}': 'nL' (last n-day of the month) is only allowed in day-of-week`;
  }
  return undefined;
}

/** Values of a plain list field: numbers, names, `*`, ranges, lists and steps. */
export function parseList(field: CronField, text: string): Set<number> {
  const range = RANGES[field];
  const out = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw new FieldError(field, text, `empty value in the list '${text}'`);
    const misplaced = misplacedSpecial(field, item);
    if (misplaced) throw new FieldError(field, item, misplaced);
    // Quartz reads '/n' as '*/n'.
    if (item === '*' || item.startsWith('*/') || item.startsWith('/')) {
      const stepText = item === '*' ? undefined : item.slice(item.indexOf('/') + 1);
      const step = stepText === undefined ? 1 : parseStep(field, stepText, item);
      addRange(field, out, range.min, range.max, step, item);
      continue;
    }
    const parts = item.split('/');
    const bounds = parts[0]!.split('-');
    if (parts.length > 2 || bounds.length > 2 || bounds.some((b) => b === '')) {
      throw new FieldError(field, item, `'${item}' is not a value, range (a-b) or step (a/n, a-b/n)`);
    }
    const from = parseValue(field, bounds[0]!, item);
    const to = bounds[1] === undefined ? undefined : parseValue(field, bounds[1], item);
    const stepText = parts[1];
    if (stepText !== undefined && (from.named || to?.named)) {
      // Quartz drops everything after a name, so 'MON-FRI/2' would quietly mean MON-FRI there.
      throw new FieldError(field, item, `a step cannot follow names in '${item}'; write it with numbers`);
    }
    const step = stepText === undefined ? 1 : parseStep(field, stepText, item);
    if (to === undefined && stepText === undefined) out.add(from.value);
    else addRange(field, out, from.value, to?.value ?? range.max, step, item);
  }
  return out;
}

export function parseDayOfMonth(text: string): DayOfMonthSpec {
  const field = 'day-of-month';
  if (text === '?') return { kind: 'unspecified' };
  if (text.includes(',') && /L|W/i.test(text)) {
    throw new FieldError(field, text, `'L' and 'W' cannot be combined with other days in a list ('${text}')`);
  }
  const last = /^L(?:-(\d+))?(W?)$/i.exec(text);
  if (last) {
    const offset = last[1] === undefined ? 0 : Number(last[1]);
    if (offset > 30) throw new FieldError(field, text, `the offset in '${text}' must be 0-30`);
    return { kind: 'last', offset, weekday: last[2] !== '' };
  }
  const nearest = /^(\d+)W$/i.exec(text);
  if (nearest) {
    const day = Number(nearest[1]);
    if (day < 1 || day > 31) throw new FieldError(field, text, `'${nearest[1]}' is out of range 1-31`);
    return { kind: 'nearest-weekday', day };
  }
  return { kind: 'values', values: parseList(field, text) };
}

export function parseDayOfWeek(text: string): DayOfWeekSpec {
  const field = 'day-of-week';
  if (text === '?') return { kind: 'unspecified' };
  if (text.includes(',') && text.split(',').some((item) => /L$|#/i.test(item))) {
    throw new FieldError(field, text, `'L' and '#' cannot be combined with other days in a list ('${text}')`);
  }
  // A lone L in day-of-week is Quartz's 7, i.e. every Saturday (not "the last day").
  if (text.toUpperCase() === 'L') return { kind: 'values', values: new Set([7]) };
  const last = /^(\d+|[A-Z]{3})L$/i.exec(text);
  if (last) return { kind: 'last', day: parseValue(field, last[1]!, text).value };
  const nth = /^(\d+|[A-Z]{3})#(.*)$/i.exec(text);
  if (nth) {
    const day = parseValue(field, nth[1]!, text).value;
    const n = /^[1-5]$/.test(nth[2]!) ? Number(nth[2]) : NaN;
    if (Number.isNaN(n)) throw new FieldError(field, text, `the number after '#' in '${text}' must be 1-5`);
    return { kind: 'nth', day, nth: n };
  }
  return { kind: 'values', values: parseList(field, text) };
}
