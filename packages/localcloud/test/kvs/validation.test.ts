// Every PutMedia rule the stand-in enforces, each broken once on purpose.
import t, { type Test } from 'tap';
import type { KvsService, KvsLimits } from '../../src/kvs/index.js';
import { AUDIO, VIDEO, cluster, gop, header, tags, el, unknownSize, uint } from './mkv-builder.js';
import { openPutMedia, putMediaAll, type Ack } from './putmedia-client.js';
import { startTestKvs } from './streams.js';

const BASE = Date.now() - 120_000;

async function setup(t: Test, limits: Partial<KvsLimits> = {}): Promise<KvsService> {
  return (await startTestKvs(t, { streams: ['cam'], limits })).kvs;
}

async function expectError(
  t: Test,
  kvs: KvsService,
  body: Buffer,
  errorId: number,
  errorCode: string,
): Promise<Ack[]> {
  const { status, acks } = await putMediaAll({ endpoint: kvs.endpoint, streamName: 'cam', body });
  t.equal(status, 200);
  const last = acks.at(-1);
  t.match(last, { EventType: 'ERROR', ErrorId: errorId, ErrorCode: errorCode }, `${errorId} ${errorCode}`);
  t.match(last?.FragmentNumber, /^\d{47}$/);
  t.equal(acks.filter((a) => a.EventType === 'ERROR').length, 1, 'one ERROR, then the connection ends');
  return acks;
}

t.test('4006: a second Segment in one session', async (t) => {
  const kvs = await setup(t);
  const acks = await expectError(
    t,
    kvs,
    Buffer.concat([header(), gop(BASE), header(), gop(BASE + 1000)]),
    4006,
    'INVALID_MKV_DATA',
  );
  // the fragment before the second header was complete and is kept
  t.equal(acks.filter((a) => a.EventType === 'PERSISTED').length, 1);
  t.equal(kvs.listFragments('cam').length, 1);
});

t.test('4006: garbage, a Cluster before Tracks, a Cluster without Timecode, a truncated body', async (t) => {
  const kvs = await setup(t);
  await expectError(t, kvs, Buffer.from('this is not matroska at all'), 4006, 'INVALID_MKV_DATA');
  const ebmlOnly = header().subarray(0, header().indexOf(Buffer.from([0x15, 0x49, 0xa9, 0x66])));
  await expectError(t, kvs, Buffer.concat([ebmlOnly, gop(BASE)]), 4006, 'INVALID_MKV_DATA');
  await expectError(
    t,
    kvs,
    Buffer.concat([header(), unknownSize(0x1f43b675), gop(BASE)]),
    4006,
    'INVALID_MKV_DATA',
  );
  const whole = Buffer.concat([header(), gop(BASE)]);
  await expectError(t, kvs, whole.subarray(0, whole.length - 5), 4006, 'INVALID_MKV_DATA');
  await expectError(t, kvs, Buffer.concat([el(0x18538067), gop(BASE)]), 4006, 'INVALID_MKV_DATA');
  t.same(kvs.listFragments('cam'), []);
});

t.test('4012: more than 3 tracks', async (t) => {
  const kvs = await setup(t);
  const tracks = [
    VIDEO,
    AUDIO,
    { number: 3, codecId: 'A_AAC', type: 2 },
    { number: 4, codecId: 'A_AAC', type: 2 },
  ];
  await expectError(
    t,
    kvs,
    Buffer.concat([header(tracks), gop(BASE, 1000, 100, [1, 2, 3, 4])]),
    4012,
    'MORE_THAN_ALLOWED_TRACKS_FOUND',
  );
  // three tracks are fine
  const three = tracks.slice(0, 3);
  const ok = await putMediaAll({
    endpoint: kvs.endpoint,
    streamName: 'cam',
    body: Buffer.concat([header(three), gop(BASE, 1000, 100, [1, 2, 3])]),
  });
  t.equal(ok.acks.at(-1)?.EventType, 'PERSISTED');
});

t.test('4011: a fragment without frames of a declared track', async (t) => {
  const kvs = await setup(t);
  const acks = await expectError(
    t,
    kvs,
    Buffer.concat([header([VIDEO, AUDIO]), gop(BASE, 1000, 100, [1, 2]), gop(BASE + 1000, 1000, 100, [1])]),
    4011,
    'FRAMES_MISSING_FOR_TRACK',
  );
  t.equal(acks.at(-1)?.FragmentTimecode, BASE + 1000, 'the ERROR names the incomplete fragment');
  t.equal(kvs.listFragments('cam').length, 1);
});

