import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AssociateAssetsCommand,
  BatchPutAssetPropertyValueCommand,
  CreateAssetCommand,
  ConflictingOperationException,
  CreateAssetModelCommand,
  DescribeAssetCommand,
  DisassociateAssetsCommand,
  DescribeAssetModelCommand,
  GetAssetPropertyValueCommand,
  GetAssetPropertyValueHistoryCommand,
  IoTSiteWiseClient,
  ListAssetModelsCommand,
  ListAssetsCommand,
  ListAssociatedAssetsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  UpdateAssetPropertyCommand,
  paginateListAssociatedAssets,
  type AssociatedAssetsSummary,
} from '@aws-sdk/client-iotsitewise';
import { startSiteWiseService, type SiteWiseOptions } from '../src/sitewise/index.js';

type Teardown = { teardown(fn: () => unknown): void };

async function start(t: Teardown, options: SiteWiseOptions = {}) {
  const service = await startSiteWiseService(options);
  t.teardown(() => service.stop());
  const client = new IoTSiteWiseClient({
    region: 'us-east-1',
    endpoint: service.endpoint,
    disableHostPrefix: true,
    credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  t.teardown(() => client.destroy());
  return { service, client };
}

/** The hub and camera models of the reference component, trimmed to what the tests touch. */
async function cameraModels(client: IoTSiteWiseClient) {
  const camera = await client.send(
    new CreateAssetModelCommand({
      assetModelName: 'EdgeConnectorForKVSCameraModel-test',
      assetModelProperties: [
        { name: 'KinesisVideoStreamName', dataType: 'STRING', type: { attribute: {} } },
        {
          name: 'RTSPStreamSecretARN',
          dataType: 'STRING',
          type: { attribute: { defaultValue: 'arn:none' } },
        },
        {
          name: 'LocalDataRetentionPeriodInMinutes',
          dataType: 'INTEGER',
          type: { attribute: { defaultValue: '60' } },
        },
        { name: 'VideoUploadRequest', dataType: 'STRING', type: { measurement: {} } },
        { name: 'VideoUploadedTimeRange', dataType: 'DOUBLE', type: { measurement: {} } },
      ],
    }),
  );
  const hub = await client.send(
    new CreateAssetModelCommand({
      assetModelName: 'EdgeConnectorForKVSHubModel-test',
      assetModelProperties: [{ name: 'HubName', dataType: 'STRING', type: { attribute: {} } }],
      assetModelHierarchies: [{ name: 'ConnectedCameras', childAssetModelId: camera.assetModelId! }],
    }),
  );
  const cameraModel = await client.send(
    new DescribeAssetModelCommand({ assetModelId: camera.assetModelId! }),
  );
  const hubModel = await client.send(new DescribeAssetModelCommand({ assetModelId: hub.assetModelId! }));
  const prop = (name: string) => cameraModel.assetModelProperties!.find((p) => p.name === name)!.id!;
  return { cameraModel, hubModel, prop, hierarchyId: hubModel.assetModelHierarchies![0]!.id! };
}

const nowTqv = (value: object, offsetMs = 0) => {
  const ms = Date.now() + offsetMs;
  return {
    timestamp: { timeInSeconds: Math.floor(ms / 1000), offsetInNanos: 0 },
    quality: 'GOOD' as const,
    value,
  };
};

t.test('models and assets: create, describe (also by external id), list, associate, page', async (t) => {
  const { client, service } = await start(t);
  const { cameraModel, hubModel, hierarchyId } = await cameraModels(client);
  t.equal(cameraModel.assetModelStatus?.state, 'ACTIVE');
  t.equal(cameraModel.assetModelProperties?.length, 5);
  t.equal(
    cameraModel.assetModelProperties?.find((p) => p.name === 'LocalDataRetentionPeriodInMinutes')?.type
      ?.attribute?.defaultValue,
    '60',
  );
  t.type(cameraModel.assetModelCreationDate, Date);
  const models = await client.send(new ListAssetModelsCommand({}));
  t.same(models.assetModelSummaries?.map((m) => m.name).sort(), [
    'EdgeConnectorForKVSCameraModel-test',
    'EdgeConnectorForKVSHubModel-test',
  ]);

  const hub = await client.send(
    new CreateAssetCommand({
      assetName: 'hub',
      assetModelId: hubModel.assetModelId!,
      assetExternalId: 'hub-1',
    }),
  );
  t.equal(hub.assetStatus?.state, 'CREATING');
  const byExternal = await client.send(new DescribeAssetCommand({ assetId: 'externalId:hub-1' }));
  t.equal(byExternal.assetId, hub.assetId);
  t.equal(byExternal.assetExternalId, 'hub-1');
  t.same(byExternal.assetHierarchies, [{ id: hierarchyId, name: 'ConnectedCameras' }]);

  const cameraIds: string[] = [];
  for (let i = 0; i < 5; i++) {
    const cam = await client.send(
      new CreateAssetCommand({
        assetName: `cam${i}`,
        assetModelId: cameraModel.assetModelId!,
        tags: { k: 'v' },
      }),
    );
    cameraIds.push(cam.assetId!);
    await client.send(
      new AssociateAssetsCommand({ assetId: hub.assetId!, hierarchyId, childAssetId: cam.assetId! }),
    );
  }
  service.pageSize = 2;
  const pages: AssociatedAssetsSummary[][] = [];
  for await (const page of paginateListAssociatedAssets(
    { client },
    { assetId: hub.assetId!, hierarchyId, traversalDirection: 'CHILD' },
  )) {
    pages.push(page.assetSummaries ?? []);
  }
  t.same(
    pages.map((p) => p.length),
    [2, 2, 1],
    'three pages of at most two',
  );
  t.same(
    pages.flat().map((a) => a.id),
    cameraIds,
  );
  const parent = await client.send(
    new ListAssociatedAssetsCommand({ assetId: cameraIds[0]!, traversalDirection: 'PARENT' }),
  );
  t.same(
    parent.assetSummaries?.map((a) => a.id),
    [hub.assetId],
  );
  const cams = await client.send(
    new ListAssetsCommand({ assetModelId: cameraModel.assetModelId!, maxResults: 10 }),
  );
  t.equal(cams.assetSummaries?.length, 2, 'the page size setting caps maxResults');
  t.ok(cams.nextToken);
  const top = await client.send(new ListAssetsCommand({ filter: 'TOP_LEVEL' }));
  t.same(
    top.assetSummaries?.map((a) => a.id),
    [hub.assetId],
  );
});

t.test('model and asset errors', async (t) => {
  const { client } = await start(t);
  const { cameraModel, hubModel, hierarchyId } = await cameraModels(client);
  const dup = await client
    .send(new CreateAssetModelCommand({ assetModelName: 'EdgeConnectorForKVSHubModel-test' }))
    .catch((e: unknown) => e);
  t.ok(dup instanceof ResourceAlreadyExistsException);
  t.equal((dup as ResourceAlreadyExistsException).resourceId, hubModel.assetModelId);
  await t.rejects(
    client.send(
      new CreateAssetModelCommand({
        assetModelName: 'bad',
        assetModelHierarchies: [{ name: 'h', childAssetModelId: 'missing' }],
      }),
    ),
    ResourceNotFoundException,
  );
  await t.rejects(
    client.send(new DescribeAssetModelCommand({ assetModelId: 'missing' })),
    ResourceNotFoundException,
  );
  await t.rejects(
    client.send(new CreateAssetCommand({ assetName: 'x', assetModelId: 'missing' })),
    ResourceNotFoundException,
  );
  await client.send(
    new CreateAssetCommand({ assetName: 'a', assetModelId: cameraModel.assetModelId!, assetExternalId: 'e' }),
  );
  await t.rejects(
    client.send(
      new CreateAssetCommand({
        assetName: 'b',
        assetModelId: cameraModel.assetModelId!,
        assetExternalId: 'e',
      }),
    ),
    ResourceAlreadyExistsException,
  );
  await t.rejects(client.send(new DescribeAssetCommand({ assetId: 'externalId:nope' })), {
    name: 'ResourceNotFoundException',
    $metadata: { httpStatusCode: 404 },
  });
  await t.rejects(client.send(new ListAssetsCommand({})), { name: 'InvalidRequestException' });
  const hub = await client.send(
    new CreateAssetCommand({ assetName: 'hub', assetModelId: hubModel.assetModelId! }),
  );
  const otherHub = await client.send(
    new CreateAssetCommand({ assetName: 'hub2', assetModelId: hubModel.assetModelId! }),
  );
  // A hub is not a camera: the hierarchy's child model does not match.
  await t.rejects(
    client.send(
      new AssociateAssetsCommand({ assetId: hub.assetId!, hierarchyId, childAssetId: otherHub.assetId! }),
    ),
    { name: 'InvalidRequestException' },
  );
  await t.rejects(
    client.send(
      new AssociateAssetsCommand({ assetId: hub.assetId!, hierarchyId: 'nope', childAssetId: 'x' }),
    ),
    { name: 'InvalidRequestException' },
  );
  const cam = await client.send(
    new CreateAssetCommand({ assetName: 'c', assetModelId: cameraModel.assetModelId! }),
  );
  await client.send(
    new AssociateAssetsCommand({ assetId: hub.assetId!, hierarchyId, childAssetId: cam.assetId! }),
  );
  await t.rejects(
    client.send(
      new AssociateAssetsCommand({ assetId: otherHub.assetId!, hierarchyId, childAssetId: cam.assetId! }),
    ),
    { name: 'InvalidRequestException', message: /already associated/ },
  );
  await t.rejects(client.send(new ListAssociatedAssetsCommand({ assetId: hub.assetId! })), {
    name: 'InvalidRequestException',
  });
  await t.rejects(
    client.send(
      new ListAssociatedAssetsCommand({ assetId: hub.assetId!, hierarchyId, nextToken: 'garbage' }),
    ),
    { name: 'InvalidRequestException' },
  );
});

t.test('DisassociateAssets: the child leaves the hub and becomes top-level again', async (t) => {
  const { client } = await start(t);
  const { cameraModel, hubModel, hierarchyId } = await cameraModels(client);
  const hub = await client.send(
    new CreateAssetCommand({ assetName: 'hub', assetModelId: hubModel.assetModelId! }),
  );
  const otherHub = await client.send(
    new CreateAssetCommand({ assetName: 'hub2', assetModelId: hubModel.assetModelId! }),
  );
  const ids: string[] = [];
  for (const name of ['c0', 'c1']) {
    const cam = await client.send(
      new CreateAssetCommand({
        assetName: name,
        assetModelId: cameraModel.assetModelId!,
        assetExternalId: name,
      }),
    );
    ids.push(cam.assetId!);
    await client.send(
      new AssociateAssetsCommand({ assetId: hub.assetId!, hierarchyId, childAssetId: cam.assetId! }),
    );
  }
  const children = async (assetId: string) =>
    (
      await client.send(
        new ListAssociatedAssetsCommand({ assetId, hierarchyId, traversalDirection: 'CHILD' }),
      )
    ).assetSummaries?.map((a) => a.id);

  // External ids work in the path and the body, as for AssociateAssets.
  const out = await client.send(
    new DisassociateAssetsCommand({ assetId: hub.assetId!, hierarchyId, childAssetId: 'externalId:c0' }),
  );
  t.equal(out.$metadata.httpStatusCode, 200);
  t.same(await children(hub.assetId!), [ids[1]], 'only the other camera is left under the hub');
  const parent = await client.send(
    new ListAssociatedAssetsCommand({ assetId: ids[0]!, traversalDirection: 'PARENT' }),
  );
  t.same(parent.assetSummaries, [], 'the camera has no parent');
  const top = await client.send(new ListAssetsCommand({ filter: 'TOP_LEVEL' }));
  t.ok(
    top.assetSummaries?.some((a) => a.id === ids[0]),
    'the camera is top-level',
  );
  await client.send(
    new AssociateAssetsCommand({ assetId: otherHub.assetId!, hierarchyId, childAssetId: ids[0]! }),
  );
  t.same(await children(otherHub.assetId!), [ids[0]], 'it can join another hub');
});

t.test('DisassociateAssets errors', async (t) => {
  const { client, service } = await start(t);
  const { cameraModel, hubModel, hierarchyId } = await cameraModels(client);
  const hub = await client.send(
    new CreateAssetCommand({ assetName: 'hub', assetModelId: hubModel.assetModelId! }),
  );
  const otherHub = await client.send(
    new CreateAssetCommand({ assetName: 'hub2', assetModelId: hubModel.assetModelId! }),
  );
  const cam = await client.send(
    new CreateAssetCommand({ assetName: 'c', assetModelId: cameraModel.assetModelId! }),
  );
  const send = (assetId: string, childAssetId: string, hierarchy = hierarchyId) =>
    client.send(new DisassociateAssetsCommand({ assetId, hierarchyId: hierarchy, childAssetId }));

  await t.rejects(send('missing', cam.assetId!), {
    name: 'ResourceNotFoundException',
    $metadata: { httpStatusCode: 404 },
  });
  await t.rejects(send(hub.assetId!, 'missing'), ResourceNotFoundException);
  await t.rejects(send(hub.assetId!, cam.assetId!, 'nope'), {
    name: 'InvalidRequestException',
    message: /not in the model/,
  });
  await t.rejects(send(hub.assetId!, cam.assetId!), {
    name: 'InvalidRequestException',
    message: /not associated/,
  });
  await client.send(
    new AssociateAssetsCommand({ assetId: hub.assetId!, hierarchyId, childAssetId: cam.assetId! }),
  );
  await t.rejects(send(otherHub.assetId!, cam.assetId!), { name: 'InvalidRequestException' }, 'wrong parent');
  const res = await fetch(`${service.endpoint}/assets/${hub.assetId!}/disassociate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hierarchyId, childAssetId: cam.assetId!, clientToken: 'short' }),
  });
  t.equal(res.status, 400, 'a clientToken shorter than 36 characters is refused');
  t.equal(res.headers.get('x-amzn-errortype'), 'InvalidRequestException');

  // Ours finishes every change at once, so a conflict only comes from fault injection.
  service.faults.fail('DisassociateAssets', { code: 'ConflictingOperationException', status: 409, times: 1 });
  await t.rejects(send(hub.assetId!, cam.assetId!), ConflictingOperationException);
  await send(hub.assetId!, cam.assetId!);
  await t.rejects(send(hub.assetId!, cam.assetId!), { message: /not associated/ }, 'already undone');
});

t.test('values: attributes defaults, batch put rules, latest and history', async (t) => {
  const published: [string, string][] = [];
  const { client, service } = await start(t, {
    publish: async (topic, payload) => {
      published.push([topic, payload]);
    },
  });
  const { cameraModel, prop } = await cameraModels(client);
  const cam = await client.send(
    new CreateAssetCommand({ assetName: 'c', assetModelId: cameraModel.assetModelId! }),
  );
  const assetId = cam.assetId!;
  const retention = await client.send(
    new GetAssetPropertyValueCommand({ assetId, propertyId: prop('LocalDataRetentionPeriodInMinutes') }),
  );
  t.equal(retention.propertyValue?.value?.integerValue, 60, 'attribute default is readable as a value');
  const unset = await client.send(
    new GetAssetPropertyValueCommand({ assetId, propertyId: prop('KinesisVideoStreamName') }),
  );
  t.equal(unset.propertyValue, undefined);

  const range = prop('VideoUploadedTimeRange');
  const base = nowTqv({ doubleValue: 1 }, -60_000);
  const result = await client.send(
    new BatchPutAssetPropertyValueCommand({
      entries: [
        {
          entryId: 'name',
          assetId,
          propertyId: prop('KinesisVideoStreamName'),
          propertyValues: [nowTqv({ stringValue: 's1' })],
        },
        {
          entryId: 'range',
          assetId,
          propertyId: range,
          propertyValues: [
            base,
            { ...base, value: { doubleValue: 2 } }, // same timestamp: replaces
            nowTqv({ doubleValue: 3 }, -30_000),
            nowTqv({ doubleValue: 4 }, -8 * 24 * 3600 * 1000), // too old
            nowTqv({ doubleValue: 5 }, 11 * 60 * 1000), // too far ahead
            nowTqv({ stringValue: 'wrong type' }, -20_000),
          ],
        },
        {
          entryId: 'missing',
          assetId: 'nope',
          propertyId: range,
          propertyValues: [nowTqv({ doubleValue: 1 })],
        },
      ],
    }),
  );
  t.equal(result.errorEntries?.length, 2);
  const rangeErrors = result.errorEntries?.find((e) => e.entryId === 'range')?.errors ?? [];
  const outOfRange = rangeErrors.find((e) => e.errorCode === 'TimestampOutOfRangeException');
  t.equal(outOfRange?.timestamps?.length, 2);
  t.equal(rangeErrors.find((e) => e.errorCode === 'InvalidRequestException')?.timestamps?.length, 1);
  t.equal(
    result.errorEntries?.find((e) => e.entryId === 'missing')?.errors?.[0]?.errorCode,
    'ResourceNotFoundException',
  );
  t.equal(published.length, 0, 'no notification while notifications are disabled');

  const name = await client.send(
    new GetAssetPropertyValueCommand({ assetId, propertyId: prop('KinesisVideoStreamName') }),
  );
  t.equal(name.propertyValue?.value?.stringValue, 's1');
  const history = await client.send(
    new GetAssetPropertyValueHistoryCommand({
      assetId,
      propertyId: range,
      startDate: new Date(Date.now() - 3600_000),
      endDate: new Date(Date.now() + 60_000),
    }),
  );
  t.same(
    history.assetPropertyValueHistory?.map((v) => v.value?.doubleValue),
    [2, 3],
  );
  service.pageSize = 1;
  const first = await client.send(
    new GetAssetPropertyValueHistoryCommand({ assetId, propertyId: range, timeOrdering: 'DESCENDING' }),
  );
  t.same(
    first.assetPropertyValueHistory?.map((v) => v.value?.doubleValue),
    [3],
  );
  const second = await client.send(
    new GetAssetPropertyValueHistoryCommand({
      assetId,
      propertyId: range,
      timeOrdering: 'DESCENDING',
      nextToken: first.nextToken!,
    }),
  );
  t.same(
    second.assetPropertyValueHistory?.map((v) => v.value?.doubleValue),
    [2],
  );
  t.notOk(second.nextToken);

  await t.rejects(
    client.send(
      new BatchPutAssetPropertyValueCommand({
        entries: Array.from({ length: 11 }, (_, i) => ({
          entryId: `e${i}`,
          assetId,
          propertyId: range,
          propertyValues: [nowTqv({ doubleValue: i })],
        })),
      }),
    ),
    { name: 'InvalidRequestException' },
  );
  await t.rejects(client.send(new GetAssetPropertyValueCommand({ assetId })), {
    name: 'InvalidRequestException',
  });
  await t.rejects(
    client.send(new GetAssetPropertyValueCommand({ assetId, propertyId: 'nope' })),
    ResourceNotFoundException,
  );
  await t.rejects(
    client.send(
      new GetAssetPropertyValueHistoryCommand({
        assetId,
        propertyId: range,
        startDate: new Date(2000),
        endDate: new Date(1000),
      }),
    ),
    { name: 'InvalidRequestException' },
  );
  await t.rejects(
    client.send(new GetAssetPropertyValueHistoryCommand({ propertyAlias: '/nope' })),
    ResourceNotFoundException,
  );
});

t.test('notifications: UpdateAssetProperty enables them and values are published on the topic', async (t) => {
  const published: [string, string][] = [];
  const { client } = await start(t, {
    publish: async (topic, payload) => {
      published.push([topic, payload]);
    },
  });
  const { cameraModel, prop } = await cameraModels(client);
  const cam = await client.send(
    new CreateAssetCommand({ assetName: 'c', assetModelId: cameraModel.assetModelId! }),
  );
  const assetId = cam.assetId!;
  const request = prop('VideoUploadRequest');
  await client.send(
    new UpdateAssetPropertyCommand({
      assetId,
      propertyId: request,
      propertyNotificationState: 'ENABLED',
      propertyAlias: '/cams/c/request',
    }),
  );
  const described = await client.send(new DescribeAssetCommand({ assetId }));
  const p = described.assetProperties?.find((x) => x.id === request);
  const topic = `$aws/sitewise/asset-models/${cameraModel.assetModelId}/assets/${assetId}/properties/${request}`;
  t.same(p?.notification, { topic, state: 'ENABLED' });
  t.equal(p?.alias, '/cams/c/request');

  const tqv = nowTqv({ stringValue: 'live' });
  const put = await client.send(
    new BatchPutAssetPropertyValueCommand({
      entries: [{ entryId: 'liveVideo', propertyAlias: '/cams/c/request', propertyValues: [tqv] }],
    }),
  );
  t.same(put.errorEntries, []);
  t.equal(published.length, 1);
  t.equal(published[0]![0], topic);
  t.same(JSON.parse(published[0]![1]), {
    type: 'PropertyValueUpdate',
    payload: { assetId, propertyId: request, values: [tqv] },
  });
  const latest = await client.send(new GetAssetPropertyValueCommand({ propertyAlias: '/cams/c/request' }));
  t.equal(latest.propertyValue?.value?.stringValue, 'live');

  // An update that leaves the state and alias out resets both, as SiteWise does.
  await client.send(new UpdateAssetPropertyCommand({ assetId, propertyId: request }));
  const after = await client.send(new DescribeAssetCommand({ assetId }));
  t.same(after.assetProperties?.find((x) => x.id === request)?.notification?.state, 'DISABLED');
  t.equal(after.assetProperties?.find((x) => x.id === request)?.alias, undefined);

  await t.rejects(
    client.send(
      new UpdateAssetPropertyCommand({ assetId, propertyId: 'nope', propertyNotificationState: 'ENABLED' }),
    ),
    ResourceNotFoundException,
  );
  await t.rejects(
    client.send(new UpdateAssetPropertyCommand({ assetId: 'nope', propertyId: request })),
    ResourceNotFoundException,
  );
});

t.test('state survives a restart; faults fail one named operation', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sitewise-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const first = await start(t, { stateDir: dir });
  const { cameraModel, prop } = await cameraModels(first.client);
  const cam = await first.client.send(
    new CreateAssetCommand({
      assetName: 'c',
      assetModelId: cameraModel.assetModelId!,
      assetExternalId: 'cam',
    }),
  );
  await first.client.send(
    new BatchPutAssetPropertyValueCommand({
      entries: [
        {
          entryId: 'n',
          assetId: cam.assetId!,
          propertyId: prop('KinesisVideoStreamName'),
          propertyValues: [nowTqv({ stringValue: 'kept' })],
        },
      ],
    }),
  );
  await first.service.stop();

  const { client, service } = await start(t, { stateDir: dir });
  const again = await client.send(new DescribeAssetCommand({ assetId: 'externalId:cam' }));
  t.equal(again.assetId, cam.assetId);
  const value = await client.send(
    new GetAssetPropertyValueCommand({ assetId: cam.assetId!, propertyId: prop('KinesisVideoStreamName') }),
  );
  t.equal(value.propertyValue?.value?.stringValue, 'kept');

  service.faults.fail('DescribeAsset', { code: 'ThrottlingException', status: 429, times: 1 });
  await t.rejects(client.send(new DescribeAssetCommand({ assetId: cam.assetId! })), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 429 },
  });
  t.equal((await client.send(new DescribeAssetCommand({ assetId: cam.assetId! }))).assetName, 'c');
});
