// Requests as dashboards send them, with the real player's videoData code: the panel re-sends `live`
// every 120 s while it shows live video, and two dashboards on one camera can ask for overlapping ranges
// at the same moment. Live must go on without a gap, a second session or a duplicate fragment; the
// union of two overlapping ranges must reach KVS once; and the uploaded ranges the player reads back
// must be right.
import t from 'tap';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { cameraOnTestCamera, deploy, eventually, runConnector } from '../connector/fixtures.js';
import { cameraEntity, oldRecording } from './fixtures.js';
import { playerVideoData } from './player.js';
import { DEFAULT_VIDEO_COMPONENT } from '../../src/provision/index.js';

// The panel re-sends every 120 s and the connector's default keep-alive is 300 s. What decides whether
// live goes on is only whether the next `live` arrives before the keep-alive of the previous one ends
// (the camera keeps live until the latest request + LiveKeepAliveSeconds); the scale does not enter.
// So a re-send every 3 s against a keep-alive of 8 s is the same situation, 40 times faster, and four
// re-sends carry live well past one keep-alive.
const KEEP_ALIVE_S = 8;
const RESEND_MS = 3_000;
const RESENDS = 4;

t.test(
  'live re-sent the panel way keeps one live session going past the keep-alive: no gap, no duplicate',
  async (t) => {
    const d = await deploy(t);
    const cam = await cameraOnTestCamera(t, d, { name: 'Lobby', streamName: 'lobby' });
    const entityId = await cameraEntity(d, { name: 'Cam', ...cam });
    const player = () => playerVideoData(d.cloud, 'Cameras', entityId, DEFAULT_VIDEO_COMPONENT);
    const running = await runConnector(t, d, {
      SegmentDurationSeconds: 10,
      LiveKeepAliveSeconds: KEEP_ALIVE_S,
    });

    const video = player();
    // On load the panel asks for a LIVE source, which resolves the entity's properties; it fails here
    // (no stream yet), as on AWS before the first live request.
    await video.getKvsStreamSrc('LIVE').catch(() => undefined);
    const firstAsked = Date.now();
    await video.triggerLiveVideoUpload();
    await eventually('a LIVE session', () => video.getKvsStreamSrc('LIVE').catch(() => undefined), 60_000);
    // Re-sent as the panel does while live: the same object, `live` again, a LIVE session again.
    let lastAsked = firstAsked;
    for (let i = 0; i < RESENDS; i++) {
      await new Promise<void>((resolve) => setTimeout(resolve, RESEND_MS));
      lastAsked = Date.now();
      await video.triggerLiveVideoUpload();
      t.ok(await video.getKvsStreamSrc('LIVE'), `re-send ${i + 1}: the LIVE session is still there`);
    }
    // Past the last keep-alive, live ends; the camera stops (no capture schedule).
    await eventually(
      'live to end after the last keep-alive',
      () => (running.component.connector.camera(cam.assetId)?.controller.health().live ? undefined : true),
      60_000,
    );
    const fragments = d.cloud.kvs
      .listFragments('lobby')
      .sort((a, b) => a.producerTimestampMs - b.producerTimestampMs);
    const starts = fragments.map((f) => f.producerTimestampMs);
    t.equal(new Set(starts).size, starts.length, 'no fragment twice');
    t.equal(
      new Set(fragments.map((f) => f.sessionId)).size,
      1,
      'one PutMedia session for the whole live period',
    );
    // Between one fragment's last frame and the next one's first: one frame interval when nothing is lost.
    const gaps = fragments
      .slice(1)
      .map((f, i) => f.producerTimestampMs - (fragments[i]!.producerTimestampMs + fragments[i]!.durationMs));
    t.ok(Math.max(...gaps) <= 250, `no gap: at most ${Math.max(...gaps)} ms between fragments`);
    t.ok(
      starts.at(-1)! >= firstAsked + RESENDS * RESEND_MS,
      'live went on past the first request’s keep-alive, carried by the re-sends',
    );
    t.ok(
      starts.at(-1)! <= lastAsked + KEEP_ALIVE_S * 1000 + 5_000,
      'and ended about one keep-alive after the last re-send',
    );

    // What the player reads back: one uploaded range over the whole live period.
    const uploaded = await eventually('the uploaded range to cover the live period', async () => {
      const v = player();
      const end = new Date(Date.now());
      await v.getKvsStreamSrc('ON_DEMAND', new Date(starts[0]! - 60_000), end);
      const r = await v.getAvailableTimeRanges(new Date(starts[0]! - 60_000), end);
      const ranges = (r?.[0] ?? []).filter((x) => x.end > x.start);
      return ranges.some((x) => x.start <= starts[0]! + 1000 && x.end >= starts.at(-1)!) ? ranges : undefined;
    });
    t.equal(uploaded.length, 1, 'one uploaded range, not one per request');
    t.equal(await running.stop(), 0);
  },
);

