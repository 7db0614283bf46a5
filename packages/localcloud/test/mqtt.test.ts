import t from 'tap';
import { once } from 'node:events';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { mqtt5 } from 'aws-iot-device-sdk-v2';
import { startMqttBroker } from '../src/mqtt/index.js';
import { childEnv } from '../src/testkit/child-env.js';

const fixture = fileURLToPath(new URL('fixtures/crt-mqtt5-client.ts', import.meta.url));

type Teardown = { teardown(fn: () => unknown): void };

async function broker(t: Teardown) {
  const b = await startMqttBroker();
  t.teardown(() => b.stop());
  return b;
}

function nextMessage(client: mqtt.MqttClient): Promise<[string, string]> {
  return new Promise((resolve) =>
    client.once('message', (topic, payload) => resolve([topic, payload.toString()])),
  );
}

async function mqttjs(t: Teardown, url: string, protocolVersion: 4 | 5) {
  const client = await mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 0 });
  t.teardown(() => client.endAsync(true));
  return client;
}

t.test('mqtt.js 3.1.1 and 5 clients exchange messages through wildcards', async (t) => {
  const b = await broker(t);
  t.match(b.url, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
  const v4 = await mqttjs(t, b.url, 4);
  const v5 = await mqttjs(t, b.url, 5);
  await v4.subscribeAsync('cams/+/status', { qos: 1 });
  await v5.subscribeAsync('cams/#', { qos: 1 });
  const got4 = nextMessage(v4);
  const got5 = nextMessage(v5);
  await v5.publishAsync('cams/c1/status', 'up', { qos: 1 });
  t.same(await got4, ['cams/c1/status', 'up']);
  t.same(await got5, ['cams/c1/status', 'up']);
  // Unsubscribe is acknowledged with one reason code per topic in MQTT 5.
  const unsub = await v5.unsubscribeAsync(['cams/#', 'other/#']);
  t.ok(unsub);
});

t.test('the aws-iot-device-sdk-v2 MQTT 5 client connects, subscribes and publishes', async (t) => {
  const b = await broker(t);
  const fromCrt = new Promise<string>((resolve) => {
    void b.subscribe('from/crt', (_topic, payload) => resolve(payload.toString()));
  });
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, String(b.port)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: childEnv(),
  });
  t.teardown(() => child.kill('SIGKILL'));
  const steps: Record<string, unknown> = {};
  const topic = '$aws/sitewise/asset-models/m/assets/a/properties/p';
  for await (const line of createInterface({ input: child.stdout })) {
    const { step, data } = JSON.parse(line) as { step: string; data: unknown };
    steps[step] = data;
    if (step === 'subscribed') await b.publish(topic, '{"type":"PropertyValueUpdate"}');
    if (step === 'message') {
      // Our in-process subscription is active before the client publishes.
      child.stdin.write('go\n');
    }
  }
  t.same(steps.subscribed, [mqtt5.SubackReasonCode.GrantedQoS1]);
  t.same(steps.message, { topic, payload: '{"type":"PropertyValueUpdate"}' });
  t.equal(steps.published, 'puback');
  t.equal(await fromCrt, 'hello');
  t.same(steps.unsubscribed, [mqtt5.UnsubackReasonCode.Success]);
});

t.test('an in-process subscriber can unsubscribe, and junk connections are dropped', async (t) => {
  const b = await broker(t);
  const seen: string[] = [];
  const unsubscribe = await b.subscribe('x/#', (topic) => seen.push(topic));
  await b.publish('x/1', 'a');
  await unsubscribe();
  await b.publish('x/2', 'b');
  t.same(seen, ['x/1']);

  const socket = net.connect(b.port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  await once(socket, 'connect');
  socket.write(Buffer.alloc(2000, 0x10));
  await once(socket, 'close');
  t.pass('a connection that never sends a CONNECT is closed');
});

t.test('a client that goes away does not disturb the broker, and stop is quick', async (t) => {
  const b = await startMqttBroker();
  const client = await mqtt.connectAsync(b.url, { protocolVersion: 5, reconnectPeriod: 0 });
  await client.subscribeAsync('a');
  client.stream.destroy();
  const started = Date.now();
  await b.stop();
  await b.stop();
  t.ok(Date.now() - started < 1000);
  await client.endAsync(true);
});
