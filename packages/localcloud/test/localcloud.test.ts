import t from 'tap';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  BatchPutAssetPropertyValueCommand,
  CreateAssetCommand,
  CreateAssetModelCommand,
  DescribeAssetCommand,
  IoTSiteWiseClient,
  ListAssetModelsCommand,
  UpdateAssetPropertyCommand,
} from '@aws-sdk/client-iotsitewise';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { KinesisVideoClient, ListStreamsCommand } from '@aws-sdk/client-kinesis-video';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ListPackagingGroupsCommand, MediaPackageVodClient } from '@aws-sdk/client-mediapackage-vod';
import { greengrasscoreipc } from 'aws-iot-device-sdk-v2';
import { startLocalCloud, type LocalCloud } from '../src/index.js';

/** Put the local cloud's environment into process.env, as a connector process would get it. */
function useEnv(t: { teardown(fn: () => void): void }, cloud: LocalCloud) {
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(cloud.env)) {
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE']) {
    saved.set(k, process.env[k]);
    delete process.env[k];
  }
  t.teardown(() => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

t.test('SDK clients configured only by the environment reach every service', async (t) => {
  const started = performance.now();
  const cloud = await startLocalCloud({ configuration: { SiteWiseAssetIdForHub: 'hub' } });
  t.comment(`local cloud started in ${(performance.now() - started).toFixed(0)} ms`);
  t.teardown(() => cloud.stop());
  useEnv(t, cloud);
  t.match(cloud.env, {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_IOTSITEWISE: /^http:\/\/127\.0\.0\.1:\d+$/,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: /^http:\/\/127\.0\.0\.1:\d+$/,
    AWS_ENDPOINT_URL_KINESIS_VIDEO: /^http:\/\/127\.0\.0\.1:\d+$/,
    AWS_ENDPOINT_URL_S3: /^http:\/\/127\.0\.0\.1:\d+$/,
    AWS_ENDPOINT_URL_MEDIAPACKAGE_VOD: /^http:\/\/127\.0\.0\.1:\d+$/,
    AWS_ENDPOINT_URL_IOTTWINMAKER: /^http:\/\/127\.0\.0\.1:\d+$/,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: /^http:\/\/127\.0\.0\.1:\d+\/2016-11-01\/credentialprovider\/$/,
    LOCALCLOUD_MQTT_URL: /^mqtt:\/\/127\.0\.0\.1:\d+$/,
    AWS_IOT_THING_NAME: 'local-thing',
  });

  // No endpoint and no credentials in code: the SDK reads AWS_ENDPOINT_URL_* and the container provider.
  const sitewise = new IoTSiteWiseClient({ disableHostPrefix: true });
  const secrets = new SecretsManagerClient({});
  const kvs = new KinesisVideoClient({});
  const s3 = new S3Client({ forcePathStyle: true });
  const vod = new MediaPackageVodClient({});
  t.teardown(() => [sitewise, secrets, kvs, s3, vod].forEach((c) => c.destroy()));
  await s3.send(new CreateBucketCommand({ Bucket: 'videos' }));
  t.same((await s3.send(new ListObjectsV2Command({ Bucket: 'videos' }))).KeyCount, 0);
  t.same((await vod.send(new ListPackagingGroupsCommand({}))).PackagingGroups, []);
  await secrets.send(new CreateSecretCommand({ Name: 'cam', SecretString: '{"RTSPStreamURL":"rtsp://x"}' }));
  t.equal(
    (await secrets.send(new GetSecretValueCommand({ SecretId: 'cam' }))).SecretString,
    '{"RTSPStreamURL":"rtsp://x"}',
  );
  t.same((await kvs.send(new ListStreamsCommand({}))).StreamInfoList, []);
  t.ok(cloud.tes.requests >= 1, 'credentials came from the token exchange service');

  // A SiteWise notification travels SiteWise -> MQTT broker -> nucleus -> the component's IPC subscription.
  const model = await sitewise.send(
    new CreateAssetModelCommand({
      assetModelName: 'cams',
      assetModelProperties: [{ name: 'VideoUploadRequest', dataType: 'STRING', type: { measurement: {} } }],
    }),
  );
  const asset = await sitewise.send(
    new CreateAssetCommand({ assetName: 'c', assetModelId: model.assetModelId! }),
  );
  const described = await sitewise.send(new DescribeAssetCommand({ assetId: asset.assetId! }));
  const property = described.assetProperties![0]!;
  await sitewise.send(
    new UpdateAssetPropertyCommand({
      assetId: asset.assetId!,
      propertyId: property.id!,
      propertyNotificationState: 'ENABLED',
    }),
  );
  const ipc = greengrasscoreipc.createClient();
  t.teardown(() => ipc.close());
  await ipc.connect();
  t.same((await ipc.getConfiguration({ keyPath: ['SiteWiseAssetIdForHub'] })).value, {
    SiteWiseAssetIdForHub: 'hub',
  });
  const op = ipc.subscribeToIoTCore({
    topicName: '$aws/sitewise/asset-models/+/assets/+/properties/+',
    qos: greengrasscoreipc.model.QOS.AT_MOST_ONCE,
  });
  const message = once(op, 'message');
  await op.activate();
  await sitewise.send(
    new BatchPutAssetPropertyValueCommand({
      entries: [
        {
          entryId: 'liveVideo',
          assetId: asset.assetId!,
          propertyId: property.id!,
          propertyValues: [
            { timestamp: { timeInSeconds: Math.floor(Date.now() / 1000) }, value: { stringValue: 'live' } },
          ],
        },
      ],
    }),
  );
  const [event] = (await message) as [greengrasscoreipc.model.IoTCoreMessage];
  t.equal(event.message?.topicName, property.notification?.topic);
  const body = JSON.parse(Buffer.from(event.message!.payload as ArrayBuffer).toString()) as {
    payload: { values: { value: { stringValue: string } }[] };
  };
  t.equal(body.payload.values[0]?.value.stringValue, 'live');
  await op.close();

  const stopping = performance.now();
  await cloud.stop();
  await cloud.stop();
  t.comment(`local cloud stopped in ${(performance.now() - stopping).toFixed(0)} ms`);
});

t.test('state survives a restart with a state folder; static credentials work directly', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'localcloud-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const first = await startLocalCloud({ stateDir: dir });
  const { accessKeyId, secretAccessKey } = first.credentials.static;
  const client = (cloud: LocalCloud) =>
    new SecretsManagerClient({
      region: cloud.region,
      endpoint: cloud.secrets.endpoint,
      credentials: { accessKeyId, secretAccessKey },
    });
  const c1 = client(first);
  await c1.send(new CreateSecretCommand({ Name: 'kept', SecretString: 'v' }));
  const sw1 = new IoTSiteWiseClient({
    region: 'us-east-1',
    endpoint: first.sitewise.endpoint,
    disableHostPrefix: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  await sw1.send(new CreateAssetModelCommand({ assetModelName: 'kept-model' }));
  c1.destroy();
  sw1.destroy();
  await first.stop();

  const second = await startLocalCloud({ stateDir: dir });
  t.teardown(() => second.stop());
  const c2 = client(second);
  t.teardown(() => c2.destroy());
  t.equal((await c2.send(new GetSecretValueCommand({ SecretId: 'kept' }))).SecretString, 'v');
  const sw2 = new IoTSiteWiseClient({
    region: 'us-east-1',
    endpoint: second.sitewise.endpoint,
    disableHostPrefix: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  t.teardown(() => sw2.destroy());
  const models = await sw2.send(new ListAssetModelsCommand({}));
  t.same(
    models.assetModelSummaries?.map((m) => m.name),
    ['kept-model'],
  );
});

t.test('a port that is taken fails the start and leaves nothing running', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  await t.rejects(startLocalCloud({ ports: { secrets: port } }), { code: 'EADDRINUSE' });
  await t.rejects(startLocalCloud({ ports: { mqtt: port } }), { code: 'EADDRINUSE' });
});
