import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { GetAssetPropertyValueHistoryCommand, type IoTSiteWiseClient } from '@aws-sdk/client-iotsitewise';
import { createLogger } from '../../src/log/index.js';
import { createSiteWiseClient, discoverCameras, type CameraConfig } from '../../src/sitewise/index.js';
import { provisionCamera, provisionHub } from '../../src/provision/index.js';
import { CameraStatus, StatusOutbox } from '../../src/status/index.js';
import { credentials, localSiteWise } from '../sitewise/cloud.js';
import { eventually } from '../helpers/poll.js';

async function setup(t: Test) {
  const cloud = await localSiteWise(t);
  const hub = await provisionHub(cloud.sitewise, { name: 'hub' });
  await provisionCamera({ sitewise: cloud.sitewise, secrets: cloud.secrets }, hub, {
    name: 'cam',
    streamName: 'cam-stream',
    rtspUrl: 'rtsp://u:pw12345@h/x',
  });
  const found = await discoverCameras({ client: cloud.sitewise, hubAssetId: hub.assetId });
  const camera = found.cameras[0] as CameraConfig;
  const dir = mkdtempSync(path.join(tmpdir(), 'outbox-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (l: string) => lines.push(l) } });
  cloud.batches.length = 0; // provisioning's own writes are not the outbox's
  return { cloud, camera, dir, log, lines };
}

async function history(client: IoTSiteWiseClient, assetId: string, propertyId: string) {
  const out: [number, number | undefined][] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetAssetPropertyValueHistoryCommand({
        assetId,
        propertyId,
        startDate: new Date(Date.now() - 7 * 86_400_000),
        endDate: new Date(Date.now() + 600_000),
        nextToken,
      }),
    );
    for (const v of page.assetPropertyValueHistory ?? []) {
      out.push([
        (v.timestamp?.timeInSeconds ?? 0) * 1000 + (v.timestamp?.offsetInNanos ?? 0) / 1e6,
        v.value?.doubleValue,
      ]);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

const MIN = 60_000;

t.test('ranges reach SiteWise as (start, end seconds) points in batches of at most 10', async (t) => {
  const { cloud, camera, dir, log } = await setup(t);
  const outbox = await StatusOutbox.open({ client: cloud.sitewise, dir, log });
  t.teardown(() => outbox.close());
  const base = Math.floor(Date.now() / MIN) * MIN - 60 * MIN;
  const status = new CameraStatus({
    assetId: camera.assetId,
    status: camera.status,
    sink: (p) => void outbox.put(p),
  });
  // 25 separate recordings (gaps between them) -> 25 points.
  for (let i = 0; i < 25; i++)
    status.recorded({ startMs: base + i * 2 * MIN, endMs: base + i * 2 * MIN + MIN + 500 });
  await outbox.drained(10_000);
  const points = await history(cloud.sitewise, camera.assetId, camera.status.recordedRange);
  t.equal(points.length, 25);
  t.same(
    points[3],
    [base + 6 * MIN, (base + 7 * MIN + 500) / 1000],
    'timestamp = start, value = end in seconds',
  );
  t.ok(
    cloud.batches.every((b) => b.length >= 1 && b.length <= 10),
    `batch sizes ${cloud.batches.map((b) => b.length)}`,
  );
  t.equal(cloud.batches.flat().length, 25, 'each point sent once');
  t.same(outbox.stats, { pending: 0, sent: 25, dropped: 0 });
});

t.test('offline: points wait, coalesce per range, survive a restart, and are sent once', async (t) => {
  const { cloud, camera, dir, log, lines } = await setup(t);
  // A client whose endpoint is down (a port nothing listens on) models the uplink being gone.
  const down = createSiteWiseClient({
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  t.teardown(() => down.destroy());
  const offline = await StatusOutbox.open({ client: down, dir, log, backoff: { baseMs: 20, capMs: 200 } });
  const base = Date.now() - 30 * MIN;
  const status = new CameraStatus({
    assetId: camera.assetId,
    status: camera.status,
    sink: (p) => void offline.put(p),
  });
  // One growing recording: one point, rewritten each minute (while offline only the latest value waits).
  for (let i = 1; i <= 20; i++) status.recorded({ startMs: base + (i - 1) * MIN, endMs: base + i * MIN });
  status.uploaded({ startMs: base, endMs: base + 5 * MIN });
  // Cached video in minute chunks: two minutes from a minute boundary.
  const cacheStart = Math.floor(base / MIN) * MIN - 60 * MIN;
  status.cached([{ startMs: cacheStart, endMs: cacheStart + 2 * MIN }]);
  await eventually('a failed send', () => lines.join('').includes('SiteWise unreachable'), 5000);
  t.equal(offline.size, 4, 'coalesced to one point per range (two cached chunks)');
  await offline.close();
  t.match(readFileSync(path.join(dir, 'sitewise-outbox.jsonl'), 'utf8'), /"put"/, 'journal on disk');

  // Restart on the same folder with the uplink back.
  const online = await StatusOutbox.open({ client: cloud.sitewise, dir, log });
  t.teardown(() => online.close());
  t.equal(online.size, 4, 'resumed from the journal');
  await online.drained(10_000);
  t.same(await history(cloud.sitewise, camera.assetId, camera.status.recordedRange), [
    [base, (base + 20 * MIN) / 1000],
  ]);
  t.same(await history(cloud.sitewise, camera.assetId, camera.status.uploadedRange), [
    [base, (base + 5 * MIN) / 1000],
  ]);
  t.same(await history(cloud.sitewise, camera.assetId, camera.status.cachedRange), [
    [cacheStart, (cacheStart + MIN) / 1000],
    [cacheStart + MIN, (cacheStart + 2 * MIN) / 1000],
  ]);
  t.equal(cloud.batches.flat().length, 4, 'four values on the wire, each once');
  await online.close();

  // A third start has nothing left to send.
  const again = await StatusOutbox.open({ client: cloud.sitewise, dir, log });
  t.equal(again.size, 0);
  await again.close();
  t.equal(cloud.batches.flat().length, 4, 'nothing sent twice after restarts');
});

t.test('service errors back off and retry; per-entry refusals are dropped, the rest delivered', async (t) => {
  const { cloud, camera, dir, log, lines } = await setup(t);
  const outbox = await StatusOutbox.open({
    client: cloud.sitewise,
    dir,
    log,
    backoff: { baseMs: 10, capMs: 50 },
  });
  t.teardown(() => outbox.close());
  cloud.service.faults.fail('BatchPutAssetPropertyValue', {
    code: 'ServiceUnavailableException',
    status: 503,
    times: 3,
  });
  const now = Date.now();
  await outbox.put([
    {
      assetId: camera.assetId,
      propertyId: camera.status.uploadedRange,
      startMs: now - 10 * MIN,
      endMs: now - 9 * MIN,
    },
    // Unknown property: SiteWise refuses this entry only.
    {
      assetId: camera.assetId,
      propertyId: 'no-such-property',
      startMs: now - 10 * MIN,
      endMs: now - 9 * MIN,
    },
    // Lies beyond SiteWise's future limit: held, never sent.
    {
      assetId: camera.assetId,
      propertyId: camera.status.uploadedRange,
      startMs: now + 60 * MIN,
      endMs: now + 61 * MIN,
    },
    // Ended more than 7 days ago: dropped before sending.
    {
      assetId: camera.assetId,
      propertyId: camera.status.uploadedRange,
      startMs: now - 9 * 86_400_000,
      endMs: now - 8 * 86_400_000,
    },
    // Began 8 days ago, still going: published from the edge of the 7-day window.
    {
      assetId: camera.assetId,
      propertyId: camera.status.recordedRange,
      startMs: now - 8 * 86_400_000,
      endMs: now - MIN,
    },
  ]);
  await eventually('only the future point left', () => outbox.size === 1, 10_000);
  t.same(
    cloud.batches.map((b) => b.length),
    [3, 3, 3, 3],
    'three failed calls, then one that went through; the held and the too-old points never on the wire',
  );
  t.same(await history(cloud.sitewise, camera.assetId, camera.status.uploadedRange), [
    [now - 10 * MIN, (now - 9 * MIN) / 1000],
  ]);
  const recorded = await history(cloud.sitewise, camera.assetId, camera.status.recordedRange);
  t.equal(recorded.length, 1);
  t.ok(
    recorded[0]![0] > now - 7 * 86_400_000 && recorded[0]![0] < now - 6 * 86_400_000,
    'start clamped into the window',
  );
  const log_ = lines.join('');
  t.match(log_, /SiteWise refused a status point; dropped/);
  t.match(log_, /older than SiteWise accepts/);
  t.match(log_, /lies in the future/);
  t.equal(log_.match(/SiteWise unreachable/g)?.length, 1, 'the outage is logged once');
  t.same(outbox.stats, { pending: 1, sent: 2, dropped: 2 });
});

t.test('a request-level refusal isolates the bad entry', async (t) => {
  const { cloud, camera, dir, log } = await setup(t);
  const outbox = await StatusOutbox.open({
    client: cloud.sitewise,
    dir,
    log,
    backoff: { baseMs: 10, capMs: 50 },
  });
  t.teardown(() => outbox.close());
  cloud.service.faults.fail('BatchPutAssetPropertyValue', { code: 'InvalidRequestException', times: 2 });
  const now = Date.now();
  await outbox.put(
    [1, 2, 3].map((i) => ({
      assetId: camera.assetId,
      propertyId: camera.status.cachedRange,
      startMs: now - i * 10 * MIN,
      endMs: now - i * 10 * MIN + MIN,
    })),
  );
  await outbox.drained(10_000);
  t.same(
    cloud.batches.map((b) => b.length),
    [3, 1, 1, 1],
    'whole batch refused, then one by one',
  );
  t.equal(
    (await history(cloud.sitewise, camera.assetId, camera.status.cachedRange)).length,
    2,
    'one entry dropped',
  );
});

t.test('bounded: the oldest points go first when full; a torn journal line is skipped', async (t) => {
  const { camera, dir, log, lines } = await setup(t);
  const down = createSiteWiseClient({
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  t.teardown(() => down.destroy());
  const outbox = await StatusOutbox.open({
    client: down,
    dir,
    log,
    maxEntries: 5,
    backoff: { baseMs: 1000, capMs: 1000 },
  });
  const now = Date.now();
  for (let i = 0; i < 8; i++) {
    await outbox.put({
      assetId: camera.assetId,
      propertyId: camera.status.cachedRange,
      startMs: now - (10 - i) * MIN,
      endMs: now - (9 - i) * MIN,
    });
  }
  t.equal(outbox.size, 5);
  t.same(outbox.stats.dropped, 3);
  t.match(lines.join(''), /status outbox full: dropped the oldest points/);
  await outbox.close();
  appendFileSync(path.join(dir, 'sitewise-outbox.jsonl'), '{"put":[99,"a","p",1');
  const reopened = await StatusOutbox.open({ client: down, dir, log });
  t.equal(reopened.size, 5, 'the five newest survive');
  t.match(lines.join(''), /torn write/);
  await reopened.close();
  await t.rejects(reopened.put({ assetId: 'a', propertyId: 'p', startMs: 1, endMs: 2 }), /closed/);
});
