import t, { type Test } from 'tap';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  GetDataEndpointCommand,
  KinesisVideoClient,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  TagStreamCommand,
  UntagStreamCommand,
} from '@aws-sdk/client-kinesis-video';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startKvsService, type KvsService } from '../../src/kvs/index.js';
import { testLookup, TEST_CREDS } from './putmedia-client.js';

async function setup(t: Test, stateDir?: string): Promise<{ kvs: KvsService; client: KinesisVideoClient }> {
  const kvs = await startKvsService({ credentials: testLookup(), streamActivationDelayMs: 50, stateDir });
  const client = new KinesisVideoClient({
    endpoint: kvs.endpoint,
    region: 'us-east-1',
    credentials: TEST_CREDS,
    maxAttempts: 1,
  });
  t.teardown(async () => {
    client.destroy();
    await kvs.stop();
  });
  return { kvs, client };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

t.test('CreateStream is CREATING, then ACTIVE; DescribeStream returns the real StreamInfo', async (t) => {
  const { kvs, client } = await setup(t);
  // Real streams take seconds to activate. The stand-in waits `delay` after CreateStream; what a busy
  // machine can change is only how late we look, so each check is judged by the time it was made.
  const delay = 1000;
  kvs.streamActivationDelayMs = delay;
  const before = Date.now();
  const created = await client.send(
    new CreateStreamCommand({
      StreamName: 'cam-1',
      MediaType: 'video/h264',
      DataRetentionInHours: 24,
      DeviceName: 'gw',
      Tags: { site: 'a' },
    }),
  );
  t.match(created.StreamARN, /^arn:aws:kinesisvideo:us-east-1:\d{12}:stream\/cam-1\/\d+$/);
  const first = await client.send(new DescribeStreamCommand({ StreamName: 'cam-1' }));
  const firstAnsweredIn = Date.now() - before;
  if (firstAnsweredIn < delay)
    t.equal(first.StreamInfo?.Status, 'CREATING', 'CREATING right after CreateStream');
  else t.match(first.StreamInfo?.Status, /^(CREATING|ACTIVE)$/, `looked only after ${firstAnsweredIn} ms`);
  const active = await until(async () => {
    const d = await client.send(new DescribeStreamCommand({ StreamARN: created.StreamARN }));
    return d.StreamInfo?.Status === 'ACTIVE' ? d.StreamInfo : undefined;
  }, 30_000);
  t.ok(Date.now() - before >= delay, 'ACTIVE, and not before the activation delay');
  t.equal(active.StreamName, 'cam-1');
  t.equal(active.MediaType, 'video/h264');
  t.equal(active.DataRetentionInHours, 24);
  t.equal(active.DeviceName, 'gw');
  t.ok(active.CreationTime instanceof Date && Math.abs(active.CreationTime.getTime() - Date.now()) < 10_000);
  t.match(active.KmsKeyId, /alias\/aws\/kinesisvideo$/);
  t.ok(active.Version);
});

t.test('CreateStream errors: duplicate name and invalid arguments', async (t) => {
  const { client } = await setup(t);
  await client.send(new CreateStreamCommand({ StreamName: 'dup' }));
  await t.rejects(client.send(new CreateStreamCommand({ StreamName: 'dup' })), {
    name: 'ResourceInUseException',
    $metadata: { httpStatusCode: 400 },
  });
  await t.rejects(client.send(new CreateStreamCommand({ StreamName: 'bad name!' })), {
    name: 'InvalidArgumentException',
  });
  await t.rejects(client.send(new CreateStreamCommand({ StreamName: 'x', MediaType: 'h264' })), {
    name: 'InvalidArgumentException',
  });
  await t.rejects(client.send(new CreateStreamCommand({ StreamName: 'x', DataRetentionInHours: -1 })), {
    name: 'InvalidArgumentException',
  });
  const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
  await t.rejects(client.send(new CreateStreamCommand({ StreamName: 'x', Tags: tooMany })), {
    name: 'TagsPerResourceExceededLimitException',
  });
});

t.test('DescribeStream of a missing stream is ResourceNotFoundException (404)', async (t) => {
  const { client } = await setup(t);
  await t.rejects(client.send(new DescribeStreamCommand({ StreamName: 'nope' })), {
    name: 'ResourceNotFoundException',
    $metadata: { httpStatusCode: 404 },
    message: /nope/,
  });
  await t.rejects(client.send(new DescribeStreamCommand({})), { name: 'InvalidArgumentException' });
});

t.test('ListStreams pages and filters by prefix', async (t) => {
  const { client, kvs } = await setup(t);
  kvs.streamActivationDelayMs = 0;
  for (const name of ['a-1', 'a-2', 'a-3', 'b-1'])
    await client.send(new CreateStreamCommand({ StreamName: name }));
  const page1 = await client.send(
    new ListStreamsCommand({
      MaxResults: 2,
      StreamNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: 'a-' },
    }),
  );
  t.same(
    page1.StreamInfoList?.map((s) => s.StreamName),
    ['a-1', 'a-2'],
  );
  t.equal(page1.StreamInfoList?.[0]?.Status, 'ACTIVE');
  const page2 = await client.send(
    new ListStreamsCommand({
      MaxResults: 2,
      NextToken: page1.NextToken,
      StreamNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: 'a-' },
    }),
  );
  t.same(
    page2.StreamInfoList?.map((s) => s.StreamName),
    ['a-3'],
  );
  t.equal(page2.NextToken, undefined);
  const all = await client.send(new ListStreamsCommand({}));
  t.equal(all.StreamInfoList?.length, 4);
  await t.rejects(client.send(new ListStreamsCommand({ MaxResults: 0 })), {
    name: 'InvalidArgumentException',
  });
  await t.rejects(client.send(new ListStreamsCommand({ NextToken: 'bm90LWEtbnVtYmVy' })), {
    name: 'InvalidArgumentException',
  });
});

