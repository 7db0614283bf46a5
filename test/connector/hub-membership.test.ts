// Cameras added to and removed from the hub while the component runs: the new camera starts on the
// next refresh, the removed one stops (recording closed, request subscription gone), and the camera
// that stayed is not touched.
import t from 'tap';
import { DisassociateAssetsCommand } from '@aws-sdk/client-iotsitewise';
import { startTestCamera } from '../helpers/test-camera.js';
import { ffprobe } from '../helpers/media.js';
import { addCamera, deploy, recordingFiles, runConnector } from './fixtures.js';
import { eventually } from '../helpers/poll.js';

t.test('a camera added to the hub starts, a camera removed from it stops', async (t) => {
  const d = await deploy(t);
  const camera = await startTestCamera(t, { gopSeconds: 1 });
  const first = await addCamera(d, {
    name: 'Hall',
    streamName: 'hall',
    rtspUrl: camera.url('/cam'),
    captureStartTime: '* * * * *',
  });
  const run = await runConnector(t, d, { SegmentDurationSeconds: 2, ConfigRefreshSeconds: 1 });
  t.same(run.component.connector.summary().running, [first.assetId]);
  const firstRuntime = run.component.connector.camera(first.assetId);

  const second = await addCamera(d, {
    name: 'Stairs',
    streamName: 'stairs',
    rtspUrl: camera.url('/cam265'),
    captureStartTime: '* * * * *',
  });
  await eventually('the added camera to record', async () =>
    (await recordingFiles(run, second.assetId)).length >= 2 ? true : undefined,
  );
  t.equal(run.component.connector.camera(first.assetId), firstRuntime, 'the first camera was not touched');

  await d.sitewise.send(
    new DisassociateAssetsCommand({
      assetId: d.hub.assetId,
      hierarchyId: d.hub.hierarchyId,
      childAssetId: first.assetId,
    }),
  );
  // Stopping takes as long as the machine needs (EOS, last fragment, file closed); the connector says
  // when it is done, and only then is "no longer records" a fair question.
  await eventually('the removed camera to stop', () =>
    run.lines.some(
      (l) => l.cameraId === first.assetId && /camera stopped: recording closed/.test(String(l.msg)),
    ),
  );
  t.ok(run.lines.some((l) => l.cameraId === first.assetId && /left the hub/.test(String(l.msg))));
  t.equal(run.component.connector.camera(first.assetId), undefined, 'the removed camera is gone');
  t.same(run.component.connector.summary().running, [second.assetId], 'only the remaining camera runs');
  t.notOk(firstRuntime!.controller.health().recording, 'the removed camera no longer records');
  const filesAtStop = await recordingFiles(run, first.assetId);
  const lastFile = filesAtStop.at(-1)!;
  t.equal((await ffprobe(lastFile.file)).streams[0]?.codec_name, 'h264', 'its last file was closed properly');
  // The other camera keeps recording meanwhile: once it has started a new file, the removed camera's
  // files must still be exactly what they were when it stopped.
  const secondFiles = (await recordingFiles(run, second.assetId)).length;
  await eventually('the remaining camera to start another file', async () =>
    (await recordingFiles(run, second.assetId)).length > secondFiles ? true : undefined,
  );
  t.same(await recordingFiles(run, first.assetId), filesAtStop, 'no new file for the removed camera');
  t.equal(await run.stop(), 0);
});