t.test(
  'two dashboards ask for overlapping ranges close together: the union reaches KVS once and the uploaded ranges match it',
  async (t) => {
    const d = await deploy(t);
    const cam = await cameraOnTestCamera(t, d, { name: 'Yard', streamName: 'yard' });
    const entityId = await cameraEntity(d, { name: 'Cam', ...cam });
    // A minute of video recorded ten minutes ago, 1 s GOPs.
    const T = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
    const recordings = path.join(d.dir, 'recordings', cam.assetId);
    await mkdir(recordings, { recursive: true, mode: 0o700 });
    await oldRecording(recordings, T, 60);
    const running = await runConnector(t, d, { SegmentDurationSeconds: 10 });

    // Dashboard 1 wants [T+5 s, T+35 s], dashboard 2 [T+20 s, T+50 s].
    const a = [T + 5_000, T + 35_000] as const;
    const c = [T + 20_000, T + 50_000] as const;
    const one = playerVideoData(d.cloud, 'Cameras', entityId, DEFAULT_VIDEO_COMPONENT);
    const two = playerVideoData(d.cloud, 'Cameras', entityId, DEFAULT_VIDEO_COMPONENT);
    await one.getKvsStreamSrc('LIVE').catch(() => undefined); // resolves the properties, as the panel does on load
    await two.getKvsStreamSrc('LIVE').catch(() => undefined);
    // One right after the other (a BatchPut round trip apart), the second while the first is being
    // served. Not in the same millisecond: SiteWise keeps one value per property and timestamp, and the
    // player stamps requests with Date.now(), so two requests in one millisecond are one request, on AWS too.
    await one.triggerOnDemandVideoUploadRequest(String(a[0]), String(a[1]));
    await two.triggerOnDemandVideoUploadRequest(String(c[0]), String(c[1]));

    // Every whole second of the union, each a fragment of the recording (one per GOP).
    const wanted = Array.from({ length: (c[1] - a[0]) / 1000 }, (_, i) => a[0] + i * 1000);
    await eventually(
      'the union in KVS',
      () => {
        const s = d.cloud.kvs.listFragments('yard').map((f) => f.producerTimestampMs);
        return wanted.every((w) => s.includes(w)) ? true : undefined;
      },
      60_000,
    );
    // Wait for both jobs to finish before judging duplicates: nothing may arrive twice later.
    await eventually('both requests done', () =>
      running.component.connector.camera(cam.assetId)?.controller.health().queuedUploads === 0
        ? true
        : undefined,
    );
    const final = d.cloud.kvs
      .listFragments('yard')
      .map((f) => f.producerTimestampMs)
      .sort((x, y) => x - y);
    t.equal(new Set(final).size, final.length, 'no fragment twice');
    t.same(
      running.lines.filter((l) => l.msg === 'historical upload requested').map((l) => [l.startMs, l.endMs]),
      [a, c],
      'both requests reached the camera',
    );
    t.ok(
      final.every((s) => s >= a[0] - 1000 && s < c[1]),
      'nothing outside the union (at most the GOP that holds its start)',
    );

    const uploaded = await eventually('the uploaded ranges to cover the union', async () => {
      const v = playerVideoData(d.cloud, 'Cameras', entityId, DEFAULT_VIDEO_COMPONENT);
      const end = new Date(Date.now());
      await v.getKvsStreamSrc('ON_DEMAND', new Date(T - 60_000), end);
      const r = await v.getAvailableTimeRanges(new Date(T - 60_000), end);
      const ranges = (r?.[0] ?? []).filter((x) => x.end > x.start).sort((x, y) => x.start - y.start);
      let covered = a[0];
      for (const x of ranges) if (x.start <= covered + 1000) covered = Math.max(covered, x.end);
      return covered >= c[1] - 1000 ? ranges : undefined;
    });
    for (let i = 1; i < uploaded.length; i++) {
      t.ok(uploaded[i]!.start >= uploaded[i - 1]!.end, `uploaded ranges ${i - 1} and ${i} do not overlap`);
    }
    t.ok(
      uploaded[0]!.start >= a[0] - 1000 && uploaded.at(-1)!.end <= c[1] + 1000,
      'and stay within the union',
    );
    t.equal(await running.stop(), 0);
  },
);
