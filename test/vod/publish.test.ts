// Publishing real recordings (H.264/H.265, with AAC, without audio, with G.711 dropped) to the local
// S3 and MediaPackage VOD with the real SDK clients; ffprobe reads the result over HTTP.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { runCli } from '../../src/cli/program.js';
import {
  createVodClients,
  publishClip,
  setupPackagingGroup,
  statusMeasurementValue,
  vodSettingsFor,
  type VodOverview,
  type VodStatus,
} from '../../src/vod/index.js';
import { openStore, quietLog, recordAll, startCloud, tempDir } from './fixtures.js';

const run = promisify(execFile);

const root = await tempDir(t, 'rec');
const recordings = await recordAll(t, root);
const cloud = await startCloud(t);
await cloud.clients.s3.send(new CreateBucketCommand({ Bucket: 'clips' }));
await setupPackagingGroup(cloud.clients.mediapackage, { groupId: 'edge' });
const log = quietLog();
const store = await openStore(root, { log });
t.teardown(() => store.close());
const settings = vodSettingsFor(
  { S3Bucket: 'clips', S3Prefix: 'vod', PackagingGroupId: 'edge', SourceRoleArn: 'arn:aws:iam::1:role/mp' },
  { VodSegmentDurationSeconds: '2' },
);
const deps = { store, s3: cloud.clients.s3, mediapackage: cloud.clients.mediapackage, log, thingName: 'gw1' };
const fast = { initialDelayMs: 20, maxDelayMs: 100, deadlineMs: 10_000 };

async function probe(url: string) {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', url],
    { maxBuffer: 8 << 20 },
  );
  return JSON.parse(stdout) as {
    streams: { codec_name: string; codec_type: string; width?: number }[];
    format: { duration?: string };
  };
}

for (const [name, expect] of [
  ['h264aac', { video: 'h264', audio: 'aac', codecs: /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/ }],
  ['h265aac', { video: 'hevc', audio: 'aac', codecs: /^hvc1\.[^,]+,mp4a\.40\.2$/ }],
  ['h264', { video: 'h264', audio: undefined, codecs: /^avc1\.[0-9a-f]{6}$/ }],
  ['h264pcma', { video: 'h264', audio: undefined, codecs: /^avc1\.[0-9a-f]{6}$/ }],
] as const) {
  t.test(`publish ${name}`, async (t) => {
    const rec = recordings[name];
    // A clip inside the recording, not touching its ends.
    const startMs = rec.startMs + 500;
    const endMs = rec.endMs - 500;
    const status: VodStatus = await publishClip(deps, {
      cameraId: rec.cameraId,
      startMs,
      endMs,
      settings,
      poll: fast,
    });
    t.equal(status.state, 'PLAYABLE', JSON.stringify(status.error));
    t.same(Object.keys(status.egress).sort(), ['edge_cmaf', 'edge_dash', 'edge_hls']);
    t.ok(Object.values(status.egress).every((e) => e.status === 'PLAYABLE'));
    if (name === 'h264pcma') t.match(status.notes.join(' '), /G\.711 audio dropped/);
    else t.same(status.notes, []);
    const prefix = `vod/gw1/${rec.cameraId}/`;
    const keys = cloud.s3.listKeys('clips', prefix);
    t.ok(
      keys.some((k) => k.endsWith('/index.m3u8') && !k.includes('/v/')),
      'parent playlist uploaded',
    );
    const parentKey = keys.find((k) => /\/[^/]+\/index\.m3u8$/.test(k) && !k.includes('/v/'))!;
    t.equal(status.source, `s3://clips/${parentKey}`);
    const parent = await (
      await cloud.clients.s3.send(new GetObjectCommand({ Bucket: 'clips', Key: parentKey }))
    ).Body!.transformToString();
    const codecs = /CODECS="([^"]+)"/.exec(parent)?.[1] ?? '';
    t.match(codecs, expect.codecs);
    t.match(parent, /RESOLUTION=320x240/);
    t.match(parent, /AVERAGE-BANDWIDTH=\d+/);
    const media = cloud.s3
      .getObject('clips', parentKey.replace('index.m3u8', 'v/index.m3u8'))!
      .body.toString();
    t.match(media, /#EXT-X-PLAYLIST-TYPE:VOD/);
    t.match(media, /#EXT-X-ENDLIST/);
    const durations = [...media.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
    const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(media)?.[1]);
    t.equal(
      target,
      Math.ceil(Math.max(...durations) - 1e-6),
      'TARGETDURATION is the ceiling of the longest segment',
    );
    const total = durations.reduce((a, b) => a + b, 0);
    // Whole fragments around the request: within one GOP (1 s) of the clip on each side.
    t.ok(
      Math.abs(total - status.clip!.durationS) <= 1.1,
      `segments ${total} s vs clip ${status.clip!.durationS} s`,
    );
    t.ok(
      total >= (endMs - startMs) / 1000 - 0.2 && total <= (endMs - startMs) / 1000 + 2.2,
      `segments ${total} s cover the request`,
    );
    // ffprobe reads the parent playlist over plain HTTP from the local S3 endpoint.
    const url = `${cloud.s3.endpoint}/clips/${parentKey}`;
    const p = await probe(url);
    t.equal(p.streams.find((s) => s.codec_type === 'video')?.codec_name, expect.video);
    t.equal(p.streams.find((s) => s.codec_type === 'audio')?.codec_name, expect.audio);
    t.ok(
      Math.abs(Number(p.format.duration) - total) < 0.6,
      `ffprobe duration ${p.format.duration} vs ${total}`,
    );
    // Every segment decodes on its own.
    for (const k of keys.filter((k) => k.endsWith('.ts'))) {
      await run('ffmpeg', [
        '-v',
        'error',
        '-xerror',
        '-i',
        `${cloud.s3.endpoint}/clips/${k}`,
        '-f',
        'null',
        '-',
      ]);
    }
    t.equal(status.upload?.skipped, 0);
    t.equal(status.upload?.uploaded, status.upload!.segments + 2);
  });
}

