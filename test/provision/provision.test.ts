// `kvs-edge provision` against the local cloud with the real AWS SDK clients: the reference's file
// shape makes the reference's models, assets, secret, stream and association; a second run changes
// nothing; a dry run changes nothing at all; a changed URL updates the same secret.
import t from 'tap';
import {
  DescribeAssetCommand,
  DescribeAssetModelCommand,
  GetAssetPropertyValueCommand,
  ListAssetModelsCommand,
  ListAssociatedAssetsCommand,
} from '@aws-sdk/client-iotsitewise';
import { DescribeStreamCommand } from '@aws-sdk/client-kinesis-video';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalCloud } from '@kvs-edge/localcloud';
import { awsClients } from '../../src/cli/aws.js';
import { CAMERA_MODEL_PROPERTIES } from '../../src/sitewise/index.js';
import { kvsEdge } from '../cli/run.js';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

async function cloudWithClients(t: { teardown(fn: () => unknown): void }) {
  const cloud = await startLocalCloud();
  t.teardown(() => cloud.stop());
  // Keys in the command's environment: the SDK's default chain would only look at this process's.
  const env = { ...cloud.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
  const aws = awsClients(env);
  t.teardown(() => aws.destroy());
  return { cloud, aws, env };
}

t.test(
  "the reference's file shape: models, assets, secret, stream, association; then nothing twice",
  async (t) => {
    const { aws, env } = await cloudWithClients(t);
    const first = await kvsEdge(['provision', fixture('reference-shape.yml')], env);
    t.equal(first.code, 0, first.err);
    t.match(first.out, /^create +camera model +[0-9a-f-]+$/m);
    t.match(first.out, /^create +stream +bakery-video-stream +\(retention 168 h\)$/m);
    t.match(first.out, /^create +association +hub "BakeryHubAsset" -> camera "BakeryCameraAsset1"$/m);
    t.notMatch(first.out + first.err, /s3cret-pass/, 'the camera password is never printed');
    const hubId = /hub "BakeryHubAsset": SiteWiseAssetIdForHub = ([0-9a-f-]+)/.exec(first.out)?.[1];
    t.ok(hubId, 'says which hub id to configure');

    // The models are the reference's, property for property.
    const models = (await aws.sitewise.send(new ListAssetModelsCommand({}))).assetModelSummaries ?? [];
    t.same(models.map((m) => m.name?.replace(/-[0-9a-f]{4}$/, '')).sort(), [
      'EdgeConnectorForKVSCameraModel',
      'EdgeConnectorForKVSHubModel',
    ]);
    const cameraModel = models.find((m) => m.name?.startsWith('EdgeConnectorForKVSCameraModel'))!;
    const described = await aws.sitewise.send(
      new DescribeAssetModelCommand({ assetModelId: cameraModel.id }),
    );
    t.same(
      described.assetModelProperties?.map((p) => [p.name, p.dataType]),
      CAMERA_MODEL_PROPERTIES.map((p) => [p.name, p.dataType]),
    );

    const hub = await aws.sitewise.send(new DescribeAssetCommand({ assetId: hubId }));
    const children = await aws.sitewise.send(
      new ListAssociatedAssetsCommand({
        assetId: hubId,
        hierarchyId: hub.assetHierarchies![0]!.id,
        traversalDirection: 'CHILD',
      }),
    );
    t.same(
      children.assetSummaries?.map((a) => a.name),
      ['BakeryCameraAsset1'],
    );
    const cameraId = children.assetSummaries![0]!.id!;
    const camera = await aws.sitewise.send(new DescribeAssetCommand({ assetId: cameraId }));
    const value = async (name: string) => {
      const p = camera.assetProperties!.find((q) => q.name === name)!;
      return (
        await aws.sitewise.send(new GetAssetPropertyValueCommand({ assetId: cameraId, propertyId: p.id }))
      ).propertyValue?.value;
    };
    t.same(await value('LiveStreamingStartTime'), { stringValue: '*/30 * * * ?' });
    t.same(await value('CaptureDurationInMinutes'), { integerValue: 10 });
    const arn = (await value('RTSPStreamSecretARN'))?.stringValue;
    t.match(arn, /:secret:CameraSecret-[0-9a-f]{12}/, "the reference's secret name");
    const secret = await aws.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    t.same(JSON.parse(secret.SecretString!), {
      RTSPStreamURL: 'rtsp://viewer:s3cret-pass@192.0.2.24:554/stream1',
    });
    t.equal(
      camera.assetProperties!.find((p) => p.name === 'VideoUploadRequest')?.notification?.state,
      'ENABLED',
    );
    const stream = await aws.kvs.send(new DescribeStreamCommand({ StreamName: 'bakery-video-stream' }));
    t.equal(stream.StreamInfo?.DataRetentionInHours, 168);

    const second = await kvsEdge(['provision', fixture('reference-shape.yml'), '--json'], env);
    t.equal(second.code, 0, second.err);
    const result = JSON.parse(second.out) as { changes: { action: string }[]; hubs: { assetId: string }[] };
    t.ok(result.changes.length >= 10);
    t.same(
      result.changes.filter((c) => c.action !== 'unchanged'),
      [],
      'the second run changes nothing',
    );
    t.equal(result.hubs[0]!.assetId, hubId);
  },
);

t.test('a dry run on an empty cloud plans everything and creates nothing', async (t) => {
  const { aws, env } = await cloudWithClients(t);
  const r = await kvsEdge(['provision', fixture('own-format.yml'), '--dry-run'], env);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /^create +stream +line-1-packing +\(retention 24 h\)$/m);
  t.match(r.out, /^dry run: \d+ would be created, 0 would be updated, 0 unchanged$/m);
  t.same((await aws.sitewise.send(new ListAssetModelsCommand({}))).assetModelSummaries, []);
  await t.rejects(aws.kvs.send(new DescribeStreamCommand({ StreamName: 'line-1-packing' })), {
    name: 'ResourceNotFoundException',
  });
});

