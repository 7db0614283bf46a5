import t from 'tap';
import { once } from 'node:events';
import { greengrasscoreipc } from 'aws-iot-device-sdk-v2';
import mqtt from 'mqtt';
import { startMqttBroker } from '../src/mqtt/index.js';
import { startNucleus, type NucleusOptions } from '../src/nucleus/index.js';

type Teardown = { teardown(fn: () => unknown): void };
type Model = typeof greengrasscoreipc.model;

/** Expect the real client's RpcError carrying a service error whose message matches. */
const caught = (call: Promise<unknown>): Promise<unknown> =>
  call.then(
    () => undefined,
    (e: unknown) => e,
  );
const ipcError = (message: RegExp | string) => ({ serviceError: { message } });

async function start(t: Teardown, options: NucleusOptions = {}) {
  const nucleus = await startNucleus(options);
  t.teardown(() => nucleus.stop());
  return nucleus;
}

/** The real IPC client, configured the way a Greengrass component is: through its environment. */
async function connect(t: Teardown, socketPath: string, svcuid: string) {
  const saved = [process.env.AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT, process.env.SVCUID];
  process.env.AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT = socketPath;
  process.env.SVCUID = svcuid;
  const client = greengrasscoreipc.createClient();
  [process.env.AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT, process.env.SVCUID] = saved;
  t.teardown(() => client.close());
  await client.connect();
  return client;
}

t.test('configuration: get, update through the API, subscribers hear about it', async (t) => {
  const nucleus = await start(t, {
    componentName: 'kvs-edge',
    configuration: { SiteWiseAssetIdForHub: 'hub-1', cameras: { c1: { retention: 60 } } },
  });
  const client = await connect(t, nucleus.socketPath, nucleus.svcuid);
  const all = await client.getConfiguration({ keyPath: [] });
  t.same(all, {
    componentName: 'kvs-edge',
    value: { SiteWiseAssetIdForHub: 'hub-1', cameras: { c1: { retention: 60 } } },
  });
  const leaf = await client.getConfiguration({ keyPath: ['SiteWiseAssetIdForHub'] });
  t.same(leaf.value, { SiteWiseAssetIdForHub: 'hub-1' }, 'a leaf comes back keyed by its name');
  const node = await client.getConfiguration({ keyPath: ['cameras'] });
  t.same(node.value, { c1: { retention: 60 } });

  const events: greengrasscoreipc.model.ConfigurationUpdateEvents[] = [];
  const op = client.subscribeToConfigurationUpdate({ keyPath: ['cameras'] });
  const firstEvent = once(op, 'message');
  op.on('message', (e: greengrasscoreipc.model.ConfigurationUpdateEvents) => events.push(e));
  await op.activate();
  nucleus.configuration.set('kvs-edge', ['SiteWiseAssetIdForHub'], 'hub-2'); // not watched
  nucleus.configuration.set('kvs-edge', ['cameras', 'c2'], { retention: 5 });
  await firstEvent;
  t.same(events, [{ configurationUpdateEvent: { componentName: 'kvs-edge', keyPath: ['cameras', 'c2'] } }]);
  t.same((await client.getConfiguration({ keyPath: ['cameras', 'c2'] })).value, { retention: 5 });

  const second = once(op, 'message');
  await client.updateConfiguration({
    keyPath: ['cameras'],
    timestamp: new Date(),
    valueToMerge: { c3: { retention: 1 } },
  });
  await second;
  t.same(Object.keys((await client.getConfiguration({ keyPath: ['cameras'] })).value as object), [
    'c1',
    'c2',
    'c3',
  ]);
  await op.close();
  // After close the subscriber is gone: another change produces no event, shown by the next call's answer.
  nucleus.configuration.set('kvs-edge', ['cameras'], {});
  await client.getConfiguration({ keyPath: [] });
  t.equal(events.length, 2);
});

t.test('configuration errors', async (t) => {
  const nucleus = await start(t);
  const client = await connect(t, nucleus.socketPath, nucleus.svcuid);
  t.match(await caught(client.getConfiguration({ keyPath: ['missing'] })), ipcError(/Key not found/));
  t.match(await caught(client.getConfiguration({ componentName: 'other', keyPath: [] })), ipcError(/other/));
  nucleus.faults.fail('GetConfiguration', { code: 'ServiceError', message: 'injected', times: 1 });
  t.match(await caught(client.getConfiguration({ keyPath: [] })), ipcError('injected'));
  t.same((await client.getConfiguration({ keyPath: [] })).value, {});
  t.match(await caught(client.putComponentMetric({ metrics: [] })), ipcError(/not emulated/));
});

