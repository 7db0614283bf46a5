// The status outbox across an offline period and a restart: while SiteWise refuses every
// BatchPutAssetPropertyValue the camera keeps recording and its VideoRecordedTimeRange waits in the
// journal; once SiteWise is back the range arrives complete, as one point per recording run.
import t from 'tap';
import { startTestCamera } from '../helpers/test-camera.js';
import { addCamera, deploy, runConnector, statusRanges } from './fixtures.js';
import { eventually } from '../helpers/poll.js';

t.test('VideoRecordedTimeRange values reach SiteWise after an offline period and a restart', async (t) => {
  const d = await deploy(t);
  const camera = await startTestCamera(t, { gopSeconds: 1 });
  const cam = await addCamera(d, {
    name: 'Ramp',
    streamName: 'ramp',
    rtspUrl: camera.url('/cam'),
    captureStartTime: '* * * * *',
  });
  const recordedId = cam.propertyIds.VideoRecordedTimeRange!;
  const history = () => statusRanges(d, cam.assetId, recordedId);
  const offline = () =>
    d.cloud.sitewise.faults.fail('BatchPutAssetPropertyValue', {
      code: 'ServiceUnavailableException',
      status: 503,
    });
  const config = { SegmentDurationSeconds: 2 };
  const run = await runConnector(t, d, config);
  const store = run.component.store;
  const recordedEnd = () => store.recorded(cam.assetId).at(-1)?.endMs ?? 0;
  // The status point is sent when a fragment is queued for writing, which can be before the store's
  // index lists it: wait for both.
  await eventually('a first VideoRecordedTimeRange point, and its fragment in the store', async () =>
    recordedEnd() > 0 && (await history()).length > 0 ? true : undefined,
  );

  offline();
  const wentOffline = recordedEnd();
  await eventually('recording to go on while SiteWise is unreachable', () =>
    recordedEnd() > wentOffline + 4000 ? true : undefined,
  );
  await eventually('the outbox to notice', () =>
    run.lines.find((l) => l.msg === 'SiteWise unreachable; status points kept'),
  );
  const offlineEnd = recordedEnd();
  t.ok(
    (await history()).every((r) => r.endMs < offlineEnd),
    'nothing recorded offline reached SiteWise yet',
  );
  d.cloud.sitewise.faults.clear();
  const caughtUp = await eventually(
    'the offline part of the range to arrive',
    async () => {
      const h = await history();
      return h.some((r) => r.endMs >= offlineEnd) ? h : undefined;
    },
    40_000,
  );
  t.equal(caughtUp.length, 1, 'one continuous run is one point');
  t.ok(caughtUp[0]!.startMs < wentOffline, 'the point starts where recording started, before the outage');

  // Offline again, then the component stops: what waits is in the journal and is sent after the restart.
  offline();
  const beforeStop = recordedEnd();
  await eventually('recording to go on while SiteWise is unreachable', () =>
    recordedEnd() > beforeStop + 2000 ? true : undefined,
  );
  t.equal(await run.stop(), 0);
  const stoppedEnd = recordedEnd();
  t.ok(
    (await history()).every((r) => r.endMs < stoppedEnd),
    'the tail did not reach SiteWise before the stop',
  );
  d.cloud.sitewise.faults.clear();
  const second = await runConnector(t, d, config);
  const after = await eventually(
    'the journal to be sent after the restart',
    async () => {
      const h = await history();
      // The tail of the first run, and the run recorded since the restart.
      return h.length >= 2 && h[0]!.endMs >= stoppedEnd - 1000 ? h : undefined;
    },
    40_000,
  );
  t.equal(after[0]!.startMs, caughtUp[0]!.startMs, 'the first run keeps its point');
  t.ok(after[0]!.endMs >= stoppedEnd - 1000, 'and now ends where recording stopped');
  t.ok(
    after.every((r, i) => i === 0 || r.startMs >= after[i - 1]!.endMs),
    'points do not overlap: no stretch of video is reported twice',
  );
  await eventually('the outbox to drain', () => (second.component.outbox.size === 0 ? true : undefined));
  t.equal(second.component.outbox.stats.dropped, 0, 'nothing dropped');
  t.equal(await second.stop(), 0);
});
