import t from 'tap';
import { parseNotification, parseRequest, RequestError } from '../../src/sitewise/index.js';

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
  t.same(
    parseRequest(`${NOW}-${NOW + 3600_000}`, { now: NOW, allowFutureEnd: true }),
    { kind: 'range', startMs: NOW, endMs: NOW + 3600_000 },
    'an end an hour ahead is accepted where the caller bounds it',
  );
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
