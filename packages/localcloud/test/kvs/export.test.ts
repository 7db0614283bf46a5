// Real GStreamer Matroska through PutMedia, read back as a playable file checked with ffprobe/ffmpeg.
import t, { type Test } from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encodeClip } from '../../src/testkit/clip.js';
import { decodeAll, ffprobe, packetTimes } from '../../src/testkit/media.js';
import { AUDIO, VIDEO, gop, header } from './mkv-builder.js';
import { putMediaAll } from './putmedia-client.js';
import { startTestKvs } from './streams.js';

async function tmpDir(t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-export-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** 3 s of H.264 with epoch-ms cluster timecodes (cluster-timestamp-offset) and 1 s clusters. */
function gstClip(startMs: number): Promise<Buffer> {
  return encodeClip({
    seconds: 3,
    width: 320,
    height: 240,
    fps: 25,
    epochStartMs: startMs,
    minClusterMs: 1000,
  });
}

t.test(
  'gst matroskamux output is accepted, stored per cluster, exported playable, and survives a restart',
  async (t) => {
    const dir = await tmpDir(t);
    const stateDir = path.join(dir, 'state');
    const startMs = Math.floor(Date.now() / 1000) * 1000 - 30_000;
    const { kvs } = await startTestKvs(t, { stateDir, streams: ['gst'], retentionHours: 2 });
    const body = await gstClip(startMs);
    const { status, acks } = await putMediaAll({
      endpoint: kvs.endpoint,
      streamName: 'gst',
      body,
      chunkSize: 4096,
    });
    t.equal(status, 200);
    t.same(
      acks.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentTimecode),
      [startMs, startMs + 1000, startMs + 2000],
    );
    const fragments = kvs.listFragments('gst');
    t.same(
      fragments.map((f) => f.frameCount),
      [25, 25, 25],
    );

    const all = path.join(dir, 'all.mkv');
    await kvs.exportMkv('gst', all);
    const probe = await ffprobe(all);
    t.equal(probe.streams.length, 1, 'one stream');
    t.match(probe.streams[0], { codec_name: 'h264', width: 320, height: 240 });
    t.equal(Math.round(Number(probe.format.start_time) * 1000), startMs, 'absolute timestamps kept');
    t.equal((await packetTimes(all)).length, 75);
    await decodeAll(all);

    const middle = path.join(dir, 'middle.mkv');
    const wrote = await kvs.exportMkv('gst', middle, { startMs: startMs + 500, endMs: startMs + 1500 });
    t.same(
      wrote.map((f) => f.producerTimestampMs),
      [startMs + 1000],
    );
    const packets = await packetTimes(middle);
    t.equal(packets.length, 25);
    t.ok(packets[0]?.key, 'the exported range starts on a keyframe');

    await kvs.stop();
    const { kvs: again } = await startTestKvs(t, { stateDir });
    t.same(again.listFragments('gst'), fragments, 'fragments reloaded from stateDir');
    const reloaded = path.join(dir, 'reloaded.mkv');
    await again.exportMkv('gst', reloaded);
    t.equal((await packetTimes(reloaded)).length, 75);
    // new fragment numbers continue after the reloaded ones
    const more = await putMediaAll({
      endpoint: again.endpoint,
      streamName: 'gst',
      body: Buffer.concat([header(), gop(startMs + 10_000)]),
    });
    t.ok(BigInt(more.acks[0]!.FragmentNumber!) > BigInt(fragments[2]!.fragmentNumber));
  },
);

t.test('export refuses an empty range and a range whose sessions declared different tracks', async (t) => {
  const dir = await tmpDir(t);
  const { kvs } = await startTestKvs(t, { streams: ['mix'], retentionHours: 2 });
  const base = Date.now() - 60_000;
  await putMediaAll({
    endpoint: kvs.endpoint,
    streamName: 'mix',
    body: Buffer.concat([header([VIDEO]), gop(base)]),
  });
  await putMediaAll({
    endpoint: kvs.endpoint,
    streamName: 'mix',
    body: Buffer.concat([header([VIDEO]), gop(base + 1000)]),
  });
  await putMediaAll({
    endpoint: kvs.endpoint,
    streamName: 'mix',
    body: Buffer.concat([header([VIDEO, AUDIO]), gop(base + 2000, 1000, 100, [1, 2])]),
  });
  await t.rejects(kvs.exportMkv('mix', path.join(dir, 'x.mkv'), { startMs: 0, endMs: 1 }), {
    code: 'FRAGMENT_EXPORT',
    name: 'FragmentExportError',
  });
  await t.rejects(kvs.exportMkv('nothing', path.join(dir, 'x.mkv')), /no fragments/);
  await t.rejects(kvs.exportMkv('mix', path.join(dir, 'x.mkv')), /different MKV header/);
  const same = await kvs.exportMkv('mix', path.join(dir, 'ok.mkv'), { endMs: base + 1000 });
  t.equal(same.length, 2, 'two sessions with the same tracks export together');
});
