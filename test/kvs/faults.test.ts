// Failure paths against the local KVS's fault injection: every one must end with the stream in KVS
// holding each recorded fragment exactly once (or skipped with a reason), never a hole.
import t from 'tap';
import type { UploaderEvents } from '../../src/kvs/index.js';
import { makeFragments, recordedStore, startCloud, storedStarts, uploader } from './fixtures/cloud.js';
import { eventually } from '../helpers/poll.js';

const CAM = 'cam-faults';

async function setup(
  t: { teardown(fn: () => unknown): void },
  stream: string,
  count = 12,
  cloudOptions = {},
) {
  const cloud = await startCloud(t, cloudOptions);
  const frags = await makeFragments(Date.now() - 5 * 60_000, count);
  const store = await recordedStore(t, CAM, frags);
  const failures: UploaderEvents['failure'][0][] = [];
  const skipped: UploaderEvents['skipped'][0][] = [];
  return { cloud, frags, store, failures, skipped, stream, starts: frags.map((f) => f.startMs) };
}

t.test('connection cut mid-stream during live: resent from the first fragment not PERSISTED', async (t) => {
  const s = await setup(t, 'cut-1');
  s.cloud.kvs.faults.cutConnection({ afterFragments: 4 });
  const u = uploader(t, s.cloud, s.stream, s.store, CAM);
  u.on('failure', (e) => s.failures.push(e));
  u.setLive(true);
  for (const f of s.frags) u.pushLive(f);
  await eventually(
    'all fragments in KVS',
    () => storedStarts(s.cloud.kvs, s.stream).length >= s.frags.length,
  );
  t.same(storedStarts(s.cloud.kvs, s.stream), s.starts, 'no gap, no duplicate');
  t.ok(s.failures.length >= 1, 'the cut was reported');
  t.match(s.failures[0], { code: /KVS_PUTMEDIA_(BODY|CONNECT)/, retriable: true });
});

t.test('KVS down while live: RAM stays bounded, the gap is backfilled from the store', async (t) => {
  const s = await setup(t, 'outage-1', 30);
  // Every connection is refused until the fault is cleared: the uplink is "down".
  s.cloud.kvs.faults.refuseConnections({ status: 500, errorType: 'InternalFailure', times: Infinity });
  const u = uploader(t, s.cloud, s.stream, s.store, CAM, { liveQueue: { maxFragments: 4 } });
  u.on('failure', (e) => s.failures.push(e));
  u.setLive(true);
  let maxItems = 0;
  for (const f of s.frags) {
    u.pushLive(f);
    maxItems = Math.max(maxItems, u.stats().liveQueueItems);
  }
  t.ok(maxItems <= 5, `live queue stayed bounded (${maxItems} items: 4 fragments + 1 gap)`);
  t.ok(u.stats().droppedToDisk >= 26, 'older fragments left RAM for the store');
  await eventually('failed attempts while down', () => s.failures.length >= 2);
  s.cloud.kvs.faults.clear();
  await eventually(
    'backfill after recovery',
    () => storedStarts(s.cloud.kvs, s.stream).length >= s.frags.length,
  );
  t.same(storedStarts(s.cloud.kvs, s.stream), s.starts, 'no gap, no duplicate after recovery');
  t.ok(
    s.failures.every((f) => f.retryInMs <= 200),
    'backoff stays under the (test) cap',
  );
});

