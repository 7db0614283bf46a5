import t, { type Test } from 'tap';
import mqtt from 'mqtt';
import { BatchPutAssetPropertyValueCommand, type IoTSiteWiseClient } from '@aws-sdk/client-iotsitewise';
import { createLogger } from '../../src/log/index.js';
import {
  discoverCameras,
  parseRequest,
  RequestSubscriptions,
  type RequestValue,
  type Subscribe,
} from '../../src/sitewise/index.js';
import { provisionCamera, provisionHub } from '../../src/provision/index.js';
import { localSiteWise } from './cloud.js';
import { eventually } from '../helpers/poll.js';

async function request(
  client: IoTSiteWiseClient,
  assetId: string,
  propertyId: string,
  text: string,
  ms = Date.now(),
) {
  const out = await client.send(
    new BatchPutAssetPropertyValueCommand({
      entries: [
        {
          entryId: 'liveVideo',
          assetId,
          propertyId,
          propertyValues: [
            {
              value: { stringValue: text },
              timestamp: { timeInSeconds: Math.floor(ms / 1000), offsetInNanos: (ms % 1000) * 1e6 },
              quality: 'GOOD',
            },
          ],
        },
      ],
    }),
  );
  if ((out.errorEntries ?? []).length > 0) throw new Error(JSON.stringify(out.errorEntries));
}

async function setup(t: Test) {
  const cloud = await localSiteWise(t);
  const hub = await provisionHub(cloud.sitewise, { name: 'hub' });
  const clients = { sitewise: cloud.sitewise, secrets: cloud.secrets };
  await provisionCamera(clients, hub, {
    name: 'notified',
    streamName: 's-notified',
    rtspUrl: 'rtsp://u:p1234@h/x',
  });
  await provisionCamera(clients, hub, {
    name: 'polled',
    streamName: 's-polled',
    rtspUrl: 'rtsp://u:p1234@h/x',
    notifications: false,
  });
  const found = await discoverCameras({ client: cloud.sitewise, hubAssetId: hub.assetId });
  const notified = found.cameras.find((c) => c.streamName === 's-notified')!;
  const polled = found.cameras.find((c) => c.streamName === 's-polled')!;
  // The transport the lead wires in production is IPC or MQTT 5; here a plain MQTT client on the broker.
  const mq = await mqtt.connectAsync(cloud.broker.url);
  t.teardown(() => mq.endAsync());
  const handlers = new Map<string, Set<(payload: Buffer) => void>>();
  mq.on('message', (topic, payload) => {
    for (const h of handlers.get(topic) ?? []) h(payload);
  });
  let rawDeliveries = 0;
  const subscribe: Subscribe = async (topic, handler) => {
    const wrapped = (payload: Buffer) => {
      rawDeliveries++;
      handler(payload);
    };
    if (!handlers.has(topic)) handlers.set(topic, new Set());
    handlers.get(topic)!.add(wrapped);
    await mq.subscribeAsync(topic, { qos: 0 });
    return async () => {
      handlers.get(topic)?.delete(wrapped);
      if (handlers.get(topic)?.size === 0) await mq.unsubscribeAsync(topic);
    };
  };
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (l: string) => lines.push(l) } });
  return { cloud, notified, polled, subscribe, log, lines, raw: () => rawDeliveries, handlers };
}

t.test('notifications reach the camera queue; a re-subscription replaces the old one', async (t) => {
  const { cloud, notified, subscribe, log, raw, handlers } = await setup(t);
  const subs = new RequestSubscriptions({ subscribe, client: cloud.sitewise, log });
  t.teardown(() => subs.close());
  const first: RequestValue[] = [];
  const second: RequestValue[] = [];
  await subs.set(notified.assetId, notified.requests, (v) => first.push(v));
  t.equal(subs.mode(notified.assetId), 'notifications');
  const { assetId, propertyId } = notified.requests;
  await request(cloud.sitewise, assetId, propertyId, 'live');
  await eventually('first notification', () => first.length === 1, 5000);
  t.equal(first[0]!.text, 'live');

  // Reload: same camera subscribed again with a new handler.
  await subs.set(notified.assetId, notified.requests, (v) => second.push(v));
  t.equal(handlers.get(notified.requests.topic!)?.size, 1, 'one transport subscription left');
  const before = raw();
  await subs.set(notified.assetId, notified.requests, (v) => second.push(v));
  const start = Date.now() - 120_000;
  await request(cloud.sitewise, assetId, propertyId, `${start}-${start + 60_000}`);
  await eventually('second notification', () => second.length === 1, 5000);
  await request(cloud.sitewise, assetId, propertyId, 'live');
  await eventually('third notification', () => second.length === 2, 5000);
  t.equal(first.length, 1, 'the replaced handler got nothing more');
  t.equal(raw() - before, 2, 'each message crossed the transport once');
  t.same(
    second.map((v) => parseRequest(v.text)),
    [{ kind: 'range', startMs: start, endMs: start + 60_000 }, { kind: 'live' }],
    'the new handler got both requests, in order',
  );

  // A malformed notification on the topic is logged, not thrown into the transport.
  await cloud.broker.publish(notified.requests.topic!, 'not json');
  await request(cloud.sitewise, assetId, propertyId, 'live');
  await eventually('after a malformed message', () => second.length === 3, 5000);

  await subs.remove(notified.assetId);
  t.equal(subs.mode(notified.assetId), undefined);
  t.equal(handlers.get(notified.requests.topic!)?.size ?? 0, 0, 'unsubscribed');
});

