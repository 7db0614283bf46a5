// The standalone messaging path: aws-iot-device-sdk-v2's MQTT 5 client against the local broker.
import t from 'tap';
import { createLogger } from '../../src/log/index.js';
import { startMqttBroker } from '@kvs-edge/localcloud';
import { Mqtt5Messaging, topicMatches } from '../../src/mqtt/index.js';
import { eventually } from '../helpers/poll.js';

const log = createLogger({ level: 'silent' });

t.test('topic filters match like MQTT', async (t) => {
  t.ok(
    topicMatches(
      '$aws/sitewise/asset-models/+/assets/+/properties/+',
      '$aws/sitewise/asset-models/m/assets/a/properties/p',
    ),
  );
  t.notOk(topicMatches('a/+/c', 'a/b/c/d'));
  t.ok(topicMatches('a/#', 'a/b/c'));
  t.notOk(topicMatches('a/b/c', 'a/b'));
  t.notOk(topicMatches('a/x', 'a/y'));
});

t.test('subscribe, receive, unsubscribe through the real MQTT 5 client', async (t) => {
  const broker = await startMqttBroker();
  t.teardown(() => broker.stop());
  const messaging = await Mqtt5Messaging.connect({ url: broker.url, clientId: 'test-connector' }, log);
  t.teardown(() => messaging.close());
  const got: string[] = [];
  const off = await messaging.subscribe('cams/+/req', (topic, payload) => got.push(`${topic}=${payload}`));
  const other: string[] = [];
  const offOther = await messaging.subscribe('cams/+/req', (_topic, payload) =>
    other.push(payload.toString()),
  );
  await broker.publish('cams/a/req', 'live', { qos: 1 });
  await eventually('both handlers', () => (got.length && other.length ? true : undefined));
  t.same(got, ['cams/a/req=live']);
  await off();
  await off(); // idempotent
  await broker.publish('cams/b/req', 'x', { qos: 1 });
  await eventually('second message', () => (other.length === 2 ? true : undefined));
  t.same(got, ['cams/a/req=live'], 'an unsubscribed handler hears nothing more');
  await offOther();
  await messaging.close();
  await messaging.close();
});

t.test('connection problems are named', async (t) => {
  await t.rejects(
    Mqtt5Messaging.connect({ url: 'http://x', clientId: 'c' }, log),
    /unsupported MQTT URL scheme/,
  );
  await t.rejects(
    Mqtt5Messaging.connect({ url: 'mqtts://x:8883', clientId: 'c' }, log),
    /certificate and key/,
  );
  const broker = await startMqttBroker();
  const port = broker.port;
  await broker.stop();
  await t.rejects(
    Mqtt5Messaging.connect({ url: `mqtt://127.0.0.1:${port}`, clientId: 'c', connectTimeoutMs: 3000 }, log),
    /cannot connect to MQTT broker|did not accept a connection/,
  );
});
