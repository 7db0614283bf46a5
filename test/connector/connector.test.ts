// The deployed component end to end: SiteWise configuration, two real test cameras (one with a wrong
// password), recording on disk, a `live` request reaching the local KVS, a historical request for
// what was recorded before, a malformed request ignored, and the status values the player reads.
import t from 'tap';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ffprobe } from '../helpers/media.js';
import { deploy, frontAndBackDoor, runConnector, sendRequest, statusRanges } from './fixtures.js';
import { eventually } from '../helpers/poll.js';

t.test(
  'two cameras, one with a wrong password: the good one records, goes live and uploads history',
  async (t) => {
    const d = await deploy(t);
    const { front: good, back: bad } = await frontAndBackDoor(t, d, {
      camera: { gopSeconds: 1 },
      front: { captureDurationInMinutes: 0 },
      backPath: '/cam265',
    });
    const run = await runConnector(t, d, { SegmentDurationSeconds: 2 });
    t.same(run.component.connector.summary().running.sort(), [bad.assetId, good.assetId].sort());

    const dir = path.join(run.component.store.root, good.assetId);
    const firstFile = await eventually('a finished recording file', async () => {
      const files = (await readdir(dir).catch(() => [])).filter((f) => /^video_\d+\.mkv$/.test(f)).sort();
      return files.length >= 2 ? files[0] : undefined;
    });
    const probe = await ffprobe(path.join(dir, firstFile!));
    t.equal(probe.streams[0]?.codec_name, 'h264');
    const fileStart = Number(/video_(\d+)\.mkv/.exec(firstFile!)![1]);
    t.ok(Math.abs(fileStart - Date.now()) < 60_000, 'file named by its epoch start time');

    // The minute's health line of a camera says what it does and why.
    const health = run.component.connector.camera(good.assetId)!.healthLine();
    t.match(health, {
      record: true,
      live: false,
      reasons: ['capture window'],
      source: { state: 'streaming' },
    });
    t.notOk('recordingDenied' in health, 'the store takes its video');

    // The bad camera is retried on its own and says why, without the password.
    const badHealth = await eventually('the bad camera to report 401', () => {
      const line = run.lines.find(
        (l) => l.cameraId === bad.assetId && /unauthorized|401/i.test(JSON.stringify(l)),
      );
      return line;
    });
    t.ok(badHealth);
    t.notMatch(JSON.stringify(run.lines), /wrong-pass|right-pass/, 'no password in any log line');

    // A malformed request is logged with its value and nothing happens.
    await sendRequest(d, good.assetId, good.propertyIds.VideoUploadRequest!, 'tomorrow please');
    await eventually('the malformed request to be logged', () =>
      run.lines.find((l) => l.msg === 'VideoUploadRequest ignored' && l.value === 'tomorrow please'),
    );

    // live: fragments reach the local KVS with producer times close to now.
    const liveAsked = Date.now();
    await sendRequest(d, good.assetId, good.propertyIds.VideoUploadRequest!, 'LIVE');
    const live = await eventually('live fragments in KVS', () => {
      const f = d.cloud.kvs
        .listFragments('front-door')
        .filter((x) => x.producerTimestampMs >= liveAsked - 2000);
      return f.length >= 2 ? f : undefined;
    });
    t.ok(live.every((f) => f.keyframe));
    t.ok(
      Math.abs(live[0]!.producerTimestampMs - live[0]!.serverTimestampMs) < 10_000,
      'producer time is wall time',
    );

    // A historical request for the first recorded seconds: those fragments reach KVS with their original times.
    const histEnd = fileStart + 3000;
    await sendRequest(d, good.assetId, good.propertyIds.VideoUploadRequest!, `${fileStart}-${histEnd}`);
    const historical = await eventually('historical fragments in KVS', () => {
      const f = d.cloud.kvs.listFragments('front-door', { startMs: fileStart - 1, endMs: histEnd });
      return f.length >= 2 ? f : undefined;
    });
    t.ok(historical[0]!.producerTimestampMs < liveAsked, 'uploaded with its original timestamp');
    const numbers = d.cloud.kvs.listFragments('front-door').map((f) => f.producerTimestampMs);
    t.equal(new Set(numbers).size, numbers.length, 'no fragment sent twice');

    // Status values the TwinMaker player reads: (timestamp = range start, value = range end in seconds).
    const uploaded = await eventually('VideoUploadedTimeRange points', async () => {
      const r = await statusRanges(d, good.assetId, good.propertyIds.VideoUploadedTimeRange!);
      return r.length > 0 ? r : undefined;
    });
    t.ok(
      uploaded.every((r) => r.endMs > r.startMs),
      'every uploaded range ends after it starts',
    );
    const recorded = await eventually('VideoRecordedTimeRange points', async () => {
      const r = await statusRanges(d, good.assetId, good.propertyIds.VideoRecordedTimeRange!);
      return r.length > 0 ? r : undefined;
    });
    t.ok(recorded[0]!.startMs <= fileStart + 1000, 'recorded range starts at the first recording');

    t.same(d.cloud.nucleus.reportedStates, ['RUNNING'], 'Greengrass was told the component runs');
    t.equal(await run.stop(), 0, 'stops cleanly');
    t.ok(run.lines.some((l) => l.msg === 'stopped'));
  },
);
