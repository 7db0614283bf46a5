// Status points as the TwinMaker player reads them: one point per range, rewritten while it grows,
// re-anchored before SiteWise's 7-day window would refuse its start.
import t from 'tap';
import { CameraStatus, type StatusPoint } from '../../src/status/index.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

t.test('status points as the player reads them', async (t) => {
  let now = NOW;
  const points: StatusPoint[] = [];
  const status = new CameraStatus({
    assetId: 'cam',
    status: { recordedRange: 'rec', uploadedRange: 'up', cachedRange: 'cache' },
    sink: (p) => points.push(p),
    now: () => now,
  });
  const m = 60_000;
  status.recorded({ startMs: NOW - 10 * m, endMs: NOW - 9 * m });
  status.recorded({ startMs: NOW - 9 * m + 40, endMs: NOW - 8 * m }); // frame-sized gap: same range
  status.recorded({ startMs: NOW - 8 * m + 500, endMs: NOW - 8 * m + 100 }); // inside: nothing new
  status.recorded({ startMs: NOW - 5 * m, endMs: NOW - 4 * m }); // a gap: new point
  t.same(
    points.map((p) => [p.propertyId, p.startMs, p.endMs]),
    [
      ['rec', NOW - 10 * m, NOW - 9 * m],
      ['rec', NOW - 10 * m, NOW - 8 * m],
      ['rec', NOW - 5 * m, NOW - 4 * m],
    ],
  );
  points.length = 0;
  // Live uploads extend one point while a historical upload makes its own.
  status.uploaded({ startMs: NOW - 2 * m, endMs: NOW - m });
  status.uploaded({ startMs: NOW - 60 * m, endMs: NOW - 50 * m });
  status.uploaded({ startMs: NOW - m, endMs: NOW });
  t.same(
    points.map((p) => [p.propertyId, p.startMs, p.endMs]),
    [
      ['up', NOW - 2 * m, NOW - m],
      ['up', NOW - 60 * m, NOW - 50 * m],
      ['up', NOW - 2 * m, NOW],
    ],
  );
  points.length = 0;
  // Six days later the running point is continued by a new one, so SiteWise never sees a stale start.
  const day = 24 * 60 * m;
  status.recorded({ startMs: NOW - 10 * m, endMs: NOW + 6 * day });
  now = NOW + 6 * day + 10 * m;
  status.recorded({ startMs: NOW + 6 * day, endMs: now });
  t.same(
    points.map((p) => [p.startMs, p.endMs]),
    [
      [NOW - 10 * m, NOW + 6 * day],
      [NOW + 6 * day, now],
    ],
  );
  points.length = 0;
  status.recorded({ startMs: now - 7 * day, endMs: now - 6 * day - m }); // entirely too old
  t.same(points, []);

  // Cached: one point per contiguous range, only when it changed, clamped into the window.
  now = NOW;
  status.cached([
    { startMs: NOW - 60 * m, endMs: NOW - 30 * m },
    { startMs: NOW - 30 * m + 100, endMs: NOW - 10 * m },
    { startMs: NOW - 5 * m, endMs: NOW },
  ]);
  status.cached([
    { startMs: NOW - 60 * m, endMs: NOW - 10 * m },
    { startMs: NOW - 5 * m, endMs: NOW },
  ]);
  status.cached([
    { startMs: NOW - 50 * m, endMs: NOW - 10 * m },
    { startMs: NOW - 5 * m, endMs: NOW + m },
    { startMs: NOW - 8 * day, endMs: NOW - 7 * day },
  ]);
  t.same(
    points.map((p) => [p.propertyId, p.startMs, p.endMs]),
    [
      ['cache', NOW - 60 * m, NOW - 10 * m],
      ['cache', NOW - 5 * m, NOW],
      ['cache', NOW - 50 * m, NOW - 10 * m],
      ['cache', NOW - 5 * m, NOW + m],
    ],
  );
  points.length = 0;
  status.cached([{ startMs: NOW - 6 * day - 3 * 60 * m, endMs: NOW }]);
  t.equal(points.length, 1);
  t.ok(
    points[0]!.startMs >= NOW - 6 * day && points[0]!.startMs < NOW - 6 * day + 60 * m,
    'clamped to the hour',
  );
});

t.test('recording reports the cached ranges once per 10 s of video, not per fragment', async (t) => {
  const points: StatusPoint[] = [];
  const status = new CameraStatus({
    assetId: 'cam',
    status: { recordedRange: 'rec', uploadedRange: 'up', cachedRange: 'cache' },
    sink: (p) => points.push(p),
    now: () => NOW,
  });
  let reads = 0;
  const start = NOW - 60_000;
  for (let s = 0; s < 25; s++) {
    status.recordedFragment({ startMs: start + s * 1000, endMs: start + (s + 1) * 1000 }, () => {
      reads++;
      return [{ startMs: start, endMs: start + (s + 1) * 1000 }];
    });
  }
  t.equal(reads, 3, 'the store was asked at 1 s, 11 s and 21 s of video');
  t.same(
    points.filter((p) => p.propertyId === 'cache').map((p) => p.endMs - start),
    [1000, 11_000, 21_000],
  );
  t.equal(
    points.filter((p) => p.propertyId === 'rec').length,
    25,
    'every fragment extends the recorded range',
  );
});
