// Video deleted while the connector was stopped (retention at the last stop, or an operator removing a
// file) must leave the player's "on edge" lane after the next start. The availability is read with the
// real player's videoData code, as a dashboard reads it.
import t from 'tap';
import { rm } from 'node:fs/promises';
import { CreateStreamCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import {
  cameraOnTestCamera,
  deploy,
  eventually,
  recordingFiles,
  runConnector,
} from '../connector/fixtures.js';
import { cameraEntity } from './fixtures.js';
import { playerVideoData } from './player.js';
import { DEFAULT_VIDEO_COMPONENT } from '../../src/provision/index.js';

type Range = { start: number; end: number };

t.test(
  'a recording deleted while the connector was stopped no longer shows as on edge after the restart, and no on-edge ranges overlap',
  async (t) => {
    const d = await deploy(t);
    const cam = await cameraOnTestCamera(t, d, {
      name: 'Gate',
      streamName: 'gate',
      captureStartTime: '* * * * *',
      captureDurationInMinutes: 0,
      localDataRetentionPeriodInMinutes: 600,
    });
    const entityId = await cameraEntity(d, { name: 'Gate', ...cam });
    // The player resolves the stream before it reads availability; it exists as after any earlier upload.
    const kvs = new KinesisVideoClient({
      region: d.cloud.region,
      endpoint: d.cloud.env.AWS_ENDPOINT_URL_KINESIS_VIDEO!,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    t.teardown(() => kvs.destroy());
    await kvs.send(new CreateStreamCommand({ StreamName: 'gate', DataRetentionInHours: 24 }));
    const windowStart = Date.now() - 5 * 60_000;
    const onEdge = async (): Promise<Range[]> => {
      // A new videoData per query: the object never clears its arrays (docs/video.md).
      const video = playerVideoData(d.cloud, 'Cameras', entityId, DEFAULT_VIDEO_COMPONENT);
      const end = new Date();
      // Nothing is uploaded, so there is no ON_DEMAND session (ResourceNotFoundException, as on AWS);
      // the object has resolved the stream and its endpoint by then, which is what availability needs.
      await video.getKvsStreamSrc('ON_DEMAND', new Date(windowStart), end).catch((err: { name?: string }) => {
        if (err.name !== 'ResourceNotFoundException') throw err;
      });
      const ranges = await video.getAvailableTimeRanges(new Date(windowStart), end);
      return (ranges?.[1] ?? []).filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
    };
    const config = { SegmentDurationSeconds: 4 };

    const first = await runConnector(t, d, config);
    const files = await eventually(
      'three recordings',
      async () => {
        const f = await recordingFiles(first, cam.assetId);
        return f.length >= 3 ? f : undefined;
      },
      60_000,
    );
    const [oldest, second] = files as [(typeof files)[0], (typeof files)[0]];
    await eventually('the oldest recording on edge in the player', async () =>
      (await onEdge()).some((r) => r.start <= oldest.startMs + 1000 && r.end > oldest.startMs + 1000)
        ? true
        : undefined,
    );
    t.equal(await first.stop(), 0);

    await rm(oldest.file);
    const restarted = await runConnector(t, d, config);
    // What is left of the deleted span: nothing of [oldest start, second start) may be on edge.
    const shown = (ranges: Range[]) =>
      ranges.some((r) => r.start < second.startMs - 500 && r.end > oldest.startMs);
    const after = await eventually(
      'the deleted recording gone from the on-edge lane',
      async () => {
        const ranges = await onEdge();
        return !shown(ranges) &&
          ranges.some((r) => r.start <= second.startMs + 1000 && r.end > second.startMs + 1000)
          ? ranges
          : undefined;
      },
      60_000,
    );
    t.notOk(shown(after), 'nothing of the deleted recording is on edge');
    t.ok(
      after.some((r) => r.start <= second.startMs + 1000 && r.end > second.startMs + 1000),
      'the recording after it still is',
    );
    for (let i = 1; i < after.length; i++) {
      t.ok(after[i]!.start >= after[i - 1]!.end, `on-edge ranges ${i - 1} and ${i} do not overlap`);
    }
    t.equal(await restarted.stop(), 0);
  },
);
