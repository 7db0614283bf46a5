// Archived media from what PutMedia stored: GetHLSStreamingSessionURL (LIVE, LIVE_REPLAY, ON_DEMAND),
// the session's playlists and fMP4 fragments read by ffprobe/ffmpeg (H.264 + AAC and H.265, no
// re-encoding), and GetClip. Real GStreamer Matroska in, real archived-media SDK client, real ffmpeg out.
import t, { type Test } from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  GetClipCommand,
  GetHLSStreamingSessionURLCommand,
  KinesisVideoArchivedMediaClient,
} from '@aws-sdk/client-kinesis-video-archived-media';
import type { KvsService } from '../../src/kvs/index.js';
import { encodeClip } from '../../src/testkit/clip.js';
import { decodeAll, ffprobe, packetTimes } from '../../src/testkit/media.js';
import { putMediaAll } from './putmedia-client.js';
import { archivedMediaClient, startTestKvs } from './streams.js';

/** `seconds` of 320x240 25 fps video (and AAC audio for H.264), with epoch-ms cluster timecodes. */
function gstClip(codec: 'h264' | 'h265', startMs: number, seconds: number): Promise<Buffer> {
  return encodeClip({
    seconds,
    width: 320,
    height: 240,
    fps: 25,
    codec,
    audio: codec === 'h264' ? { codec: 'aac' } : undefined,
    epochStartMs: startMs,
    minClusterMs: 1000,
  });
}

interface Setup {
  kvs: KvsService;
  media: KinesisVideoArchivedMediaClient;
  dir: string;
}

async function setup(t: Test): Promise<Setup> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-hls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { kvs, control } = await startTestKvs(t, { streams: ['h264', 'h265', 'empty'], retentionHours: 24 });
  const media = await archivedMediaClient(t, control, 'h264', 'GET_HLS_STREAMING_SESSION_URL');
  return { kvs, media, dir };
}

async function put(kvs: KvsService, streamName: string, body: Buffer): Promise<void> {
  const { status, acks } = await putMediaAll({
    endpoint: kvs.endpoint,
    streamName,
    body,
    chunkSize: 64 * 1024,
  });
  if (status !== 200 || acks.some((a) => a.EventType === 'ERROR'))
    throw new Error(`PutMedia failed: ${JSON.stringify(acks)}`);
}

async function text(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.text();
}

const T0 = Math.floor(Date.now() / 1000) * 1000 - 120_000;