// Forwards to the local S3, but answers PUTs after the first `allowed` with 403 AccessDenied: a
// publish cut off mid-upload by a permissions problem.
async function deniedAfter(t: Test, allowed: number): Promise<{ endpoint: string; puts: () => number }> {
  let puts = 0;
  const target = new URL(cloud.s3.endpoint);
  const server = http.createServer((req, res) => {
    if (req.method === 'PUT' && ++puts > allowed) {
      req.resume();
      res.writeHead(403, { 'content-type': 'application/xml' });
      return void res.end(
        '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      );
    }
    const up = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 500, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, puts: () => puts };
}

t.test(
  'a publish cut off by AccessDenied creates nothing; the retry resumes and skips what is there',
  async (t) => {
    const rec = recordings.h264aac;
    const startMs = rec.startMs + 1000;
    const endMs = rec.endMs - 1000;
    const proxy = await deniedAfter(t, 2);
    const clients = createVodClients({
      env: { ...cloud.env, AWS_ENDPOINT_URL_S3: proxy.endpoint },
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    t.teardown(() => clients.destroy());
    const cut = await publishClip(
      { ...deps, s3: clients.s3 },
      {
        cameraId: rec.cameraId,
        startMs,
        endMs,
        settings: { ...settings, prefix: 'resume' },
        poll: fast,
        upload: { concurrency: 1 },
      },
    );
    t.equal(cut.state, 'ERROR');
    t.equal(cut.error?.code, 'access-denied');
    t.match(cut.error?.message, /s3:PutObject/);
    const keys = cloud.s3.listKeys('clips', 'resume/');
    t.equal(keys.filter((k) => k.endsWith('.ts')).length, 2, 'two segments got through');
    t.notOk(
      keys.some((k) => k.endsWith('.m3u8')),
      'no playlist uploaded',
    );
    t.equal(cloud.mp.egressStatus(cut.assetId), undefined, 'no asset created');
    const retry = await publishClip(deps, {
      cameraId: rec.cameraId,
      startMs,
      endMs,
      settings: { ...settings, prefix: 'resume' },
      poll: fast,
    });
    t.equal(retry.state, 'PLAYABLE');
    t.equal(retry.upload?.skipped, 2, 'the two segments already there are skipped');
    t.equal(retry.upload?.uploaded, retry.upload!.segments + 2 - 2);
    t.equal(retry.assetId, cut.assetId);

    // Same clip again: nothing uploaded, the existing asset is success.
    const again = await publishClip(deps, {
      cameraId: rec.cameraId,
      startMs,
      endMs,
      settings: { ...settings, prefix: 'resume' },
      poll: fast,
    });
    t.equal(again.state, 'PLAYABLE');
    t.equal(again.upload?.uploaded, 0);
    t.match(again.notes.join(' '), /already existed/);
    // The same asset id with another source is a conflict, not a silent success.
    const other = await publishClip(deps, {
      cameraId: rec.cameraId,
      startMs,
      endMs,
      settings: { ...settings, prefix: 'elsewhere' },
      poll: fast,
    });
    t.equal(other.state, 'ERROR');
    t.equal(other.error?.code, 'asset-conflict');
  },
);

t.test('an ingest that ends FAILED is reported as such', async (t) => {
  const rec = recordings.h264;
  cloud.mp.queuedMs = 1000;
  t.teardown(() => void (cloud.mp.queuedMs = 20));
  let deleting: Promise<unknown> | undefined;
  const status = await publishClip(deps, {
    cameraId: rec.cameraId,
    startMs: rec.startMs,
    endMs: rec.startMs + 3000,
    settings: { ...settings, prefix: 'failing' },
    poll: fast,
    onProgress: (s) => {
      // The source vanishes after CreateAsset, before MediaPackage reads it.
      if (s.state === 'INGESTING')
        deleting = cloud.clients.s3.send(
          new DeleteObjectCommand({ Bucket: 'clips', Key: s.source!.slice('s3://clips/'.length) }),
        );
    },
  });
  await deleting;
  t.equal(status.state, 'INGEST_FAILED');
  t.equal(status.error?.code, 'ingest-failed');
  t.ok(Object.values(status.egress).every((e) => e.status === 'FAILED'));
  t.match(statusMeasurementValue(status), /"state":"INGEST_FAILED"/);
});

t.test('bad input gives a clear status', async (t) => {
  const rec = recordings.h264;
  const none = await publishClip(deps, {
    cameraId: rec.cameraId,
    startMs: rec.endMs + 60_000,
    endMs: rec.endMs + 120_000,
    settings,
    poll: fast,
  });
  t.equal(none.error?.code, 'no-recording');
  t.match(none.error?.message, /no recording between/);
  const bucket = await publishClip(deps, {
    cameraId: rec.cameraId,
    startMs: rec.startMs,
    endMs: rec.endMs,
    settings: { ...settings, bucket: 'nope' },
    poll: fast,
  });
  t.equal(bucket.error?.code, 'bucket-missing');
  const group = await publishClip(deps, {
    cameraId: rec.cameraId,
    startMs: rec.startMs,
    endMs: rec.endMs,
    settings: { ...settings, packagingGroupId: 'nogroup' },
    poll: fast,
  });
  t.equal(group.error?.code, 'group-missing');
  t.match(group.error?.message, /vod setup --group nogroup/);
  const backwards = await publishClip(deps, {
    cameraId: rec.cameraId,
    startMs: rec.endMs,
    endMs: rec.startMs,
    settings,
    poll: fast,
  });
  t.equal(backwards.state, 'ERROR');
  cloud.mp.failOperation('CreateAsset', {
    status: 403,
    errorType: 'ForbiddenException',
    message: 'not allowed to pass role',
  });
  const denied = await publishClip(deps, {
    cameraId: rec.cameraId,
    startMs: rec.startMs,
    endMs: rec.startMs + 2000,
    settings: { ...settings, prefix: 'denied' },
    poll: fast,
  });
  t.equal(denied.error?.code, 'access-denied');
  t.match(denied.error?.message, /iam:PassRole/);
  t.equal(cloud.mp.egressStatus(denied.assetId), undefined);
});

t.test('CLI: publish from the recordings folder, status listing, harvest', async (t) => {
  const rec = recordings.h265aac;
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    out: { write: (s: string) => out.push(s) },
    err: { write: (s: string) => err.push(s) },
    env: {
      ...cloud.env,
      AWS_IOT_THING_NAME: 'gw1',
      KVS_EDGE_VOD: JSON.stringify({
        S3Bucket: 'clips',
        S3Prefix: 'cli',
        PackagingGroupId: 'edge',
        SourceRoleArn: 'arn:aws:iam::1:role/mp',
      }),
    },
  };
  const runVod = (args: string[], cli: typeof io) => runCli(['vod', ...args], cli, { vod: { poll: fast } });
  const code = await runVod(
    [
      'publish',
      '--camera',
      rec.cameraId,
      '--from',
      new Date(rec.startMs).toISOString(),
      '--to',
      new Date(rec.startMs + 4000).toISOString(),
      '--recordings',
      root,
      '--json',
    ],
    io,
  );
  t.equal(code, 0, err.join(''));
  const status = JSON.parse(out.join('')) as VodStatus;
  t.equal(status.state, 'PLAYABLE');
  t.ok(cloud.s3.listKeys('clips', `cli/gw1/${rec.cameraId}/`).length >= 3);

  out.length = 0;
  t.equal(
    await runVod(
      [
        'publish',
        '--camera',
        'unknown-cam',
        '--from',
        '2024-01-01T00:00:00Z',
        '--to',
        '2024-01-01T00:01:00Z',
        '--recordings',
        root,
      ],
      io,
    ),
    1,
  );
  t.match(err.join(''), /no recordings for camera "unknown-cam".*h264aac/);
  t.equal(await runVod(['publish', '--camera', 'x', '--from', 'yesterday', '--to', 'now'], io), 2);

  out.length = 0;
  t.equal(await runVod(['status'], io), 0);
  const table = out.join('');
  t.match(table, /edge\s+\d+\/10000\s+no/);
  t.match(table, /edge_dash\s+edge\s+dash\s+6/);
  t.match(table, new RegExp(`${status.assetId}\\s+edge\\s+\\S+\\s+.*edge_hls=PLAYABLE`));
  out.length = 0;
  t.equal(await runVod(['status', '--json'], io), 0);
  const overview = JSON.parse(out.join('')) as VodOverview;
  const failed = overview.assets.find((a) => a.failures.length > 0);
  t.ok(failed, 'the failed ingest shows up with its failures');
  t.same(overview.groups[0]?.configurations.map((c) => c.kind).sort(), ['cmaf', 'dash', 'hls']);

  // Harvest from the stand-in's egress: HLS, CMAF and DASH (an MPD over the same .ts segments).
  const dest = await tempDir(t, 'harvest');
  out.length = 0;
  t.equal(await runVod(['harvest', '--asset', status.assetId, '--to', dest], io), 0, out.join(''));
  t.match(out.join(''), /edge_hls: \d+ files \(\d+ downloaded, 0 already there\)/);
  t.match(out.join(''), /edge_dash: \d+ files \(\d+ downloaded, 0 already there\)/);
  t.ok(existsSync(path.join(dest, status.assetId, 'edge_dash', 'index.mpd')), 'the MPD was harvested');
  const manifest = path.join(dest, status.assetId, 'edge_hls', 'index.m3u8');
  const probe = await run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_name',
    '-of',
    'csv=p=0',
    manifest,
  ]);
  t.match(probe.stdout, /hevc/);
  out.length = 0;
  await runVod(['harvest', '--asset', status.assetId, '--to', dest], io);
  t.match(out.join(''), /edge_hls: (\d+) files \(0 downloaded, \d+ already there\)/);
  // Into S3 as well.
  out.length = 0;
  await runVod(['harvest', '--asset', status.assetId, '--to', 's3://clips/harvest'], io);
  t.ok(cloud.s3.getObject('clips', `harvest/${status.assetId}/edge_hls/index.m3u8`));
});