t.test('a wrong SVCUID is refused', async (t) => {
  const nucleus = await start(t, { svcuid: 'right' });
  t.match(await caught(connect(t, nucleus.socketPath, 'wrong')), { message: /connack|connect/i });
});

t.test('IoT Core: subscribe with wildcards and publish, bridged to the MQTT broker', async (t) => {
  const broker = await startMqttBroker();
  t.teardown(() => broker.stop());
  const nucleus = await start(t, { iotCore: broker });
  const client = await connect(t, nucleus.socketPath, nucleus.svcuid);

  const op = client.subscribeToIoTCore({
    topicName: '$aws/sitewise/asset-models/+/assets/+/properties/+',
    qos: greengrasscoreipc.model.QOS.AT_MOST_ONCE,
  });
  const received = once(op, 'message');
  await op.activate();
  const outside = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  t.teardown(() => outside.endAsync(true));
  await outside.publishAsync(
    '$aws/sitewise/asset-models/m/assets/a/properties/p',
    '{"type":"PropertyValueUpdate"}',
  );
  const [message] = (await received) as [greengrasscoreipc.model.IoTCoreMessage];
  t.equal(message.message?.topicName, '$aws/sitewise/asset-models/m/assets/a/properties/p');
  t.equal(Buffer.from(message.message!.payload as ArrayBuffer).toString(), '{"type":"PropertyValueUpdate"}');
  await op.close();

  await outside.subscribeAsync('cams/+/status');
  const got = new Promise<[string, string]>((resolve) =>
    outside.once('message', (topic, payload) => resolve([topic, payload.toString()])),
  );
  await client.publishToIoTCore({
    topicName: 'cams/c1/status',
    qos: greengrasscoreipc.model.QOS.AT_LEAST_ONCE,
    payload: Buffer.from('online'),
  });
  t.same(await got, ['cams/c1/status', 'online']);
  await t.rejects(
    client.subscribeToIoTCore({ topicName: '', qos: greengrasscoreipc.model.QOS.AT_MOST_ONCE }).activate(),
  );
});

t.test('IoT Core without a broker fails clearly; UpdateState is recorded', async (t) => {
  const nucleus = await start(t);
  const client = await connect(t, nucleus.socketPath, nucleus.svcuid);
  t.match(
    await caught(
      client.publishToIoTCore({
        topicName: 'x',
        qos: greengrasscoreipc.model.QOS.AT_MOST_ONCE,
        payload: 'y',
      }),
    ),
    ipcError(/no MQTT broker/),
  );
  const seen = once(nucleus, 'state');
  await client.updateState({ state: greengrasscoreipc.model.ReportedLifecycleState.RUNNING });
  t.same(await seen, ['RUNNING']);
  await client.updateState({ state: greengrasscoreipc.model.ReportedLifecycleState.ERRORED });
  t.same(nucleus.reportedStates, ['RUNNING', 'ERRORED']);
  await t.rejects(client.updateState({ state: 'SLEEPING' as Model['ReportedLifecycleState']['RUNNING'] }));
});

t.test(
  'PublishToTopic: JSON and binary messages reach local subscribers; a wildcard topic is refused',
  async (t) => {
    const nucleus = await start(t);
    const client = await connect(t, nucleus.socketPath, nucleus.svcuid);
    const heard = once(nucleus, 'local');
    const request = { namespace: 'KvsEdgeConnector', metricData: { metricName: 'CameraUp', value: 1 } };
    t.same(
      await client.publishToTopic({
        topic: 'cloudwatch/metric/put',
        publishMessage: { jsonMessage: { message: { request } } },
      }),
      {},
      'answered with an empty response',
    );
    t.same(
      (await heard)[0],
      { topic: 'cloudwatch/metric/put', json: { request } },
      'the subscriber gets the object',
    );
    await client.publishToTopic({
      topic: 'raw/bytes',
      publishMessage: { binaryMessage: { message: Buffer.from([0, 1, 255]) } },
    });
    t.same(nucleus.localMessages.at(-1), { topic: 'raw/bytes', binary: Buffer.from([0, 1, 255]) });
    // The JS client's model lists no InvalidArgumentsError for PublishToTopic, so the nucleus's answer
    // reaches the caller as an unexpected response that names it.
    const refused = await caught(
      client.publishToTopic({ topic: 'cloudwatch/+', publishMessage: { jsonMessage: { message: {} } } }),
    );
    t.match(String(refused), /InvalidArgumentsError/, 'a wildcard topic is refused, as the nucleus does');
    t.equal(nucleus.localMessages.length, 2, 'the refused message reached no one');
  },
);
