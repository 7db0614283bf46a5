// The smaller parts: signing (checked by the local endpoint's verifier), session phase errors,
// attempt pacing, credential refresh, provisioning rules and the endpoint cache.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import {
  AttemptLimiter,
  CachedCredentials,
  DataEndpointCache,
  ensureStream,
  mediaTypeFor,
  producerTimestamp,
  PutMediaSession,
  signPutMedia,
  type StreamControl,
} from '../../src/kvs/index.js';
import { LiveQueue } from '../../src/kvs/live-queue.js';
import {
  makeFragments,
  quietLog,
  recordedStore,
  startCloud,
  storedStarts,
  uploader,
} from './fixtures/cloud.js';

t.test('producer start timestamp always has three millisecond digits', async (t) => {
  t.equal(producerTimestamp(1700000000005), '1700000000.005');
  t.equal(producerTimestamp(1700000000123.9), '1700000000.123');
  t.equal(producerTimestamp(1700000000000), '1700000000.000');
});

t.test(
  'signed headers: accepted by the local endpoint, refused with 403 when the secret is wrong',
  async (t) => {
    const cloud = await startCloud(t);
    await cloud.control.create({ name: 'sig-1', retentionHours: 1, mediaType: 'video/h264', tags: {} });
    const [frag] = await makeFragments(Date.now() - 60_000, 1);
    const creds = await cloud.provider();
    const endpoint = await cloud.control.getPutMediaEndpoint('sig-1');
    const good = await signPutMedia({
      endpoint,
      region: 'us-east-1',
      streamName: 'sig-1',
      producerStartMs: frag!.startMs,
      credentials: creds,
    });
    t.equal(good.headers['x-amz-security-token'], creds.sessionToken, 'session token sent');
    t.notOk(
      'x-amz-content-sha256' in good.headers,
      'no payload hash header (empty-body hash in the signature)',
    );
    t.match(good.headers.authorization, /Credential=\S+\/us-east-1\/kinesisvideo\/aws4_request/);
    t.match(good.headers.authorization, /SignedHeaders=[^,]*x-amzn-stream-name/);
    t.equal(good.headers['x-amzn-fragment-timecode-type'], 'ABSOLUTE');
    t.equal(good.headers['x-amzn-fragment-acknowledgment-required'], '1');
    const acks: string[] = [];
    const s = await PutMediaSession.open({
      request: good,
      streamName: 'sig-1',
      headerBytes: frag!.header.bytes,
      onAck: (a) => acks.push(a.eventType),
      log: quietLog,
    });
    await s.send(frag!.bytes);
    t.equal(await s.finish(), undefined, 'clean end');
    t.same(acks, ['BUFFERING', 'RECEIVED', 'PERSISTED']);

    const bad = await signPutMedia({
      endpoint,
      region: 'us-east-1',
      streamName: 'sig-1',
      producerStartMs: frag!.startMs,
      credentials: { ...creds, secretAccessKey: 'wrong' + creds.secretAccessKey },
    });
    const err = await PutMediaSession.open({
      request: bad,
      streamName: 'sig-1',
      headerBytes: frag!.header.bytes,
      onAck: () => {},
      log: quietLog,
    }).catch((e: unknown) => e);
    t.match(err, { code: 'KVS_PUTMEDIA_HTTP', status: 403, credentialsStale: true, retriable: true });
  },
);

t.test('session phase errors: connect refused, no response headers', async (t) => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const creds = { accessKeyId: 'AKIA', secretAccessKey: 'x' };
  const req = await signPutMedia({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    streamName: 's',
    producerStartMs: 0,
    credentials: creds,
  });
  const e1 = await PutMediaSession.open({
    request: req,
    streamName: 's',
    headerBytes: Buffer.alloc(4),
    onAck: () => {},
    log: quietLog,
  }).catch((e: unknown) => e);
  t.match(e1, { code: 'KVS_PUTMEDIA_CONNECT', message: /cannot connect to PutMedia for s/ });

  const silent = http.createServer(() => {}); // reads nothing back, answers nothing
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    silent.closeAllConnections();
    silent.close();
  });
  const req2 = await signPutMedia({
    endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
    region: 'us-east-1',
    streamName: 's',
    producerStartMs: 0,
    credentials: creds,
  });
  const e2 = await PutMediaSession.open({
    request: req2,
    streamName: 's',
    headerBytes: Buffer.alloc(4),
    onAck: () => {},
    log: quietLog,
    responseTimeoutMs: 100,
  }).catch((e: unknown) => e);
  t.match(e2, { code: 'KVS_PUTMEDIA_RESPONSE_TIMEOUT' });
});

