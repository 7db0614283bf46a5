// The TwinMaker stand-in through the real @aws-sdk/client-iottwinmaker: an edge video component bound
// to a SiteWise camera asset shows the asset's properties with their SiteWise ids (what the video player
// reads), GetPropertyValueHistory returns the bound property's values in time order across pages, and
// unknown workspaces, entities and components answer as the API reference says.
import t from 'tap';
import {
  BatchPutAssetPropertyValueCommand,
  CreateAssetCommand,
  CreateAssetModelCommand,
  DescribeAssetModelCommand,
  IoTSiteWiseClient,
} from '@aws-sdk/client-iotsitewise';
import {
  CreateEntityCommand,
  CreateWorkspaceCommand,
  GetEntityCommand,
  GetPropertyValueHistoryCommand,
  IoTTwinMakerClient,
  type GetPropertyValueHistoryCommandInput,
} from '@aws-sdk/client-iottwinmaker';
import { startSiteWiseService } from '../src/sitewise/index.js';
import { EDGE_VIDEO_COMPONENT_TYPE, startTwinMakerService } from '../src/twinmaker/index.js';

const CREDS = { accessKeyId: 'AKIATEST', secretAccessKey: 'secret' };
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;

async function setup(t: { teardown(fn: () => unknown): void }, pageSize?: number) {
  const sitewiseService = await startSiteWiseService({});
  t.teardown(() => sitewiseService.stop());
  const twinmakerService = await startTwinMakerService({
    sitewise: sitewiseService.store,
    ...(pageSize !== undefined && { pageSize }),
  });
  t.teardown(() => twinmakerService.stop());
  const sitewise = new IoTSiteWiseClient({
    region: 'us-east-1',
    endpoint: sitewiseService.endpoint,
    disableHostPrefix: true,
    credentials: CREDS,
    maxAttempts: 1,
  });
  const twinmaker = new IoTTwinMakerClient({
    region: 'us-east-1',
    endpoint: twinmakerService.endpoint,
    disableHostPrefix: true,
    credentials: CREDS,
    maxAttempts: 1,
  });
  t.teardown(() => {
    sitewise.destroy();
    twinmaker.destroy();
  });
  const model = await sitewise.send(
    new CreateAssetModelCommand({
      assetModelName: 'EdgeCamera',
      assetModelProperties: [
        { name: 'KinesisVideoStreamName', dataType: 'STRING', type: { attribute: { defaultValue: 'x' } } },
        { name: 'VideoUploadRequest', dataType: 'STRING', type: { measurement: {} } },
        { name: 'VideoUploadedTimeRange', dataType: 'DOUBLE', type: { measurement: {} } },
        { name: 'CachedVideoAgeOutOnEdge', dataType: 'DOUBLE', type: { measurement: {} } },
      ],
    }),
  );
  const described = await sitewise.send(new DescribeAssetModelCommand({ assetModelId: model.assetModelId! }));
  const prop = (name: string) => described.assetModelProperties!.find((p) => p.name === name)!.id!;
  const asset = await sitewise.send(
    new CreateAssetCommand({ assetName: 'Front door', assetModelId: model.assetModelId! }),
  );
  await twinmaker.send(
    new CreateWorkspaceCommand({
      workspaceId: 'Cameras',
      role: 'arn:aws:iam::1:role/r',
      s3Location: 'arn:aws:s3:::b',
    }),
  );
  const entity = await twinmaker.send(
    new CreateEntityCommand({
      workspaceId: 'Cameras',
      entityName: 'Front door',
      components: {
        EdgeVideo: {
          componentTypeId: EDGE_VIDEO_COMPONENT_TYPE,
          properties: {
            sitewiseAssetId: { value: { stringValue: asset.assetId! } },
            sitewiseAssetModelId: { value: { stringValue: model.assetModelId! } },
          },
        },
      },
    }),
  );
  const put = (name: string, points: [number, number][]) =>
    sitewise.send(
      new BatchPutAssetPropertyValueCommand({
        entries: [
          {
            entryId: 'e',
            assetId: asset.assetId!,
            propertyId: prop(name),
            propertyValues: points.map(([ms, value]) => ({
              timestamp: { timeInSeconds: Math.floor(ms / 1000), offsetInNanos: (ms % 1000) * 1e6 },
              value: { doubleValue: value },
              quality: 'GOOD',
            })),
          },
        ],
      }),
    );
  return { twinmaker, assetId: asset.assetId!, prop, entityId: entity.entityId!, put };
}

/** Every value of a history query, following nextToken; and how many pages it took. */
async function allHistory(client: IoTTwinMakerClient, input: GetPropertyValueHistoryCommandInput) {
  const values: { name: string; ms: number; value: number }[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const out = await client.send(
      new GetPropertyValueHistoryCommand({ ...input, ...(nextToken && { nextToken }) }),
    );
    pages++;
    for (const p of out.propertyValues ?? []) {
      for (const v of p.values ?? []) {
        values.push({
          name: p.entityPropertyReference!.propertyName!,
          ms: Date.parse(v.time!),
          value: v.value!.doubleValue!,
        });
      }
    }
    nextToken = out.nextToken;
  } while (nextToken);
  return { values, pages };
}

