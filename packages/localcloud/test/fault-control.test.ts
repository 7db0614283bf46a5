// The local cloud's own fault machinery, driven the way the component's fault suite and an operator
// drive it: the Uplink (cut what is open, refuse what comes, restore), the loopback fault-control
// HTTP API, and the nucleus stand-in's GetSecretValue (aws.greengrass.SecretManager's cache) through
// the real Greengrass IPC client. Real clients on loopback throughout.
import t, { type Test } from 'tap';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateStreamCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { greengrasscoreipc } from 'aws-iot-device-sdk-v2';
import { startFaultControl, startLocalCloud, type LocalCloud, type LocalCloudOptions } from '../src/index.js';
import { gop, header, tags } from './kvs/mkv-builder.js';
import { openPutMedia, type PutMediaCall } from './kvs/putmedia-client.js';

const BASE = Date.now() - 60_000;

/** One fragment closed by the producer SDK's end-of-fragment tag, so KVS acknowledges it at once. */
const fragment = (timecode: number) =>
  Buffer.concat([gop(timecode), tags({ AWS_KINESISVIDEO_END_OF_FRAGMENT: '' })]);

async function cloudWithStream(t: Test, options: LocalCloudOptions = {}): Promise<LocalCloud> {
  // Streams ACTIVE at once, as in the other local-cloud tests (startTestKvs): the stand-in answers
  // PutMedia on a CREATING stream with KVS's 404, and these tests are not about activation.
  const cloud = await startLocalCloud({ ...options, kvs: { streamActivationDelayMs: 0, ...options.kvs } });
  t.teardown(() => cloud.stop());
  const kvs = new KinesisVideoClient({
    endpoint: cloud.kvs.endpoint,
    region: cloud.region,
    credentials: cloud.credentials.static,
  });
  await kvs.send(new CreateStreamCommand({ StreamName: 'cam', DataRetentionInHours: 1 }));
  kvs.destroy();
  return cloud;
}

function secretsClient(t: Test, cloud: LocalCloud): SecretsManagerClient {
  const client = new SecretsManagerClient({
    endpoint: cloud.secrets.endpoint,
    region: cloud.region,
    credentials: cloud.credentials.static,
    // One try: a refused connection must show as such, not as the SDK's retries.
    maxAttempts: 1,
  });
  t.teardown(() => client.destroy());
  return client;
}

/** An open PutMedia connection with one fragment PERSISTED. */
async function openSession(cloud: LocalCloud): Promise<PutMediaCall> {
  const call = await openPutMedia({
    endpoint: cloud.kvs.endpoint,
    streamName: 'cam',
    creds: cloud.credentials.static,
  });
  await call.write(Buffer.concat([header(), fragment(BASE)]));
  await call.waitForAck((a) => a.EventType === 'PERSISTED' && a.FragmentTimecode === BASE);
  return call;
}

const refused = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as { name?: string; $metadata?: { httpStatusCode?: number } },
  );

t.test(
  'uplink down cuts open cloud connections and refuses new ones; up restores; TES stays local',
  async (t) => {
    const cloud = await cloudWithStream(t);
    const secrets = secretsClient(t, cloud);
    await secrets.send(new CreateSecretCommand({ Name: 'cam', SecretString: 'v1' }));
    const call = await openSession(cloud);

    cloud.uplink.down();
    t.equal(await call.closed, 'error', 'the open PutMedia connection is cut');
    t.ok(cloud.uplink.cuts >= 1, 'and counted');
    const err = await refused(secrets.send(new GetSecretValueCommand({ SecretId: 'cam' })));
    t.ok(err, 'a new Secrets Manager call fails');
    t.equal(err?.$metadata?.httpStatusCode, undefined, 'at the connection: no HTTP answer came back');
    const tes = await fetch(cloud.env.AWS_CONTAINER_CREDENTIALS_FULL_URI!, {
      headers: { authorization: cloud.env.AWS_CONTAINER_AUTHORIZATION_TOKEN! },
    });
    t.equal(tes.status, 200, 'the token exchange service is on the device, not behind the uplink');

    cloud.uplink.up();
    const back = await secrets.send(new GetSecretValueCommand({ SecretId: 'cam' }));
    t.equal(back.SecretString, 'v1', 'calls work again after up()');
  },
);

