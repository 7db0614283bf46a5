// Quartz meaning of every special character, on fixed dates in UTC (no DST here; see dst.test.ts).
import t from 'tap';
import { parseSchedule } from '../../src/schedule/index.js';

function fires(expression: string, from: string, count: number, timeZone = 'UTC'): string[] {
  const schedule = parseSchedule(expression, { timeZone });
  const out: string[] = [];
  let at: Date | undefined = new Date(from);
  while (out.length < count) {
    at = schedule.nextFire(at);
    if (!at) break;
    out.push(at.toISOString().replace(':00.000Z', 'Z'));
  }
  return out;
}

const cases: [string, string, string, string[]][] = [
  // title, expression, after, expected starts
  [
    'fixed time every day, across a leap day',
    '0 12 * * ?',
    '2024-02-28T13:00Z',
    ['2024-02-29T12:00Z', '2024-03-01T12:00Z'],
  ],
  ['the start is strictly after `after`', '0 12 * * ?', '2024-03-01T12:00Z', ['2024-03-02T12:00Z']],
  ['seconds of `after` are ignored', '0 12 * * ?', '2024-03-01T11:59:59.999Z', ['2024-03-01T12:00Z']],
  [
    '*/n',
    '*/20 * * * ?',
    '2024-01-01T00:00Z',
    ['2024-01-01T00:20Z', '2024-01-01T00:40Z', '2024-01-01T01:00Z'],
  ],
  ['/n is */n (Quartz)', '/20 * * * ?', '2024-01-01T00:00Z', ['2024-01-01T00:20Z', '2024-01-01T00:40Z']],
  [
    'a/n runs from a to the end',
    '5/20 * * * ?',
    '2024-01-01T00:00Z',
    ['2024-01-01T00:05Z', '2024-01-01T00:25Z', '2024-01-01T00:45Z', '2024-01-01T01:05Z'],
  ],
  [
    'a-b/n',
    '10-30/10 9 * * ?',
    '2024-01-01T00:00Z',
    ['2024-01-01T09:10Z', '2024-01-01T09:20Z', '2024-01-01T09:30Z', '2024-01-02T09:10Z'],
  ],
  [
    'a range that wraps past midnight',
    '0 22-1 * * ?',
    '2024-01-01T12:00Z',
    ['2024-01-01T22:00Z', '2024-01-01T23:00Z', '2024-01-02T00:00Z', '2024-01-02T01:00Z', '2024-01-02T22:00Z'],
  ],
  [
    'lists',
    '0,30 8,17 * * ?',
    '2024-01-01T09:00Z',
    ['2024-01-01T17:00Z', '2024-01-01T17:30Z', '2024-01-02T08:00Z'],
  ],
  [
    'day-of-month values skip months that lack them',
    '0 0 31 * ?',
    '2024-01-31T00:00Z',
    ['2024-03-31T00:00Z', '2024-05-31T00:00Z'],
  ],
  ['month names', '0 0 1 JAN,JUL ?', '2024-02-01T00:00Z', ['2024-07-01T00:00Z', '2025-01-01T00:00Z']],
  [
    'a month range that wraps the year',
    '0 0 1 NOV-FEB ?',
    '2024-03-01T00:00Z',
    ['2024-11-01T00:00Z', '2024-12-01T00:00Z', '2025-01-01T00:00Z', '2025-02-01T00:00Z', '2025-11-01T00:00Z'],
  ],
  ['names in any case', '0 0 ? jan mon', '2024-01-01T00:00Z', ['2024-01-08T00:00Z', '2024-01-15T00:00Z']],
  ['day-of-week 1 is Sunday', '0 9 ? * 1', '2024-01-01T00:00Z', ['2024-01-07T09:00Z', '2024-01-14T09:00Z']],
  ['MON-FRI', '0 9 ? * MON-FRI', '2024-01-05T10:00Z', ['2024-01-08T09:00Z', '2024-01-09T09:00Z']],
  ['numeric 2-6 is MON-FRI', '0 9 ? * 2-6', '2024-01-05T10:00Z', ['2024-01-08T09:00Z', '2024-01-09T09:00Z']],
  [
    'FRI-MON wraps the week',
    '0 9 ? * FRI-MON',
    '2024-01-03T00:00Z',
    ['2024-01-05T09:00Z', '2024-01-06T09:00Z', '2024-01-07T09:00Z', '2024-01-08T09:00Z', '2024-01-12T09:00Z'],
  ],
  [
    '*/2 in day-of-week is SUN,TUE,THU,SAT',
    '0 9 ? * */2',
    '2024-01-01T00:00Z',
    ['2024-01-02T09:00Z', '2024-01-04T09:00Z', '2024-01-06T09:00Z', '2024-01-07T09:00Z'],
  ],
  [
    'a lone L in day-of-week is 7, every Saturday',
    '0 9 ? * L',
    '2024-01-01T00:00Z',
    ['2024-01-06T09:00Z', '2024-01-13T09:00Z'],
  ],
  [
    '* in day-of-week with ? in day-of-month is every day',
    '0 12 ? * *',
    '2024-01-01T00:00Z',
    ['2024-01-01T12:00Z', '2024-01-02T12:00Z'],
  ],
  [
    'L: last day of the month, leap February',
    '0 0 L * ?',
    '2024-01-15T00:00Z',
    ['2024-01-31T00:00Z', '2024-02-29T00:00Z', '2024-03-31T00:00Z', '2024-04-30T00:00Z'],
  ],
  [
    'L in a common year',
    '0 0 L 2 ?',
    '2023-01-01T00:00Z',
    ['2023-02-28T00:00Z', '2024-02-29T00:00Z', '2025-02-28T00:00Z'],
  ],
  [
    'L-2',
    '0 0 L-2 * ?',
    '2024-01-01T00:00Z',
    ['2024-01-29T00:00Z', '2024-02-27T00:00Z', '2024-03-29T00:00Z', '2024-04-28T00:00Z'],
  ],
  [
    'L-30 only in 31-day months',
    '0 0 L-30 * ?',
    '2024-01-02T00:00Z',
    ['2024-03-01T00:00Z', '2024-05-01T00:00Z'],
  ],
  [
    'LW: last weekday (Sun 31 Mar -> Fri 29, Sun 30 Jun -> Fri 28)',
    '0 0 LW * ?',
    '2024-03-01T00:00Z',
    ['2024-03-29T00:00Z', '2024-04-30T00:00Z', '2024-05-31T00:00Z', '2024-06-28T00:00Z'],
  ],
  [
    'LW when the last day is a Saturday (31 Aug 2024)',
    '0 0 LW 8 ?',
    '2024-01-01T00:00Z',
    ['2024-08-30T00:00Z'],
  ],
  [
    'L-1W: nearest weekday to the day before the last',
    '0 0 L-1W 3 ?',
    '2024-01-01T00:00Z',
    ['2024-03-29T00:00Z', '2025-03-31T00:00Z'],
  ],
  [
    '15W: Sat 15 Jun -> Fri 14, Sun 15 Sep -> Mon 16',
    '0 0 15W * ?',
    '2024-06-01T00:00Z',
    ['2024-06-14T00:00Z', '2024-07-15T00:00Z', '2024-08-15T00:00Z', '2024-09-16T00:00Z'],
  ],
  [
    '1W never leaves the month: Sat 1 Jun -> Mon 3',
    '0 0 1W * ?',
    '2024-05-15T00:00Z',
    ['2024-06-03T00:00Z', '2024-07-01T00:00Z', '2024-08-01T00:00Z', '2024-09-02T00:00Z'],
  ],
  [
    '31W: only months with a 31st; Sat 31 Aug -> Fri 30',
    '0 0 31W * ?',
    '2024-07-01T00:00Z',
    ['2024-07-31T00:00Z', '2024-08-30T00:00Z', '2024-10-31T00:00Z'],
  ],
  [
    '30W on a Sunday that ends the month -> Friday',
    '0 0 30W 6 ?',
    '2024-01-01T00:00Z',
    ['2024-06-28T00:00Z'],
  ],
  [
    '6L: last Friday',
    '0 0 ? * 6L',
    '2024-01-01T00:00Z',
    ['2024-01-26T00:00Z', '2024-02-23T00:00Z', '2024-03-29T00:00Z'],
  ],
  ['FRIL is 6L', '0 0 ? * FRIL', '2024-01-01T00:00Z', ['2024-01-26T00:00Z']],
  [
    '6#3: third Friday',
    '0 0 ? * 6#3',
    '2024-01-01T00:00Z',
    ['2024-01-19T00:00Z', '2024-02-16T00:00Z', '2024-03-15T00:00Z'],
  ],
  ['FRI#3 is 6#3', '0 0 ? * fri#3', '2024-01-01T00:00Z', ['2024-01-19T00:00Z']],
  [
    '2#5: fifth Monday, skipping months without one',
    '0 0 ? * 2#5',
    '2024-01-01T00:00Z',
    ['2024-01-29T00:00Z', '2024-04-29T00:00Z', '2024-07-29T00:00Z', '2024-09-30T00:00Z'],
  ],
  ['29 February: leap years only, 2100 is not one', '0 0 29 2 ?', '2096-03-01T00:00Z', ['2104-02-29T00:00Z']],
  ['year range ends', '0 0 1 1 ? 2025-2026', '2024-06-01T00:00Z', ['2025-01-01T00:00Z', '2026-01-01T00:00Z']],
  [
    'year list in any order',
    '0 0 1 1 ? 2030,2027',
    '2024-06-01T00:00Z',
    ['2027-01-01T00:00Z', '2030-01-01T00:00Z'],
  ],
  ['year * is every year', '0 0 1 1 ? *', '2024-06-01T00:00Z', ['2025-01-01T00:00Z', '2026-01-01T00:00Z']],
  ['year step', '0 0 1 1 ? 2025/5', '2024-06-01T00:00Z', ['2025-01-01T00:00Z', '2030-01-01T00:00Z']],
  [
    'hour step with wrap',
    '0 20-4/3 * * ?',
    '2024-01-01T12:00Z',
    ['2024-01-01T20:00Z', '2024-01-01T23:00Z', '2024-01-02T02:00Z', '2024-01-02T20:00Z'],
  ],
];

