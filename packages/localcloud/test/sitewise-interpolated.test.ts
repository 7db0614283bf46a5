// What the TwinMaker video player asks of SiteWise beyond the connector's own calls: fractional
// timeInSeconds in BatchPut, a value written in the asset's first second, and
// GetInterpolatedAssetPropertyValues (LOCF and LINEAR, interval, window, paging). Real SDK client.
import t from 'tap';
import {
  BatchPutAssetPropertyValueCommand,
  CreateAssetCommand,
  CreateAssetModelCommand,
  DescribeAssetModelCommand,
  GetAssetPropertyValueCommand,
  GetInterpolatedAssetPropertyValuesCommand,
  IoTSiteWiseClient,
  type InterpolatedAssetPropertyValue,
} from '@aws-sdk/client-iotsitewise';
import { startSiteWiseService } from '../src/sitewise/index.js';

async function setup(t: { teardown(fn: () => unknown): void }) {
  const service = await startSiteWiseService({});
  t.teardown(() => service.stop());
  const client = new IoTSiteWiseClient({
    region: 'us-east-1',
    endpoint: service.endpoint,
    disableHostPrefix: true,
    credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  t.teardown(() => client.destroy());
  const model = await client.send(
    new CreateAssetModelCommand({
      assetModelName: 'camera',
      assetModelProperties: [
        { name: 'KinesisVideoStreamName', dataType: 'STRING', type: { attribute: { defaultValue: 'x' } } },
        { name: 'VideoUploadRequest', dataType: 'STRING', type: { measurement: {} } },
        { name: 'VideoUploadedTimeRange', dataType: 'DOUBLE', type: { measurement: {} } },
      ],
    }),
  );
  const described = await client.send(new DescribeAssetModelCommand({ assetModelId: model.assetModelId! }));
  const prop = (name: string) => described.assetModelProperties!.find((p) => p.name === name)!.id!;
  const asset = await client.send(
    new CreateAssetCommand({ assetName: 'cam', assetModelId: model.assetModelId! }),
  );
  return { client, assetId: asset.assetId!, prop };
}

t.test(
  'a fractional timeInSeconds (the player sends Date.now() / 1000) is stored on its whole second',
  async (t) => {
    const { client, assetId, prop } = await setup(t);
    const now = Date.now();
    const out = await client.send(
      new BatchPutAssetPropertyValueCommand({
        entries: [
          {
            entryId: 'liveVideo',
            assetId,
            propertyId: prop('VideoUploadRequest'),
            propertyValues: [
              {
                timestamp: { timeInSeconds: now / 1000, offsetInNanos: (now % 1000) * 1e6 },
                value: { stringValue: 'live' },
                quality: 'GOOD',
              },
            ],
          },
        ],
      }),
    );
    t.same(out.errorEntries, []);
    const latest = await client.send(
      new GetAssetPropertyValueCommand({ assetId, propertyId: prop('VideoUploadRequest') }),
    );
    t.equal(latest.propertyValue?.value?.stringValue, 'live');
    t.equal(latest.propertyValue?.timestamp?.timeInSeconds, Math.floor(now / 1000));
    t.equal(latest.propertyValue?.timestamp?.offsetInNanos, (now % 1000) * 1e6);
  },
);

t.test('an attribute written in the second the asset was created replaces its default', async (t) => {
  const { client, assetId, prop } = await setup(t);
  const propertyId = prop('KinesisVideoStreamName');
  await client.send(
    new BatchPutAssetPropertyValueCommand({
      entries: [
        {
          entryId: 'name',
          assetId,
          propertyId,
          propertyValues: [
            {
              timestamp: { timeInSeconds: Math.floor(Date.now() / 1000), offsetInNanos: 0 },
              value: { stringValue: 'camera-1-stream' },
              quality: 'GOOD',
            },
          ],
        },
      ],
    }),
  );
  const latest = await client.send(new GetAssetPropertyValueCommand({ assetId, propertyId }));
  t.equal(latest.propertyValue?.value?.stringValue, 'camera-1-stream');
});

t.test(
  'GetInterpolatedAssetPropertyValues: LOCF carries values forward, LINEAR interpolates within the window, pages',
  async (t) => {
    const { client, assetId, prop } = await setup(t);
    const propertyId = prop('VideoUploadedTimeRange');
    const T = Math.floor(Date.now() / 1000) - 600;
    const put = (sec: number, v: number, quality: 'GOOD' | 'BAD' = 'GOOD') => ({
      timestamp: { timeInSeconds: sec, offsetInNanos: 0 },
      value: { doubleValue: v },
      quality,
    });
    await client.send(
      new BatchPutAssetPropertyValueCommand({
        entries: [
          {
            entryId: 'r',
            assetId,
            propertyId,
            propertyValues: [put(T, 100), put(T + 10, 200), put(T + 12, 999, 'BAD')],
          },
        ],
      }),
    );
    const all = async (
      input: Partial<ConstructorParameters<typeof GetInterpolatedAssetPropertyValuesCommand>[0]>,
    ) => {
      const values: InterpolatedAssetPropertyValue[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const out = await client.send(
          new GetInterpolatedAssetPropertyValuesCommand({
            assetId,
            propertyId,
            quality: 'GOOD',
            startTimeInSeconds: T - 2,
            endTimeInSeconds: T + 14,
            intervalInSeconds: 2,
            type: 'LOCF_INTERPOLATION',
            ...input,
            nextToken,
          }),
        );
        values.push(...(out.interpolatedAssetPropertyValues ?? []));
        nextToken = out.nextToken;
        pages++;
      } while (nextToken !== undefined);
      return { pages, points: values.map((v) => [v.timestamp!.timeInSeconds! - T, v.value?.doubleValue]) };
    };
    // Start exclusive, end inclusive: T, T+2 .. T+14; the BAD value at T+12 is not GOOD and is ignored.
    const locf = await all({ maxResults: 3 });
    t.same(locf.points, [
      [0, 100],
      [2, 100],
      [4, 100],
      [6, 100],
      [8, 100],
      [10, 200],
      [12, 200],
      [14, 200],
    ]);
    t.equal(locf.pages, 3, 'eight points at three per page');
    // The player's own question: the last GOOD value in the second before its window.
    const player = await all({ startTimeInSeconds: T + 20, endTimeInSeconds: T + 21, intervalInSeconds: 1 });
    t.same(player.points, [[21, 200]]);
    const none = await all({ startTimeInSeconds: T - 20, endTimeInSeconds: T - 10 });
    t.same(none.points, [], 'no value before the timestamps: no LOCF point');

    const linear = await all({ type: 'LINEAR_INTERPOLATION', intervalWindowInSeconds: 10 });
    t.same(linear.points, [
      [0, 100],
      [2, 120],
      [4, 140],
      [6, 160],
      [8, 180],
      [10, 200],
    ]);
    const narrow = await all({ type: 'LINEAR_INTERPOLATION', intervalWindowInSeconds: 3 });
    t.same(
      narrow.points,
      [
        [0, 100],
        [10, 200],
      ],
      'a neighbour outside the window leaves the timestamp out',
    );

    await t.rejects(
      client.send(
        new GetInterpolatedAssetPropertyValuesCommand({
          assetId,
          propertyId: prop('VideoUploadRequest'),
          quality: 'GOOD',
          startTimeInSeconds: T,
          endTimeInSeconds: T + 10,
          intervalInSeconds: 1,
          type: 'LINEAR_INTERPOLATION',
        }),
      ),
      { name: 'InvalidRequestException', message: /LINEAR_INTERPOLATION needs a DOUBLE or INTEGER/ },
    );
    await t.rejects(
      client.send(
        new GetInterpolatedAssetPropertyValuesCommand({
          assetId,
          propertyId,
          quality: 'GOOD',
          startTimeInSeconds: T,
          endTimeInSeconds: T + 10,
          intervalInSeconds: 1,
          type: 'LOCF_INTERPOLATION',
          maxResults: 251,
        }),
      ),
      { name: 'InvalidRequestException' },
    );
  },
);
