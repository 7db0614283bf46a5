// The reconcile loop against recording ports: parts start and stop exactly when the desired state
// says, fragments reach the recorder always and the uploader only while live, and historical
// requests merge and retry. End-to-end runs with the real parts live in test/connector/.
import t from 'tap';
import {
  CameraController,
  constantSchedule,
  type CameraPorts,
  type UploadJob,
} from '../../src/camera/index.js';
import { createLogger } from '../../src/log/index.js';
import type { Fragment } from '../../src/mkv/fragment.js';
import type { TimeRange } from '../../src/time/index.js';
import { eventually } from '../helpers/poll.js';

const log = createLogger({ level: 'silent' });

function fragment(startMs: number): Fragment {
  return {
    startMs,
    endMs: startMs + 1000,
    keyframe: true,
    bytes: Buffer.alloc(4),
    header: { generation: 1, bytes: Buffer.alloc(4), tracks: [], timecodeScaleNs: 1e6 },
  };
}

function recordingPorts() {
  const events: string[] = [];
  const recorded: number[] = [];
  const live: number[] = [];
  const uploads: UploadJob[] = [];
  const gaps: TimeRange[] = [];
  let emit: ((f: Fragment) => void) | undefined;
  let failUploads = 0;
  const ports: CameraPorts = {
    source: () => ({
      start: (onFragment) => {
        events.push('source start');
        emit = onFragment;
      },
      stop: async () => {
        events.push('source stop');
        emit = undefined;
      },
    }),
    recorder: () => ({
      append: (f) => recorded.push(f.startMs),
      close: async () => void events.push('recorder close'),
    }),
    uploader: {
      setLive: (on) => void events.push(`live ${on}`),
      pushLive: (f) => void live.push(f.startMs),
      upload: async (job) => {
        if (failUploads > 0) {
          failUploads--;
          throw new Error('uplink down');
        }
        uploads.push(job);
      },
      close: async () => void events.push('uploader close'),
    },
    notUploaded: () => gaps,
  };
  return {
    ports,
    events,
    recorded,
    live,
    uploads,
    gaps,
    emit: (f: Fragment) => emit?.(f),
    failNextUploads: (n: number) => (failUploads = n),
  };
}

t.test('a live request starts recording and live, and both stop when it expires', async (t) => {
  let now = 1_000_000;
  const p = recordingPorts();
  const controller = new CameraController({
    cameraId: 'cam-1',
    plan: { capture: constantSchedule(false), live: constantSchedule(false) },
    ports: p.ports,
    log,
    liveKeepAliveMs: 300_000,
    now: () => now,
  });
  t.teardown(() => controller.stop());
  await controller.start();
  t.same(p.events, [], 'nothing desired, nothing runs');
  p.emit(fragment(1));
  await controller.requestLive();
  t.same(p.events, ['source start', 'live true']);
  p.emit(fragment(2));
  t.same(p.recorded, [2]);
  t.same(p.live, [2]);
  t.match(controller.health(), { recording: true, live: true, desired: { live: true } });
  now += 300_001;
  await controller.updatePlan({ capture: constantSchedule(false), live: constantSchedule(false) });
  t.same(p.events, ['source start', 'live true', 'live false', 'source stop', 'recorder close']);
  await controller.stop();
  t.equal(p.events.at(-1), 'uploader close');
  await controller.stop();
});

t.test('recording without live sends nothing to the uploader; a reload applies in place', async (t) => {
  const p = recordingPorts();
  const controller = new CameraController({
    cameraId: 'cam-2',
    plan: { capture: constantSchedule(true), live: constantSchedule(false) },
    ports: p.ports,
    log,
    liveKeepAliveMs: 1000,
  });
  t.teardown(() => controller.stop());
  await controller.start();
  p.emit(fragment(10));
  t.same(p.recorded, [10]);
  t.same(p.live, []);
  await controller.updatePlan({ capture: constantSchedule(true), live: constantSchedule(true) });
  p.emit(fragment(11));
  t.same(p.live, [11]);
  t.same(p.events, ['source start', 'live true'], 'the source was not restarted by the reload');
});

t.test('live turning on inside a window that began earlier backfills from the window start', async (t) => {
  const p = recordingPorts();
  const window = { at: () => ({ active: true, nextChangeMs: undefined, sinceMs: 42 }) };
  const controller = new CameraController({
    cameraId: 'cam-4',
    plan: { capture: constantSchedule(false), live: window },
    ports: p.ports,
    log,
    liveKeepAliveMs: 1000,
  });
  t.teardown(() => controller.stop());
  p.gaps.push({ startMs: 0, endMs: 30 }, { startMs: 40, endMs: 100 }, { startMs: 200, endMs: 300 });
  await controller.start();
  t.same(p.events, ['source start', 'live true']);
  await eventually('the backfill jobs', () => p.uploads.length === 2);
  t.same(
    p.uploads,
    [
      { startMs: 42, endMs: 100, origin: 'backfill' },
      { startMs: 200, endMs: 300, origin: 'backfill' },
    ],
    'what was not uploaded since the window began, and nothing before it',
  );
});

t.test('a stop cancels the running upload job and drops the queued ones', async (t) => {
  const p = recordingPorts();
  const started: UploadJob[] = [];
  let cancelled: unknown;
  p.ports.uploader.upload = (job, signal) => {
    started.push(job);
    return new Promise((_, reject) =>
      signal.addEventListener('abort', () => reject((cancelled = signal.reason)), { once: true }),
    );
  };
  const controller = new CameraController({
    cameraId: 'cam-5',
    plan: { capture: constantSchedule(false), live: constantSchedule(false) },
    ports: p.ports,
    log,
    liveKeepAliveMs: 1000,
  });
  controller.requestUpload({ startMs: 100, endMs: 200 });
  controller.requestUpload({ startMs: 500, endMs: 600 });
  await eventually('the first job to start', () => started.length === 1);
  t.equal(controller.health().queuedUploads, 1, 'the second job waits in the camera');
  await controller.stop();
  t.ok(cancelled !== undefined, 'the running job saw the abort');
  t.equal(started.length, 1, 'the queued job never started');
  t.equal(controller.health().queuedUploads, 0);
  t.same(p.events.slice(-1), ['uploader close']);
});

t.test('historical requests merge, and a failed upload is retried', async (t) => {
  const p = recordingPorts();
  const controller = new CameraController({
    cameraId: 'cam-3',
    plan: { capture: constantSchedule(false), live: constantSchedule(false) },
    ports: p.ports,
    log,
    liveKeepAliveMs: 1000,
    uploadRetryMs: 5,
  });
  t.teardown(() => controller.stop());
  p.failNextUploads(1);
  t.ok(controller.requestUpload({ startMs: 100, endMs: 200 }));
  controller.requestUpload({ startMs: 150, endMs: 250 });
  await eventually('the retried upload', () => p.uploads.length > 0);
  t.same(p.uploads[0], { startMs: 100, endMs: 250, origin: 'historical' });
  t.equal(controller.health().queuedUploads, 0);
});
