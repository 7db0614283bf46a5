// Publishing real recordings (H.264/H.265, with AAC, without audio, with G.711 dropped) to the local
// S3 and MediaPackage VOD with the real SDK clients; ffprobe reads the result over HTTP.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { publishClip, setupPackagingGroup, vodSettingsFor, type VodStatus } from '../../src/vod/index.js';
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
