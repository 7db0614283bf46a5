// Outside Greengrass, in its own process as `kvs-edge start --config` runs it: the configuration is a
// YAML file plus KVS_EDGE_* variables, requests arrive over MQTT 5 (aws-iot-device-sdk-v2) from the
// local broker standing in for AWS IoT Core, and SIGINT ends the process within 10 s.
import t from 'tap';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { startTestCamera } from '../helpers/test-camera.js';
import { addCamera, deploy, sendRequest, spawnComponent } from './fixtures.js';
import { eventually } from '../helpers/poll.js';

t.test('standalone: YAML file, environment override, live request over MQTT 5, clean exit', async (t) => {
  const d = await deploy(t);
  const camera = await startTestCamera(t, { gopSeconds: 1 });
  const cam = await addCamera(d, { name: 'Yard', streamName: 'yard', rtspUrl: camera.url('/cam') });
  const recordings = path.join(d.dir, 'recordings');
  const file = path.join(d.dir, 'kvs-edge.yaml');
  await writeFile(
    file,
    stringify({ RecordingsPath: recordings, SegmentDurationSeconds: 60, LogLevel: 'info' }),
  );
  const run = spawnComponent(
    t,
    {
      ...d.cloud.env,
      SVCUID: '',
      AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT: '',
      KVS_EDGE_MQTT_URL: d.cloud.mqtt.url,
      KVS_EDGE_LOG_LEVEL: 'debug',
      KVS_EDGE_SEGMENT_DURATION_SECONDS: '2',
    },
    ['--config', file],
  );
  await eventually('the component to start', () => {
    if (run.child.exitCode !== null) throw new Error(`component exited early: ${run.stderr()}`);
    return run.lines.find((l) => l.msg === 'connector started');
  });
  t.same(d.cloud.nucleus.reportedStates, [], 'no Greengrass involved');
  t.notOk(
    run.lines.some((l) => /polled from SiteWise/.test(String(l.msg))),
    'requests come over MQTT',
  );

  // Nothing records until asked: the camera has no capture schedule.
  const asked = Date.now();
  await sendRequest(d, cam.assetId, cam.propertyIds.VideoUploadRequest!, 'live');
  await eventually('live fragments in KVS', () => {
    const f = d.cloud.kvs.listFragments('yard').filter((x) => x.producerTimestampMs >= asked - 2000);
    return f.length >= 2 ? f : undefined;
  });
  await eventually('files rotated every 2 s (SegmentDurationSeconds from the environment)', async () => {
    const list = await readdir(path.join(recordings, cam.assetId)).catch(() => [] as string[]);
    return list.filter((f) => f.endsWith('.mkv')).length >= 2 ? true : undefined;
  });

  t.ok(
    run.lines.some((l) => l.level === 'debug'),
    'the environment wins over the file (LogLevel debug)',
  );

  run.child.kill('SIGINT');
  const result = await Promise.race([
    run.exited,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000).unref()),
  ]);
  t.same(result, { code: 0, signal: null }, 'exits with 0 within 10 s of SIGINT');
  t.ok(run.lines.some((l) => l.msg === 'stopped'));
});
