// Local start times across DST changes. Europe/Berlin: 2024-03-31 01:00Z clocks 02:00 -> 03:00,
// 2024-10-27 01:00Z clocks 03:00 -> 02:00. America/New_York: 2024-03-10 07:00Z 02:00 -> 03:00,
// 2024-11-03 06:00Z 02:00 -> 01:00.
import t from 'tap';
import { parseSchedule, windowAt, TimeZone } from '../../src/schedule/index.js';

function fires(expression: string, timeZone: string, from: string, count: number): string[] {
  const schedule = parseSchedule(expression, { timeZone });
  const out: string[] = [];
  let at: Date | undefined = new Date(from);
  while (out.length < count && (at = schedule.nextFire(at)))
    out.push(at.toISOString().replace(':00.000Z', 'Z'));
  return out;
}

t.test('Europe/Berlin, spring forward: a start in the skipped hour happens at the jump', async (t) => {
  t.same(fires('30 2 * * ?', 'Europe/Berlin', '2024-03-29T12:00Z', 3), [
    '2024-03-30T01:30Z', // 02:30 CET
    '2024-03-31T01:00Z', // 02:30 does not exist: 03:00 CEST, the moment of the jump
    '2024-04-01T00:30Z', // 02:30 CEST
  ]);
  t.same(
    fires('*/15 2 * * ?', 'Europe/Berlin', '2024-03-30T23:00Z', 2),
    ['2024-03-31T01:00Z', '2024-04-01T00:00Z'],
    'four starts in the skipped hour collapse into one',
  );
  t.same(fires('0 * * * ?', 'Europe/Berlin', '2024-03-30T23:30Z', 3), [
    '2024-03-31T00:00Z', // 01:00 CET
    '2024-03-31T01:00Z', // 03:00 CEST (02:00 does not exist and maps to the same instant)
    '2024-03-31T02:00Z', // 04:00 CEST
  ]);
});

t.test('Europe/Berlin, fall back: a start in the repeated hour happens once, the first time', async (t) => {
  t.same(fires('30 2 * * ?', 'Europe/Berlin', '2024-10-25T12:00Z', 3), [
    '2024-10-26T00:30Z', // 02:30 CEST
    '2024-10-27T00:30Z', // 02:30 CEST, first of the two 02:30s
    '2024-10-28T01:30Z', // 02:30 CET
  ]);
  t.same(fires('0 * * * ?', 'Europe/Berlin', '2024-10-26T23:30Z', 3), [
    '2024-10-27T00:00Z', // 02:00 CEST
    '2024-10-27T02:00Z', // 03:00 CET; the second 02:00 (01:00Z) is not a new start
    '2024-10-27T03:00Z',
  ]);
  t.same(
    fires('*/20 * * * ?', 'Europe/Berlin', '2024-10-27T01:10Z', 2),
    ['2024-10-27T02:00Z', '2024-10-27T02:20Z'],
    'asked during the second pass, the next start is after it',
  );
});

t.test('America/New_York both ways', async (t) => {
  t.same(fires('30 2 * * ?', 'America/New_York', '2024-03-09T00:00Z', 3), [
    '2024-03-09T07:30Z', // 02:30 EST
    '2024-03-10T07:00Z', // skipped: 03:00 EDT
    '2024-03-11T06:30Z', // 02:30 EDT
  ]);
  t.same(fires('30 1 * * ?', 'America/New_York', '2024-11-02T12:00Z', 2), [
    '2024-11-03T05:30Z', // 01:30 EDT, the first
    '2024-11-04T06:30Z', // 01:30 EST
  ]);
  t.same(fires('0 8 * * ?', 'America/New_York', '2024-11-02T00:00Z', 3), [
    '2024-11-02T12:00Z',
    '2024-11-03T13:00Z',
    '2024-11-04T13:00Z',
  ]);
});

t.test('durations are elapsed minutes, also across a change', async (t) => {
  const schedule = parseSchedule('30 1 * * ?', { timeZone: 'Europe/Berlin' });
  const [window] = schedule.windows(120, new Date('2024-03-30T12:00Z'), 1);
  t.equal(window?.start.toISOString(), '2024-03-31T00:30:00.000Z', '01:30 CET');
  t.equal(window?.end.toISOString(), '2024-03-31T02:30:00.000Z', '04:30 CEST on the wall: two real hours');
  const state = windowAt(schedule, 120, new Date('2024-03-31T02:29:59Z'));
  t.equal(state.active, true);
});

t.test('the zone mapping itself', async (t) => {
  const berlin = new TimeZone('Europe/Berlin');
  t.equal(berlin.offsetAt(Date.parse('2024-01-15T12:00Z')), 3_600_000);
  t.equal(berlin.offsetAt(Date.parse('2024-07-15T12:00Z')), 7_200_000);
  t.equal(berlin.offsetAt(Date.parse('2024-03-31T00:59:59Z')), 3_600_000, 'a second before the change');
  t.equal(berlin.offsetAt(Date.parse('2024-03-31T01:00:00Z')), 7_200_000, 'at the change');
  t.equal(berlin.toLocal(Date.parse('2024-07-15T12:00Z')), Date.parse('2024-07-15T14:00Z'));
  t.equal(berlin.toInstant(Date.parse('2024-03-31T02:30Z')), Date.parse('2024-03-31T01:00Z'), 'gap -> jump');
  t.equal(
    berlin.toInstant(Date.parse('2024-10-27T02:30Z')),
    Date.parse('2024-10-27T00:30Z'),
    'repeat -> first',
  );
  t.equal(berlin.toInstant(Date.parse('2024-10-27T03:30Z')), Date.parse('2024-10-27T02:30Z'));
  // Lord Howe Island changes by 30 minutes: the gap rule is not tied to whole hours.
  const lordHowe = new TimeZone('Australia/Lord_Howe');
  t.equal(lordHowe.toInstant(Date.parse('2024-10-06T02:15Z')), Date.parse('2024-10-05T15:30Z'));
  t.equal(new TimeZone('UTC').toInstant(Date.parse('2024-10-27T02:30Z')), Date.parse('2024-10-27T02:30Z'));
});
