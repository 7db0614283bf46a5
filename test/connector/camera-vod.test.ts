// The VOD triggers of one camera against a recording port (the publish itself runs for real in
// vod.test.ts): a schedule window is published once it has ended, requests are validated like
// VideoUploadRequest, and the status JSON goes to VodAssetStatus.
import t from 'tap';
import { CameraVod, type VodPort } from '../../src/connector/index.js';
import { createLogger } from '../../src/log/index.js';
import type { CameraConfig, RequestValue } from '../../src/sitewise/index.js';
import type { TimeRange } from '../../src/time/index.js';
import { eventually } from '../helpers/poll.js';

const log = createLogger({ level: 'silent' });

function camera(vod: CameraConfig['vod']): CameraConfig {
  return {
    assetId: 'cam-1',
    assetName: 'Dock',
    assetModelId: 'm',
    streamName: 'dock',
    secretArn: 'arn',
    capture: { expression: '-', durationMinutes: 0 },
    live: { expression: '-', durationMinutes: 0 },
    retentionMinutes: 60,
    status: { uploadedRange: 'u', recordedRange: 'r', cachedRange: 'c' },
    requests: { assetId: 'cam-1', propertyId: 'req', notifications: 'DISABLED' },
    vod,
  };
}

function recordingPort() {
  const published: TimeRange[] = [];
  const statuses: string[] = [];
  const port: VodPort = {
    publish: async (_camera, range) => {
      published.push(range);
      return { state: 'PLAYABLE', json: JSON.stringify({ state: 'PLAYABLE', range }) };
    },
    writeStatus: async (_camera, json) => void statuses.push(json),
  };
  return { port, published, statuses };
}

t.test('a recurring window is published once it has ended (and settled)', async (t) => {
  // A clock that starts one second into the 13:59 window of an every-minute schedule, then jumps to
  // just before that window is due for publishing (its end plus the settle time).
  const windowStart = Date.UTC(2026, 10, 21, 13, 59);
  let calls = 0;
  const t0 = Date.now();
  const now = () =>
    calls++ === 0 ? windowStart + 1000 : windowStart + 60_000 + 15_000 - 100 + Date.now() - t0;
  const { port, published, statuses } = recordingPort();
  const vod = new CameraVod(
    camera({
      schedule: { expression: '* * * * ?', durationMinutes: 1 },
      statusPropertyId: 's',
      attributes: {},
    }),
    {
      port,
      log,
      timeZone: 'UTC',
      subscribe: async () => undefined,
      unsubscribe: async () => undefined,
      isRecorded: () => true,
      now,
    },
  );
  t.teardown(() => vod.stop());
  await vod.start();
  await eventually('the window to be published', () => published.length > 0);
  t.same(published[0], { startMs: windowStart, endMs: windowStart + 60_000 });
  await eventually('the status to be written', () => statuses.length > 0);
  t.match(JSON.parse(statuses[0]!), { state: 'PLAYABLE' });
});

t.test('VodIngestRequest values: ranges are queued, "live" and junk are refused', async (t) => {
  const { port, published } = recordingPort();
  let deliver: ((v: RequestValue) => void) | undefined;
  const subscribed: string[] = [];
  const vod = new CameraVod(
    camera({
      request: { assetId: 'cam-1', propertyId: 'vodreq', notifications: 'DISABLED' },
      attributes: {},
    }),
    {
      port,
      log,
      timeZone: undefined,
      subscribe: async (key, _source, onValue) => {
        subscribed.push(key);
        deliver = onValue;
      },
      unsubscribe: async (key) => void subscribed.push(`-${key}`),
      isRecorded: () => true,
    },
  );
  await vod.start();
  t.same(subscribed, ['cam-1#vod']);
  const now = Date.now();
  deliver!({ text: 'live', timeInSeconds: 1, offsetInNanos: 0 });
  deliver!({ text: 'yesterday', timeInSeconds: 2, offsetInNanos: 0 });
  deliver!({ text: `${now - 60_000}-${now - 30_000}`, timeInSeconds: 3, offsetInNanos: 0 });
  await eventually('one clip', () => published.length === 1);
  t.same(published, [{ startMs: now - 60_000, endMs: now - 30_000 }]);
  await vod.stop();
  t.same(subscribed, ['cam-1#vod', '-cam-1#vod']);
});