t.test('4010: a block for a track Tracks does not declare', async (t) => {
  const kvs = await setup(t);
  await expectError(
    t,
    kvs,
    Buffer.concat([header([VIDEO]), gop(BASE, 1000, 100, [1, 2])]),
    4010,
    'TRACK_NUMBER_MISMATCH',
  );
});

t.test(
  '4004: cluster timecodes must increase and frames must not overlap the previous fragment',
  async (t) => {
    const kvs = await setup(t);
    await expectError(
      t,
      kvs,
      Buffer.concat([header(), gop(BASE + 1000), gop(BASE)]),
      4004,
      'FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS',
    );
    await expectError(
      t,
      kvs,
      Buffer.concat([header(), gop(BASE + 1000), gop(BASE + 1000)]),
      4004,
      'FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS',
    );
    // later cluster timecode, but its first block lands on the previous fragment's last frame
    const overlap = cluster(BASE + 2000, [
      { track: 1, at: -100, key: true },
      { track: 1, at: 0 },
    ]);
    await expectError(
      t,
      kvs,
      Buffer.concat([header(), gop(BASE + 1000), overlap]),
      4004,
      'FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS',
    );
    // a new session may go back in time (re-upload of history is allowed across sessions)
    const again = await putMediaAll({
      endpoint: kvs.endpoint,
      streamName: 'cam',
      body: Buffer.concat([header(), gop(BASE - 10_000)]),
    });
    t.equal(again.acks.at(-1)?.EventType, 'PERSISTED');
  },
);

t.test('4002: a fragment longer than 20 s', async (t) => {
  const kvs = await setup(t);
  const long = cluster(BASE, [
    { track: 1, at: 0, key: true },
    { track: 1, at: 10_000 },
    { track: 1, at: 20_001 },
  ]);
  await expectError(t, kvs, Buffer.concat([header(), long]), 4002, 'MAX_FRAGMENT_DURATION_REACHED');
  const exactly20 = cluster(BASE + 30_000, [
    { track: 1, at: 0, key: true },
    { track: 1, at: 20_000 },
  ]);
  const ok = await putMediaAll({
    endpoint: kvs.endpoint,
    streamName: 'cam',
    body: Buffer.concat([header(), exactly20]),
  });
  t.equal(ok.acks.at(-1)?.EventType, 'PERSISTED');
});

t.test('4001: a fragment larger than the size limit (50 MB on AWS, lowered here)', async (t) => {
  const kvs = await setup(t, { maxFragmentBytes: 64 * 1024 });
  const big = cluster(BASE, [
    { track: 1, at: 0, key: true, size: 40_000 },
    { track: 1, at: 40, size: 40_000 },
  ]);
  await expectError(t, kvs, Buffer.concat([header(), big]), 4001, 'MAX_FRAGMENT_SIZE_REACHED');
  const ok = await putMediaAll({
    endpoint: kvs.endpoint,
    streamName: 'cam',
    body: Buffer.concat([header(), cluster(BASE + 5000, [{ track: 1, at: 0, key: true, size: 40_000 }])]),
  });
  t.equal(ok.acks.at(-1)?.EventType, 'PERSISTED');
});

t.test('4007: producer timestamps in the future', async (t) => {
  const kvs = await setup(t);
  const future = Date.now() + 60_000;
  await expectError(t, kvs, Buffer.concat([header(), gop(future)]), 4007, 'INVALID_PRODUCER_TIMESTAMP');
  // the cluster starts in the past but a frame runs into the future
  const now = Date.now();
  const tail = cluster(now - 500, [
    { track: 1, at: 0, key: true },
    { track: 1, at: 5_000 },
  ]);
  await expectError(t, kvs, Buffer.concat([header(), tail]), 4007, 'INVALID_PRODUCER_TIMESTAMP');
  // RELATIVE mode: the producer start moves the same timecodes into the future
  const res = await putMediaAll({
    endpoint: kvs.endpoint,
    streamName: 'cam',
    timecodeType: 'RELATIVE',
    producerStart: ((Date.now() + 3_600_000) / 1000).toFixed(3),
    body: Buffer.concat([header(), gop(0)]),
  });
  t.match(res.acks.at(-1), { ErrorId: 4007 });
});

