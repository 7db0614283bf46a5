import t from 'tap';
import {
  CreateAssetCommand,
  CreateAssetModelCommand,
  DescribeAssetCommand,
} from '@aws-sdk/client-iotsitewise';
import {
  CAMERA_MODEL_PROPERTIES,
  CameraProperty,
  discoverCameras,
  HubError,
  type CameraConfig,
} from '../../src/sitewise/index.js';
import {
  ensureCameraModel,
  ensureHubModel,
  provisionCamera,
  provisionHub,
  type ProvisionCameraOptions,
} from '../../src/provision/index.js';
import { localSiteWise } from './cloud.js';

const RTSP = 'rtsp://viewer:cam-pass-123@127.0.0.1:8554/cam';

t.test('hub by id and by thing external id; cameras over several pages', async (t) => {
  const cloud = await localSiteWise(t);
  const clients = { sitewise: cloud.sitewise, secrets: cloud.secrets };
  const hub = await provisionHub(cloud.sitewise, { name: 'hub-1', externalId: 'gateway-thing-1' });
  const names = ['cam-a', 'cam-b', 'cam-c', 'cam-d', 'cam-e'];
  for (const [i, name] of names.entries()) {
    await provisionCamera(clients, hub, {
      name,
      streamName: `stream-${name}`,
      rtspUrl: RTSP,
      captureStartTime: '* * * * *',
      liveStreamingStartTime: i === 0 ? '0 12 * * ?' : '-',
      liveStreamingDurationInMinutes: i === 0 ? 30 : 0,
      localDataRetentionPeriodInMinutes: 90,
      notifications: i !== 4,
    });
  }
  cloud.service.pageSize = 2; // 5 cameras -> 3 pages

  const byId = await discoverCameras({ client: cloud.sitewise, hubAssetId: `'${hub.assetId}'` });
  t.equal(byId.hub.assetId, hub.assetId);
  t.match(byId.hub.assetModelName, /^EdgeConnectorForKVSHubModel-/);
  t.same(byId.problems, []);
  t.same(
    byId.cameras.map((c) => c.streamName).sort(),
    names.map((n) => `stream-${n}`),
  );

  const byThing = await discoverCameras({
    client: cloud.sitewise,
    hubAssetId: '',
    thingName: 'gateway-thing-1',
  });
  t.equal(byThing.hub.assetId, hub.assetId, 'externalId:<thing> finds the same hub');
  t.equal(byThing.cameras.length, 5);

  const a = byId.cameras.find((c) => c.assetName === 'cam-a') as CameraConfig;
  const asset = await cloud.sitewise.send(new DescribeAssetCommand({ assetId: a.assetId }));
  const id = (name: string) => asset.assetProperties?.find((p) => p.name === name)?.id;
  t.match(a, {
    streamName: 'stream-cam-a',
    secretArn: /^arn:aws:secretsmanager:.*CameraSecret-[0-9a-f]{12}/,
    capture: { expression: '* * * * *' },
    live: { expression: '0 12 * * ?', durationMinutes: 30 },
    retentionMinutes: 90,
    status: {
      uploadedRange: id(CameraProperty.uploadedRange),
      recordedRange: id(CameraProperty.recordedRange),
      cachedRange: id(CameraProperty.cachedRange),
    },
    requests: {
      assetId: a.assetId,
      propertyId: id(CameraProperty.uploadRequest),
      notifications: 'ENABLED',
      topic: `$aws/sitewise/asset-models/${a.assetModelId}/assets/${a.assetId}/properties/${id(CameraProperty.uploadRequest)}`,
    },
  });
  t.equal(a.maxLocalMediaSizeInMB, undefined, 'no override when the model lacks the attribute');
  const e = byId.cameras.find((c) => c.assetName === 'cam-e') as CameraConfig;
  t.equal(e.requests.notifications, 'DISABLED');
  t.equal(e.requests.topic, undefined);
});

