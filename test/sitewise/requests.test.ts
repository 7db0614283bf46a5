import t from 'tap';
import {
  CameraRequests,
  CameraStatus,
  parseNotification,
  parseRequest,
  RequestError,
  type StatusPoint,
} from '../../src/sitewise/index.js';
import { createLogger } from '../../src/log/index.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

t.test('request values: live, milliseconds, seconds, and the rejects', async (t) => {
  const ok: [string, unknown][] = [
    ['live', { kind: 'live' }],
    ['LIVE', { kind: 'live' }],
    [' Live ', { kind: 'live' }],
    ['1763722800000-1763723100000', { kind: 'range', startMs: 1763722800000, endMs: 1763723100000 }],
    ['1763722800-1763723100', { kind: 'range', startMs: 1763722800000, endMs: 1763723100000 }],
    ['1763722800 - 1763723100000', { kind: 'range', startMs: 1763722800000, endMs: 1763723100000 }],
    [`${NOW - 1000}-${NOW + 59_000}`, { kind: 'range', startMs: NOW - 1000, endMs: NOW + 59_000 }],
  ];
  for (const [value, expected] of ok) t.same(parseRequest(value, { now: NOW }), expected, value);

  const bad: [string, RequestError['code']][] = [
    ['', 'REQUEST_MALFORMED'],
    ['livestream', 'REQUEST_MALFORMED'],
    ['1763722800000', 'REQUEST_MALFORMED'],
    ['1763722800000-1763723100000-1', 'REQUEST_MALFORMED'],
    ['-1763722800000-1763723100000', 'REQUEST_MALFORMED'],
    ['abc-def', 'REQUEST_MALFORMED'],
    ['1.5-2.5', 'REQUEST_MALFORMED'],
    ['1763723100000-1763722800000', 'REQUEST_INVALID_RANGE'],
    ['1763722800000-1763722800000', 'REQUEST_INVALID_RANGE'],
    [`${NOW}-${NOW + 61_000}`, 'REQUEST_INVALID_RANGE'],
  ];
  for (const [value, code] of bad) {
    let caught: unknown;
    try {
      parseRequest(value, { now: NOW });
    } catch (err) {
      caught = err;
    }
    t.ok(caught instanceof RequestError, `${JSON.stringify(value)} rejected`);
    t.match(caught, { code, value }, `${JSON.stringify(value)} -> ${code}`);
    t.match((caught as Error).message, JSON.stringify(value), 'the message names the value');
  }
  t.throws(() => parseRequest('1763722800000-1763723100000', { now: NOW, isRecorded: () => false }), {
    code: 'REQUEST_NOT_RECORDED',
  });
  const seen: unknown[] = [];
  parseRequest('1763722800000-1763723100000', { now: NOW, isRecorded: (r) => (seen.push(r), true) });
  t.same(seen, [{ startMs: 1763722800000, endMs: 1763723100000 }], 'the overlap callback sees the range');
});

t.test('notification payloads', async (t) => {
  const payload = {
    type: 'PropertyValueUpdate',
    payload: {
      assetId: 'a1',
      propertyId: 'p1',
      values: [
        {
          timestamp: { timeInSeconds: 1630985925, offsetInNanos: 5 },
          quality: 'GOOD',
          value: { stringValue: 'b' },
        },
        {
          timestamp: { timeInSeconds: 1630985924, offsetInNanos: 0 },
          quality: 'GOOD',
          value: { stringValue: 'live' },
        },
      ],
    },
  };
  const parsed = parseNotification(Buffer.from(JSON.stringify(payload)));
  t.same(parsed, {
    assetId: 'a1',
    propertyId: 'p1',
    values: [
      { text: 'live', timeInSeconds: 1630985924, offsetInNanos: 0 },
      { text: 'b', timeInSeconds: 1630985925, offsetInNanos: 5 },
    ],
  });
  const broken = [
    'not json',
    '[]',
    JSON.stringify({ type: 'Other', payload: payload.payload }),
    JSON.stringify({ type: 'PropertyValueUpdate', payload: { assetId: 'a', propertyId: 'p', values: [] } }),
    JSON.stringify({
      type: 'PropertyValueUpdate',
      payload: { propertyId: 'p', values: payload.payload.values },
    }),
    JSON.stringify({
      type: 'PropertyValueUpdate',
      payload: {
        assetId: 'a',
        propertyId: 'p',
        values: [{ timestamp: { timeInSeconds: 1 }, value: { doubleValue: 1 } }],
      },
    }),
    JSON.stringify({
      type: 'PropertyValueUpdate',
      payload: { assetId: 'a', propertyId: 'p', values: [{ value: { stringValue: 'live' } }] },
    }),
  ];
  for (const text of broken)
    t.throws(() => parseNotification(text), { code: 'NOTIFICATION_MALFORMED' }, text);
});

t.test('per-camera queue: merges overlaps, stays bounded, never throws, wakes a waiter', async (t) => {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', destination: { write: (l: string) => lines.push(l) } });
  let now = NOW;
  let changes = 0;
  const q = new CameraRequests({
    now: () => now,
    maxPending: 3,
    liveKeepAliveMs: 300_000,
    log,
    onChange: () => changes++,
  });
  const r = (a: number, b: number) => `${NOW - 3_600_000 + a * 1000}-${NOW - 3_600_000 + b * 1000}`;
  const base = NOW - 3_600_000;
  q.acceptText(r(100, 200));
  q.acceptText(r(150, 250)); // overlaps
  q.acceptText(r(250, 300)); // touches
  q.acceptText(r(10, 20));
  t.same(q.pending, [
    { startMs: base + 10_000, endMs: base + 20_000 },
    { startMs: base + 100_000, endMs: base + 300_000 },
  ]);
  q.acceptText(r(400, 500));
  q.acceptText(r(600, 700)); // full: refused
  t.equal(q.pending.length, 3);
  t.match(lines.join(''), /3 ranges already pending/);
  q.acceptText(r(5, 450)); // covers everything: merges into one even when full
  t.same(q.pending, [{ startMs: base + 5000, endMs: base + 500_000 }]);

  t.equal(q.acceptText('garbage'), undefined, 'bad values are dropped, not thrown');
  t.match(lines.join(''), /request ignored.*garbage/);
  t.equal(changes, 6, 'onChange after each accepted request only');

  t.notOk(q.liveWanted());
  q.acceptText('live');
  t.ok(q.liveWanted());
  t.equal(q.liveUntil, NOW + 300_000);
  now += 200_000;
  q.acceptText('Live'); // extends
  now += 200_000;
  t.ok(q.liveWanted(), 'kept alive by the latest request');
  now += 100_001;
  t.notOk(q.liveWanted());

  t.same(await q.next(), { startMs: base + 5000, endMs: base + 500_000 });
  const waiting = q.next();
  q.accept({ kind: 'range', startMs: 1, endMs: 2 });
  t.same(await waiting, { startMs: 1, endMs: 2 });
  const controller = new AbortController();
  const aborted = q.next(controller.signal);
  controller.abort(new Error('camera stopped'));
  await t.rejects(aborted, /camera stopped/);
  q.accept({ kind: 'live' });
  q.accept({ kind: 'range', startMs: 3, endMs: 4 });
  q.clear();
  t.same(q.pending, []);
  t.notOk(q.liveWanted());
});

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