t.test('a failing unsubscribe still cannot cause double handling', async (t) => {
  const { cloud, notified, log } = await setup(t);
  const mq = await mqtt.connectAsync(cloud.broker.url);
  t.teardown(() => mq.endAsync());
  const listeners: ((topic: string, payload: Buffer) => void)[] = [];
  // Every subscription adds a listener; unsubscribe fails and leaves it attached (the reference's bug).
  const leaky: Subscribe = async (topic, handler) => {
    const listener = (tp: string, payload: Buffer) => tp === topic && handler(payload);
    listeners.push(listener);
    mq.on('message', listener);
    await mq.subscribeAsync(topic);
    return () => {
      throw new Error('IPC stream already closed');
    };
  };
  const subs = new RequestSubscriptions({ subscribe: leaky, client: cloud.sitewise, log });
  t.teardown(() => subs.close());
  const got: string[] = [];
  await subs.set(notified.assetId, notified.requests, (v) => got.push(`a:${v.text}`));
  await subs.set(notified.assetId, notified.requests, (v) => got.push(`b:${v.text}`));
  t.equal(listeners.length, 2, 'two transport listeners are attached');
  await request(cloud.sitewise, notified.assetId, notified.requests.propertyId, 'live');
  await eventually('delivery', () => got.length > 0, 5000);
  await request(cloud.sitewise, notified.assetId, notified.requests.propertyId, 'LIVE');
  await eventually('delivery', () => got.length > 1, 5000);
  t.same(got, ['b:live', 'b:LIVE'], 'only the current subscription handles, once each');
});

t.test('notifications disabled: the property is polled, values de-duplicated by timestamp', async (t) => {
  const { cloud, polled, subscribe, log, lines } = await setup(t);
  const { assetId, propertyId } = polled.requests;
  // A request written before the subscription is history, not a new request.
  await request(cloud.sitewise, assetId, propertyId, 'live', Date.now() - 60_000);
  const subs = new RequestSubscriptions({ subscribe, client: cloud.sitewise, log, pollIntervalMs: 25 });
  t.teardown(() => subs.close());
  const got: string[] = [];
  let polls = 0;
  cloud.sitewise.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetAssetPropertyValueCommand') polls++;
      return next(args);
    },
    { step: 'initialize', name: 'countPolls' },
  );
  await subs.set(polled.assetId, polled.requests, (v) => got.push(v.text));
  t.equal(subs.mode(polled.assetId), 'polling');
  await eventually('a few polls', () => polls >= 3, 5000);
  t.same(got, [], 'the old value is not a request');
  await request(cloud.sitewise, assetId, propertyId, 'live');
  await eventually('polled value', () => got.length === 1, 5000);
  const seen = polls;
  await eventually('more polls', () => polls >= seen + 4, 5000);
  t.same(got, ['live'], 'the same value polled again is not delivered again');
  const end = Date.now() - 1000;
  await request(cloud.sitewise, assetId, propertyId, `${end - 30_000}-${end}`);
  await eventually('second polled value', () => got.length === 2, 5000);
  t.match(lines.join(''), /notifications are DISABLED for this camera; polling/);
  t.equal(lines.join('').match(/notifications are DISABLED/g)?.length, 1, 'said once');

  // Polling errors are logged once per streak and polling carries on.
  cloud.service.faults.fail('GetAssetPropertyValue', { code: 'ThrottlingException', times: 3 });
  await request(cloud.sitewise, assetId, propertyId, 'live');
  await eventually('value after errors', () => got.length === 3, 5000);
  t.equal(lines.join('').match(/polling VideoUploadRequest failed/g)?.length, 1);
  await subs.close();
  const after = polls;
  await request(cloud.sitewise, assetId, propertyId, 'live');
  t.equal(polls, after, 'no polling after close');
  await t.rejects(
    subs.set(polled.assetId, polled.requests, () => {}),
    /closed/,
  );
});

t.test('a failed subscribe falls back to polling', async (t) => {
  const { cloud, notified, log, lines } = await setup(t);
  const broken: Subscribe = () => Promise.reject(new Error('not authorized for SubscribeToIoTCore'));
  const subs = new RequestSubscriptions({
    subscribe: broken,
    client: cloud.sitewise,
    log,
    pollIntervalMs: 25,
  });
  t.teardown(() => subs.close());
  const got: string[] = [];
  await subs.set(notified.assetId, notified.requests, (v) => got.push(v.text));
  t.equal(subs.mode(notified.assetId), 'polling');
  t.match(lines.join(''), /not authorized for SubscribeToIoTCore/);
  await request(cloud.sitewise, notified.assetId, notified.requests.propertyId, 'live');
  await eventually('polled', () => got.length === 1, 5000);
});
