// The reconcile loop against recording ports: parts start and stop exactly when the desired state
// says, fragments reach the recorder always and the uploader only while live, and historical
// requests merge and retry. End-to-end runs with the real parts live in test/connector/.
import t from 'tap';
import { CameraController, constantSchedule, type CameraPorts } from '../../src/camera/index.js';
import { createLogger } from '../../src/log/index.js';
import type { Fragment } from '../../src/mkv/fragment.js';
import type { TimeRange } from '../../src/time/index.js';

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
  const uploads: TimeRange[] = [];
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
      upload: async (range) => {
        if (failUploads > 0) {
          failUploads--;
          throw new Error('uplink down');
        }
        uploads.push(range);
      },
      backfill: (since) => void events.push(`backfill ${since}`),
      close: async () => void events.push('uploader close'),
    },
  };
  return {
    ports,
    events,
    recorded,
    live,
    uploads,
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
  await controller.start();
  t.same(p.events, ['source start', 'live true', 'backfill 42']);
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
  const deadline = Date.now() + 5000;
  while (p.uploads.length === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  t.same(p.uploads[0], { startMs: 100, endMs: 250 });
  t.equal(controller.health().queuedUploads, 0);
});