t.test(
  '4003 at the service maximum and proactive rotation both open new sessions without losing data',
  async (t) => {
    const s = await setup(t, 'rotate-1', 10, { maxConnectionDurationMs: 400 });
    const opened: string[] = [];
    const u = uploader(t, s.cloud, s.stream, s.store, CAM, { maxInFlightBytes: 1 });
    u.on('session', (e) => e.event === 'open' && opened.push(e.source));
    u.on('failure', (e) => s.failures.push(e));
    // One fragment in flight at a time with slow ACKs makes the upload outlive the 400 ms limit.
    s.cloud.kvs.faults.delayAcks(40);
    const job = u.uploadRange(s.starts[0]!, s.starts.at(-1)! + 1);
    t.equal(await job.done, 'completed');
    t.same(storedStarts(s.cloud.kvs, s.stream), s.starts, 'all fragments once');
    t.ok(
      s.failures.some((f) => /4003/.test(f.reason)),
      '4003 seen and handled as rotation',
    );
    t.ok(opened.length >= 2, `several sessions (${opened.length})`);

    // Proactive rotation at a fragment boundary before the service limit.
    s.cloud.kvs.maxConnectionDurationMs = 60_000;
    s.cloud.kvs.faults.clear();
    const s2 = await setup(t, 'rotate-2', 6);
    const opened2: string[] = [];
    const u2 = uploader(t, s2.cloud, s2.stream, s2.store, CAM, {
      maxInFlightBytes: 1,
      timing: { maxSessionMs: 150 },
    });
    u2.on('session', (e) => e.event === 'open' && opened2.push(e.source));
    u2.on('failure', (e) => s2.failures.push(e));
    s2.cloud.kvs.faults.delayAcks(40);
    t.equal(await u2.uploadRange(s2.starts[0]!, s2.starts.at(-1)! + 1).done, 'completed');
    t.same(storedStarts(s2.cloud.kvs, s2.stream), s2.starts);
    t.ok(opened2.length >= 2, `rotated (${opened2.length} sessions)`);
    t.same(s2.failures, [], 'rotation is not a failure');
  },
);

for (const errorId of [4011, 4004]) {
  t.test(`ERROR ${errorId}: the named fragment is skipped with a reason, the rest arrive`, async (t) => {
    const s = await setup(t, `err-${errorId}`, 10);
    s.cloud.kvs.faults.errorAck({ errorId, afterFragments: 3 });
    const u = uploader(t, s.cloud, s.stream, s.store, CAM);
    u.on('skipped', (e) => s.skipped.push(e));
    t.equal(await u.uploadRange(s.starts[0]!, s.starts.at(-1)! + 1).done, 'completed');
    t.equal(s.skipped.length, 1);
    t.match(s.skipped[0], { errorId, startMs: s.starts[3], reason: /./ });
    t.same(
      storedStarts(s.cloud.kvs, s.stream),
      s.starts.filter((_, i) => i !== 3),
      'only the rejected one missing',
    );
  });
}

t.test('retriable ERROR (5001) resends the fragment', async (t) => {
  const s = await setup(t, 'err-5001', 6);
  s.cloud.kvs.faults.errorAck({ errorId: 5001, afterFragments: 2 });
  const u = uploader(t, s.cloud, s.stream, s.store, CAM);
  u.on('skipped', (e) => s.skipped.push(e));
  t.equal(await u.uploadRange(s.starts[0]!, s.starts.at(-1)! + 1).done, 'completed');
  t.same(s.skipped, []);
  t.same(storedStarts(s.cloud.kvs, s.stream), s.starts);
});

t.test('throttled and connection-limited requests back off and then succeed', async (t) => {
  const s = await setup(t, 'throttle-1', 5);
  s.cloud.kvs.faults.refuseConnections({ status: 400, errorType: 'ClientLimitExceededException', times: 2 });
  const u = uploader(t, s.cloud, s.stream, s.store, CAM);
  u.on('failure', (e) => s.failures.push(e));
  t.equal(await u.uploadRange(s.starts[0]!, s.starts.at(-1)! + 1).done, 'completed');
  t.equal(s.failures.length, 2);
  t.match(s.failures[0], {
    code: 'KVS_PUTMEDIA_HTTP',
    reason: /ClientLimitExceededException/,
    retriable: true,
  });
  s.cloud.kvs.faults.refuseConnections({ status: 400, errorType: 'ConnectionLimitExceededException' });
  const s2 = await setup(t, 'throttle-2', 3);
  const u2 = uploader(t, s2.cloud, s2.stream, s2.store, CAM);
  u2.on('failure', (e) => s2.failures.push(e));
  s2.cloud.kvs.faults.refuseConnections({ status: 400, errorType: 'ConnectionLimitExceededException' });
  t.equal(await u2.uploadRange(s2.starts[0]!, s2.starts.at(-1)! + 1).done, 'completed');
  t.ok(s2.failures.length > 0, 'the second connection was refused at least once');
  t.same(
    s2.failures.filter((f) => !/ConnectionLimitExceededException/.test(f.reason)),
    [],
    'and only for the connection limit',
  );
  t.same(storedStarts(s2.cloud.kvs, s2.stream), s2.starts);
});

