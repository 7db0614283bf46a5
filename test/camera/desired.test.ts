import t from 'tap';
import { constantSchedule, desiredAt, RangeQueue, type WindowSchedule } from '../../src/camera/index.js';

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

t.test('the range queue merges overlaps, keeps order and stays bounded', async (t) => {
  const q = new RangeQueue(2);
  t.ok(q.add({ startMs: 100, endMs: 200 }));
  t.ok(q.add({ startMs: 10, endMs: 20 }));
  t.ok(q.add({ startMs: 150, endMs: 300 }), 'merges into the first');
  t.equal(q.size, 2);
  t.notOk(q.add({ startMs: 500, endMs: 600 }), 'full');
  t.ok(q.add({ startMs: 20, endMs: 100 }), 'a bridge merges everything into one');
  t.same(q.shift(), { startMs: 10, endMs: 300 });
  t.equal(q.shift(), undefined);
});
