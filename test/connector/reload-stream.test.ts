// Hot reload of the stream name: KinesisVideoStreamName edited while the camera streams live; the
// camera is rebuilt on the new stream (which is created), and nothing more goes to the old one.
import t from 'tap';
import { startTestCamera } from '../helpers/test-camera.js';
import { addCamera, deploy, runConnector, setAttributes } from './fixtures.js';
import { eventually } from '../helpers/poll.js';

t.test('a new KinesisVideoStreamName moves live upload to the new stream', async (t) => {
  const d = await deploy(t);
  const camera = await startTestCamera(t, { gopSeconds: 1 });
  const cam = await addCamera(d, {
    name: 'Dock',
    streamName: 'dock-old',
    rtspUrl: camera.url('/cam'),
    liveStreamingStartTime: '* * * * *',
  });
  const run = await runConnector(t, d, { SegmentDurationSeconds: 2, ConfigRefreshSeconds: 1 });
  await eventually('live fragments in the first stream', () =>
    d.cloud.kvs.listFragments('dock-old').length >= 2 ? true : undefined,
  );
  t.notOk(d.cloud.kvs.stream('dock-new'), 'the new stream does not exist yet');

  await setAttributes(d, cam.assetId, { KinesisVideoStreamName: 'dock-new' });
  const moved = await eventually('live fragments in the new stream', () => {
    const f = d.cloud.kvs.listFragments('dock-new');
    return f.length >= 2 ? f : undefined;
  });
  t.ok(d.cloud.kvs.stream('dock-new'), 'the new stream was created');
  t.equal(run.component.connector.camera(cam.assetId)?.camera.streamName, 'dock-new');
  const old = d.cloud.kvs.listFragments('dock-old');
  const lastOld = Math.max(...old.map((f) => f.producerTimestampMs));
  t.ok(lastOld < moved[0]!.producerTimestampMs, 'the old stream got nothing after the switch');
  t.notOk(d.cloud.kvs.activePutMediaStreams().includes('dock-old'), 'the old session is closed');
  t.equal(await run.stop(), 0);
});