t.test('hub errors: unset, not found, wrong model name, no hierarchy', async (t) => {
  const cloud = await localSiteWise(t);
  await t.rejects(discoverCameras({ client: cloud.sitewise, hubAssetId: '' }), { code: 'HUB_UNSET' });
  await t.rejects(discoverCameras({ client: cloud.sitewise, thingName: 'nobody' }), {
    code: 'HUB_NOT_FOUND',
    message: /externalId:nobody/,
  });
  const cameraModel = await ensureCameraModel(cloud.sitewise);
  const otherModel = await ensureHubModel(cloud.sitewise, cameraModel, { name: 'GatewayModel' });
  const asset = await cloud.sitewise.send(
    new CreateAssetCommand({ assetName: 'gw', assetModelId: otherModel }),
  );
  const err = await discoverCameras({ client: cloud.sitewise, hubAssetId: asset.assetId }).catch(
    (e: unknown) => e,
  );
  t.ok(err instanceof HubError);
  t.match(err, { code: 'HUB_MODEL_MISMATCH', message: /"GatewayModel".*EdgeConnectorForKVSHubModel/ });

  const flat = await cloud.sitewise.send(
    new CreateAssetModelCommand({
      assetModelName: 'EdgeConnectorForKVSHubModel-flat',
      assetModelProperties: [],
    }),
  );
  const flatHub = await cloud.sitewise.send(
    new CreateAssetCommand({ assetName: 'flat', assetModelId: flat.assetModelId }),
  );
  await t.rejects(discoverCameras({ client: cloud.sitewise, hubAssetId: flatHub.assetId }), {
    code: 'HUB_NO_HIERARCHY',
  });
});

t.test('every hierarchy is followed', async (t) => {
  const cloud = await localSiteWise(t);
  const clients = { sitewise: cloud.sitewise, secrets: cloud.secrets };
  const cameraModelId = await ensureCameraModel(cloud.sitewise);
  const model = await cloud.sitewise.send(
    new CreateAssetModelCommand({
      assetModelName: 'EdgeConnectorForKVSHubModel-two',
      assetModelProperties: [],
      assetModelHierarchies: [
        { name: 'ConnectedCameras', childAssetModelId: cameraModelId },
        { name: 'YardCameras', childAssetModelId: cameraModelId },
      ],
    }),
  );
  const hubAsset = await cloud.sitewise.send(
    new CreateAssetCommand({ assetName: 'two-hub', assetModelId: model.assetModelId }),
  );
  const described = await cloud.sitewise.send(new DescribeAssetCommand({ assetId: hubAsset.assetId }));
  for (const [i, h] of (described.assetHierarchies ?? []).entries()) {
    await provisionCamera(
      clients,
      { assetId: hubAsset.assetId ?? '', assetModelId: '', cameraModelId, hierarchyId: h.id ?? '' },
      { name: `cam-${i}`, streamName: `s-${i}`, rtspUrl: RTSP },
    );
  }
  const found = await discoverCameras({ client: cloud.sitewise, hubAssetId: hubAsset.assetId });
  t.same(found.cameras.map((c) => c.streamName).sort(), ['s-0', 's-1']);
});

