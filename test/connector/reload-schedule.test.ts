// Hot reload of a schedule: a camera's CaptureStartTime is edited in SiteWise while the component
// runs, and recording starts and stops with it, without a restart of the component or of the camera's
// request subscription.
import { UpdateAssetPropertyCommand } from '@aws-sdk/client-iotsitewise';
import t from 'tap';
import { ffprobe } from '../helpers/media.js';
import { cameraOnTestCamera, deploy, recordingFiles, runConnector, setAttributes } from './fixtures.js';
import { eventually } from '../helpers/poll.js';

t.test('CaptureStartTime edited in SiteWise starts and stops recording on the next refresh', async (t) => {
  const d = await deploy(t);
  const cam = await cameraOnTestCamera(t, d, {
    name: 'Gate',
    streamName: 'gate',
    captureStartTime: '-',
  });
  const run = await runConnector(t, d, { SegmentDurationSeconds: 2, ConfigRefreshSeconds: 1 });
  const runtime = run.component.connector.camera(cam.assetId);
  t.ok(runtime, 'the camera runs');
  t.notOk(runtime!.controller.health().recording, 'nothing is recorded while the schedule says never');

  await setAttributes(d, cam.assetId, { CaptureStartTime: '* * * * *' });
  await eventually('recording after the schedule changed to always', async () =>
    (await recordingFiles(run, cam.assetId)).length >= 2 ? true : undefined,
  );
  t.equal(run.component.connector.camera(cam.assetId), runtime, 'applied in place: the same camera runtime');

  await setAttributes(d, cam.assetId, { CaptureStartTime: '-' });
  await eventually('recording to stop after the schedule changed back to never', () =>
    runtime!.controller.health().recording ? undefined : true,
  );
  const files = await recordingFiles(run, cam.assetId);
  const last = files.at(-1)!;
  const probe = await ffprobe(last.file);
  t.equal(probe.streams[0]?.codec_name, 'h264', 'the last file was closed properly');
  t.equal(run.component.connector.camera(cam.assetId), runtime, 'still the same camera runtime');
  t.equal(await run.stop(), 0);
});

t.test(
  'with attribute notifications enabled, an edit applies at once, not on the next refresh',
  async (t) => {
    const d = await deploy(t);
    const cam = await cameraOnTestCamera(t, d, {
      name: 'Gate',
      streamName: 'gate',
      captureStartTime: '-',
    });
    await d.sitewise.send(
      new UpdateAssetPropertyCommand({
        assetId: cam.assetId,
        propertyId: cam.propertyIds.CaptureStartTime!,
        propertyNotificationState: 'ENABLED',
      }),
    );
    // An hour between periodic refreshes: only the notification can explain a prompt change.
    const run = await runConnector(t, d, { SegmentDurationSeconds: 2, ConfigRefreshSeconds: 3600 });
    t.notOk(run.component.connector.camera(cam.assetId)!.controller.health().recording);

    await setAttributes(d, cam.assetId, { CaptureStartTime: '* * * * *' });
    await eventually('recording after the notified schedule change', async () =>
      (await recordingFiles(run, cam.assetId)).length >= 2 ? true : undefined,
    );
    t.ok(run.lines.some((l) => l.msg === 'camera attribute changed in SiteWise; refreshing'));
    t.equal(await run.stop(), 0);
  },
);
