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

  // Cached: minute chunks on minute boundaries (timestamp = chunk start, value = chunk end), written when
  // they changed; a chunk whose video is gone is retracted by rewriting its point as an empty range.
  now = NOW;
  const M0 = Math.floor(NOW / m) * m; // NOW sits inside minute M0
  const pairs = () => points.map((p) => [p.propertyId, p.startMs - M0, p.endMs - M0]);
  status.cached([
    { startMs: M0 - 3 * m + 30_000, endMs: M0 - 2 * m },
    { startMs: M0 - 2 * m + 100, endMs: M0 - m }, // a segment-boundary gap: the same range
    { startMs: M0 - 10 * m, endMs: M0 - 9 * m - 20_000 },
  ]);
  t.same(pairs(), [
    ['cache', -10 * m, -9 * m - 20_000],
    ['cache', -3 * m + 30_000, -2 * m],
    ['cache', -2 * m, -m],
  ]);
  points.length = 0;
  status.cached([
    { startMs: M0 - 3 * m + 30_000, endMs: M0 - m + 15_000 }, // grew into the next minute
    { startMs: M0 - 10 * m, endMs: M0 - 9 * m - 20_000 },
  ]);
  t.same(pairs(), [['cache', -m, -m + 15_000]], 'only the new chunk is written');
  points.length = 0;
  // Retention deleted the oldest recording and the first half of the next range.
  status.cached([{ startMs: M0 - 2 * m + 10_000, endMs: M0 - m + 15_000 }]);
  t.same(
    pairs(),
    [
      ['cache', -10 * m, -10 * m],
      ['cache', -3 * m + 30_000, -3 * m + 30_000],
      ['cache', -2 * m, -2 * m],
      ['cache', -2 * m + 10_000, -m],
    ],
    'deleted chunks are retracted as empty ranges, the cut one starts where its video starts',
  );
  points.length = 0;
  status.cached([{ startMs: NOW - 8 * day, endMs: NOW - 7 * day }]);
  t.same(
    pairs().filter((p) => (p[2] as number) > (p[1] as number)),
    [],
    'nothing older than the window is written',
  );
  points.length = 0;
  status.cached([{ startMs: NOW - 6 * day - 3 * 60 * m, endMs: NOW - 6 * day + 60 * m }]);
  t.ok(
    points.length > 0 && points.every((p) => p.startMs >= NOW - 6 * day && p.endMs - p.startMs <= m),
    'clamped into the window and chunked by the minute',
  );
});
