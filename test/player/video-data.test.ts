// The real TwinMaker video player's data code (@iot-app-kit/source-iottwinmaker videoData, not a copy of
// its logic) against the running connector and the local cloud: the stream resolves through TwinMaker,
// SiteWise and KVS; `live` sent the player's way reaches KVS and the player then gets a LIVE session; a
// range uploaded the player's way arrives with its original timestamps; and the availability ranges the
// player computes match what the edge recorded, uploaded and aged out, in a window that starts hours
// after the oldest cached video, once retention deleted some of it.
import t from 'tap';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ffprobe } from '@kvs-edge/localcloud/testkit';
import { deploy, eventually, recordingFiles, runConnector } from '../connector/fixtures.js';
import { frontDoor, oldRecording, VIDEO_COMPONENT, WORKSPACE } from './fixtures.js';
import { playerVideoData } from './player.js';

const MIN = 60_000;

/** Ranges as sorted [start, end] pairs, merged where they touch (the player's chunks are contiguous). */
function merged(ranges: { start: number; end: number }[]): [number, number][] {
  const out: [number, number][] = [];
  for (const r of [...ranges].filter((x) => x.end > x.start).sort((a, b) => a.start - b.start)) {
    const last = out.at(-1);
    if (last && r.start <= last[1] + 1000) last[1] = Math.max(last[1], r.end);
    else out.push([r.start, r.end]);
  }
  return out;
}

t.test('the real videoData object: stream source, live, range upload and availability', async (t) => {
  const d = await deploy(t);
  const now = Date.now();
  // Cached video: one recording 5 h old (retention, 4 h 30 min, deletes it) and one 3 h old whose
  // 90 s span a minute boundary M, where the player's window will start.
  const M = Math.floor((now - 3 * 3600_000) / MIN) * MIN;
  const deleted = now - 5 * 3600_000;
  const { cam, entityId } = await frontDoor(t, d, { localDataRetentionPeriodInMinutes: 270 });
  const recordings = path.join(d.dir, 'recordings', cam.assetId);
  await mkdir(recordings, { recursive: true, mode: 0o700 });
  await oldRecording(recordings, deleted, 20);
  await oldRecording(recordings, M - 30_000, 90);

  const player = () => playerVideoData(d.cloud, WORKSPACE, entityId, VIDEO_COMPONENT);

  const running = await runConnector(t, d, { SegmentDurationSeconds: 10 });
  await eventually('retention to delete the 5 h old recording', async () => {
    // The pass the store runs every minute, run now rather than waited for.
    await running.component.store.retention.run();
    const files = await recordingFiles(running, cam.assetId);
    return files.some((f) => f.startMs === deleted) ? undefined : true;
  });

  // Not live yet: the player's LIVE session request fails as on AWS (no fragment in the last 30 s).
  const video = player();
  await t.rejects(video.getKvsStreamSrc('LIVE'), { name: 'ResourceNotFoundException' });

  // Live, the player's way: `live` with a fractional timeInSeconds, then a LIVE session once KVS has video.
  const liveAsked = Date.now();
  await video.triggerLiveVideoUpload();
  const liveUrl = await eventually(
    'a LIVE HLS session',
    () => video.getKvsStreamSrc('LIVE').catch(() => undefined),
    60_000,
  );
  t.match(liveUrl, /getHLSMasterPlaylist\.m3u8\?SessionToken=/);
  const live = d.cloud.kvs.listFragments('front-door', { startMs: liveAsked - 5000 });
  t.ok(live.length > 0 && live.every((f) => Math.abs(f.producerTimestampMs - f.serverTimestampMs) < 15_000));
  const liveProbe = await ffprobe(liveUrl!);
  t.equal(liveProbe.streams[0]?.codec_name, 'h264', 'the LIVE session plays H.264');

  // A range inside the 3 h old recording, the player's way ("<startMs>-<endMs>").
  const upStart = M + 10_000;
  const upEnd = M + 30_000;
  await video.triggerOnDemandVideoUploadRequest(String(upStart), String(upEnd));
  const uploaded = await eventually('the range in KVS', () => {
    const f = d.cloud.kvs.listFragments('front-door', { startMs: upStart - 1000, endMs: upEnd });
    return f.length >= 19 ? f : undefined;
  });
  t.equal(uploaded[0]!.producerTimestampMs, upStart, 'uploaded with its original timestamps');
  t.ok(uploaded.at(-1)!.producerTimestampMs >= upEnd - 1000);
  const onDemand = await player().getKvsStreamSrc('ON_DEMAND', new Date(upStart), new Date(upEnd));
  const probe = await ffprobe(onDemand!);
  t.match(probe.streams[0], { codec_name: 'h264', width: 160, height: 120 });

  // Availability over a window starting at M (3 h after... the oldest cached video is 5 h old, now gone).
  const windowEnd = new Date(Date.now());
  const expectOnEdge = async () => {
    const files = await recordingFiles(running, cam.assetId);
    t.notOk(
      files.some((f) => f.startMs === deleted),
      'retention deleted the oldest recording',
    );
    return files;
  };
  await expectOnEdge();
  // The camera's recording can begin just after the live request (both start with the test), so the
  // live recording is the range that starts within a few seconds of the request and runs past it.
  // Status points reach SiteWise in batches, minute chunk by minute chunk: wait for that range.
  const liveOnEdge = (ranges: [number, number][]) =>
    ranges.slice(1).some(([a, b]) => a <= liveAsked + 5_000 && b >= liveAsked + 2_000);
  const result = await eventually(
    'availability that includes the live recording',
    async () => {
      const v = player();
      await v.getKvsStreamSrc('ON_DEMAND', new Date(M), windowEnd);
      const r = await v.getAvailableTimeRanges(new Date(M), windowEnd);
      const onEdge = merged(r?.[1] ?? []);
      return onEdge.length >= 2 && liveOnEdge(onEdge) ? r : undefined;
    },
    60_000,
  );
  const [withSource, onEdgeRaw] = result!;
  const onEdge = merged(onEdgeRaw);
  t.same(onEdge[0], [M, M + 60_000], 'the 3 h old recording, from the window start to its end');
  t.ok(liveOnEdge(onEdge), 'the live recording is on the edge');
  t.ok(
    withSource.some((r) => r.start <= upStart && r.end >= upEnd - 1000 && /SessionToken=/.test(r.src)),
    'the uploaded range plays on demand',
  );
  t.ok(
    withSource.some((r) => r.start <= liveAsked + 2000 && r.end > liveAsked && /SessionToken=/.test(r.src)),
    'the live upload plays on demand',
  );

  // A window over the last 6 h: the deleted recording is not on the edge.
  const wide = player();
  await wide.getKvsStreamSrc('ON_DEMAND', new Date(now - 6 * 3600_000), windowEnd);
  const wideRanges = await wide.getAvailableTimeRanges(new Date(now - 6 * 3600_000), windowEnd);
  const wideEdge = merged(wideRanges![1]);
  t.ok(
    wideEdge.every(([s, e]) => e <= deleted || s >= deleted + 20_000),
    'nothing of the deleted recording shows as on edge',
  );
  t.same(wideEdge[0], [M - 30_000, M + 60_000], 'the old recording shows whole in a window that holds it');
  t.equal(await running.stop(), 0);
});
