// The reconcile loop against recording ports: parts start and stop exactly when the desired state
// says, fragments reach the recorder always and the uploader only while live (and are marked owed
// then), and the camera's upload queue gets the owed ranges at start, the backfill of a live window
// and historical requests. The queue itself is in uploads.test.ts; end-to-end runs with the real
// parts live in test/connector/.
import t from 'tap';
import { CameraController, constantSchedule, type CameraPorts } from '../../src/camera/index.js';
import { createLogger } from '../../src/log/index.js';
import type { Fragment } from '../../src/mkv/fragment.js';
import type { TimeRange } from '../../src/time/index.js';
import { eventually } from '../helpers/poll.js';

interface Upload {
  range: TimeRange;
  origin: string;
}

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
  const uploads: Upload[] = [];
  const intents: string[] = [];
  const index = { notUploaded: [] as TimeRange[], owed: [] as TimeRange[] };
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
      upload: async (range, origin) => {
        if (failUploads > 0) {
          failUploads--;
          throw new Error('uplink down');
        }
        uploads.push({ range, origin });
      },
      close: async () => void events.push('uploader close'),
    },
    index: {
      notUploaded: () => index.notUploaded,
      owed: () => index.owed,
      intend: (r, kind) => void intents.push(`${kind} ${r.startMs}-${r.endMs}`),
      openRequests: () => [],
      recordedUntil: () => undefined,
    },
  };
  return {
    ports,
    events,
    recorded,
    live,
    uploads,
    intents,
    index,
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
  t.same(p.intents, ['live 2-1002'], 'only the fragment recorded while live is marked owed to KVS');
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
  t.same(p.intents, ['live 11-1011'], 'the fragment recorded before live is not owed to KVS');
  t.same(p.events, ['source start', 'live true'], 'the source was not restarted by the reload');
});

t.test('live turning on inside a window that began earlier backfills from the window start', async (t) => {
  const p = recordingPorts();
  // Not in KVS: 0-100 (partly before the window, which began at 42) and 10-20 (entirely before it).
  p.index.notUploaded = [
    { startMs: 10, endMs: 20 },
    { startMs: 30, endMs: 100 },
  ];
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
  t.same(p.events, ['source start', 'live true']);
  await eventually('the backfill job to run', () => p.uploads[0]);
  t.same(p.uploads, [{ range: { startMs: 42, endMs: 100 }, origin: 'backfill' }]);
  t.same(p.intents, ['request 42-100'], 'the backfilled part is owed across a restart');
});

t.test('what earlier runs owe KVS is uploaded at start, oldest first, with no schedule active', async (t) => {
  const p = recordingPorts();
  p.index.owed = [
    { startMs: 1000, endMs: 2000 },
    { startMs: 5000, endMs: 6000 },
  ];
  const controller = new CameraController({
    cameraId: 'cam-5',
    plan: { capture: constantSchedule(false), live: constantSchedule(false) },
    ports: p.ports,
    log,
    liveKeepAliveMs: 1000,
  });
  t.teardown(() => controller.stop());
  await controller.start();
  await eventually('both owed ranges uploaded', () => (p.uploads.length === 2 ? true : undefined));
  t.same(p.uploads, [
    { range: { startMs: 1000, endMs: 2000 }, origin: 'backfill' },
    { range: { startMs: 5000, endMs: 6000 }, origin: 'backfill' },
  ]);
  t.same(p.events, [], 'nothing recorded: no schedule is active');
});

t.test('historical requests merge, are marked owed, and a failed upload is retried', async (t) => {
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
  t.ok(controller.requestUpload({ startMs: 150, endMs: 250 }));
  await eventually('the merged range uploaded', () => p.uploads[0]);
  t.same(p.uploads, [{ range: { startMs: 100, endMs: 250 }, origin: 'historical' }]);
  t.same(p.intents, ['request 100-200', 'request 150-250']);
  t.equal(controller.health().queuedUploads, 0);
  t.notOk(controller.health().lastUploadError, 'the error is cleared by the successful retry');
});
