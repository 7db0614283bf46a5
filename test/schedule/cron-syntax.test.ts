import t from 'tap';
import { parseSchedule, ScheduleError } from '../../src/schedule/index.js';

function rejects(expression: string): ScheduleError {
  try {
    parseSchedule(expression, { timeZone: 'UTC' });
  } catch (error) {
    if (error instanceof ScheduleError) return error;
    throw error;
  }
  throw new Error(`"${expression}" was accepted`);
}

t.test('syntax errors name the field and the bad token', async (t) => {
  const table: [string, string, string | undefined, string | undefined][] = [
    // expression, exact message, field, token
    [
      '1 2 3',
      'cron "1 2 3": expected 5 fields (minute hour day-of-month month day-of-week) and an optional 6th (year), got 3',
      undefined,
      undefined,
    ],
    [
      '0 0 1 1 ? 2025 x',
      'cron "0 0 1 1 ? 2025 x": expected 5 fields (minute hour day-of-month month day-of-week) and an optional 6th (year), got 7',
      undefined,
      undefined,
    ],
    ['M H * * ?', `cron "M H * * ?": minute field: 'M' is not a number (0-59)`, 'minute', 'M'],
    ['61 * * * ?', `cron "61 * * * ?": minute field: '61' is out of range 0-59`, 'minute', '61'],
    ['0 24 * * ?', `cron "0 24 * * ?": hour field: '24' is out of range 0-23`, 'hour', '24'],
    ['0 0 0 * ?', `cron "0 0 0 * ?": day-of-month field: '0' is out of range 1-31`, 'day-of-month', '0'],
    ['0 0 32 * ?', `cron "0 0 32 * ?": day-of-month field: '32' is out of range 1-31`, 'day-of-month', '32'],
    ['0 0 1 13 ?', `cron "0 0 1 13 ?": month field: '13' is out of range 1-12`, 'month', '13'],
    [
      '0 0 1 FOO ?',
      `cron "0 0 1 FOO ?": month field: 'FOO' is not a month (1-12 or JAN-DEC)`,
      'month',
      'FOO',
    ],
    [
      '0 0 ? * 0',
      `cron "0 0 ? * 0": day-of-week field: '0' is out of range 1-7 (1 = SUN, 7 = SAT)`,
      'day-of-week',
      '0',
    ],
    [
      '0 0 ? * 8',
      `cron "0 0 ? * 8": day-of-week field: '8' is out of range 1-7 (1 = SUN, 7 = SAT)`,
      'day-of-week',
      '8',
    ],
    [
      '0 0 ? * MONDAY',
      `cron "0 0 ? * MONDAY": day-of-week field: 'MONDAY' is not a day of the week (1-7 or SUN-SAT)`,
      'day-of-week',
      'MONDAY',
    ],
    ['0 0 1 1 ? 1969', `cron "0 0 1 1 ? 1969": year field: '1969' is out of range 1970-2099`, 'year', '1969'],
    [
      '0 0 1 1 ? 2030-2025',
      `cron "0 0 1 1 ? 2030-2025": year field: the range '2030-2025' must go forward`,
      'year',
      '2030-2025',
    ],
    [
      '*/0 * * * ?',
      `cron "*/0 * * * ?": minute field: the step in '*/0' must be a number 1-59`,
      'minute',
      '*/0',
    ],
    [
      '*/60 * * * ?',
      `cron "*/60 * * * ?": minute field: the step in '*/60' must be a number 1-59`,
      'minute',
      '*/60',
    ],
    ['0 */x * * ?', `cron "0 */x * * ?": hour field: the step in '*/x' must be a number 1-23`, 'hour', '*/x'],
    [
      '1-2-3 * * * ?',
      `cron "1-2-3 * * * ?": minute field: '1-2-3' is not a value, range (a-b) or step (a/n, a-b/n)`,
      'minute',
      '1-2-3',
    ],
    [
      '5- * * * ?',
      `cron "5- * * * ?": minute field: '5-' is not a value, range (a-b) or step (a/n, a-b/n)`,
      'minute',
      '5-',
    ],
    ['1,,2 * * * ?', `cron "1,,2 * * * ?": minute field: empty value in the list '1,,2'`, 'minute', '1,,2'],
    ['*x * * * ?', `cron "*x * * * ?": minute field: '*x' is not a number (0-59)`, 'minute', '*x'],
    [
      '0 12 * * *',
      `cron "0 12 * * *": day-of-month '*' and day-of-week '*': one of them must be '?' (Quartz), e.g. '0 12 * * ?' or '0 12 ? * *'`,
      'day-of-week',
      '*',
    ],
    [
      '0 12 1 * MON',
      `cron "0 12 1 * MON": day-of-month '1' and day-of-week 'MON': one of them must be '?' (Quartz), e.g. '0 12 1 * ?' or '0 12 ? * MON'`,
      'day-of-week',
      'MON',
    ],
    [
      '0 12 ? * ?',
      `cron "0 12 ? * ?": day-of-month '?' and day-of-week '?': only one of them may be '?'`,
      'day-of-week',
      '?',
    ],
    [
      '? 12 * * ?',
      `cron "? 12 * * ?": minute field: '?' is only allowed in day-of-month or day-of-week`,
      'minute',
      '?',
    ],
    [
      '0 12 ?,1 * ?',
      `cron "0 12 ?,1 * ?": day-of-month field: '?' must be the whole field`,
      'day-of-month',
      '?',
    ],
    [
      '0 0 1 1 ? ?',
      `cron "0 0 1 1 ? ?": year field: '?' is only allowed in day-of-month or day-of-week (the 6th field is the year; seconds are not written)`,
      'year',
      '?',
    ],
    [
      '0 L * * ?',
      `cron "0 L * * ?": hour field: 'L' is only allowed in day-of-month or day-of-week`,
      'hour',
      'L',
    ],
    [
      '0 0 1 L ?',
      `cron "0 0 1 L ?": month field: 'L' is only allowed in day-of-month or day-of-week`,
      'month',
      'L',
    ],
    ['0 5W * * ?', `cron "0 5W * * ?": hour field: 'W' is only allowed in day-of-month`, 'hour', '5W'],
    [
      '0 0 ? * 5W',
      `cron "0 0 ? * 5W": day-of-week field: 'W' is only allowed in day-of-month`,
      'day-of-week',
      '5W',
    ],
    [
      '0 0 1#2 * ?',
      `cron "0 0 1#2 * ?": day-of-month field: '#' is only allowed in day-of-week`,
      'day-of-month',
      '1#2',
    ],
    [
      '0 0 5L * ?',
      `cron "0 0 5L * ?": day-of-month field: '5L': 'nL' (last n-day of the month) is only allowed in day-of-week`,
      'day-of-month',
      '5L',
    ],
    [
      '0 0 L,15 * ?',
      `cron "0 0 L,15 * ?": day-of-month field: 'L' and 'W' cannot be combined with other days in a list ('L,15')`,
      'day-of-month',
      'L,15',
    ],
    [
      '0 0 L-31 * ?',
      `cron "0 0 L-31 * ?": day-of-month field: the offset in 'L-31' must be 0-30`,
      'day-of-month',
      'L-31',
    ],
    [
      '0 0 32W * ?',
      `cron "0 0 32W * ?": day-of-month field: '32' is out of range 1-31`,
      'day-of-month',
      '32W',
    ],
    [
      '0 0 ? * 6#6',
      `cron "0 0 ? * 6#6": day-of-week field: the number after '#' in '6#6' must be 1-5`,
      'day-of-week',
      '6#6',
    ],
    [
      '0 0 ? * 6#3,2#1',
      `cron "0 0 ? * 6#3,2#1": day-of-week field: 'L' and '#' cannot be combined with other days in a list ('6#3,2#1')`,
      'day-of-week',
      '6#3,2#1',
    ],
    [
      '0 0 ? * 6L,2',
      `cron "0 0 ? * 6L,2": day-of-week field: 'L' and '#' cannot be combined with other days in a list ('6L,2')`,
      'day-of-week',
      '6L,2',
    ],
    [
      '0 0 ? * 9L',
      `cron "0 0 ? * 9L": day-of-week field: '9' is out of range 1-7 (1 = SUN, 7 = SAT)`,
      'day-of-week',
      '9L',
    ],
    [
      '0 0 ? * MON-FRI/2',
      `cron "0 0 ? * MON-FRI/2": day-of-week field: a step cannot follow names in 'MON-FRI/2'; write it with numbers`,
      'day-of-week',
      'MON-FRI/2',
    ],
  ];
  for (const [expression, message, field, token] of table) {
    const error = rejects(expression);
    t.equal(error.message, message, expression);
    t.equal(error.code, 'CRON_SYNTAX', `${expression}: code`);
    t.equal(error.field, field, `${expression}: field`);
    t.equal(error.token, token, `${expression}: token`);
    t.equal(error.expression, expression);
  }
});

