// Camera health where operators look, from the running component. Under the local Greengrass
// nucleus: a camera with a wrong password shows up on its health topic (IoT Core through the
// nucleus's MQTT proxy) with the error in words while it flaps between retries, at most one message
// per HealthIntervalSeconds, then recovers after the secret is fixed; its CameraUp metric goes to
// aws.greengrass.Cloudwatch's local topic. Standalone over MQTT 5: a camera that is killed is
// reported failing, and ok again once it is back.
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import t from 'tap';
import type { HealthMessage } from '../../src/health/index.js';
import { startTestCamera } from '../helpers/test-camera.js';
import { eventually } from '../helpers/poll.js';
import { addCamera, deploy, runConnector, type Deployment } from '../connector/fixtures.js';

const INTERVAL_S = 3;

async function listen(t: { teardown(fn: () => unknown): void }, d: Deployment) {
  const messages: { topic: string; message: HealthMessage }[] = [];
  const unsubscribe = await d.cloud.mqtt.subscribe('kvs-edge/+/cameras/+/health', (topic, payload) =>
    messages.push({ topic, message: JSON.parse(payload.toString()) as HealthMessage }),
  );
  t.teardown(unsubscribe);
  return messages;
}

/** Every pair of consecutive messages of a camera at least the interval apart (publisher clock). */
function spacing(messages: HealthMessage[]): number[] {
  return messages.slice(1).map((m, i) => Date.parse(m.at) - Date.parse(messages[i]!.at));
}

t.test(
  'Greengrass: a refused camera on its health topic and in CloudWatch metrics, then recovery',
  async (t) => {
    const d = await deploy(t);
    const messages = await listen(t, d);
    const camera = await startTestCamera(t, { user: 'viewer', password: 'right', gopSeconds: 1 });
    const cam = await addCamera(d, {
      name: 'Dock',
      streamName: 'dock',
      rtspUrl: camera.url('/cam', { user: 'viewer', password: 'wrong' }),
      captureStartTime: '* * * * *',
    });
    const run = await runConnector(t, d, {
      SegmentDurationSeconds: 2,
      ConfigRefreshSeconds: 1,
      HealthIntervalSeconds: INTERVAL_S,
    });
    const topic = `kvs-edge/gateway-1/cameras/${cam.assetId}/health`;
    const failing = await eventually('the refused camera reported failing', () =>
      messages.find((m) => m.topic === topic && m.message.health === 'failing'),
    );
    t.match(
      failing.message,
      { thingName: 'gateway-1', cameraAssetId: cam.assetId, streamName: 'dock', recording: true },
      'names the thing, the camera and what it should be doing',
    );
    t.match(failing.message.error, /user name or password/, 'the error in words');
    t.notMatch(JSON.stringify(messages), /wrong|right@/, 'no password in any message');

    const metric = await eventually('CameraUp 0 on cloudwatch/metric/put', () =>
      d.cloud.nucleus.localMessages.find((m) => {
        const data = (m.json as { request?: { metricData?: { metricName?: string; dimensions?: unknown } } })
          ?.request?.metricData;
        return (
          m.topic === 'cloudwatch/metric/put' &&
          data?.metricName === 'CameraUp' &&
          JSON.stringify(data.dimensions).includes(cam.assetId)
        );
      }),
    );
    t.match(metric.json, {
      request: { namespace: 'KvsEdgeConnector', metricData: { value: 0, unit: 'Count' } },
    });

    // The source retries and is refused again and again (starting <-> backing-off): the topic still
    // carries at most one message per interval.
    await eventually('two more intervals of retries', () =>
      run.component.connector.snapshot().cameras[0]!.restarts >= 3 &&
      Date.now() - Date.parse(failing.message.at) > 2 * INTERVAL_S * 1000
        ? true
        : undefined,
    );
    await d.secrets.send(
      new PutSecretValueCommand({
        SecretId: cam.secretArn,
        SecretString: JSON.stringify({ RTSPStreamURL: camera.url('/cam') }),
      }),
    );
    await eventually('ok once the secret holds the right password', () =>
      messages.find((m) => m.topic === topic && m.message.health === 'ok'),
    );
    const mine = messages.filter((m) => m.topic === topic).map((m) => m.message);
    t.ok(
      spacing(mine).every((gap) => gap >= INTERVAL_S * 1000),
      `at most one message per ${INTERVAL_S} s (gaps ${spacing(mine).join(', ')} ms)`,
    );
    t.equal(await run.stop(), 0);
  },
);

t.test('standalone over MQTT 5: a killed camera is reported failing, and ok once it is back', async (t) => {
  const d = await deploy(t);
  const messages = await listen(t, d);
  const camera = await startTestCamera(t, { gopSeconds: 1 });
  const port = camera.port;
  const cam = await addCamera(d, {
    name: 'Gate',
    streamName: 'gate',
    rtspUrl: camera.url('/cam'),
    captureStartTime: '* * * * *',
  });
  const run = await runConnector(
    t,
    d,
    { SegmentDurationSeconds: 2, HealthIntervalSeconds: INTERVAL_S },
    'standalone',
    { KVS_EDGE_MQTT_URL: d.cloud.mqtt.url, AWS_IOT_THING_NAME: 'gateway-1' },
  );
  const topic = `kvs-edge/gateway-1/cameras/${cam.assetId}/health`;
  await eventually('ok while the camera streams', () =>
    messages.find((m) => m.topic === topic && m.message.health === 'ok'),
  );
  await camera.stop();
  const failing = await eventually('failing once the camera is gone', () =>
    messages.find((m) => m.topic === topic && m.message.health === 'failing'),
  );
  t.type(failing.message.error, 'string', 'with the error in words');
  t.ok(failing.message.error!.length > 10, `error: ${failing.message.error}`);
  await startTestCamera(t, { gopSeconds: 1, port });
  await eventually(
    'ok again once the camera is back',
    () =>
      messages.filter((m) => m.topic === topic && m.message.health === 'ok').length >= 2 ? true : undefined,
    60_000,
  );
  t.equal(d.cloud.nucleus.localMessages.length, 0, 'no Greengrass, no local metrics');
  t.equal(await run.stop(), 0);
});