t.test('Quartz semantics on fixed dates', async (t) => {
  for (const [title, expression, after, expected] of cases) {
    t.same(
      fires(expression, after, expected.length + 1).slice(0, expected.length),
      expected,
      `${title}: ${expression}`,
    );
  }
});

t.test('a finite schedule runs out', async (t) => {
  t.same(fires('0 0 1 1 ? 2025-2026', '2025-06-01T00:00Z', 5), ['2026-01-01T00:00Z']);
  t.equal(parseSchedule('0 0 1 1 ? 2025').nextFire(new Date('2025-01-01T00:00Z')), undefined);
  t.equal(parseSchedule('-').nextFire(new Date()), undefined, 'never has no starts');
  t.equal(parseSchedule('* * * * *').nextFire(new Date()), undefined, 'always has no starts');
});

t.test('windows: one per start, a window open at `from` first', async (t) => {
  const schedule = parseSchedule('0 8,20 * * ?', { timeZone: 'UTC' });
  const windows = schedule
    .windows(90, new Date('2024-01-01T09:00Z'), 3)
    .map((w) => [w.start.toISOString(), w.end.toISOString()]);
  t.same(windows, [
    ['2024-01-01T08:00:00.000Z', '2024-01-01T09:30:00.000Z'],
    ['2024-01-01T20:00:00.000Z', '2024-01-01T21:30:00.000Z'],
    ['2024-01-02T08:00:00.000Z', '2024-01-02T09:30:00.000Z'],
  ]);
  t.same(
    schedule.windows(90, new Date('2024-01-01T09:30Z'), 1)[0]?.start,
    new Date('2024-01-01T20:00Z'),
    'end is exclusive',
  );
  t.same(parseSchedule('0 0 1 1 ? 2025').windows(5, new Date('2024-01-01T00:00Z'), 3).length, 1);
  t.same(parseSchedule('* * * * *').windows(5, new Date(), 3), []);
});
