// DASH egress of the MediaPackage VOD stand-in: a real H.264 HLS source (GStreamer, MPEG-TS segments)
// in the local S3 becomes an MPD that ffprobe plays over HTTP and that `vod harvest` copies whole;
// sources whose segments cannot be named by one template leave the DASH endpoint FAILED.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import {
  CreateAssetCommand,
  CreatePackagingConfigurationCommand,
  CreatePackagingGroupCommand,
  DescribeAssetCommand,
  MediaPackageVodClient,
} from '@aws-sdk/client-mediapackage-vod';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startMediaPackageVodService } from '@kvs-edge/localcloud';
import { startS3Service, type S3Service } from '@kvs-edge/localcloud';
import { folderSink, harvestAsset, dashReferences } from '../../src/vod/index.js';
import { ffprobe, writeClip } from '../helpers/media.js';

const run = promisify(execFile);
const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };

async function tempDir(t: Test, name: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `mp-dash-${name}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * 68 frames at 15 fps with a keyframe every 15 from the test kit's encoder, cut without re-encoding into
 * four 1 s segments and a 0.533 s one, continuous timestamps as in HLS. ffmpeg cuts rather than
 * GStreamer: gst 1.22's splitmuxsink (also inside hlssink2) sometimes hangs at EOS, which would make
 * this test flaky.
 */
async function encodeSegments(dir: string): Promise<string[]> {
  const clip = path.join(dir, 'clip.mkv');
  await writeClip(clip, { seconds: 68 / 15 });
  const segment = ['-f', 'segment', '-segment_time', '1', '-segment_format', 'mpegts'];
  await run('ffmpeg', ['-v', 'error', '-i', clip, '-c', 'copy', ...segment, path.join(dir, 'seg%05d.ts')], {
    timeout: 30_000,
  });
  await rm(clip);
  return (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort();
}

/** Video frames ffprobe decodes from `input`. */
async function frames(input: string): Promise<number> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=nb_read_frames',
    '-of',
    'csv=p=0',
    input,
  ]);
  // The DASH demuxer lists the stream under its program as well: the first line is the stream's.
  return Number(stdout.trim().split(/\s+/)[0]);
}

interface Source {
  parent: string;
  codecs: string;
  segments: { name: string; seconds: number; bytes: number }[];
  seconds: number;
}

/** Publishes the segments as an HLS source under clips/cam1/a/ (parent + v/ child), as `vod publish` does. */
async function publishSource(s3: S3Service, dir: string, names: string[]): Promise<Source> {
  const segments = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const probe = await ffprobe(file);
    const body = await readFile(file);
    s3.putObject('clips', `cam1/a/v/${name}`, body);
    segments.push({ name, seconds: Number(probe.format.duration), bytes: body.length });
  }
  // The codec string from the stream's own SPS: profile, constraint flags, level.
  const first = await readFile(path.join(dir, names[0]!));
  const sps = first.indexOf(Buffer.from([0, 0, 1, 0x67]));
  const codecs = `avc1.${first.subarray(sps + 4, sps + 7).toString('hex')}`;
  const child = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-TARGETDURATION:1',
    ...segments.flatMap((s) => [`#EXTINF:${s.seconds.toFixed(6)},`, s.name]),
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
  const parent = `#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=600000,CODECS="${codecs}",RESOLUTION=160x120\nv/index.m3u8\n`;
  s3.putObject('clips', 'cam1/a/v/index.m3u8', child);
  s3.putObject('clips', 'cam1/a/index.m3u8', parent);
  return { parent, codecs, segments, seconds: segments.reduce((n, s) => n + s.seconds, 0) };
}

