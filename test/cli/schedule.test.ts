import t from 'tap';
import { spawn } from 'node:child_process';
import { runSchedule } from '../../src/cli/schedule.js';
import { childEnv } from '@kvs-edge/localcloud/testkit';

async function run(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runSchedule(
    args,
    { write: (s: string) => (out += s) },
    { write: (s: string) => (err += s) },
  );
  return { code, json: JSON.parse(out), err };
}

t.test('explain lists the next windows in UTC and local time', async (t) => {
  const { code, json } = await run(
    'explain',
    '0 8 ? * MON-FRI',
    '--duration',
    '90',
    '--from',
    '2024-03-29T00:00:00Z',
    '--count',
    '2',
    '--tz',
    'Europe/Berlin',
  );
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

t.test('help', async (t) => {
  let out = '';
  t.equal(await runSchedule(['help'], { write: (s: string) => (out += s) }), 0);
  t.ok(out.includes('--duration   window length in minutes'));
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
    [['explain', '0 8 * * ?', '--bogus'], "Unknown option '--bogus'"],
    [['explain'], 'expected one expression in quotes, got 0 arguments'],
    [['explain', '0', '8', '*', '*', '?'], 'expected one expression in quotes, got 5 arguments'],
    [['frobnicate'], 'unknown schedule command "frobnicate"; try: explain'],
  ];
  for (const [args, reason] of cases) {
    const { code, json } = await run(...args);
    t.equal(code, 2, args.join(' '));
    t.equal(json.valid, false);
    t.ok(json.error.includes(reason), `${json.error} mentions ${reason}`);
  }
  t.equal((await run('explain', '0 8 * * *', '--duration', '60')).json.expression, '0 8 * * *');
  t.match((await run('explain')).err, /usage: kvs-edge schedule explain/);
});

t.test('the real command exits with 2 on an invalid expression', async (t) => {
  const env = childEnv();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'schedule', 'explain', '0 8 * * *', '--duration', '60'],
    { stdio: ['ignore', 'pipe', 'inherit'], env },
  );
  t.teardown(() => child.kill());
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  const code = await new Promise((resolve) => child.on('close', resolve));
  t.equal(code, 2);
  t.equal(JSON.parse(out).valid, false);
});