t.test('edits to the file update what changed, in place, and nothing else', async (t) => {
  const { aws, env } = await cloudWithClients(t);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-edge-provision-'));
  const file = path.join(dir, 'site.yml');
  const original = await readFile(fixture('own-format.yml'), 'utf8');
  await writeFile(file, original);
  const first = await kvsEdge(['provision', file, '--json'], env);
  t.equal(first.code, 0, first.err);
  const before = JSON.parse(first.out) as { cameras: { name: string; secretArn: string }[] };

  await writeFile(
    file,
    original
      .replace('entrance-pass@192.0.2.31', 'new-pass@192.0.2.41')
      .replace('LocalDataRetentionPeriodInMinutes: 120', 'LocalDataRetentionPeriodInMinutes: 90'),
  );
  const second = await kvsEdge(['provision', file, '--json'], env);
  t.equal(second.code, 0, second.err);
  const after = JSON.parse(second.out) as {
    changes: { action: string; kind: string; target: string; detail?: string }[];
    cameras: { secretArn: string }[];
  };
  t.same(
    after.changes.filter((c) => c.action !== 'unchanged').map((c) => [c.action, c.kind, c.target, c.detail]),
    [
      ['update', 'secret', 'camera "line-1-entrance" RTSP URL', before.cameras[0]!.secretArn],
      ['update', 'attributes', 'camera "line-1-entrance"', 'LocalDataRetentionPeriodInMinutes'],
    ],
  );
  t.equal(after.cameras[0]!.secretArn, before.cameras[0]!.secretArn, 'the same secret, a new value');
  const secret = await aws.secrets.send(
    new GetSecretValueCommand({ SecretId: before.cameras[0]!.secretArn }),
  );
  t.match(JSON.parse(secret.SecretString!).RTSPStreamURL, /new-pass@192.0.2.41/);
});

t.test(
  'a hub that lists a camera nobody has is an error that names it; a bad file sends nothing',
  async (t) => {
    const { aws, env } = await cloudWithClients(t);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-edge-provision-'));
    const file = path.join(dir, 'hub.yml');
    await writeFile(
      file,
      'HubAsset:\n  Type: EdgeConnectorForKVSHubAsset\n  Name: lonely-hub\n  ChildrenCameraSiteWiseAssetName: ["ghost-cam"]\n',
    );
    const r = await kvsEdge(['provision', file], env);
    t.equal(r.code, 1);
    t.match(
      r.err,
      /hub "lonely-hub" lists camera "ghost-cam", which is neither in the file nor a camera asset in SiteWise/,
    );

    const bad = await kvsEdge(['provision', fixture('mistakes.yml')], env);
    t.equal(bad.code, 2);
    t.match(
      bad.err,
      /^kvs-edge provision: 5 mistakes in .*mistakes.yml, nothing was changed:\n.*mistakes.yml:5:29: /,
    );
    const models = (await aws.sitewise.send(new ListAssetModelsCommand({}))).assetModelSummaries ?? [];
    t.equal(models.length, 2, 'only the first run (the hub file) made models');
  },
);