t.test('an expression no date matches is refused, not left to spin', async (t) => {
  for (const expression of ['0 0 30 2 ?', '0 0 31 4,6,9,11 ?', '0 0 ? 2 1#5 2025-2030']) {
    const error = rejects(expression);
    t.equal(error.code, 'CRON_NEVER_FIRES', expression);
    t.equal(error.message, `cron "${expression}": no date ever matches it`);
  }
});

t.test('the reference special strings and what they mean', async (t) => {
  t.equal(parseSchedule('-').kind, 'never');
  t.equal(parseSchedule('').kind, 'never', 'empty: the reference did nothing');
  t.equal(parseSchedule('  -  ').kind, 'never');
  t.equal(parseSchedule('* * * * *').kind, 'always');
  t.equal(parseSchedule(' *  * * * * ').kind, 'always', 'spaces are forgiven');
  t.equal(parseSchedule('* * * * ?').kind, 'cron', 'every minute, a real cron');
  t.equal(
    rejects('* * * * * *').code,
    'CRON_SYNTAX',
    'with a year field it is Quartz, and Quartz refuses it',
  );
  t.equal(parseSchedule('*/30 * * * ?').expression, '*/30 * * * ?');
});

t.test('time zones: IANA names or the system zone', async (t) => {
  t.equal(parseSchedule('0 8 * * ?', { timeZone: 'Europe/Berlin' }).timeZone, 'Europe/Berlin');
  t.equal(
    parseSchedule('0 8 * * ?', { timeZone: '' }).timeZone,
    Intl.DateTimeFormat().resolvedOptions().timeZone,
  );
  const error = t.throws(() => parseSchedule('0 8 * * ?', { timeZone: 'Mars/Olympus' })) as ScheduleError;
  t.equal(error.code, 'TIME_ZONE_INVALID');
  t.equal(
    error.message,
    'time zone "Mars/Olympus" is unknown; use an IANA name such as Europe/Berlin or UTC',
  );
});
