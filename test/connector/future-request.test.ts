// A historical request whose end is still ahead (issue 13): the player asks for "<startMs>-<endMs>" with
// the end ~20 s in the future while the camera records. The camera keeps that range open and uploads
// what is recorded in it as it is recorded, until its end: every fragment of the range reaches KVS
// once with its recorded timestamps, nothing recorded after the end is sent, and the player's
// VideoUploadedTimeRange covers the range.
import t from 'tap';
import type { Fragment } from '../../src/mkv/index.js';
import {
  cameraOnTestCamera,
  deploy,
  eventually,
  runConnector,
  sendRequest,
  statusRanges,
} from './fixtures.js';

t.test(
  'a request ending 20 s from now uploads the range as it is recorded, exactly once, and stops at its end',
  async (t) => {
    const d = await deploy(t);
    const cam = await cameraOnTestCamera(t, d, {
      name: 'Yard',
      streamName: 'yard',
      // Recording all the time, never live: whatever reaches KVS came through the request.
      captureStartTime: '* * * * *',
      captureDurationInMinutes: 0,
    });
    const run = await runConnector(t, d, { SegmentDurationSeconds: 2 });
    const store = run.component.store;
    const recordedEnd = () => store.recorded(cam.assetId).at(-1)?.endMs ?? 0;
    const first = await eventually('three seconds recorded', () => {
      const r = store.recorded(cam.assetId)[0];
      return r && r.endMs - r.startMs >= 3000 ? r : undefined;
    });

    const startMs = first.startMs + 1000;
    const requestedAt = Date.now();
    const endMs = requestedAt + 20_000;
    await sendRequest(d, cam.assetId, cam.propertyIds.VideoUploadRequest!, `${startMs}-${endMs}`);

    // Part of the range reaches KVS before its end has even come.
    await eventually('a fragment recorded after the request in KVS before the end', () => {
      const sent = d.cloud.kvs.listFragments('yard', { startMs: requestedAt + 1000 });
      return sent.length > 0 && Date.now() < endMs ? true : undefined;
    });
    await eventually(
      'the request to finish',
      () => run.lines.find((l) => l.msg === 'upload finished' && l.origin === 'historical'),
      90_000,
    );
    // Let the camera record well past the end, so a late pass would have something to send.
    await eventually('six seconds recorded after the end', () => recordedEnd() >= endMs + 6000, 60_000);

    const inRange: Fragment[] = [];
    for await (const f of store.read(cam.assetId, startMs, endMs)) {
      if (f.endMs > startMs && f.startMs < endMs) inRange.push(f);
    }
    const want = inRange.map((f) => f.startMs);
    t.ok(want.length >= 18, `the range holds ~20 s of 1 s fragments (${want.length})`);
    t.ok(want.at(-1)! < endMs && inRange.at(-1)!.endMs >= endMs - 1500, 'the recording reached the end');
    const stored = d.cloud.kvs.listFragments('yard').map((f) => f.producerTimestampMs);
    t.same(
      stored,
      want,
      'KVS holds exactly the fragments recorded in the range, once, with their timestamps',
    );
    t.notOk(
      stored.some((s) => s >= endMs),
      'nothing recorded after the end was uploaded',
    );

    const covered = await eventually('VideoUploadedTimeRange to reach the end of the range', async () => {
      const ranges = (await statusRanges(d, cam.assetId, cam.propertyIds.VideoUploadedTimeRange!)).sort(
        (a, b) => a.startMs - b.startMs,
      );
      // Points are per uploaded span; joined where they touch (the end is in seconds, so within a second).
      const joined: { startMs: number; endMs: number }[] = [];
      for (const r of ranges) {
        const last = joined.at(-1);
        if (last && r.startMs <= last.endMs + 1000) last.endMs = Math.max(last.endMs, r.endMs);
        else joined.push({ ...r });
      }
      return joined.find((r) => r.endMs >= endMs - 1000);
    });
    t.ok(covered.startMs <= inRange[0]!.startMs, 'one uploaded range spans the whole request');
    t.equal(await run.stop(), 0, 'stops cleanly');
  },
);
