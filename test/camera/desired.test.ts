import t from 'tap';
import { constantSchedule, desiredAt, type WindowSchedule } from '../../src/camera/index.js';

// A window [startMs, endMs) for tests: what a cron schedule answers around one window.
function windowAt(startMs: number, endMs: number): WindowSchedule {
  return {
    at: (now) =>
      now < startMs
        ? { active: false, nextChangeMs: startMs }
        : now < endMs
          ? { active: true, nextChangeMs: endMs }
          : { active: false, nextChangeMs: undefined },
  };
}

t.test('live implies recording, and the next change is the nearest edge', async (t) => {
  const plan = { capture: windowAt(1000, 5000), live: windowAt(3000, 4000) };
  t.match(desiredAt(plan, 0, 500), { record: false, live: false, nextChangeMs: 1000 });
  t.match(desiredAt(plan, 0, 2000), {
    record: true,
    live: false,
    nextChangeMs: 3000,
    reasons: ['capture window'],
  });
  t.match(desiredAt(plan, 0, 3500), { record: true, live: true, nextChangeMs: 4000 });
  t.match(desiredAt(plan, 0, 6000), { record: false, live: false, nextChangeMs: undefined });
});

t.test('a live request keeps live (and recording) on until it expires', async (t) => {
  const plan = { capture: constantSchedule(false), live: constantSchedule(false) };
  const d = desiredAt(plan, 10_000, 4000);
  t.equal(d.record, true);
  t.equal(d.live, true);
  t.equal(d.nextChangeMs, 10_000);
  t.match(d.reasons[0], /live request until/);
  t.match(desiredAt(plan, 10_000, 10_000), { live: false, record: false });
});

t.test('always-on schedules never change', async (t) => {
  const d = desiredAt({ capture: constantSchedule(true), live: constantSchedule(false) }, 0, 1);
  t.same(d, { record: true, live: false, reasons: ['capture window'], nextChangeMs: undefined });
});
