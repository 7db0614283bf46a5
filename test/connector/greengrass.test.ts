// Under Greengrass: the component tells the nucleus ERRORED while no camera can run and RUNNING once
// one can, and applies a configuration update from a deployment (SubscribeToConfigurationUpdate)
// without a restart.
import t from 'tap';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeClip } from '../helpers/media.js';
import { startTestCamera } from '../helpers/test-camera.js';
import { addCamera, deploy, recordingFiles, runConnector, setAttributes } from './fixtures.js';
import { eventually } from '../helpers/poll.js';

t.test('ERRORED with no runnable camera, RUNNING after the fix; configuration updated live', async (t) => {
  const d = await deploy(t);
  const camera = await startTestCamera(t, { gopSeconds: 1 });
  const cam = await addCamera(d, {
    name: 'Porch',
    streamName: 'porch',
    rtspUrl: camera.url('/cam'),
    captureStartTime: 'at noon please',
    captureDurationInMinutes: 5,
  });
  // An older 2 MB recording from an earlier run (noise encodes big), over the cap set below.
  const dir = path.join(d.dir, 'recordings', cam.assetId);
  await mkdir(dir, { recursive: true });
  const old = path.join(dir, `video_${Date.now() - 10 * 60_000}.mkv`);
  await writeClip(old, {
    seconds: 2,
    width: 640,
    height: 360,
    fps: 25,
    pattern: 'snow',
    bitrateKbps: 8000,
    streamable: false,
  });
  t.ok((await stat(old)).size > 1024 * 1024, 'the old recording is over 1 MB');
  const run = await runConnector(t, d, { SegmentDurationSeconds: 1, ConfigRefreshSeconds: 1 });
  const summary = run.component.connector.summary();
  t.same(summary.running, [], 'no camera runs');
  t.same(
    summary.skipped.map((s) => s.assetId),
    [cam.assetId],
    'the one camera is skipped',
  );
  t.match(summary.skipped[0], { message: /CaptureStartTime/ }, 'and the log says why');
  await eventually('ERRORED reported to the nucleus', () =>
    d.cloud.nucleus.reportedStates.includes('ERRORED') ? true : undefined,
  );

  // A deployment changes the component configuration: more logging and a 1 MB cap on local media.
  d.cloud.nucleus.configuration.merge(d.cloud.nucleus.componentName, [], {
    LogLevel: 'debug',
    MaxLocalMediaSizeInMB: 1,
  });
  await eventually('the new log level', () => (run.component.log.level === 'debug' ? true : undefined));

  await setAttributes(d, cam.assetId, { CaptureStartTime: '* * * * *' });
  await eventually('RUNNING reported once the camera runs', () =>
    d.cloud.nucleus.reportedStates.at(-1) === 'RUNNING' ? true : undefined,
  );
  t.same(d.cloud.nucleus.reportedStates, ['ERRORED', 'RUNNING']);
  await eventually('debug lines of the camera, without a restart', () =>
    run.lines.find((l) => l.level === 'debug' && l.cameraId === cam.assetId),
  );

  // The first write over the cap starts a retention pass, which deletes the oldest file.
  await eventually('the old file to be deleted for the size cap', async () =>
    (await stat(old).catch(() => undefined)) ? undefined : true,
  );
  const files = await recordingFiles(run, cam.assetId);
  t.ok(files.length > 0 && files.every((f) => f.file !== old), 'new recordings are kept');
  t.equal(await run.stop(), 0);
});