t.test('TagStream merges tags, ListTagsForStream reads them, UntagStream removes them', async (t) => {
  const { client } = await setup(t);
  const { StreamARN } = await client.send(new CreateStreamCommand({ StreamName: 'tags', Tags: { a: '1' } }));
  await client.send(new TagStreamCommand({ StreamARN, Tags: { b: '2', a: '3' } }));
  t.same((await client.send(new ListTagsForStreamCommand({ StreamName: 'tags' }))).Tags, { a: '3', b: '2' });
  await client.send(new UntagStreamCommand({ StreamName: 'tags', TagKeyList: ['a'] }));
  t.same((await client.send(new ListTagsForStreamCommand({ StreamARN }))).Tags, { b: '2' });
  await t.rejects(client.send(new TagStreamCommand({ StreamName: 'missing', Tags: { a: '1' } })), {
    name: 'ResourceNotFoundException',
  });
  await t.rejects(client.send(new ListTagsForStreamCommand({ StreamName: 'missing' })), {
    name: 'ResourceNotFoundException',
  });
  const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
  await t.rejects(client.send(new TagStreamCommand({ StreamName: 'tags', Tags: many })), {
    name: 'TagsPerResourceExceededLimitException',
  });
  await t.rejects(client.send(new TagStreamCommand({ StreamName: 'tags', Tags: {} })), {
    name: 'InvalidArgumentException',
  });
  await t.rejects(client.send(new UntagStreamCommand({ StreamName: 'tags', TagKeyList: [] })), {
    name: 'InvalidArgumentException',
  });
});

t.test('GetDataEndpoint returns the stand-in for PUT_MEDIA and HLS', async (t) => {
  const { client, kvs } = await setup(t);
  await client.send(new CreateStreamCommand({ StreamName: 'ep' }));
  for (const APIName of ['PUT_MEDIA', 'GET_HLS_STREAMING_SESSION_URL'] as const) {
    const out = await client.send(new GetDataEndpointCommand({ StreamName: 'ep', APIName }));
    t.equal(out.DataEndpoint, kvs.endpoint);
  }
  await t.rejects(client.send(new GetDataEndpointCommand({ StreamName: 'nope', APIName: 'PUT_MEDIA' })), {
    name: 'ResourceNotFoundException',
  });
  await t.rejects(
    client.send(new GetDataEndpointCommand({ StreamName: 'ep', APIName: 'BOGUS' as 'PUT_MEDIA' })),
    { name: 'InvalidArgumentException' },
  );
});

t.test('DeleteStream checks the version and removes the stream', async (t) => {
  const { client } = await setup(t);
  const { StreamARN } = await client.send(new CreateStreamCommand({ StreamName: 'del' }));
  await t.rejects(client.send(new DeleteStreamCommand({ StreamARN, CurrentVersion: 'wrong' })), {
    name: 'VersionMismatchException',
  });
  await client.send(new DeleteStreamCommand({ StreamARN }));
  await t.rejects(client.send(new DescribeStreamCommand({ StreamName: 'del' })), {
    name: 'ResourceNotFoundException',
  });
});

t.test('failOperation makes one control-plane call fail with the chosen error', async (t) => {
  const { client, kvs } = await setup(t);
  kvs.faults.failOperation('DescribeStream', {
    status: 400,
    errorType: 'ClientLimitExceededException',
    message: 'slow down',
  });
  await t.rejects(client.send(new DescribeStreamCommand({ StreamName: 'x' })), {
    name: 'ClientLimitExceededException',
    message: 'slow down',
  });
  // one-shot: the next call reaches the real handler again
  await t.rejects(client.send(new DescribeStreamCommand({ StreamName: 'x' })), {
    name: 'ResourceNotFoundException',
  });
  kvs.faults.failOperation('CreateStream', { status: 500, errorType: 'InternalFailure', times: 2 });
  await t.rejects(client.send(new CreateStreamCommand({ StreamName: 'y' })), {
    name: 'InternalFailure',
    $metadata: { httpStatusCode: 500 },
  });
  await t.rejects(client.send(new CreateStreamCommand({ StreamName: 'y' })), { name: 'InternalFailure' });
  kvs.faults.clear();
  await client.send(new CreateStreamCommand({ StreamName: 'y' }));
});

t.test('unknown paths are UnknownOperationException', async (t) => {
  const { kvs } = await setup(t);
  const res = await fetch(`${kvs.endpoint}/nothingHere`, { method: 'POST', body: '{}' });
  t.equal(res.status, 404);
  t.match(res.headers.get('x-amzn-errortype'), /^UnknownOperationException/);
  const bad = await fetch(`${kvs.endpoint}/describeStream`, { method: 'POST', body: '[1]' });
  t.equal(bad.status, 400);
  t.match(bad.headers.get('x-amzn-errortype'), /^SerializationException/);
});

t.test('streams survive a restart with stateDir', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-state-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const first = await startKvsService({
    credentials: testLookup(),
    stateDir: dir,
    streamActivationDelayMs: 0,
  });
  const c1 = new KinesisVideoClient({
    endpoint: first.endpoint,
    region: 'us-east-1',
    credentials: TEST_CREDS,
  });
  await c1.send(new CreateStreamCommand({ StreamName: 'kept', Tags: { a: 'b' } }));
  c1.destroy();
  await first.stop();
  const { client } = await setup(t, dir);
  const d = await client.send(new DescribeStreamCommand({ StreamName: 'kept' }));
  t.equal(d.StreamInfo?.Status, 'ACTIVE');
  t.same((await client.send(new ListTagsForStreamCommand({ StreamName: 'kept' }))).Tags, { a: 'b' });
});