async function control(t: Test, cloud: LocalCloud) {
  const server = await startFaultControl(cloud, { port: 0 });
  t.teardown(() => server.stop());
  const call = async (method: 'GET' | 'POST', route: string, body?: unknown) => {
    const res = await fetch(`${server.endpoint}${route}`, {
      method,
      ...(body !== undefined && {
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return call;
}

t.test(
  'fault-control API: state, hold and release ACKs, list what KVS stored, cut PutMedia now',
  async (t) => {
    const cloud = await cloudWithStream(t);
    const api = await control(t, cloud);
    t.same((await api('GET', '/state')).body, {
      uplink: 'up',
      uplinkCuts: 0,
      acksHeld: false,
      ackDelayMs: 0,
      putMedia: [],
    });
    const session = await openSession(cloud);
    t.same((await api('GET', '/state')).body.putMedia, ['cam'], 'the open connection is listed');

    t.same((await api('POST', '/kvs/acks/hold')).body, { ok: true });
    t.equal((await api('GET', '/state')).body.acksHeld, true);
    await session.write(fragment(BASE + 1000));
    const listed = async () =>
      (await api('GET', '/kvs/fragments?stream=cam')).body.fragments as { producerTimestampMs: number }[];
    for (let i = 0; (await listed()).length < 2; i++) {
      if (i > 500) throw new Error('the second fragment was never stored');
      await new Promise((r) => setTimeout(r, 10));
    }
    t.same(
      (await listed()).map((f) => f.producerTimestampMs),
      [BASE, BASE + 1000],
      'the fragment is stored and listed while its ACKs are held',
    );
    t.notOk(
      session.acks.some((a) => a.FragmentTimecode === BASE + 1000),
      'no ACK of it reached the client',
    );
    await api('POST', '/kvs/acks/release');
    await session.waitForAck((a) => a.EventType === 'PERSISTED' && a.FragmentTimecode === BASE + 1000);
    t.pass('released: its PERSISTED ACK arrives');
    const ranged = (await api('GET', `/kvs/fragments?stream=cam&start=${BASE + 500}&end=${BASE + 5000}`)).body
      .fragments as { producerTimestampMs: number }[];
    t.same(
      ranged.map((f) => f.producerTimestampMs),
      [BASE + 1000],
      'a producer-time range lists only what starts inside it',
    );

    t.same((await api('POST', '/kvs/cut', { stream: 'cam' })).body, { ok: true, cut: 1 });
    t.equal(await session.closed, 'error', 'the connection is cut at once, without an ERROR ACK');
    t.notOk(session.acks.some((a) => a.EventType === 'ERROR'));
    t.same((await api('POST', '/kvs/cut')).body, { ok: true, cut: 0 }, 'nothing left to cut');
  },
);

t.test(
  'fault-control API: uplink down and clear; bad requests name the field; unknown routes 404',
  async (t) => {
    const cloud = await cloudWithStream(t);
    const api = await control(t, cloud);
    await api('POST', '/uplink/down');
    t.equal(cloud.uplink.isDown, true);
    t.equal((await api('GET', '/state')).body.uplink, 'down', 'the control API is not behind the uplink');
    await api('POST', '/kvs/acks/delay', { ms: 250 });
    t.equal(cloud.kvs.faults.ackDelayMs, 250);
    t.same((await api('POST', '/clear')).body, { ok: true });
    t.equal(cloud.uplink.isDown, false, 'clear brings the uplink back');
    t.equal(cloud.kvs.faults.ackDelayMs, 0, 'and lifts the KVS faults');

    t.same(await api('POST', '/kvs/acks/delay', {}), { status: 400, body: { message: 'ms is required' } });
    t.same(await api('POST', '/kvs/error-ack', { errorId: 'x' }), {
      status: 400,
      body: { message: 'errorId must be a number' },
    });
    t.same(await api('GET', '/kvs/fragments'), { status: 400, body: { message: 'stream is required' } });
    t.equal((await api('GET', '/nothing')).status, 404);
  },
);

/** The real Greengrass IPC client, configured as a component is: through its environment. */
async function ipcClient(t: Test, cloud: LocalCloud) {
  const saved = [process.env.AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT, process.env.SVCUID];
  process.env.AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT = cloud.nucleus.socketPath;
  process.env.SVCUID = cloud.nucleus.svcuid;
  const client = greengrasscoreipc.createClient();
  [process.env.AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT, process.env.SVCUID] = saved;
  t.teardown(() => client.close());
  await client.connect();
  return client;
}

t.test(
  'IPC GetSecretValue: the SecretManager cache answers, keeps answering offline, follows new values',
  async (t) => {
    const cloud = await cloudWithStream(t, { secretManager: true });
    const secrets = secretsClient(t, cloud);
    const created = await secrets.send(
      new CreateSecretCommand({ Name: 'cam-url', SecretString: 'rtsp://a' }),
    );
    const ipc = await ipcClient(t, cloud);
    const get = (secretId: string) => ipc.getSecretValue({ secretId, versionStage: 'AWSCURRENT' });

    const byName = await get('cam-url');
    t.equal(byName.secretValue?.secretString, 'rtsp://a');
    t.equal(byName.secretId, created.ARN, 'answered with the ARN');
    t.same(byName.versionStage, ['AWSCURRENT']);
    t.equal((await get(created.ARN!)).secretValue?.secretString, 'rtsp://a', 'by ARN too');

    cloud.uplink.down();
    t.equal((await get('cam-url')).secretValue?.secretString, 'rtsp://a', 'offline: from the cache');
    const unknown = await refused(get('never-synced'));
    t.match(
      unknown,
      { serviceError: { message: /Secret not found: never-synced/ } },
      'offline and never cached',
    );
    cloud.uplink.up();

    await secrets.send(new PutSecretValueCommand({ SecretId: 'cam-url', SecretString: 'rtsp://b' }));
    t.equal((await get('cam-url')).secretValue?.secretString, 'rtsp://b', 'online again: the new value');
  },
);

t.test('IPC GetSecretValue without aws.greengrass.SecretManager deployed fails with a reason', async (t) => {
  const cloud = await cloudWithStream(t);
  const ipc = await ipcClient(t, cloud);
  const err = await refused(ipc.getSecretValue({ secretId: 'cam-url' }));
  t.match(err, { serviceError: { message: /SecretManager is not running on this core device/ } });
});