t.test('a stalled session (no ACKs) is closed and retried', async (t) => {
  const s = await setup(t, 'stall-1', 4);
  s.cloud.kvs.faults.delayAcks(1_500);
  const u = uploader(t, s.cloud, s.stream, s.store, CAM, {
    timing: { ackTimeoutMs: 300, finishTimeoutMs: 300, responseTimeoutMs: 2000 },
  });
  u.on('failure', (e) => {
    s.failures.push(e);
    if (e.code === 'KVS_PUTMEDIA_ACK_TIMEOUT') s.cloud.kvs.faults.delayAcks(0);
  });
  t.equal(await u.uploadRange(s.starts[0]!, s.starts.at(-1)! + 1).done, 'completed');
  t.ok(
    s.failures.some((f) => f.code === 'KVS_PUTMEDIA_ACK_TIMEOUT'),
    'stall detected',
  );
  // The stand-in stored what it received before its ACKs were held back, so the resent fragments
  // appear twice, as they would on KVS: a stall cannot tell "lost" from "slow". No gap either way.
  t.same([...new Set(storedStarts(s.cloud.kvs, s.stream))], s.starts, 'every fragment present');
});

t.test('403 from the service: credentials are fetched again from the token exchange service', async (t) => {
  const s = await setup(t, 'auth-1', 3);
  const u = uploader(t, s.cloud, s.stream, s.store, CAM);
  u.on('failure', (e) => s.failures.push(e));
  await u.uploadRange(s.starts[0]!, s.starts[0]! + 1).done;
  const before = s.cloud.tes.requests;
  s.cloud.kvs.faults.refuseConnections({
    status: 403,
    errorType: 'ExpiredTokenException',
    message: 'The security token included in the request is expired',
  });
  t.equal(await u.uploadRange(s.starts[0]!, s.starts.at(-1)! + 1).done, 'completed');
  t.ok(s.failures.length > 0, 'the expired token was refused');
  t.same(
    s.failures.filter((f) => !/403 ExpiredTokenException/.test(f.reason)),
    [],
    'and nothing else failed',
  );
  t.ok(s.cloud.tes.requests > before, 'new credentials were requested after the 403');
  t.same(storedStarts(s.cloud.kvs, s.stream), s.starts);
});

t.test('short-lived TES credentials are refreshed before they expire', async (t) => {
  const cloud = await startCloud(t, {}, 1_500);
  const frags = await makeFragments(Date.now() - 5 * 60_000, 6);
  const store = await recordedStore(t, CAM, frags);
  const starts = frags.map((f) => f.startMs);
  const u = uploader(t, cloud, 'auth-2', store, CAM);
  const failures: unknown[] = [];
  u.on('failure', (e) => failures.push(e));
  t.equal(await u.uploadRange(starts[0]!, starts[2]!).done, 'completed');
  const firstKeys = cloud.tes.requests;
  // Wait (by polling the clock, not sleeping blindly) until the first credentials have expired.
  const expired = Date.now() + 1_600;
  await eventually('first credentials expired', () => Date.now() > expired, 5_000);
  t.equal(await u.uploadRange(starts[2]!, starts.at(-1)! + 1).done, 'completed');
  t.ok(cloud.tes.requests > firstKeys, 'fresh credentials fetched');
  t.same(failures, [], 'no request was made with expired credentials');
  t.same(storedStarts(cloud.kvs, 'auth-2'), starts);
});

t.test('InvalidEndpointException: the data endpoint is resolved again', async (t) => {
  const s = await setup(t, 'endpoint-1', 3);
  let lookups = 0;
  const control = {
    ...s.cloud.control,
    getPutMediaEndpoint: (name: string) => {
      lookups += 1;
      return s.cloud.control.getPutMediaEndpoint(name);
    },
  };
  s.cloud.kvs.faults.refuseConnections({ status: 400, errorType: 'InvalidEndpointException' });
  const u = uploader(t, s.cloud, s.stream, s.store, CAM, { control });
  u.on('failure', (e) => s.failures.push(e));
  t.equal(await u.uploadRange(s.starts[0]!, s.starts.at(-1)! + 1).done, 'completed');
  t.ok(s.failures.length > 0, 'the stale endpoint was refused');
  t.same(
    s.failures.filter((f) => !/InvalidEndpointException/.test(f.reason)),
    [],
    'and nothing else failed',
  );
  t.equal(lookups, 2, 'GetDataEndpoint called again after the refusal');
  t.same(storedStarts(s.cloud.kvs, s.stream), s.starts);
});