t.test('GetEntity: the edge video component carries the bound SiteWise property ids', async (t) => {
  const { twinmaker, assetId, prop, entityId } = await setup(t);
  const entity = await twinmaker.send(new GetEntityCommand({ workspaceId: 'Cameras', entityId }));
  const component = entity.components?.EdgeVideo;
  t.equal(component?.componentTypeId, EDGE_VIDEO_COMPONENT_TYPE);
  t.equal(component?.properties?.sitewiseAssetId?.value?.stringValue, assetId);
  for (const name of [
    'KinesisVideoStreamName',
    'VideoUploadRequest',
    'VideoUploadedTimeRange',
    'CachedVideoAgeOutOnEdge',
  ]) {
    t.equal(
      component?.properties?.[name]?.definition?.configuration?.sitewisePropertyId,
      prop(name),
      `${name} resolves to its SiteWise property`,
    );
    t.equal(component?.properties?.[name]?.definition?.isStoredExternally, true);
  }
  t.equal(entity.entityName, 'Front door');
  t.ok(entity.creationDateTime instanceof Date, 'dates arrive as dates');
});

t.test(
  'GetPropertyValueHistory: the bound property, both ends inclusive, ordered by time, paged',
  async (t) => {
    // Pages of 3, so the 7 values below need 3 pages.
    const { twinmaker, entityId, put } = await setup(t, 3);
    const cached: [number, number][] = [0, 1, 2, 3, 4, 5, 6].map((i) => [
      T0 + i * 60_000,
      (T0 + (i + 1) * 60_000) / 1000,
    ]);
    // Written out of order, as chunks and retractions arrive.
    await put('CachedVideoAgeOutOnEdge', [...cached.slice(4), ...cached.slice(0, 4)]);
    await put('VideoUploadedTimeRange', [[T0 + 90_000, (T0 + 200_000) / 1000]]);
    const base = {
      workspaceId: 'Cameras',
      entityId,
      componentName: 'EdgeVideo',
      startTime: new Date(T0 + 60_000).toISOString(),
      endTime: new Date(T0 + 6 * 60_000).toISOString(),
    };

    const asc = await allHistory(twinmaker, {
      ...base,
      selectedProperties: ['CachedVideoAgeOutOnEdge'],
      orderByTime: 'ASCENDING',
    });
    t.same(
      asc.values.map((v) => [v.ms, v.value]),
      cached.slice(1, 7),
      'the values from start to end, both inclusive, oldest first',
    );
    t.equal(asc.pages, 2, 'six values in pages of three');

    const desc = await allHistory(twinmaker, {
      ...base,
      selectedProperties: ['CachedVideoAgeOutOnEdge', 'VideoUploadedTimeRange'],
      orderByTime: 'DESCENDING',
    });
    t.same(
      desc.values.map((v) => v.ms),
      [...cached.slice(1, 7).map(([ms]) => ms), T0 + 90_000].sort((a, b) => b - a),
      'two properties interleaved, newest first',
    );
    t.equal(desc.values.find((v) => v.ms === T0 + 90_000)?.name, 'VideoUploadedTimeRange');
  },
);

t.test('unknown workspace, entity, component or property: the API reference errors', async (t) => {
  const { twinmaker, entityId } = await setup(t);
  const history = (over: Partial<GetPropertyValueHistoryCommandInput>) =>
    twinmaker.send(
      new GetPropertyValueHistoryCommand({
        workspaceId: 'Cameras',
        entityId,
        componentName: 'EdgeVideo',
        selectedProperties: ['CachedVideoAgeOutOnEdge'],
        startTime: new Date(T0).toISOString(),
        endTime: new Date(T0 + 60_000).toISOString(),
        ...over,
      }),
    );
  await t.rejects(twinmaker.send(new GetEntityCommand({ workspaceId: 'Nowhere', entityId })), {
    name: 'ResourceNotFoundException',
    $metadata: { httpStatusCode: 404 },
  });
  await t.rejects(twinmaker.send(new GetEntityCommand({ workspaceId: 'Cameras', entityId: 'missing' })), {
    name: 'ResourceNotFoundException',
    message: /missing/,
  });
  await t.rejects(history({ workspaceId: 'Nowhere' }), { name: 'ResourceNotFoundException' });
  await t.rejects(history({ entityId: 'missing' }), { name: 'ResourceNotFoundException' });
  await t.rejects(history({ componentName: 'Other' }), {
    name: 'ResourceNotFoundException',
    message: /Other/,
  });
  await t.rejects(history({ selectedProperties: ['NoSuchProperty'] }), {
    name: 'ValidationException',
    message: /NoSuchProperty/,
  });
  await t.rejects(
    history({ startTime: new Date(T0 + 60_000).toISOString(), endTime: new Date(T0).toISOString() }),
    { name: 'ValidationException', message: /endTime/ },
  );
  await t.rejects(history({ maxResults: 251 }), { name: 'ValidationException', message: /maxResults/ });
});