async function startCloud(t: Test) {
  const s3 = await startS3Service();
  t.teardown(() => s3.stop());
  s3.createBucket('clips');
  const vod = await startMediaPackageVodService({ s3, queuedMs: 10, processingMs: 20 });
  t.teardown(() => vod.stop());
  const mediapackage = new MediaPackageVodClient({
    endpoint: vod.endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  // Never called: the group has no CDN authorization. Port 9 (discard) so a stray call fails fast.
  const secrets = new SecretsManagerClient({
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    credentials,
  });
  t.teardown(() => {
    mediapackage.destroy();
    secrets.destroy();
  });
  await mediapackage.send(new CreatePackagingGroupCommand({ Id: 'edge' }));
  await mediapackage.send(
    new CreatePackagingConfigurationCommand({
      Id: 'edge_dash',
      PackagingGroupId: 'edge',
      DashPackage: { DashManifests: [{}], SegmentTemplateFormat: 'NUMBER_WITH_TIMELINE' },
    }),
  );
  await mediapackage.send(
    new CreatePackagingConfigurationCommand({
      Id: 'edge_hls',
      PackagingGroupId: 'edge',
      HlsPackage: { HlsManifests: [{}] },
    }),
  );
  return { s3, vod, mediapackage, secrets };
}

/** Creates an asset of clips/<key> and waits until no endpoint is QUEUED or PROCESSING. */
async function ingest(client: MediaPackageVodClient, id: string, key: string) {
  await client.send(
    new CreateAssetCommand({
      Id: id,
      PackagingGroupId: 'edge',
      SourceArn: `arn:aws:s3:::clips/${key}`,
      SourceRoleArn: 'arn:aws:iam::111122223333:role/mp',
    }),
  );
  const deadline = Date.now() + 5000;
  for (;;) {
    const a = await client.send(new DescribeAssetCommand({ Id: id }));
    const ends = a.EgressEndpoints ?? [];
    if (ends.every((e) => e.Status === 'PLAYABLE' || e.Status === 'FAILED'))
      return Object.fromEntries(ends.map((e) => [e.PackagingConfigurationId!, e]));
    if (Date.now() > deadline) throw new Error(`asset ${id} still ingesting`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

t.test('DASH egress of an HLS source: ffprobe plays the MPD, harvest copies it whole', async (t) => {
  const { s3, mediapackage, secrets } = await startCloud(t);
  const work = await tempDir(t, 'src');
  const names = await encodeSegments(work);
  t.equal(names.length, 5, 'four whole segments and a short last one');
  const source = await publishSource(s3, work, names);
  const ends = await ingest(mediapackage, 'cam1_a', 'cam1/a/index.m3u8');
  t.equal(ends.edge_dash?.Status, 'PLAYABLE');
  const url = ends.edge_dash!.Url!;
  t.match(url, /\/out\/v1\/[0-9a-f]{32}\/[0-9a-f]{32}\/[0-9a-f]{8}\/index\.mpd$/);

  const res = await fetch(url);
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'application/dash+xml');
  const mpd = await res.text();
  t.match(mpd, /type="static"/);
  t.match(mpd, new RegExp(`mediaPresentationDuration="PT${source.seconds.toFixed(3)}S"`));
  t.match(mpd, new RegExp(`codecs="${source.codecs}"`));
  t.match(mpd, /mimeType="video\/mp2t"/);
  t.match(mpd, /media="v\/seg\$Number%05d\$\.ts"/);
  t.same(
    dashReferences(mpd, url).map((u) => u.slice(url.length - 'index.mpd'.length)),
    names.map((n) => `v/${n}`),
    'the template names every source segment, in order, re-rooted under the egress path',
  );

  // An independent reader: ffmpeg's DASH demuxer over HTTP.
  const probe = await ffprobe(url);
  t.equal(probe.streams[0]?.codec_name, 'h264');
  t.equal(probe.streams[0]?.width, 160);
  // ffmpeg's DASH reader keeps whole seconds of mediaPresentationDuration; the frame count is exact.
  t.equal(Number(probe.format.duration), Math.floor(source.seconds), 'duration from the MPD');
  t.equal(await frames(url), 68, 'every frame of every segment plays through the MPD');

  const dest = await tempDir(t, 'harvest');
  const results = await harvestAsset({ mediapackage, secrets }, 'cam1_a', folderSink(dest), {
    retryDelayMs: 10,
  });
  const dash = results.find((r) => r.configuration === 'edge_dash');
  t.equal(dash?.error, undefined);
  t.equal(dash?.files, 1 + names.length);
  t.equal(dash?.manifest, 'cam1_a/edge_dash/index.mpd');
  const folder = path.join(dest, 'cam1_a', 'edge_dash');
  t.equal(await readFile(path.join(folder, 'index.mpd'), 'utf8'), mpd);
  for (const s of source.segments)
    t.equal((await stat(path.join(folder, 'v', s.name))).size, s.bytes, `${s.name} arrived whole`);
  t.equal(results.find((r) => r.configuration === 'edge_hls')?.error, undefined);
  t.equal(await frames(path.join(folder, 'index.mpd')), 68, 'the harvested copy plays whole');
});

t.test('DASH of other source shapes: a media playlist, unnumbered or foreign segments', async (t) => {
  const { s3, mediapackage } = await startCloud(t);
  const ts = Buffer.alloc(188, 0x47);
  const media = (uris: string[], seconds = [2, 2, 1.5]) =>
    `#EXTM3U\n${uris.map((u, i) => `#EXTINF:${seconds[i] ?? 2},\n${u}`).join('\n')}\n#EXT-X-ENDLIST\n`;
  for (const n of ['part8.ts', 'part9.ts', 'part10.ts', 'x.ts', 'y.ts']) s3.putObject('clips', `m/${n}`, ts);

  // A media playlist as the source, numbers growing in width without padding.
  s3.putObject('clips', 'm/media.m3u8', media(['part8.ts', 'part9.ts', 'part10.ts']));
  const plain = await ingest(mediapackage, 'plain', 'm/media.m3u8');
  t.equal(plain.edge_dash?.Status, 'PLAYABLE');
  const mpd = await (await fetch(plain.edge_dash!.Url!)).text();
  t.match(mpd, /startNumber="8" media="part\$Number\$\.ts"/);
  t.match(mpd, /<S t="0" d="180000" r="1"\/>\s*<S d="135000"\/>/);
  t.match(mpd, /mediaPresentationDuration="PT5\.500S"/);
  t.notMatch(mpd, /codecs=/, 'no CODECS, no codecs attribute');
  const seg = await fetch(new URL('part10.ts', plain.edge_dash!.Url!));
  t.equal(seg.status, 200);
  t.equal(seg.headers.get('content-type'), 'video/MP2T');

  // Names one template cannot produce: DASH FAILED, HLS still PLAYABLE.
  for (const [id, uris] of [
    ['names', ['x.ts', 'y.ts']],
    ['gap', ['part8.ts', 'part10.ts']],
    ['absolute', ['https://cdn.example/part8.ts']],
    ['outside', ['../part8.ts']],
  ] as const) {
    s3.putObject('clips', `m/${id}.m3u8`, media([...uris]));
    const ends = await ingest(mediapackage, id, `m/${id}.m3u8`);
    t.equal(ends.edge_dash?.Status, 'FAILED', `${id}: DASH FAILED`);
    t.equal(ends.edge_hls?.Status, 'PLAYABLE', `${id}: HLS PLAYABLE`);
    t.equal((await fetch(ends.edge_dash!.Url!)).status, 404);
  }
  // A parent whose variant playlist is missing, and one that is not a playlist at all.
  s3.putObject('clips', 'p/index.m3u8', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv/none.m3u8\n');
  t.equal((await ingest(mediapackage, 'novariant', 'p/index.m3u8')).edge_dash?.Status, 'FAILED');
  s3.putObject('clips', 'p/junk.m3u8', '<html/>');
  t.equal((await ingest(mediapackage, 'junk', 'p/junk.m3u8')).edge_dash?.Status, 'FAILED');
  s3.putObject('clips', 'p/empty.m3u8', '#EXTM3U\n#EXT-X-ENDLIST\n');
  t.equal((await ingest(mediapackage, 'empty', 'p/empty.m3u8')).edge_dash?.Status, 'FAILED');
});
