// The whole live path: test camera -> gst CameraSource (Fragmenter) -> recording store and uploader
// -> local PutMedia, with ACKs; and a historical request served on the same stream at the same time.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { CameraSource } from '../../src/gst/index.js';
import type { Fragment } from '../../src/mkv/index.js';
import type { UploaderEvents } from '../../src/kvs/index.js';
import { decodeAll, ffprobe } from '../helpers/media.js';
import { startTestCamera } from '../helpers/test-camera.js';
import {
  makeFragments,
  quietLog,
  recordedStore,
  startCloud,
  storedStarts,
  uploader,
} from './fixtures/cloud.js';
import { eventually } from '../helpers/poll.js';

const CAM = 'cam-live';

t.test(
  'live from the test camera with ACKs, and a historical range on the same stream at once',
  async (t) => {
    const cloud = await startCloud(t);
    const old = await makeFragments(Date.now() - 30 * 60_000, 15);
    const store = await recordedStore(t, CAM, old);
    const camera = await startTestCamera(t, {
      width: 320,
      height: 240,
      fps: 15,
      gopSeconds: 1,
      bitrateKbps: 300,
    });
    const u = uploader(t, cloud, 'live-1', store, CAM, { timing: { sliceMs: 300, idleCloseMs: 5000 } });
    const received: UploaderEvents['received'][0][] = [];
    const failures: UploaderEvents['failure'][0][] = [];
    u.on('received', (e) => received.push(e));
    u.on('failure', (e) => failures.push(e));
    u.setLive(true);

    const live: Fragment[] = [];
    const writer = store.writer(CAM);
    const source = new CameraSource({
      cameraId: CAM,
      url: camera.url('/cam'),
      log: quietLog,
      onFragment: (f) => {
        live.push(f);
        writer.append(f);
        u.pushLive(f);
      },
    });
    source.start();
    t.teardown(() => source.stop());

    await eventually('first live fragments', () => live.length >= 2, 30_000);
    const job = u.uploadRange(old[0]!.startMs, old.at(-1)!.endMs);
    t.equal(await job.done, 'completed', 'historical finished while live runs');
    await eventually('more live fragments', () => live.length >= 6, 30_000);
    await source.stop();
    u.setLive(false);
    const liveStarts = live.map((f) => f.startMs);
    await eventually('live fragments in KVS', () =>
      liveStarts.every((s) => storedStarts(cloud.kvs, 'live-1').includes(s)),
    );

    const stored = storedStarts(cloud.kvs, 'live-1');
    t.same(
      stored,
      [...old.map((f) => f.startMs), ...liveStarts],
      'history and live, each fragment once, in order',
    );
    t.ok(received.filter((e) => e.origin === 'live').length >= 1, 'RECEIVED ACKs for live fragments');
    for (const e of received.filter((x) => x.origin === 'live')) {
      t.ok(e.atMs - e.endMs < 5_000, `fragment end -> RECEIVED ${e.atMs - e.endMs} ms`);
    }
    t.same(
      failures.filter((f) => /4004/.test(f.reason)),
      [],
      'live and history never mixed in one session',
    );

    const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-live-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'live.mkv');
    await cloud.kvs.exportMkv('live-1', file, { startMs: liveStarts[0]!, endMs: live.at(-1)!.endMs });
    const probe = await ffprobe(file);
    t.match(JSON.stringify(probe), /"codec_name":"h264"/, 'what KVS stored from live is H.264');
    await decodeAll(file);
    t.pass('and decodes without errors');
  },
);
