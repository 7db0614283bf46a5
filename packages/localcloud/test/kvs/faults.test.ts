// Every fault knob of the KVS stand-in, as a PutMedia client would experience it.
import t, { type Test } from 'tap';
import { CreateStreamCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { startKvsService, type KvsService } from '../../src/kvs/index.js';
import { gop, header } from './mkv-builder.js';
import { openPutMedia, putMediaAll, testLookup, TEST_CREDS } from './putmedia-client.js';
import { startTestKvs } from './streams.js';

const BASE = Date.now() - 120_000;
const body = (n: number, from = BASE) =>
  Buffer.concat([header(), ...Array.from({ length: n }, (_, i) => gop(from + i * 1000))]);

async function setup(t: Test): Promise<KvsService> {
  return (await startTestKvs(t, { streams: ['cam', 'other'] })).kvs;
}

t.test('cut after N fragments: the socket drops after the ACKs of fragment N, no ERROR', async (t) => {
  const kvs = await setup(t);
  kvs.faults.cutConnection({ afterFragments: 2 });
  const call = await openPutMedia({ endpoint: kvs.endpoint, streamName: 'cam' });
  await call.write(body(4));
  t.equal(await call.closed, 'error');
  t.same(
    call.acks.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentTimecode),
    [BASE, BASE + 1000],
  );
  t.notOk(call.acks.some((a) => a.EventType === 'ERROR'));
  t.equal(kvs.listFragments('cam').length, 2);
  // one-shot: the next session is not cut
  const next = await putMediaAll({ endpoint: kvs.endpoint, streamName: 'cam', body: body(2, BASE + 10_000) });
  t.equal(next.acks.filter((a) => a.EventType === 'PERSISTED').length, 2);
});

t.test('cut after N bytes', async (t) => {
  const kvs = await setup(t);
  kvs.faults.cutConnection({ afterBytes: header().length + 200 });
  const call = await openPutMedia({ endpoint: kvs.endpoint, streamName: 'cam' });
  await call.write(header());
  for (let i = 0; i < 5; i++) await call.write(gop(BASE + i * 1000));
  t.equal(await call.closed, 'error');
  t.same(kvs.listFragments('cam'), []);
  t.same(kvs.activePutMediaStreams(), []);
});

t.test('a cut for another stream leaves this stream alone', async (t) => {
  const kvs = await setup(t);
  kvs.faults.cutConnection({ afterFragments: 1, stream: 'other' });
  const res = await putMediaAll({ endpoint: kvs.endpoint, streamName: 'cam', body: body(2) });
  t.equal(res.acks.filter((a) => a.EventType === 'PERSISTED').length, 2);
  const other = await openPutMedia({ endpoint: kvs.endpoint, streamName: 'other' });
  await other.write(body(3));
  t.equal(await other.closed, 'error');
});

t.test('error ACK with a chosen id after N good fragments', async (t) => {
  const kvs = await setup(t);
  kvs.faults.errorAck({ errorId: 5001, afterFragments: 1 });
  const res = await putMediaAll({ endpoint: kvs.endpoint, streamName: 'cam', body: body(3) });
  t.same(
    res.acks.map((a) => a.EventType),
    ['BUFFERING', 'RECEIVED', 'PERSISTED', 'ERROR'],
  );
  t.match(res.acks[3], { ErrorId: 5001, ErrorCode: 'ARCHIVAL_ERROR', FragmentTimecode: BASE + 1000 });
  t.equal(kvs.listFragments('cam').length, 1);
  kvs.faults.errorAck({ errorId: 4242, errorCode: 'MADE_UP' });
  const custom = await putMediaAll({
    endpoint: kvs.endpoint,
    streamName: 'cam',
    body: body(1, BASE + 10_000),
  });
  t.same(
    custom.acks.map((a) => a.EventType),
    ['ERROR'],
    'the injected error is the only ACK',
  );
  t.match(custom.acks[0], { ErrorId: 4242, ErrorCode: 'MADE_UP' });
});

t.test('delayed ACKs arrive late but in order', async (t) => {
  const kvs = await setup(t);
  kvs.faults.delayAcks(150);
  const started = Date.now();
  const res = await putMediaAll({ endpoint: kvs.endpoint, streamName: 'cam', body: body(1) });
  t.ok(Date.now() - started >= 3 * 150, 'three ACKs, each 150 ms late');
  t.same(
    res.acks.map((a) => a.EventType),
    ['BUFFERING', 'RECEIVED', 'PERSISTED'],
  );
  kvs.faults.clear();
  t.equal(kvs.faults.ackDelayMs, 0);
});

t.test(
  'refused connections get the chosen HTTP status and error, for the chosen number of calls',
  async (t) => {
    const kvs = await setup(t);
    kvs.faults.refuseConnections({
      status: 503,
      errorType: 'ServiceUnavailableException',
      message: 'try later',
      times: 2,
    });
    for (let i = 0; i < 2; i++) {
      const res = await putMediaAll({ endpoint: kvs.endpoint, streamName: 'cam', body: body(1) });
      t.equal(res.status, 503);
      t.match(res.headers['x-amzn-errortype'], /^ServiceUnavailableException/);
      t.equal(res.errorBody?.Message, 'try later');
    }
    const ok = await putMediaAll({ endpoint: kvs.endpoint, streamName: 'cam', body: body(1) });
    t.equal(ok.status, 200);
  },
);

t.test('stop() ends open PutMedia connections', async (t) => {
  const kvs = await startKvsService({ credentials: testLookup(), streamActivationDelayMs: 0 });
  const client = new KinesisVideoClient({
    endpoint: kvs.endpoint,
    region: 'us-east-1',
    credentials: TEST_CREDS,
  });
  await client.send(new CreateStreamCommand({ StreamName: 'cam', DataRetentionInHours: 1 }));
  client.destroy();
  const call = await openPutMedia({ endpoint: kvs.endpoint, streamName: 'cam' });
  await call.write(body(2));
  await call.waitForAck((a) => a.EventType === 'PERSISTED');
  await kvs.stop();
  t.equal(await call.closed, 'error');
  await kvs.stop(); // idempotent
});