t.test(
  'H.264 + AAC and H.265 play through ON_DEMAND HLS sessions as ffmpeg reads them, with their original timestamps',
  async (t) => {
    const { kvs, media, dir } = await setup(t);
    // Two H.264 recordings with a 10 s gap between them; one H.265 recording.
    await put(kvs, 'h264', await gstClip('h264', T0, 4));
    await put(kvs, 'h264', await gstClip('h264', T0 + 14_000, 3));
    await put(kvs, 'h265', await gstClip('h265', T0, 3));

    for (const [stream, codecs] of [
      ['h264', ['h264', 'aac']],
      ['h265', ['hevc']],
    ] as const) {
      const { HLSStreamingSessionURL: url } = await media.send(
        new GetHLSStreamingSessionURLCommand({
          StreamName: stream,
          PlaybackMode: 'ON_DEMAND',
          HLSFragmentSelector: {
            FragmentSelectorType: 'PRODUCER_TIMESTAMP',
            TimestampRange: { StartTimestamp: new Date(T0), EndTimestamp: new Date(T0 + 60_000) },
          },
          Expires: 1800,
        }),
      );
      t.match(url, /\/hls\/v1\/getHLSMasterPlaylist\.m3u8\?SessionToken=/);
      const probe = await ffprobe(url!);
      t.same(
        probe.streams.map((s) => s.codec_name).sort(),
        [...codecs].sort(),
        `${stream}: ffprobe reads ${codecs.join(' + ')}`,
      );
      t.match(
        probe.streams.find((s) => s.codec_type === 'video'),
        { width: 320, height: 240 },
      );
      await decodeAll(url!);
      const master = await text(url!);
      t.match(
        master,
        stream === 'h264'
          ? /CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/
          : /CODECS="hvc1\.1\.[0-9a-f]+\.L\d+/ /* Main profile */,
      );
      t.match(master, /RESOLUTION=320x240/);
    }

    // The media playlist of the H.264 session with a discontinuity only at the gap and the fragment times.
    const { HLSStreamingSessionURL: url } = await media.send(
      new GetHLSStreamingSessionURLCommand({
        StreamName: 'h264',
        PlaybackMode: 'ON_DEMAND',
        DiscontinuityMode: 'ON_DISCONTINUITY',
        DisplayFragmentTimestamp: 'ALWAYS',
        HLSFragmentSelector: {
          FragmentSelectorType: 'PRODUCER_TIMESTAMP',
          TimestampRange: { StartTimestamp: new Date(T0), EndTimestamp: new Date(T0 + 60_000) },
        },
      }),
    );
    const playlist = await text(
      new URL('getHLSMediaPlaylist.m3u8?' + new URL(url!).search.slice(1), url!).toString(),
    );
    const times = [...playlist.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(.+)/g)].map((m) => Date.parse(m[1]!) - T0);
    t.same(
      times,
      [0, 1000, 2000, 3000, 14_000, 15_000, 16_000],
      'one fragment per second, stamped with its producer time',
    );
    t.equal(playlist.match(/#EXT-X-DISCONTINUITY/g)?.length, 1, 'one discontinuity, at the gap');
    t.ok(playlist.indexOf('#EXT-X-DISCONTINUITY') < playlist.indexOf(new Date(T0 + 14_000).toISOString()));
    t.match(playlist, /#EXT-X-ENDLIST/);
    // The fMP4 keeps the producer timeline: the first decoded video frame sits at T0.
    const pts = await packetTimes(url!);
    t.equal(Math.round(pts[0]!.pts * 1000), T0, 'first video packet at the producer timestamp');

    // GetClip: one MP4 of the same range, with both tracks.
    const clip = await media.send(
      new GetClipCommand({
        StreamName: 'h264',
        ClipFragmentSelector: {
          FragmentSelectorType: 'PRODUCER_TIMESTAMP',
          TimestampRange: { StartTimestamp: new Date(T0), EndTimestamp: new Date(T0 + 3500) },
        },
      }),
    );
    t.equal(clip.ContentType, 'video/mp4');
    const file = path.join(dir, 'clip.mp4');
    await writeFile(file, await clip.Payload!.transformToByteArray());
    const clipProbe = await ffprobe(file);
    t.same(clipProbe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    t.ok(
      Math.abs(Number(clipProbe.format.duration) - 4) < 0.3,
      `clip lasts 4 s (${clipProbe.format.duration})`,
    );
    await decodeAll(file);
  },
);

t.test(
  'session rules of the API reference: LIVE needs recent fragments, empty ranges are ResourceNotFoundException',
  async (t) => {
    const { kvs, media } = await setup(t);
    const ask = (input: Partial<ConstructorParameters<typeof GetHLSStreamingSessionURLCommand>[0]>) =>
      media.send(new GetHLSStreamingSessionURLCommand({ StreamName: 'h264', ...input }));
    await t.rejects(
      ask({ PlaybackMode: 'LIVE' }),
      { name: 'ResourceNotFoundException' },
      'no fragment yet: no LIVE session',
    );
    await t.rejects(
      ask({
        PlaybackMode: 'ON_DEMAND',
        HLSFragmentSelector: {
          FragmentSelectorType: 'PRODUCER_TIMESTAMP',
          TimestampRange: { StartTimestamp: new Date(T0), EndTimestamp: new Date(T0 + 1000) },
        },
      }),
      { name: 'ResourceNotFoundException' },
    );
    // Recorded 2 minutes ago but received now: LIVE (server time) finds it; the last 5 fragments are listed.
    await put(kvs, 'h264', await gstClip('h264', T0, 8));
    const { HLSStreamingSessionURL: live } = await ask({ PlaybackMode: 'LIVE' });
    const livePlaylist = await text(live!.replace('getHLSMasterPlaylist', 'getHLSMediaPlaylist'));
    t.equal(livePlaylist.match(/#EXTINF/g)?.length, 5, 'LIVE lists the newest five fragments');
    t.match(livePlaylist, /#EXT-X-MEDIA-SEQUENCE:3/);
    t.notMatch(livePlaylist, /#EXT-X-ENDLIST/);
    // ffmpeg would follow a live playlist forever; ffprobe reads the first fragments and stops.
    const liveProbe = await ffprobe(live!);
    t.same(
      liveProbe.streams.map((s) => s.codec_name).sort(),
      ['aac', 'h264'],
      'ffprobe reads the LIVE session',
    );

    const replay = await ask({
      PlaybackMode: 'LIVE_REPLAY',
      HLSFragmentSelector: {
        FragmentSelectorType: 'PRODUCER_TIMESTAMP',
        TimestampRange: { StartTimestamp: new Date(T0) },
      },
    });
    const replayPlaylist = await text(
      replay.HLSStreamingSessionURL!.replace('getHLSMasterPlaylist', 'getHLSMediaPlaylist'),
    );
    t.match(replayPlaylist, /#EXT-X-MEDIA-SEQUENCE:0/, 'LIVE_REPLAY starts at its start time');

    await t.rejects(
      ask({ PlaybackMode: 'ON_DEMAND' }),
      { name: 'InvalidArgumentException' },
      'ON_DEMAND needs a range',
    );
    await t.rejects(
      ask({
        PlaybackMode: 'LIVE',
        HLSFragmentSelector: {
          FragmentSelectorType: 'SERVER_TIMESTAMP',
          TimestampRange: { StartTimestamp: new Date(T0) },
        },
      }),
      { name: 'InvalidArgumentException' },
    );
    await t.rejects(ask({ PlaybackMode: 'LIVE', Expires: 100 }), { name: 'InvalidArgumentException' });
    await t.rejects(ask({ StreamName: 'missing', PlaybackMode: 'LIVE' }), {
      name: 'ResourceNotFoundException',
    });
    const res = await fetch(live!.replace(/SessionToken=.*/, 'SessionToken=unknown'));
    t.equal(res.status, 400, 'an unknown session token is refused');
  },
);
