// The upload intent across a restart: a request whose end is still ahead is told apart from live
// intents (marked a little ahead of their fragments) and from requests that have ended, so the next
// start re-opens only it; an intent file of the previous version, without that list, still loads.
import t from 'tap';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { openStore } from '../../src/store/index.js';
import { ManualClock } from './fixtures.js';

const log = pino({ level: 'silent' });
const T0 = 1_700_000_000_000;
const CAM = 'cam-0001';

t.test(
  'after a restart only a request whose end is still ahead is open; live and ended requests are not',
  async (t) => {
    const root = t.testdir();
    const clock = new ManualClock(T0);
    const a = await openStore(root, { log, clock });
    a.intend(CAM, { startMs: T0 - 60_000, endMs: T0 - 30_000 }, 'request');
    a.intend(CAM, { startMs: T0 - 20_000, endMs: T0 + 30_000 }, 'request');
    // A live fragment ending now: its intent reaches 5 s ahead, yet it is no request.
    a.intend(CAM, { startMs: T0 - 1000, endMs: T0 }, 'live');
    t.same(a.openRequests(CAM), [{ startMs: T0 - 20_000, endMs: T0 + 30_000 }]);
    await a.close();

    const saved = JSON.parse(await fsp.readFile(path.join(root, CAM, '.upload-intent.json'), 'utf8')) as {
      version: number;
      ranges: number[][];
    };
    t.equal(saved.version, 1, 'still the format an older version reads');
    t.same(
      saved.ranges,
      [
        [T0 - 60_000, T0 - 30_000],
        [T0 - 20_000, T0 + 30_000],
      ],
      'every intended range is in the list an older version reads',
    );

    clock.time = T0 + 10_000;
    const b = await openStore(root, { log, clock });
    t.teardown(() => b.close());
    t.same(b.openRequests(CAM), [{ startMs: T0 - 20_000, endMs: T0 + 30_000 }], 'the request is open again');
    clock.time = T0 + 30_000;
    t.same(b.openRequests(CAM), [], 'not once its end has come');
  },
);

t.test('an intent file of the previous version still owes its ranges and re-opens nothing', async (t) => {
  const root = t.testdir({
    [CAM]: {
      '.upload-intent.json': JSON.stringify({
        version: 1,
        cameraId: CAM,
        ranges: [[T0 - 20_000, T0 + 30_000]],
      }),
    },
  });
  const store = await openStore(root, { log, clock: new ManualClock(T0) });
  t.teardown(() => store.close());
  t.same(store.intent.persisted(CAM), [{ startMs: T0 - 20_000, endMs: T0 + 30_000 }], 'still intended');
  t.same(store.openRequests(CAM), [], 'it cannot tell a request from live, so nothing is re-opened');
});