t.test('4009: fragment metadata limits; accepted metadata is kept on the fragment', async (t) => {
  const kvs = await setup(t);
  const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
  await expectError(
    t,
    kvs,
    Buffer.concat([header(), tags(eleven), gop(BASE)]),
    4009,
    'FRAGMENT_METADATA_LIMIT_REACHED',
  );
  await expectError(
    t,
    kvs,
    Buffer.concat([header(), gop(BASE), tags({ AWS_MINE: 'x' }), gop(BASE + 1000)]),
    4009,
    'FRAGMENT_METADATA_LIMIT_REACHED',
  );
  await expectError(
    t,
    kvs,
    Buffer.concat([header(), gop(BASE + 2000), tags({ ['n'.repeat(129)]: 'x' })]),
    4009,
    'FRAGMENT_METADATA_LIMIT_REACHED',
  );
  await expectError(
    t,
    kvs,
    Buffer.concat([header(), gop(BASE + 3000), tags({ n: 'v'.repeat(257) })]),
    4009,
    'FRAGMENT_METADATA_LIMIT_REACHED',
  );
  const ok = await putMediaAll({
    endpoint: kvs.endpoint,
    streamName: 'cam',
    body: Buffer.concat([header(), tags({ camera: 'door' }), gop(BASE + 10_000)]),
  });
  t.equal(ok.acks.at(-1)?.EventType, 'PERSISTED');
  t.same(kvs.listFragments('cam', { startMs: BASE + 10_000 })[0]?.tags, { camera: 'door' });
});

t.test(
  'the producer SDK notification and image-generation tags are accepted outside the ten optional pairs',
  async (t) => {
    const kvs = await setup(t);
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v']));
    const events = await putMediaAll({
      endpoint: kvs.endpoint,
      streamName: 'cam',
      body: Buffer.concat([
        header(),
        tags({ AWS_KINESISVIDEO_NOTIFICATION: '', AWS_KINESISVIDEO_IMAGE_GENERATION: '', ...ten }),
        gop(BASE + 12_000),
      ]),
    });
    t.equal(events.acks.at(-1)?.EventType, 'PERSISTED', 'notification and image tags are accepted');
    t.match(kvs.listFragments('cam', { startMs: BASE + 12_000 })[0]?.tags, {
      AWS_KINESISVIDEO_NOTIFICATION: '',
      k9: 'v',
    });
  },
);

t.test('an end-of-fragment tag completes the fragment without waiting for the next cluster', async (t) => {
  const kvs = await setup(t);
  const call = await openPutMedia({ endpoint: kvs.endpoint, streamName: 'cam' });
  t.teardown(() => call.destroy());
  await call.write(Buffer.concat([header(), gop(BASE)]));
  await call.write(tags({ AWS_KINESISVIDEO_END_OF_FRAGMENT: '' }));
  const persisted = await call.waitForAck((a) => a.EventType === 'PERSISTED');
  t.equal(persisted.FragmentTimecode, BASE);
  t.equal(kvs.listFragments('cam').length, 1);
  await call.write(gop(BASE + 1000));
  call.end();
  t.equal(await call.closed, 'end');
  t.equal(kvs.listFragments('cam').length, 2);
});

t.test('a 100 ns timecode scale converts to milliseconds', async (t) => {
  const kvs = await setup(t);
  const base = BASE * 10_000;
  const body = Buffer.concat([
    header([VIDEO], 100),
    cluster(base, [
      { track: 1, at: 0, key: true },
      { track: 1, at: 5000 },
    ]),
  ]);
  const res = await putMediaAll({
    endpoint: kvs.endpoint,
    streamName: 'cam',
    timecodeType: 'RELATIVE',
    producerStart: '0',
    body,
  });
  t.equal(res.acks.at(-1)?.EventType, 'PERSISTED');
  t.same(
    kvs.listFragments('cam').map((f) => [f.producerTimestampMs, f.durationMs]),
    [[BASE, 0.5]],
  );
  // a TimecodeScale of 0 is invalid
  await expectError(t, kvs, Buffer.concat([header([VIDEO], 0), gop(BASE)]), 4006, 'INVALID_MKV_DATA');
  void uint;
});