t.test('attempt pacing: five PutMedia connection attempts per second, the sixth waits', async (t) => {
  let now = 1000;
  const l = new AttemptLimiter({ now: () => now });
  for (let i = 0; i < 5; i += 1) {
    t.equal(l.delay(), 0);
    l.record();
  }
  t.equal(l.delay(), 1000, 'the sixth attempt within a second waits');
  now += 400;
  t.equal(l.delay(), 600);
  now += 600;
  t.equal(l.delay(), 0);
});

t.test('credentials: refreshed before expiry and forced after invalidate()', async (t) => {
  let now = 0;
  const calls: unknown[] = [];
  const provider = async (opts?: Record<string, unknown>) => {
    calls.push(opts);
    return { accessKeyId: `K${calls.length}`, secretAccessKey: 's', expiration: new Date(now + 120_000) };
  };
  const c = new CachedCredentials(provider, { now: () => now, refreshBeforeMs: 60_000 });
  t.equal((await c.get()).accessKeyId, 'K1');
  t.equal((await c.get()).accessKeyId, 'K1', 'cached while valid');
  now = 70_000;
  t.equal((await c.get()).accessKeyId, 'K2', 'refreshed within a minute of expiry');
  c.invalidate();
  t.equal((await c.get()).accessKeyId, 'K3');
  t.same(calls, [undefined, { forceRefresh: true }, { forceRefresh: true }]);
  const [a, b] = await Promise.all([(c.invalidate(), c.get()), c.get()]);
  t.equal(a, b, 'concurrent callers share one fetch');
});

t.test('ensureStream: create and wait for ACTIVE, never recreate, retention 0 refused', async (t) => {
  const cloud = await startCloud(t, { streamActivationDelayMs: 150 });
  const s = await ensureStream(cloud.control, 'prov-1', {
    retentionHours: 168,
    mediaType: 'video/h265,audio/aac',
    tags: { a: '1' },
    pollMs: 20,
  });
  t.match(s, { status: 'ACTIVE', retentionHours: 168, mediaType: 'video/h265,audio/aac' });
  t.same(cloud.kvs.stream('prov-1')?.Tags, { a: '1' });
  const again = await ensureStream(cloud.control, 'prov-1', {
    retentionHours: 2,
    mediaType: 'video/h264',
    tags: { b: '2' },
    pollMs: 20,
  });
  t.equal(again.retentionHours, 168, 'existing stream kept as it is');
  t.equal(again.arn, s.arn);
  t.same(cloud.kvs.stream('prov-1')?.Tags, { a: '1', b: '2' }, 'only tags added');

  await cloud.control.create({ name: 'prov-0', retentionHours: 0, mediaType: 'video/h264', tags: {} });
  const err = await ensureStream(cloud.control, 'prov-0', {
    retentionHours: 24,
    mediaType: 'video/h264',
    pollMs: 20,
  }).catch((e: unknown) => e);
  t.match(err, { code: 'KVS_STREAM_NO_RETENTION', message: /prov-0 has data retention 0.*HLS/ });

  cloud.kvs.faults.failOperation('DescribeStream', {
    status: 400,
    errorType: 'ClientLimitExceededException',
  });
  await t.rejects(ensureStream(cloud.control, 'prov-1', { retentionHours: 1, mediaType: 'video/h264' }), {
    name: 'ClientLimitExceededException',
  });

  const fake: StreamControl = {
    describe: async () => ({ name: 'x', arn: 'arn', status: 'DELETING', retentionHours: 1 }),
    create: async () => {},
    tag: async () => {},
    getPutMediaEndpoint: async () => '',
  };
  await t.rejects(ensureStream(fake, 'x', { retentionHours: 1, mediaType: 'video/h264' }), {
    code: 'KVS_STREAM_DELETING',
  });
  fake.describe = async () => ({ name: 'x', arn: 'arn', status: 'CREATING', retentionHours: 1 });
  await t.rejects(
    ensureStream(fake, 'x', { retentionHours: 1, mediaType: 'video/h264', pollMs: 5, activeTimeoutMs: 30 }),
    { code: 'KVS_STREAM_NOT_ACTIVE' },
  );
});