t.test('--print-policy scopes KVS to the streams in the file', async (t) => {
  const r = await kvsEdge(['provision', '--print-policy', fixture('own-format.yml')], {
    AWS_REGION: 'eu-west-1',
  });
  t.equal(r.code, 0, r.err);
  const policy = JSON.parse(r.out) as {
    Statement: { Sid: string; Action: string[]; Resource: string | string[] }[];
  };
  const kvs = policy.Statement.find((s) => s.Sid === 'StreamVideo')!;
  t.same(kvs.Resource, [
    'arn:aws:kinesisvideo:eu-west-1:*:stream/line-1-entrance/*',
    'arn:aws:kinesisvideo:eu-west-1:*:stream/line-1-packing/*',
  ]);
  t.ok(kvs.Action.includes('kinesisvideo:PutMedia'));
});

t.test(
  'TwinMaker: a workspace and one edge video entity per camera bound to its asset; then nothing twice',
  async (t) => {
    const { cloud, env } = await cloudWithClients(t);
    const dry = await kvsEdge(['provision', '--dry-run', fixture('twinmaker.yml')], env);
    t.equal(dry.code, 0, dry.err);
    t.match(dry.out, /^create +workspace +Docks$/m, 'the dry run shows the workspace');
    t.match(
      dry.out,
      /^create +entity +camera "dock-north" +\(camera-<asset id>, EdgeVideo: com\.amazon\.iotsitewise\.connector\.edgevideo\)$/m,
    );

    const first = await kvsEdge(['provision', fixture('twinmaker.yml')], env);
    t.equal(first.code, 0, first.err);
    t.match(first.out, /^create +workspace +Docks$/m);
    const { IoTTwinMakerClient, GetEntityCommand, ListEntitiesCommand } =
      await import('@aws-sdk/client-iottwinmaker');
    const twinmaker = new IoTTwinMakerClient({
      region: cloud.region,
      endpoint: cloud.env.AWS_ENDPOINT_URL_IOTTWINMAKER!,
      disableHostPrefix: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    t.teardown(() => twinmaker.destroy());
    const listed =
      (await twinmaker.send(new ListEntitiesCommand({ workspaceId: 'Docks' }))).entitySummaries ?? [];
    t.same(
      listed.map((e) => e.entityName).sort(),
      ['dock-north', 'dock-south'],
      'one entity per camera, named after it',
    );
    const { CameraModel } = { CameraModel: /camera model +([0-9a-f-]+)/.exec(first.out)?.[1] };
    for (const camera of ['dock-north', 'dock-south']) {
      const assetId = new RegExp(`^create +asset +camera "${camera}" +\\(([0-9a-f-]+)\\)$`, 'm').exec(
        first.out,
      )?.[1];
      t.ok(assetId, `${camera}'s asset was created`);
      const entity = await twinmaker.send(
        new GetEntityCommand({ workspaceId: 'Docks', entityId: `camera-${assetId}` }),
      );
      const component = entity.components?.EdgeVideo;
      t.equal(component?.componentTypeId, 'com.amazon.iotsitewise.connector.edgevideo');
      t.equal(
        component?.properties?.sitewiseAssetId?.value?.stringValue,
        assetId,
        `${camera}'s entity is bound to its asset`,
      );
      t.equal(
        component?.properties?.sitewiseAssetModelId?.value?.stringValue,
        CameraModel,
        'and to the camera model',
      );
    }

    const second = await kvsEdge(['provision', fixture('twinmaker.yml')], env);
    t.equal(second.code, 0, second.err);
    t.match(second.out, /^0 created, 0 updated, \d+ unchanged$/m, 'a second run changes nothing');
    t.match(second.out, /^unchanged +entity +camera "dock-south"/m);
    const again =
      (await twinmaker.send(new ListEntitiesCommand({ workspaceId: 'Docks' }))).entitySummaries ?? [];
    t.equal(again.length, 2, 'no entity twice');
  },
);

t.test('TwinMaker: a workspace that does not exist and cannot be made is named with the fix', async (t) => {
  const { env } = await cloudWithClients(t);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'provision-tm-'));
  const file = path.join(dir, 'no-role.yml');
  const text = (await readFile(fixture('twinmaker.yml'), 'utf8')).replace(
    /^ {2}(Role|S3Location):.*\n/gm,
    '',
  );
  await writeFile(file, text);
  const run = await kvsEdge(['provision', file], env);
  t.equal(run.code, 1);
  t.match(
    run.err,
    /TwinMaker workspace "Docks" does not exist: create it in the TwinMaker console, or give TwinMaker.Role and TwinMaker.S3Location/,
  );
});
