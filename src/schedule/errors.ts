// The one error type of this folder. Callers branch on `code`: a syntax error, a duration that does not
// fit the expression, an expression whose times are all in the past (the runtime may prefer to treat
// that as "never" and warn), or an unknown time zone.

/** Why a schedule was rejected. */
export type ScheduleErrorCode =
  | 'CRON_SYNTAX'
  | 'CRON_NEVER_FIRES'
  | 'DURATION_INVALID'
  | 'DURATION_TOO_LONG'
  | 'SCHEDULE_EXPIRED'
  | 'TIME_ZONE_INVALID';

/** Names of the fields a user writes, in order; `year` is optional. */
export type CronField = 'minute' | 'hour' | 'day-of-month' | 'month' | 'day-of-week' | 'year';

/** A rejected expression, duration or time zone; `field` and `token` say where when known. */
export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
  readonly code: ScheduleErrorCode;
  readonly expression: string;
  readonly field: CronField | undefined;
  readonly token: string | undefined;

  constructor(
    code: ScheduleErrorCode,
    message: string,
    details: { expression: string; field?: CronField; token?: string },
  ) {
    super(message);
    this.code = code;
    this.expression = details.expression;
    this.field = details.field;
    this.token = details.token;
  }
}
