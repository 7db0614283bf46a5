// Store and forward across a restart: KVS refuses every PutMedia while the component records inside a
// scheduled live window; the component stops; KVS recovers; the restarted component resumes the window
// and sends what the first run recorded but could never upload, with its original timestamps.
import t from 'tap';
import { startTestCamera } from '../helpers/test-camera.js';
import { addCamera, deploy, runConnector } from './fixtures.js';
import { eventually } from '../helpers/poll.js';

t.test('a live window resumed after a restart backfills what never reached KVS', async (t) => {
  const d = await deploy(t);
  const camera = await startTestCamera(t, { gopSeconds: 1 });
  // A live window that opened at the start of the current UTC minute and lasts ten minutes.
  const now = new Date();
  const cam = await addCamera(d, {
    name: 'Gate',
    streamName: 'gate',
    rtspUrl: camera.url('/cam'),
    liveStreamingStartTime: `${now.getUTCMinutes()} ${now.getUTCHours()} ? * *`,
    liveStreamingDurationInMinutes: 10,
  });
  d.cloud.kvs.faults.refuseConnections({
    status: 503,
    errorType: 'ServiceUnavailableException',
    times: Infinity,
  });

  const first = await runConnector(t, d, { TimeZone: 'UTC', SegmentDurationSeconds: 2 });
  const recorded = await eventually('four seconds recorded while KVS refuses', () => {
    const r = first.component.store.recorded(cam.assetId)[0];
    return r && r.endMs - r.startMs >= 4000 ? r : undefined;
  });
  t.equal(d.cloud.kvs.listFragments('gate').length, 0, 'nothing reached KVS during the outage');
  t.equal(await first.stop(), 0);

  d.cloud.kvs.faults.clear();
  const second = await runConnector(t, d, { TimeZone: 'UTC', SegmentDurationSeconds: 2 });
  const backfilled = await eventually(
    "the first run's recording in KVS",
    () => {
      const f = d.cloud.kvs.listFragments('gate', {
        startMs: recorded.startMs - 1,
        endMs: recorded.startMs + 3000,
      });
      return f.length >= 2 ? f : undefined;
    },
    60_000,
  );
  t.ok(backfilled[0]!.producerTimestampMs <= recorded.startMs + 1000, 'sent with its original timestamp');
  const times = d.cloud.kvs.listFragments('gate').map((f) => f.producerTimestampMs);
  t.equal(new Set(times).size, times.length, 'no fragment twice');
  t.ok(second.lines.some((l) => l.msg === 'backfilling the live window from the recording'));
  t.equal(await second.stop(), 0);
});
