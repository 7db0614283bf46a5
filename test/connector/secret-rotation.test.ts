// A secret rotated: the camera's secret first holds a URL with a wrong password, so the camera is
// refused; PutSecretValue stores the right one, and the camera is restarted with it and records.
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import t from 'tap';
import { startTestCamera } from '../helpers/test-camera.js';
import { addCamera, deploy, recordingFiles, runConnector } from './fixtures.js';
import { eventually } from '../helpers/poll.js';

t.test('PutSecretValue with the right password restarts the camera with the new URL', async (t) => {
  const d = await deploy(t);
  const camera = await startTestCamera(t, { user: 'viewer', password: 'new-pass', gopSeconds: 1 });
  const cam = await addCamera(d, {
    name: 'Lobby',
    streamName: 'lobby',
    rtspUrl: camera.url('/cam', { user: 'viewer', password: 'old-pass' }),
    captureStartTime: '* * * * *',
  });
  const run = await runConnector(t, d, { SegmentDurationSeconds: 2, ConfigRefreshSeconds: 1 });
  await eventually('the camera to refuse the old password', () =>
    run.lines.find((l) => l.cameraId === cam.assetId && /unauthorized|401/i.test(JSON.stringify(l))),
  );
  t.same(await recordingFiles(run, cam.assetId), [], 'nothing recorded with the wrong password');
  const before = run.component.connector.camera(cam.assetId);

  await d.secrets.send(
    new PutSecretValueCommand({
      SecretId: cam.secretArn,
      SecretString: JSON.stringify({
        RTSPStreamURL: camera.url('/cam', { user: 'viewer', password: 'new-pass' }),
      }),
    }),
  );
  await eventually('recording with the rotated secret', async () =>
    (await recordingFiles(run, cam.assetId)).length >= 2 ? true : undefined,
  );
  t.not(run.component.connector.camera(cam.assetId), before, 'the camera was rebuilt with the new URL');
  t.notMatch(JSON.stringify(run.lines), /old-pass|new-pass/, 'no password in any log line');
  t.equal(await run.stop(), 0);
});
