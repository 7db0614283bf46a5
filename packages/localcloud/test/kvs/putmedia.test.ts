import t, { type Test } from 'tap';
import { CreateStreamCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { startKvsService, type KvsService, type KvsServiceOptions } from '../../src/kvs/index.js';
import { header, gop, AUDIO, VIDEO } from './mkv-builder.js';
import { openPutMedia, putMediaAll, testLookup, TEST_CREDS } from './putmedia-client.js';

async function setup(t: Test, opts: Partial<KvsServiceOptions> = {}, retention = 24): Promise<KvsService> {
  const kvs = await startKvsService({ credentials: testLookup(), streamActivationDelayMs: 0, ...opts });
  t.teardown(() => kvs.stop());
  const client = new KinesisVideoClient({
    endpoint: kvs.endpoint,
    region: 'us-east-1',
    credentials: TEST_CREDS,
  });
  await client.send(new CreateStreamCommand({ StreamName: 'cam', DataRetentionInHours: retention }));
  client.destroy();
  return kvs;
}

const BASE = Date.now() - 60_000;

t.test(
  'a good session gets BUFFERING, RECEIVED, PERSISTED per fragment and the fragments are stored',
  async (t) => {
    const kvs = await setup(t);
    const before = Date.now();
    const body = Buffer.concat([
      header([VIDEO, AUDIO]),
      gop(BASE, 1000, 100, [1, 2]),
      gop(BASE + 1000, 1000, 100, [1, 2]),
      gop(BASE + 2000, 2000, 100, [1, 2]),
    ]);
    const { status, acks, headers } = await putMediaAll({
      endpoint: kvs.endpoint,
      streamName: 'cam',
      body,
      chunkSize: 333,
    });
    t.equal(status, 200);
    t.equal(headers['content-type'], 'application/json');
    t.same(
      acks.map((a) => [a.EventType, a.FragmentTimecode]),
      [BASE, BASE + 1000, BASE + 2000].flatMap((tc) => [
        ['BUFFERING', tc],
        ['RECEIVED', tc],
        ['PERSISTED', tc],
      ]),
    );
    const numbers = acks.map((a) => a.FragmentNumber!);
    t.ok(
      numbers.every((n) => /^\d{47}$/.test(n)),
      'fragment numbers are 47-digit strings',
    );
    t.equal(numbers[0], numbers[2], 'BUFFERING and PERSISTED name the same fragment');
    t.ok(BigInt(numbers[3]!) > BigInt(numbers[0]!), 'fragment numbers increase');
    const stored = kvs.listFragments('cam');
    t.same(
      stored.map((f) => f.producerTimestampMs),
      [BASE, BASE + 1000, BASE + 2000],
    );
    t.same(
      stored.map((f) => f.fragmentNumber),
      [numbers[0], numbers[3], numbers[6]],
    );
    t.same(
      stored.map((f) => f.durationMs),
      [900, 900, 1900],
    );
    t.same(
      stored.map((f) => f.frameCount),
      [20, 20, 40],
    );
    t.ok(
      stored.every((f) => f.serverTimestampMs >= before && f.serverTimestampMs <= Date.now() && f.keyframe),
    );
    t.same(
      kvs.listFragments('cam', { startMs: BASE + 500, endMs: BASE + 1000 }).map((f) => f.timecode),
      [BASE + 1000],
    );
    t.same(kvs.listFragments('cam', { startMs: before, timestamp: 'server' }).length, 3);
    t.same(kvs.listFragments('other'), []);
  },
);

t.test('zero retention: RECEIVED but no PERSISTED; RELATIVE timecodes add the producer start', async (t) => {
  const kvs = await setup(t, {}, 0);
  const body = Buffer.concat([header(), gop(0), gop(1000)]);
  const start = (BASE / 1000).toFixed(3);
  const { acks } = await putMediaAll({
    endpoint: kvs.endpoint,
    streamName: 'cam',
    timecodeType: 'RELATIVE',
    producerStart: start,
    body,
  });
  t.same(
    acks.map((a) => `${a.EventType}:${a.FragmentTimecode}`),
    ['BUFFERING:0', 'RECEIVED:0', 'BUFFERING:1000', 'RECEIVED:1000'],
  );
  t.same(
    kvs.listFragments('cam').map((f) => f.producerTimestampMs),
    [BASE, BASE + 1000],
  );
});

t.test('x-amzn-stream-arn works instead of the name; one byte per chunk still parses', async (t) => {
  const kvs = await setup(t);
  const arn = kvs.stream('cam')!.StreamARN;
  const body = Buffer.concat([header(), gop(BASE, 1000, 250)]);
  const { acks } = await putMediaAll({ endpoint: kvs.endpoint, streamArn: arn, body, chunkSize: 1 });
  t.same(
    acks.map((a) => a.EventType),
    ['BUFFERING', 'RECEIVED', 'PERSISTED'],
  );
});

t.test('signature problems are 403 with the real error types', async (t) => {
  const kvs = await setup(t);
  const body = Buffer.concat([header(), gop(BASE)]);
  const cases: [string, Parameters<typeof putMediaAll>[0], string, RegExp][] = [
    [
      'wrong secret',
      { endpoint: kvs.endpoint, streamName: 'cam', body, creds: { ...TEST_CREDS, secretAccessKey: 'nope' } },
      'InvalidSignatureException',
      /signature we calculated does not match/,
    ],
    [
      'unknown key',
      { endpoint: kvs.endpoint, streamName: 'cam', body, creds: { ...TEST_CREDS, accessKeyId: 'AKIDOTHER' } },
      'UnrecognizedClientException',
      /security token included in the request is invalid/,
    ],
    [
      'wrong session token',
      { endpoint: kvs.endpoint, streamName: 'cam', body, creds: { ...TEST_CREDS, sessionToken: 'other' } },
      'UnrecognizedClientException',
      /invalid/,
    ],
    [
      'signed header changed',
      { endpoint: kvs.endpoint, streamName: 'cam', body, tamper: (h) => (h['x-amzn-stream-name'] = 'cam2') },
      'InvalidSignatureException',
      /does not match/,
    ],
    [
      'no Authorization',
      { endpoint: kvs.endpoint, streamName: 'cam', body, tamper: (h) => delete h.authorization },
      'MissingAuthenticationTokenException',
      /Missing Authentication Token/,
    ],
    [
      'clock skew',
      { endpoint: kvs.endpoint, streamName: 'cam', body, signingDate: new Date(Date.now() - 10 * 60_000) },
      'InvalidSignatureException',
      /Signature expired/,
    ],
    [
      'garbled header',
      {
        endpoint: kvs.endpoint,
        streamName: 'cam',
        body,
        tamper: (h) => (h.authorization = 'AWS4-HMAC-SHA256 nonsense'),
      },
      'IncompleteSignatureException',
      /SigV4/,
    ],
  ];
  for (const [label, opts, type, message] of cases) {
    const res = await putMediaAll(opts);
    t.equal(res.status, 403, label);
    t.match(res.headers['x-amzn-errortype'], new RegExp(`^${type}`), label);
    t.match(res.errorBody?.message, message, label);
  }
  t.same(kvs.listFragments('cam'), []);
});

t.test('expired credentials are refused with ExpiredTokenException', async (t) => {
  let expiresAt = Date.now() + 60_000;
  const kvs = await setup(t, { credentials: testLookup(() => expiresAt) });
  const body = Buffer.concat([header(), gop(BASE)]);
  t.equal((await putMediaAll({ endpoint: kvs.endpoint, streamName: 'cam', body })).status, 200);
  expiresAt = Date.now() - 1;
  const res = await putMediaAll({ endpoint: kvs.endpoint, streamName: 'cam', body });
  t.equal(res.status, 403);
  t.match(res.headers['x-amzn-errortype'], /^ExpiredTokenException/);
  t.match(res.errorBody?.message, /security token included in the request is expired/);
});

t.test('required headers and the stream are checked before 200', async (t) => {
  const kvs = await setup(t);
  const body = Buffer.concat([header(), gop(BASE)]);
  const cases: [Parameters<typeof putMediaAll>[0], number, string][] = [
    [{ endpoint: kvs.endpoint, body }, 400, 'InvalidArgumentException'],
    [
      { endpoint: kvs.endpoint, streamName: 'cam', streamArn: 'arn:x', body },
      400,
      'InvalidArgumentException',
    ],
    [
      { endpoint: kvs.endpoint, streamName: 'cam', timecodeType: 'SOMETIMES', body },
      400,
      'InvalidArgumentException',
    ],
    [
      { endpoint: kvs.endpoint, streamName: 'cam', producerStart: 'yesterday', body },
      400,
      'InvalidArgumentException',
    ],
    [{ endpoint: kvs.endpoint, streamName: 'missing', body }, 404, 'ResourceNotFoundException'],
  ];
  for (const [opts, status, type] of cases) {
    const res = await putMediaAll(opts);
    t.equal(res.status, status, type);
    t.match(res.headers['x-amzn-errortype'], new RegExp(`^${type}`));
    t.type(res.errorBody?.Message, 'string');
  }
});

t.test(
  'PutMedia on a stream still CREATING is refused with 404 "not found or not active", and accepted once ACTIVE',
  async (t) => {
    const kvs = await setup(t, { streamActivationDelayMs: 60_000 });
    const client = new KinesisVideoClient({
      endpoint: kvs.endpoint,
      region: 'us-east-1',
      credentials: TEST_CREDS,
    });
    t.teardown(() => client.destroy());
    await client.send(new CreateStreamCommand({ StreamName: 'young' }));
    const body = Buffer.concat([header(), gop(BASE)]);
    const early = await putMediaAll({ endpoint: kvs.endpoint, streamName: 'young', body });
    t.equal(early.status, 404, 'refused before the 200, as an HTTP error');
    t.match(early.headers['x-amzn-errortype'], /^ResourceNotFoundException/);
    t.equal(early.errorBody?.Message, 'The requested stream is not found or not active.');
    t.equal(kvs.listFragments('young').length, 0, 'nothing stored');

    kvs.streamActivationDelayMs = 0;
    await client.send(new CreateStreamCommand({ StreamName: 'grown', DataRetentionInHours: 1 }));
    const late = await putMediaAll({ endpoint: kvs.endpoint, streamName: 'grown', body });
    t.equal(late.status, 200);
    t.same(
      late.acks.map((a) => a.EventType),
      ['BUFFERING', 'RECEIVED', 'PERSISTED'],
      'an ACTIVE stream takes the same body',
    );
  },
);

t.test(
  'one connection per stream: a second concurrent PutMedia gets ConnectionLimitExceededException',
  async (t) => {
    const kvs = await setup(t);
    const first = await openPutMedia({ endpoint: kvs.endpoint, streamName: 'cam' });
    t.equal(await first.status, 200);
    await first.write(Buffer.concat([header(), gop(BASE)]));
    await first.write(gop(BASE + 1000));
    await first.waitForAck((a) => a.EventType === 'RECEIVED');
    t.same(kvs.activePutMediaStreams(), ['cam']);
    const second = await putMediaAll({
      endpoint: kvs.endpoint,
      streamName: 'cam',
      body: Buffer.concat([header(), gop(BASE + 5000)]),
    });
    t.equal(second.status, 400);
    t.match(second.headers['x-amzn-errortype'], /^ConnectionLimitExceededException/);
    first.end();
    t.equal(await first.closed, 'end');
    t.same(first.acks.filter((a) => a.EventType === 'PERSISTED').length, 2);
    // the slot frees as soon as the first connection is over
    const third = await putMediaAll({
      endpoint: kvs.endpoint,
      streamName: 'cam',
      body: Buffer.concat([header(), gop(BASE + 5000)]),
    });
    t.equal(third.status, 200);
  },
);

t.test('more than 5 PutMedia calls per second per stream: ClientLimitExceededException', async (t) => {
  const kvs = await setup(t);
  const body = Buffer.concat([header(), gop(BASE)]);
  const statuses: number[] = [];
  const types: unknown[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await putMediaAll({
      endpoint: kvs.endpoint,
      streamName: 'cam',
      body: i === 0 ? body : Buffer.concat([header(), gop(BASE + i * 1000)]),
    });
    statuses.push(res.status);
    types.push(res.headers['x-amzn-errortype']);
  }
  // the 6th call lands within the same second unless the machine is extremely slow
  t.same(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
  t.equal(statuses[5], 400);
  t.match(types[5], /^ClientLimitExceededException/);
});

t.test('IDLE ACKs while quiet, and the request is closed after the idle timeout', async (t) => {
  const kvs = await setup(t, { idleAckIntervalMs: 50, idleTimeoutMs: 400 });
  const call = await openPutMedia({ endpoint: kvs.endpoint, streamName: 'cam' });
  await call.write(Buffer.concat([header(), gop(BASE)]));
  await call.waitForAck((a) => a.EventType === 'IDLE');
  t.equal(await call.closed, 'end');
  t.notOk('FragmentTimecode' in call.acks.find((a) => a.EventType === 'IDLE')!);
  // the open fragment never completed (no next cluster, no end of body)
  t.same(kvs.listFragments('cam'), []);
});

t.test('the maximum connection duration ends the session with ERROR 4003', async (t) => {
  const kvs = await setup(t, { maxConnectionDurationMs: 60_000 });
  kvs.maxConnectionDurationMs = 300;
  const call = await openPutMedia({ endpoint: kvs.endpoint, streamName: 'cam' });
  await call.write(Buffer.concat([header(), gop(BASE), gop(BASE + 1000)]));
  const err = await call.waitForAck((a) => a.EventType === 'ERROR');
  t.match(err, { ErrorId: 4003, ErrorCode: 'MAX_CONNECTION_DURATION_REACHED' });
  t.equal(await call.closed, 'end');
  t.equal(kvs.listFragments('cam').length, 1);
});