t.test('each problem skips one camera with a clear message; the others load', async (t) => {
  const cloud = await localSiteWise(t);
  const clients = { sitewise: cloud.sitewise, secrets: cloud.secrets };
  const cameraModel = await ensureCameraModel(cloud.sitewise);
  const missingModel = await ensureCameraModel(cloud.sitewise, {
    name: 'EdgeConnectorForKVSCameraModel-nosecret',
    properties: CAMERA_MODEL_PROPERTIES.filter((p) => p.name !== CameraProperty.secretArn),
  });
  const doubleModel = await ensureCameraModel(cloud.sitewise, {
    name: 'EdgeConnectorForKVSCameraModel-double',
    properties: CAMERA_MODEL_PROPERTIES.map((p) =>
      p.name === CameraProperty.retentionMinutes
        ? { ...p, dataType: 'DOUBLE' as const, defaultValue: '60.5' }
        : p,
    ),
  });
  const extraModel = await ensureCameraModel(cloud.sitewise, {
    name: 'EdgeConnectorForKVSCameraModel-extra',
    properties: [
      ...CAMERA_MODEL_PROPERTIES,
      { name: 'MaxLocalMediaSizeInMB', dataType: 'INTEGER', kind: 'attribute' },
      { name: 'DeleteAfterUpload', dataType: 'BOOLEAN', kind: 'attribute' },
    ],
  });
  // SiteWise ties each hierarchy to one child model, so each odd model gets its own hierarchy.
  const models = {
    ConnectedCameras: cameraModel,
    NoSecret: missingModel,
    Double: doubleModel,
    Extra: extraModel,
  };
  const hubModel = await cloud.sitewise.send(
    new CreateAssetModelCommand({
      assetModelName: 'EdgeConnectorForKVSHubModel-mixed',
      assetModelProperties: [],
      assetModelHierarchies: Object.entries(models).map(([name, childAssetModelId]) => ({
        name,
        childAssetModelId,
      })),
    }),
  );
  const hubAsset = await cloud.sitewise.send(
    new CreateAssetCommand({ assetName: 'mixed-hub', assetModelId: hubModel.assetModelId }),
  );
  const hierarchies = (await cloud.sitewise.send(new DescribeAssetCommand({ assetId: hubAsset.assetId })))
    .assetHierarchies;
  const hubFor = (modelId: string) => {
    const name = Object.entries(models).find(([, id]) => id === modelId)?.[0];
    return {
      assetId: hubAsset.assetId ?? '',
      assetModelId: hubModel.assetModelId ?? '',
      cameraModelId: modelId,
      hierarchyId: hierarchies?.find((h) => h.name === name)?.id ?? '',
    };
  };
  const hub = { assetId: hubAsset.assetId ?? '' };
  const make = (name: string, extra: Partial<ProvisionCameraOptions> = {}) =>
    provisionCamera(clients, hubFor(extra.assetModelId ?? cameraModel), {
      name,
      streamName: `stream-${name}`,
      rtspUrl: RTSP,
      ...extra,
    });

  const good1 = await make('good-1', { captureStartTime: '0 8 ? * MON-FRI', captureDurationInMinutes: 600 });
  const good2 = await make('good-2', {
    assetModelId: extraModel,
    attributes: {
      MaxLocalMediaSizeInMB: 2048,
      DeleteAfterUpload: true,
      kinesisvideostreamname: 'Mixed.Case_name-2',
    },
  });
  const cases: [string, Promise<{ assetId: string }>, RegExp][] = [
    [
      'bad cron',
      make('bad-cron', { captureStartTime: '0 25 * * ?', captureDurationInMinutes: 10 }),
      /bad-cron.*CaptureStartTime value "0 25 \* \* \?"/,
    ],
    [
      'duration too long',
      make('long', { liveStreamingStartTime: '*/30 * * * ?', liveStreamingDurationInMinutes: 45 }),
      /long.*LiveStreamingStartTime.*45.*longer than/,
    ],
    [
      'negative duration',
      make('neg-duration', { captureStartTime: '0 12 * * ?', captureDurationInMinutes: -5 }),
      /neg-duration.*CaptureDurationInMinutes value -5/,
    ],
    [
      'negative retention',
      make('neg-retention', { localDataRetentionPeriodInMinutes: -1 }),
      /neg-retention.*LocalDataRetentionPeriodInMinutes value -1 is negative/,
    ],
    [
      'missing property',
      make('no-secret-prop', { assetModelId: missingModel, rtspUrl: undefined }),
      /no-secret-prop.*has no property RTSPStreamSecretARN/,
    ],
    [
      'unset secret',
      make('unset-secret', { rtspUrl: undefined }),
      /unset-secret.*RTSPStreamSecretARN has no value/,
    ],
    [
      'wrong data type',
      make('double', { assetModelId: doubleModel }),
      /double.*LocalDataRetentionPeriodInMinutes is DOUBLE, expected INTEGER/,
    ],
    [
      'bad stream name',
      make('bad-stream', { streamName: 'has space' }),
      /bad-stream.*"has space" is not a valid/,
    ],
    [
      'duplicate stream',
      make('dup', { streamName: 'stream-good-1' }),
      /dup.*"stream-good-1" is also used by camera asset good-1/,
    ],
  ];
  const bad = await Promise.all(cases.map(([, p]) => p));
  const found = await discoverCameras({
    client: cloud.sitewise,
    hubAssetId: hub.assetId,
    preferAssetIds: [good1.assetId],
  });

  t.same(
    found.cameras.map((c) => c.assetId).sort(),
    [good1.assetId, good2.assetId].sort(),
    'the good cameras load',
  );
  for (const [i, [what, , pattern]] of cases.entries()) {
    const problem = found.problems.find((p) => p.assetId === bad[i]?.assetId);
    t.match(problem?.message, pattern, what);
  }
  t.equal(found.problems.length, cases.length);
  const extra = found.cameras.find((c) => c.assetId === good2.assetId);
  t.match(extra, { maxLocalMediaSizeInMB: 2048, deleteAfterUpload: true, streamName: 'Mixed.Case_name-2' });
  const first = found.cameras.find((c) => c.assetId === good1.assetId);
  t.same(first?.capture, { expression: '0 8 ? * MON-FRI', durationMinutes: 600 });
  t.same(first?.live, { expression: '-', durationMinutes: 0 }, 'model defaults when unset');
  t.equal(first?.retentionMinutes, 60, 'model default retention');
});
