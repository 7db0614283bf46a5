// Desired state from the schedule, window edges, durations as the reference checked them, and the
// cancellable timers that wait for the next change.
import t from 'tap';
import {
  windowAt,
  parseSchedule,
  ScheduleError,
  waitUntil,
  MAX_TIMEOUT_MS,
  type Timers,
} from '../../src/schedule/index.js';

const utc = (expression: string) => parseSchedule(expression, { timeZone: 'UTC' });
const at = (iso: string) => new Date(iso);

t.test('window edges: start inclusive, end exclusive', async (t) => {
  const daily = utc('0 8 * * ?');
  t.same(windowAt(daily, 60, at('2024-05-01T07:59:59.999Z')), {
    active: false,
    nextChange: at('2024-05-01T08:00Z'),
  });
  t.same(windowAt(daily, 60, at('2024-05-01T08:00Z')), {
    active: true,
    windowStart: at('2024-05-01T08:00Z'),
    windowEnd: at('2024-05-01T09:00Z'),
    nextChange: at('2024-05-01T09:00Z'),
  });
  t.equal(windowAt(daily, 60, at('2024-05-01T08:59:59.999Z')).active, true);
  t.same(windowAt(daily, 60, at('2024-05-01T09:00Z')), {
    active: false,
    nextChange: at('2024-05-02T08:00Z'),
  });
});

t.test('a restart inside a window resumes it (the reference lost it)', async (t) => {
  const state = windowAt(utc('0 8 * * ?'), 60, at('2024-05-01T08:37:12Z'));
  t.equal(state.active, true);
  t.same(state.windowStart, at('2024-05-01T08:00Z'));
  t.same(state.nextChange, at('2024-05-01T09:00Z'));
  const berlin = parseSchedule('0 8 * * ?', { timeZone: 'Europe/Berlin' });
  t.equal(windowAt(berlin, 60, at('2024-06-01T06:30Z')).active, true, '08:30 CEST');
  t.equal(windowAt(berlin, 60, at('2024-06-01T07:30Z')).active, false, '09:30 CEST');
});

t.test('touching windows are one window', async (t) => {
  const state = windowAt(utc('0,30 8 * * ?'), 30, at('2024-05-01T08:45Z'));
  t.same(state, {
    active: true,
    windowStart: at('2024-05-01T08:00Z'),
    windowEnd: at('2024-05-01T09:00Z'),
    nextChange: at('2024-05-01T09:00Z'),
  });
  // Every 30 minutes for 30 minutes never ends: the state says "ask again later" instead of an end.
  const endless = windowAt(utc('*/30 * * * ?'), 30, at('2024-05-01T08:45Z'));
  t.equal(endless.active, true);
  t.equal(endless.windowEnd, undefined);
  t.ok(endless.nextChange && endless.nextChange > at('2024-05-02T08:45Z'), 'looks ahead at least a day');
});

t.test('never, always, and a schedule that has run out', async (t) => {
  t.same(windowAt(parseSchedule('-'), 0, new Date()), { active: false });
  t.same(windowAt(parseSchedule('* * * * *'), 0, new Date()), { active: true });
  t.same(windowAt(utc('0 12 1 6 ? 2024'), 60, at('2024-06-01T13:00Z')), { active: false });
  t.equal(windowAt(utc('0 12 1 6 ? 2024'), 60, at('2024-06-01T12:59Z')).active, true);
});

