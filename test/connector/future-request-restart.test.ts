// A request whose end is still ahead survives a restart: the player asks for "<startMs>-<endMs>" with
// the end ~30 s in the future, the component is stopped before that end and started again. The new
// run re-opens the request from the upload intent and keeps uploading it until its end: every fragment
// recorded in the range, before and after the restart, reaches KVS exactly once, nothing after the end.
import t from 'tap';
import type { Fragment } from '../../src/mkv/index.js';
import { cameraOnTestCamera, deploy, eventually, runConnector, sendRequest } from './fixtures.js';

t.test(
  'a request ending 30 s ahead, with a restart before its end, reaches KVS whole and once, up to its end',
  async (t) => {
    const d = await deploy(t);
    const cam = await cameraOnTestCamera(t, d, {
      name: 'Yard',
      streamName: 'yard',
      // Recording all the time, never live: whatever reaches KVS came through the request.
      captureStartTime: '* * * * *',
      captureDurationInMinutes: 0,
    });
    const config = { SegmentDurationSeconds: 2 };
    const first = await runConnector(t, d, config);
    const firstStart = await eventually('three seconds recorded', () => {
      const r = first.component.store.recorded(cam.assetId)[0];
      return r && r.endMs - r.startMs >= 3000 ? r.startMs : undefined;
    });

    const startMs = firstStart + 1000;
    const requestedAt = Date.now();
    const endMs = requestedAt + 30_000;
    await sendRequest(d, cam.assetId, cam.propertyIds.VideoUploadRequest!, `${startMs}-${endMs}`);
    await eventually('a fragment recorded after the request in KVS', () =>
      d.cloud.kvs.listFragments('yard', { startMs: requestedAt + 1000 }).length > 0 ? true : undefined,
    );
    t.equal(await first.stop(), 0, 'the first run stops cleanly');
    t.ok(Date.now() < endMs - 10_000, 'stopped well before the end of the request');

    const second = await runConnector(t, d, config);
    const store = second.component.store;
    await eventually('the request to be re-opened', () =>
      second.lines.find((l) => /re-opening an upload request/.test(String(l.msg))),
    );
    await eventually(
      'the re-opened request to finish',
      () => second.lines.find((l) => l.msg === 'upload finished' && l.origin === 'historical'),
      120_000,
    );
    // Let the camera record well past the end, so a late pass would have something to send.
    await eventually(
      'six seconds recorded after the end',
      () => (store.recorded(cam.assetId).at(-1)?.endMs ?? 0) >= endMs + 6000,
      60_000,
    );

    const inRange: Fragment[] = [];
    for await (const f of store.read(cam.assetId, startMs, endMs)) {
      if (f.endMs > startMs && f.startMs < endMs) inRange.push(f);
    }
    const want = inRange.map((f) => f.startMs);
    const afterRestart = want.filter((s) => s > requestedAt + 10_000);
    t.ok(
      afterRestart.length >= 5,
      `fragments recorded after the restart are in the range (${afterRestart.length})`,
    );
    t.ok(inRange.at(-1)!.endMs >= endMs - 1500, 'the recording reached the end');
    const stored = d.cloud.kvs.listFragments('yard').map((f) => f.producerTimestampMs);
    t.same(
      stored,
      want,
      'KVS holds exactly the fragments recorded in the range, from both runs, once, with their timestamps',
    );
    t.notOk(
      stored.some((s) => s >= endMs),
      'nothing recorded after the end was uploaded',
    );
    t.equal(await second.stop(), 0, 'the second run stops cleanly');
  },
);
