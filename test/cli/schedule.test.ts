// `kvs-edge schedule explain`: the windows a schedule opens, in words by default and as JSON with
// --json, and the first real mistake named when it is wrong.
import t from 'tap';
import { kvsEdge } from './run.js';

// Two weekday windows of 90 minutes at 08:00 Berlin time, from a Friday over the change to summer time.
const WEEKDAY_MORNINGS = [
  'explain',
  '0 8 ? * MON-FRI',
  ...['--duration', '90', '--from', '2024-03-29T00:00:00Z', '--count', '2', '--tz', 'Europe/Berlin'],
];

async function run(...args: string[]) {
  const r = await kvsEdge(['schedule', ...args, '--json']);
  return { code: r.code, json: JSON.parse(r.out), err: r.err };
}

t.test('explain lists the next windows in UTC and local time', async (t) => {
  const { code, json } = await run(...WEEKDAY_MORNINGS);
  t.equal(code, 0);
  t.same(json, {
    expression: '0 8 ? * MON-FRI',
    valid: true,
    mode: 'cron',
    timeZone: 'Europe/Berlin',
    durationMinutes: 90,
    windows: [
      {
        start: '2024-03-29T07:00:00.000Z',
        end: '2024-03-29T08:30:00.000Z',
        localStart: '2024-03-29T08:00:00+01:00',
        localEnd: '2024-03-29T09:30:00+01:00',
      },
      {
        start: '2024-04-01T06:00:00.000Z',
        end: '2024-04-01T07:30:00.000Z',
        localStart: '2024-04-01T08:00:00+02:00',
        localEnd: '2024-04-01T09:30:00+02:00',
      },
    ],
  });
});

t.test('defaults: five windows from now; a window in progress comes first', async (t) => {
  const { json } = await run('explain', '* * * * ?', '--duration', '1', '--tz', 'America/New_York');
  t.equal(json.windows.length, 5);
  t.ok(Date.parse(json.windows[0].end) > Date.now() - 1000);
  t.match(json.windows[0].localStart, /-0[45]:00$/);
  const open = await run(
    'explain',
    '0 8 * * ?',
    '--duration',
    '60',
    '--from',
    '2024-05-01T08:30:00Z',
    '--tz',
    'UTC',
  );
  t.equal(open.json.windows[0].start, '2024-05-01T08:00:00.000Z');
});

t.test('never and always need no duration', async (t) => {
  t.same((await run('explain', '-', '--tz', 'UTC')).json, {
    expression: '-',
    valid: true,
    mode: 'never',
    timeZone: 'UTC',
    windows: [],
  });
  t.equal((await run('explain', '* * * * *')).json.mode, 'always');
});

t.test('every kind of mistake: valid false, the reason, exit code 2', async (t) => {
  const cases: [string[], string][] = [
    [['explain', '0 8 * * *', '--duration', '60'], `day-of-month '*' and day-of-week '*'`],
    [['explain', '0 8 * * ?'], '--duration <minutes> is required for a cron expression'],
    [['explain', '0 8,9 * * ?', '--duration', '61'], 'longer than the 60 minutes between two starts'],
    [['explain', '0 8 * * ?', '--duration', '0'], 'must be a whole number of minutes, at least 1'],
    [['explain', '0 8 * * ?', '--duration', 'ten'], '--duration must be a whole number >= 0, got "ten"'],
    [['explain', '0 8 * * ?', '--duration', '5', '--count', '0'], '--count must be a whole number >= 1'],
    [
      ['explain', '0 8 * * ?', '--duration', '5', '--from', 'yesterday'],
      '--from "yesterday" is not an ISO time',
    ],
    [
      ['explain', '0 8 * * ?', '--duration', '5', '--tz', 'Mars/Olympus'],
      'time zone "Mars/Olympus" is unknown',
    ],
    [['explain', '0 12 1 1 ? 2020', '--duration', '5'], 'all its start times are in the past'],
  ];
  for (const [args, reason] of cases) {
    const { code, json } = await run(...args);
    t.equal(code, 2, args.join(' '));
    t.equal(json.valid, false);
    t.ok(json.error.includes(reason), `${json.error} mentions ${reason}`);
  }
  t.equal((await run('explain', '0 8 * * *', '--duration', '60')).json.expression, '0 8 * * *');
});

t.test(
  'the command line itself: a missing expression, extra words, unknown options exit 2 on stderr',
  async (t) => {
    for (const [args, says] of [
      [['schedule', 'explain'], /missing required argument 'expression'/],
      [['schedule', 'explain', '0', '8', '*', '*', '?'], /too many arguments/],
      [['schedule', 'explain', '0 8 * * ?', '--bogus'], /unknown option '--bogus'/],
      [['schedule', 'frobnicate'], /unknown command 'frobnicate'/],
    ] as [string[], RegExp][]) {
      const r = await kvsEdge(args);
      t.equal(r.code, 2, args.join(' '));
      t.match(r.err, says);
      t.equal(r.out, '');
    }
  },
);

t.test('by default a person reads the windows in local time and UTC', async (t) => {
  const r = await kvsEdge(['schedule', ...WEEKDAY_MORNINGS]);
  t.equal(r.code, 0);
  t.equal(
    r.out,
    '"0 8 ? * MON-FRI": a window of 90 minutes at each start, read in time zone Europe/Berlin\n' +
      'next 2 windows (local time, then UTC):\n' +
      '  2024-03-29 08:00:00+01:00 -> 09:30:00+01:00   (2024-03-29 07:00Z)\n' +
      '  2024-04-01 08:00:00+02:00 -> 09:30:00+02:00   (2024-04-01 06:00Z)\n',
  );
  t.equal(
    (await kvsEdge(['schedule', 'explain', '-'])).out,
    '"-": never (the camera does not do this on a schedule)\n',
  );
});

t.test('a seconds-first Quartz expression gets the minute-first one that means the same', async (t) => {
  const r = await kvsEdge(['schedule', 'explain', '0 0/5 * * * ?', '--duration', '3']);
  t.equal(r.code, 2);
  t.equal(r.out, '');
  t.match(r.err, /seconds field first/);
  t.match(r.err, /write "0\/5 \* \* \* \?" \(a start every 5 minutes from minute 0\)/);
  // The suggestion really is every five minutes from minute 0.
  const fixed = await run(
    'explain',
    '0/5 * * * ?',
    '--duration',
    '3',
    '--from',
    '2024-01-01T10:02:00Z',
    '--count',
    '3',
    '--tz',
    'UTC',
  );
  t.same(
    fixed.json.windows.map((w: { start: string }) => w.start),
    ['2024-01-01T10:00:00.000Z', '2024-01-01T10:05:00.000Z', '2024-01-01T10:10:00.000Z'],
  );
  const withYear = await kvsEdge(['schedule', 'explain', '0 30 6 ? * MON 2030', '--duration', '3']);
  t.match(withYear.err, /write "30 6 \? \* MON 2030"/);
});

t.test('the first mistake in the expression is the one named', async (t) => {
  const r = await run('explain', '60 8 * * *', '--duration', '5');
  t.equal(r.code, 2);
  t.match(r.json.error, /minute field: '60' is out of range 0-59/, 'the minute, before the day-field rule');
  const hour = await run('explain', '0 24 * * *', '--duration', '5');
  t.match(hour.json.error, /hour field: '24' is out of range 0-23/);
});
