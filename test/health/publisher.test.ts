// The health publisher's pacing on a clock the test moves (poll() is what start()'s timer calls): a
// camera's first state goes out at once, a change inside the interval waits and the state at the end
// of the interval is what is sent (latest wins, the changes counted), a flap that ends where it
// started sends nothing, and the CloudWatch metrics have the aws.greengrass.Cloudwatch input shape.
// End to end under Greengrass and standalone: health.test.ts.
import t from 'tap';
import { HealthPublisher, type HealthInput, type HealthMessage } from '../../src/health/index.js';
import { createLogger } from '../../src/log/index.js';

const camera = (over: Partial<HealthInput> = {}): HealthInput => ({
  assetId: 'cam-1',
  streamName: 'front',
  state: 'streaming',
  record: true,
  live: false,
  restarts: 0,
  bytesPerSecond: 1000,
  backlogSeconds: 0,
  ...over,
});

function rig(minIntervalMs: number, withLocal = false) {
  let now = 1_000_000;
  let current = camera();
  const sent: { topic: string; message: HealthMessage }[] = [];
  const local: { topic: string; message: unknown }[] = [];
  const publisher = new HealthPublisher({
    thingName: 'gw-1',
    topicPrefix: 'kvs-edge',
    minIntervalMs,
    metricsIntervalMs: minIntervalMs,
    read: () => ({
      cameras: [current],
      skipped: [{ assetId: 'cam-9', message: 'CaptureStartTime: bad cron' }],
    }),
    publish: async (topic, payload) => {
      sent.push({ topic, message: JSON.parse(payload) as HealthMessage });
    },
    ...(withLocal && {
      publishLocal: async (topic: string, message: unknown) => {
        local.push({ topic, message });
      },
    }),
    log: createLogger({ destination: { write: () => undefined } }),
    now: () => now,
  });
  return {
    publisher,
    sent,
    local,
    of: (id: string) => sent.filter((s) => s.message.cameraAssetId === id).map((s) => s.message),
    /** The camera as it is from now on, then `ms` later one poll. */
    at: async (ms: number, over: Partial<HealthInput> = {}) => {
      current = camera(over);
      now += ms;
      publisher.poll();
      await new Promise((r) => setImmediate(r));
    },
  };
}

t.test(
  'first state at once, then at most one message per interval: the latest state, changes counted',
  async (t) => {
    const r = rig(60_000);
    await r.at(0);
    t.same(
      r.sent.map((s) => s.topic),
      ['kvs-edge/gw-1/cameras/cam-1/health', 'kvs-edge/gw-1/cameras/cam-9/health'],
      'each camera once, on its own topic',
    );
    t.match(r.of('cam-1')[0], { health: 'ok', source: 'streaming', recording: true, live: false });
    t.match(r.of('cam-9')[0], { health: 'skipped', error: 'CaptureStartTime: bad cron' });

    // The camera fails 10 s later: the minute is not up, nothing is sent yet.
    const refused = 'unauthorized: camera rejected the user name or password (401)';
    await r.at(10_000, { state: 'backing-off', lastError: refused });
    await r.at(10_000, { state: 'starting', lastError: refused });
    await r.at(10_000, { state: 'backing-off', lastError: refused });
    t.equal(r.of('cam-1').length, 1, 'no message inside the minute while it flaps');
    await r.at(30_000, { state: 'backing-off', lastError: refused });
    t.equal(r.of('cam-1').length, 2, 'one message when the minute is up');
    t.match(r.of('cam-1')[1], {
      health: 'failing',
      error: refused,
      source: 'backing-off',
      changesSinceLast: 2,
    });

    // It recovers and fails again within the next minute: the failing state was already sent.
    await r.at(20_000, { state: 'streaming' });
    await r.at(20_000, { state: 'backing-off', lastError: refused });
    await r.at(30_000, { state: 'backing-off', lastError: refused });
    t.equal(r.of('cam-1').length, 2, 'a flap that ends where it started sends nothing');
    await r.at(60_000, { state: 'streaming', live: true, backlogSeconds: 12 });
    t.match(
      r.of('cam-1')[2],
      { health: 'ok', live: true, backlogSeconds: 12 },
      'recovery, once the minute is up',
    );
    t.notOk('error' in r.of('cam-1')[2]!, 'a recovered camera carries no error');
    await r.at(60_000, { state: 'streaming', live: true, backlogSeconds: 3 });
    t.equal(r.of('cam-1').length, 3, 'a backlog that changes is no state change');
    t.equal(r.of('cam-9').length, 1, 'an unchanged skipped camera is not repeated');
  },
);

t.test('idle outside schedules; a refused publish is sent again when the interval is up', async (t) => {
  let now = 0;
  let fail = true;
  const sent: string[] = [];
  const publisher = new HealthPublisher({
    thingName: 'gw-1',
    topicPrefix: 'plant/video',
    minIntervalMs: 1_000,
    read: () => ({ cameras: [camera({ state: 'stopped', record: false })], skipped: [] }),
    publish: async (_topic, payload) => {
      if (fail) throw new Error('not authorized');
      sent.push(payload);
    },
    log: createLogger({ destination: { write: () => undefined } }),
    now: () => now,
  });
  const poll = async (ms: number) => {
    now += ms;
    publisher.poll();
    await new Promise((r) => setImmediate(r));
  };
  await poll(0);
  t.same(sent, [], 'refused');
  fail = false;
  await poll(500);
  t.same(sent, [], 'not again inside the interval');
  await poll(500);
  t.match(JSON.parse(sent[0]!), { health: 'idle', recording: false }, 'sent once the interval is up');
  t.equal(publisher.topicFor('cam-1'), 'plant/video/gw-1/cameras/cam-1/health');
});

t.test(
  'CloudWatch metrics: one datum per message in the aws.greengrass.Cloudwatch input shape',
  async (t) => {
    const r = rig(60_000, true);
    await r.at(0, { state: 'streaming', bytesPerSecond: 25_000, backlogSeconds: 4, restarts: 2 });
    await r.at(30_000, { state: 'backing-off', restarts: 3 });
    t.equal(r.local.length, 4, 'four metrics per camera, not again inside the interval');
    await r.at(30_000, { state: 'backing-off', restarts: 5, backlogSeconds: 9 });
    t.ok(r.local.every((m) => m.topic === 'cloudwatch/metric/put'));
    const byName = (i: number) =>
      Object.fromEntries(
        r.local.slice(i, i + 4).map((m) => {
          const d = (m.message as { request: { metricData: { metricName: string; value: number } } }).request
            .metricData;
          return [d.metricName, d.value];
        }),
      );
    t.same(byName(0), { CameraUp: 1, UploadBacklog: 4, IncomingBitrate: 25_000, SourceRestarts: 0 });
    t.same(
      byName(4),
      { CameraUp: 0, UploadBacklog: 9, IncomingBitrate: 1000, SourceRestarts: 3 },
      'restarts since the last batch',
    );
    t.same(r.local[0]!.message, {
      request: {
        namespace: 'KvsEdgeConnector',
        metricData: {
          metricName: 'CameraUp',
          dimensions: [
            { name: 'ThingName', value: 'gw-1' },
            { name: 'CameraAssetId', value: 'cam-1' },
          ],
          timestamp: 1000,
          value: 1,
          unit: 'Count',
        },
      },
    });
  },
);
