// A restart inside a capture window: the desired state is computed from the schedule, so the
// component that comes back while the window is still open records again (the reference only started
// recording when the cron fired, and lost the rest of a window after a restart).
import t from 'tap';
import { startTestCamera } from '../helpers/test-camera.js';
import { ffprobe } from '../helpers/media.js';
import { addCamera, deploy, recordingFiles, runConnector } from './fixtures.js';
import { eventually } from '../helpers/poll.js';

t.test('a restart inside a capture window resumes recording', async (t) => {
  const d = await deploy(t);
  const camera = await startTestCamera(t, { gopSeconds: 1 });
  // A daily window that opened at the start of this minute (UTC) and lasts 5 minutes.
  const now = new Date();
  const cam = await addCamera(d, {
    name: 'Yard',
    streamName: 'yard',
    rtspUrl: camera.url('/cam'),
    captureStartTime: `${now.getUTCMinutes()} ${now.getUTCHours()} ? * *`,
    captureDurationInMinutes: 5,
  });
  const config = { TimeZone: 'UTC', SegmentDurationSeconds: 2 };

  const first = await runConnector(t, d, config);
  await eventually('recording before the restart', async () =>
    (await recordingFiles(first, cam.assetId)).length >= 2 ? true : undefined,
  );
  t.ok(
    first.lines.some(
      (l) => l.msg === 'desired state' && l.record === true && String(l.reasons) === 'capture window',
    ),
    'recording because of the capture window',
  );
  t.equal(await first.stop(), 0);

  const restartedAt = Date.now();
  const second = await runConnector(t, d, config);
  const resumed = await eventually(
    'a recording file started after the restart',
    async () => {
      const files = (await recordingFiles(second, cam.assetId)).filter((f) => f.startMs >= restartedAt);
      // Two files: the first one is finished (a later one exists), so it is complete on disk.
      return files.length >= 2 ? files : undefined;
    },
    45_000,
  );
  const probe = await ffprobe(resumed[0]!.file);
  t.equal(probe.streams[0]?.codec_name, 'h264', 'the resumed recording is playable video');
  t.ok(second.component.connector.camera(cam.assetId)?.controller.health().recording);
  t.equal(await second.stop(), 0);
});
