// The camera's one upload queue against ports: what runs, in which order, how often, what is merged
// or refused, what a stop cancels, and how a range that ends in the future is kept open. The real
// uploader and store behind these ports are exercised in test/kvs/ and test/connector/.
import t from 'tap';
import {
  MAX_FUTURE_MS,
  MAX_UPLOAD_JOBS,
  UploadQueue,
  type RecordingIndexPort,
} from '../../src/camera/index.js';
import { createLogger } from '../../src/log/index.js';
import type { TimeRange } from '../../src/time/index.js';
import { eventually } from '../helpers/poll.js';

interface Call {
  range: TimeRange;
  origin: string;
  signal: AbortSignal;
  finish: () => void;
}

/** An uploader whose uploads finish when the test says so (or at once), and an index the test sets. */
function parts(options: { hold?: boolean; now?: () => number } = {}) {
  const calls: Call[] = [];
  const intents: string[] = [];
  const lines: { msg: string; level: number }[] = [];
  const state = {
    notUploaded: [] as TimeRange[],
    owed: [] as TimeRange[],
    openRequests: [] as TimeRange[],
    recordedUntil: undefined as number | undefined,
  };
  const index: RecordingIndexPort = {
    notUploaded: () => state.notUploaded,
    owed: () => state.owed,
    intend: (r, kind) => void intents.push(`${kind} ${r.startMs}-${r.endMs}`),
    openRequests: () => state.openRequests,
    recordedUntil: () => state.recordedUntil,
  };
  const queue = new UploadQueue({
    log: createLogger({ destination: { write: (l: string) => lines.push(JSON.parse(l)) } }),
    index,
    now: options.now ?? Date.now,
    openPassMs: 10,
    retryMs: 10,
    uploader: {
      upload: (range, origin, signal) =>
        new Promise<void>((resolve, reject) => {
          const call = { range, origin, signal, finish: resolve };
          calls.push(call);
          signal.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
          if (!options.hold) resolve();
        }),
    },
  });
  return { queue, calls, intents, lines, state };
}

t.test(
  'one job at a time; ranges inside a job add nothing, overlapping ones of an origin merge',
  async (t) => {
    const p = parts({ hold: true });
    t.teardown(() => p.queue.stop());
    t.ok(p.queue.request({ startMs: 0, endMs: 100 }));
    await eventually('the first job to run', () => p.calls[0]);
    t.ok(p.queue.request({ startMs: 10, endMs: 90 }), 'inside the running job: accepted, nothing added');
    t.ok(p.queue.request({ startMs: 200, endMs: 300 }));
    t.ok(p.queue.request({ startMs: 250, endMs: 400 }), 'overlaps the waiting one: merged');
    p.queue.backfill(0);
    t.ok(p.queue.request({ startMs: 400, endMs: 500 }), 'touches it: merged');
    p.state.notUploaded = [{ startMs: 220, endMs: 260 }];
    p.queue.backfill(0);
    t.equal(
      p.queue.size,
      2,
      'the running job and one merged historical job; the backfill inside it joined it',
    );
    t.equal(p.calls.length, 1, 'nothing else runs while a job runs');
    p.calls[0]!.finish();
    await eventually('the second job to run', () => p.calls[1]);
    t.same(p.calls[1]!.range, { startMs: 200, endMs: 500 });
    p.calls[1]!.finish();
    await eventually('the queue to drain', () => p.queue.size === 0);
    t.equal(p.calls.length, 2, 'each range uploaded once');
    t.same(p.intents, [
      'request 0-100',
      'request 10-90',
      'request 200-300',
      'request 250-400',
      'request 400-500',
      'request 220-260',
    ]);
  },
);

t.test('the queue is bounded: a range beyond it is refused and logged once', async (t) => {
  const p = parts({ hold: true });
  t.teardown(() => p.queue.stop());
  const results: boolean[] = [];
  for (let i = 0; i < MAX_UPLOAD_JOBS + 5; i++)
    results.push(p.queue.request({ startMs: i * 1000, endMs: i * 1000 + 10 }));
  t.equal(results.filter(Boolean).length, MAX_UPLOAD_JOBS, `${MAX_UPLOAD_JOBS} accepted`);
  t.equal(p.queue.size, MAX_UPLOAD_JOBS);
  t.equal(p.lines.filter((l) => /upload queue of the camera is full/.test(l.msg)).length, 1, 'one warning');
  t.ok(p.queue.request({ startMs: 0, endMs: 5 }), 'a range inside a queued one is still accepted');
});

t.test('what a start owes is queued oldest first, at most 16 jobs', async (t) => {
  const p = parts();
  t.teardown(() => p.queue.stop());
  // 20 one-second holes, the gap after the 5th is the smallest... all gaps differ so the joins are known.
  p.state.owed = Array.from({ length: 20 }, (_, i) => ({
    startMs: i * 10_000 + i * i,
    endMs: i * 10_000 + i * i + 1000,
  }));
  p.queue.owedAtStart();
  await eventually('the owed jobs to run', () => p.queue.size === 0);
  t.equal(p.calls.length, 16);
  t.ok(
    p.calls.every((c) => c.origin === 'backfill'),
    'sent as backfill',
  );
  const starts = p.calls.map((c) => c.range.startMs);
  t.same(
    starts,
    [...starts].sort((a, b) => a - b),
    'oldest first',
  );
  t.equal(p.calls[0]!.range.startMs, 0);
  t.equal(p.calls.at(-1)!.range.endMs, 19 * 10_000 + 19 * 19 + 1000, 'everything owed is covered');
});