t.test('durations: checked the way the reference did, plus the holes it left', async (t) => {
  const now = at('2024-05-01T00:00Z');
  const check = (expression: string, minutes: number) => {
    try {
      utc(expression).checkDuration(minutes, now);
      return 'ok';
    } catch (error) {
      return `${(error as ScheduleError).code}: ${(error as Error).message}`;
    }
  };
  t.equal(check('0 8,9 * * ?', 60), 'ok', 'equal to the gap is allowed');
  t.equal(
    check('0 8,9 * * ?', 61),
    'DURATION_TOO_LONG: duration 61 minutes is longer than the 60 minutes between two starts of "0 8,9 * * ?"',
  );
  t.equal(check('*/30 * * * ?', 30), 'ok');
  t.equal(check('*/30 * * * ?', 31).split(':')[0], 'DURATION_TOO_LONG');
  t.equal(check('0 * * * ? *', 600).split(':')[0], 'DURATION_TOO_LONG', "the reference's own overlap test");
  // Only the first gap after 1970-01-01 (a Thursday) counts, as in the reference: Fri -> Mon is 3 days,
  // so 2000 minutes passes although Mon -> Tue is only one day. Such windows merge.
  t.equal(check('0 8 ? * MON,TUE,FRI', 2000), 'ok');
  t.equal(check('0 8 ? * MON,TUE', 2000).split(':')[0], 'DURATION_TOO_LONG');
  t.equal(
    check('0 8 * * ?', 0),
    'DURATION_INVALID: duration 0 for "0 8 * * ?" must be a whole number of minutes, at least 1',
  );
  t.equal(check('0 8 * * ?', 1.5).split(':')[0], 'DURATION_INVALID');
  t.equal(check('0 8 * * ?', -5).split(':')[0], 'DURATION_INVALID');
  t.equal(check('0 12 1 6 ? 2025', 100000), 'ok', 'a one-shot start has no gap to exceed');
  t.equal(check('0 0 1 1 ? 1970', 5).split(':')[0], 'SCHEDULE_EXPIRED', 'its only start is the epoch itself');
  t.equal(
    check('0 12 1 1 ? 2020', 60),
    'SCHEDULE_EXPIRED: cron "0 12 1 1 ? 2020" has no window after 2024-05-01T00:00:00.000Z: all its start times are in the past',
  );
  utc('0 12 1 5 ? 2024').checkDuration(60, at('2024-05-01T12:30Z'));
  t.pass('a one-shot window still open is not expired');
  parseSchedule('-').checkDuration(-1, now);
  parseSchedule('* * * * *').checkDuration(0, now);
  t.pass('never and always ignore the duration, as the reference did');
});

/** Timers that jump a fake clock instead of waiting, recording every requested delay. */
function fakeClock(start: number) {
  const clock = { now: start, delays: [] as number[], cleared: 0 };
  const timers: Timers = {
    setTimeout(callback, ms) {
      clock.delays.push(ms);
      return setImmediate(() => {
        clock.now += ms;
        callback();
      });
    },
    clearTimeout(handle) {
      clock.cleared += 1;
      clearImmediate(handle as NodeJS.Immediate);
    },
  };
  return { clock, timers, now: () => clock.now };
}

t.test('waitUntil splits long waits below the setTimeout limit', async (t) => {
  const { clock, timers, now } = fakeClock(0);
  const target = new Date(3 * MAX_TIMEOUT_MS + 5000);
  await waitUntil(target, { timers, now, maxHopMs: Infinity });
  t.same(clock.delays, [MAX_TIMEOUT_MS, MAX_TIMEOUT_MS, MAX_TIMEOUT_MS, 5000]);
  t.equal(clock.now, target.getTime());

  const hourly = fakeClock(0);
  await waitUntil(new Date(150_000), { timers: hourly.timers, now: hourly.now });
  t.same(hourly.clock.delays, [60_000, 60_000, 30_000], 'by default the wall clock is re-read every minute');

  const past = fakeClock(10_000);
  await waitUntil(new Date(5_000), { timers: past.timers, now: past.now });
  t.same(past.clock.delays, [], 'a time already passed resolves without a timer');
});

t.test('waitUntil is cancelled by its signal', async (t) => {
  const { clock, now } = fakeClock(0);
  const controller = new AbortController();
  const reason = new Error('camera removed');
  const timersThatStall: Timers = {
    setTimeout: () => 'pending',
    clearTimeout: (handle) => {
      if (handle === 'pending') clock.cleared += 1;
    },
  };
  const waiting = waitUntil(new Date(10 * MAX_TIMEOUT_MS), {
    timers: timersThatStall,
    now,
    signal: controller.signal,
  });
  controller.abort(reason);
  await t.rejects(waiting, reason);
  t.equal(clock.cleared, 1, 'the pending timer is cleared');
  await t.rejects(waitUntil(new Date(1e15), { signal: controller.signal }), reason, 'already aborted');
  const real = Date.now();
  await waitUntil(new Date(real + 20));
  t.ok(Date.now() >= real + 20, 'real timers by default');
});