t.test('media type from tracks; data endpoint cached 40 minutes and dropped on invalidate', async (t) => {
  t.equal(mediaTypeFor([{ number: 1, kind: 'video', codecId: 'V_MPEG4/ISO/AVC' }]), 'video/h264');
  t.equal(
    mediaTypeFor([
      { number: 1, kind: 'video', codecId: 'V_MPEGH/ISO/HEVC' },
      { number: 2, kind: 'audio', codecId: 'A_AAC' },
    ]),
    'video/h265,audio/aac',
  );
  const mulaw = Buffer.from([7, 0]);
  t.equal(
    mediaTypeFor([
      { number: 1, kind: 'video', codecId: 'V_MPEG4/ISO/AVC' },
      { number: 2, kind: 'audio', codecId: 'A_MS/ACM', codecPrivate: mulaw },
    ]),
    'video/h264,audio/mulaw',
  );
  let now = 0;
  let calls = 0;
  const control = { getPutMediaEndpoint: async () => `http://e${++calls}` } as unknown as StreamControl;
  const cache = new DataEndpointCache(control, 's', { now: () => now });
  t.equal(await cache.get(), 'http://e1');
  now = 39 * 60_000;
  t.equal(await cache.get(), 'http://e1');
  now = 41 * 60_000;
  t.equal(await cache.get(), 'http://e2');
  cache.invalidate();
  t.equal(await cache.get(), 'http://e3');
});

t.test('live queue: oldest fragments become one gap, newest stay in RAM', async (t) => {
  const frags = await makeFragments(Date.now() - 60_000, 8);
  const q = new LiveQueue({ maxFragments: 3 });
  for (const f of frags) q.push(f);
  t.equal(q.length, 4);
  const gap = q.shift();
  t.same(gap, { kind: 'gap', fromStartMs: frags[0]!.startMs, toStartMs: frags[4]!.startMs, fragments: 5 });
  t.equal(q.dropped, 5);
  const bytes = new LiveQueue({ maxBytes: frags[0]!.bytes.length * 2 + 1 });
  for (const f of frags) bytes.push(f);
  t.ok(bytes.bytes <= frags[0]!.bytes.length * 3, 'byte bound holds');
});

t.test('a header change starts a new session with the new header', async (t) => {
  const cloud = await startCloud(t);
  const a = await makeFragments(Date.now() - 10 * 60_000, 4, 320);
  const b = await makeFragments(a.at(-1)!.endMs + 100, 4, 160);
  t.notOk(a[0]!.header.bytes.equals(b[0]!.header.bytes), 'different headers');
  const store = await recordedStore(t, 'cam-gen', [...a, ...b]);
  const u = uploader(t, cloud, 'gen-1', store, 'cam-gen');
  let sessions = 0;
  u.on('session', (e) => e.event === 'open' && (sessions += 1));
  t.equal(await u.uploadRange(a[0]!.startMs, b.at(-1)!.endMs).done, 'completed');
  t.equal(sessions, 2);
  t.same(
    storedStarts(cloud.kvs, 'gen-1'),
    [...a, ...b].map((f) => f.startMs),
  );
});

t.test('without end-of-fragment tags the last fragment is acknowledged when the body ends', async (t) => {
  const cloud = await startCloud(t);
  const frags = await makeFragments(Date.now() - 10 * 60_000, 3);
  const store = await recordedStore(t, 'cam-eofr', frags);
  const u = uploader(t, cloud, 'eofr-1', store, 'cam-eofr', { endOfFragmentTags: false });
  t.equal(await u.uploadRange(frags[0]!.startMs, frags.at(-1)!.endMs).done, 'completed');
  t.same(
    storedStarts(cloud.kvs, 'eofr-1'),
    frags.map((f) => f.startMs),
  );
});