t.test(
  'a start re-opens a request of the previous run whose end is ahead and uploads it until that end',
  async (t) => {
    let now = 1_000_000;
    const p = parts({ now: () => now });
    t.teardown(() => p.queue.stop());
    p.state.openRequests = [
      // Ended while the component was down: only what is owed of it goes up.
      { startMs: 100_000, endMs: 900_000 },
      { startMs: 960_000, endMs: 1_030_000 },
    ];
    p.state.owed = [
      { startMs: 100_000, endMs: 200_000 },
      { startMs: 960_000, endMs: 995_000 },
    ];
    p.queue.owedAtStart();
    await eventually('the re-opened request and the owed range to run', () => p.calls.length >= 2);
    t.same(
      p.calls.slice(0, 2).map((c) => [c.origin, c.range]),
      [
        ['historical', { startMs: 960_000, endMs: 1_030_000 }],
        ['backfill', { startMs: 100_000, endMs: 200_000 }],
      ],
      'the open request is re-opened to its end; what it covers is not queued twice',
    );
    t.equal(p.queue.size, 1, 'the re-opened request stays open');
    now = 1_040_000;
    p.state.recordedUntil = 1_035_000;
    await eventually('the queue to drain', () => p.queue.size === 0);
    t.ok(
      p.calls.slice(2).every((c) => c.range.endMs === 1_030_000),
      'later passes stop at the requested end',
    );
    t.same(p.intents, [], 'nothing marked again');
  },
);

t.test('a start clips a re-opened request to the future bound (a clock stepped back)', async (t) => {
  const now = 5_000_000;
  const p = parts({ hold: true, now: () => now });
  t.teardown(() => p.queue.stop());
  p.state.openRequests = [{ startMs: now - 1000, endMs: now + 3 * MAX_FUTURE_MS }];
  p.queue.owedAtStart();
  await eventually('the job', () => p.calls[0]);
  t.same(p.calls[0]!.range, { startMs: now - 1000, endMs: now + MAX_FUTURE_MS });
});

t.test('a stop cancels the running job and drops the waiting ones', async (t) => {
  const p = parts({ hold: true });
  p.queue.request({ startMs: 0, endMs: 100 });
  await eventually('the first job', () => p.calls[0]);
  p.queue.request({ startMs: 200, endMs: 300 });
  t.notOk(p.calls[0]!.signal.aborted);
  await p.queue.stop();
  t.ok(p.calls[0]!.signal.aborted, 'the running upload was cancelled');
  t.equal(p.calls.length, 1, 'the waiting job never ran');
  t.equal(p.queue.size, 0);
  t.notOk(p.queue.request({ startMs: 400, endMs: 500 }), 'nothing is accepted after the stop');
  t.notOk(
    p.lines.some((l) => /will retry/.test(l.msg)),
    'a cancel is not a failure',
  );
});

t.test('a range ending in the future is uploaded in passes until its end is recorded', async (t) => {
  let now = 100_000;
  const p = parts({ now: () => now });
  t.teardown(() => p.queue.stop());
  t.ok(p.queue.request({ startMs: 0, endMs: 200_000 }));
  await eventually('the first pass', () => p.calls[0]);
  t.equal(p.queue.size, 1, 'still open after the first pass');
  now = 150_000;
  await eventually('the second pass', () => p.calls[1]);
  now = 210_000;
  p.state.recordedUntil = 190_000;
  await eventually('a pass after the end, before the end is recorded', () => p.calls[2]);
  t.equal(p.queue.size, 1, 'the end is not recorded yet: still open');
  p.state.recordedUntil = 205_000;
  now = 215_000;
  await eventually('the queue to drain', () => p.queue.size === 0);
  t.same(
    p.calls.map((c) => c.range),
    [
      { startMs: 0, endMs: 200_000 },
      // Each pass re-reads from 30 s before the previous pass began.
      { startMs: 70_000, endMs: 200_000 },
      { startMs: 120_000, endMs: 200_000 },
      { startMs: 180_000, endMs: 200_000 },
    ],
  );
  t.same(p.intents, ['request 0-200000'], 'owed once, the whole range');
  t.equal(p.lines.filter((l) => l.msg === 'upload finished').length, 1);
});

t.test('an open range whose end is never recorded ends 20 s after its end', async (t) => {
  let now = 1_000_000;
  const p = parts({ now: () => now });
  t.teardown(() => p.queue.stop());
  p.queue.request({ startMs: now - 5000, endMs: now + 5000 });
  await eventually('the first pass', () => p.calls[0]);
  now += 5000 + 19_000;
  await eventually('a pass 19 s after the end', () => p.calls[1]);
  t.equal(p.queue.size, 1);
  now += 1000;
  await eventually('the queue to drain', () => p.queue.size === 0);
  t.equal(p.calls.length, 3);
});

t.test(
  `a request ending more than ${MAX_FUTURE_MS / 60_000} min ahead is clipped there, with one log line`,
  async (t) => {
    const now = 5_000_000;
    const p = parts({ hold: true, now: () => now });
    t.teardown(() => p.queue.stop());
    t.ok(p.queue.request({ startMs: now - 60_000, endMs: now + 3600_000 }));
    await eventually('the job', () => p.calls[0]);
    t.same(p.calls[0]!.range, { startMs: now - 60_000, endMs: now + MAX_FUTURE_MS });
    t.same(p.intents, [`request ${now - 60_000}-${now + MAX_FUTURE_MS}`], 'only the clipped range is owed');
    t.equal(p.lines.filter((l) => /clipped/.test(l.msg)).length, 1);
    t.notOk(
      p.queue.request({ startMs: now + MAX_FUTURE_MS + 1, endMs: now + 2 * MAX_FUTURE_MS }),
      'nothing left after clipping',
    );
  },
);
