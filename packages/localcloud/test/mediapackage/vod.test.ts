import t, { type Test } from 'tap';
import {
  ConfigureLogsCommand,
  CreateAssetCommand,
  CreatePackagingConfigurationCommand,
  CreatePackagingGroupCommand,
  DeleteAssetCommand,
  DeletePackagingConfigurationCommand,
  DeletePackagingGroupCommand,
  DescribeAssetCommand,
  DescribePackagingConfigurationCommand,
  DescribePackagingGroupCommand,
  ListAssetsCommand,
  ListPackagingConfigurationsCommand,
  ListPackagingGroupsCommand,
  ListTagsForResourceCommand,
  MediaPackageVodClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePackagingGroupCommand,
  paginateListAssets,
} from '@aws-sdk/client-mediapackage-vod';
import { startMediaPackageVodService, type MediaPackageVodService } from '../../src/mediapackage/index.js';
import { startS3Service, type S3Service } from '../../src/s3/index.js';

interface Ctx {
  s3: S3Service;
  vod: MediaPackageVodService;
  client: MediaPackageVodClient;
}

async function setup(t: Test): Promise<Ctx> {
  const s3 = await startS3Service();
  const vod = await startMediaPackageVodService({ s3, queuedMs: 20, processingMs: 40 });
  const client = new MediaPackageVodClient({
    endpoint: vod.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
  t.teardown(async () => {
    client.destroy();
    await vod.stop();
    await s3.stop();
  });
  return { s3, vod, client };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function groupWithConfigs(client: MediaPackageVodClient): Promise<void> {
  await client.send(new CreatePackagingGroupCommand({ Id: 'edge', Tags: { site: 'a' } }));
  await client.send(
    new CreatePackagingConfigurationCommand({
      Id: 'hls',
      PackagingGroupId: 'edge',
      HlsPackage: { HlsManifests: [{ ManifestName: 'main' }], SegmentDurationSeconds: 6 },
    }),
  );
  await client.send(
    new CreatePackagingConfigurationCommand({
      Id: 'dash',
      PackagingGroupId: 'edge',
      DashPackage: { DashManifests: [{}], SegmentTemplateFormat: 'NUMBER_WITH_TIMELINE' },
    }),
  );
  await client.send(
    new CreatePackagingConfigurationCommand({
      Id: 'cmaf',
      PackagingGroupId: 'edge',
      CmafPackage: { HlsManifests: [{}] },
    }),
  );
}

const PARENT = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000000\nv/index.m3u8\n';
const CHILD =
  '#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg00000.ts\n#EXT-X-ENDLIST\n';

t.test(
  'asset egress goes QUEUED -> PROCESSING -> PLAYABLE and serves the HLS source under the egress URL',
  async (t) => {
    const { s3, vod, client } = await setup(t);
    s3.createBucket('clips');
    s3.putObject('clips', 'cam1/a/index.m3u8', PARENT);
    s3.putObject('clips', 'cam1/a/v/index.m3u8', CHILD);
    s3.putObject('clips', 'cam1/a/v/seg00000.ts', Buffer.alloc(188, 0x47));
    await groupWithConfigs(client);
    const created = await client.send(
      new CreateAssetCommand({
        Id: 'cam1_a',
        PackagingGroupId: 'edge',
        SourceArn: 'arn:aws:s3:::clips/cam1/a/index.m3u8',
        SourceRoleArn: 'arn:aws:iam::111122223333:role/mp',
        Tags: { camera: 'cam1' },
      }),
    );
    t.match(created.Arn, /^arn:aws:mediapackage-vod:us-east-1:\d{12}:assets\/cam1_a$/);
    t.equal(typeof created.CreatedAt, 'string');
    t.same(
      created.EgressEndpoints?.map((e) => [e.PackagingConfigurationId, e.Status]),
      [
        ['hls', 'QUEUED'],
        ['dash', 'QUEUED'],
        ['cmaf', 'QUEUED'],
      ],
    );
    const seen = new Set<string>();
    const done = await until(async () => {
      const d = await client.send(new DescribeAssetCommand({ Id: 'cam1_a' }));
      for (const e of d.EgressEndpoints ?? []) seen.add(e.Status!);
      return d.EgressEndpoints?.every((e) => e.Status === 'PLAYABLE') ? d : undefined;
    });
    t.ok(seen.has('PROCESSING') || seen.has('QUEUED'), 'a non-final status was observed');
    const hls = done.EgressEndpoints!.find((e) => e.PackagingConfigurationId === 'hls')!;
    t.match(
      hls.Url,
      new RegExp(
        `^${vod.endpoint}/egress/[0-9a-f]{32}/out/v1/[0-9a-f]{32}/[0-9a-f]{32}/[0-9a-f]{8}/main\\.m3u8$`,
      ),
    );
    const dash = done.EgressEndpoints!.find((e) => e.PackagingConfigurationId === 'dash')!;
    t.match(dash.Url, /index\.mpd$/);
    const parent = await fetch(hls.Url!);
    t.equal(parent.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    t.equal(await parent.text(), PARENT);
    const child = await fetch(new URL('v/index.m3u8', hls.Url!));
    t.equal(await child.text(), CHILD);
    const seg = await fetch(new URL('v/seg00000.ts', hls.Url!));
    t.equal(seg.headers.get('content-type'), 'video/MP2T');
    t.equal((await seg.arrayBuffer()).byteLength, 188);
    t.equal((await fetch(new URL('v/missing.ts', hls.Url!))).status, 404);
    t.equal((await fetch(new URL('../../../../../x', hls.Url!))).status, 404);
    const mpd = await fetch(dash.Url!);
    t.equal(mpd.headers.get('content-type'), 'application/dash+xml', 'DASH is served (dash.test.ts)');
    t.match(await mpd.text(), /media="v\/seg\$Number%05d\$\.ts"/);
    t.equal((await fetch(new URL('v/seg00000.ts', dash.Url!))).status, 200);
    t.same(vod.egressStatus('cam1_a'), { hls: 'PLAYABLE', dash: 'PLAYABLE', cmaf: 'PLAYABLE' });
    const group = await client.send(new DescribePackagingGroupCommand({ Id: 'edge' }));
    t.equal(group.ApproximateAssetCount, 1);
    t.match(group.DomainName, new RegExp(`^${vod.endpoint}/egress/`));
  },
);

t.test('a missing S3 source ends FAILED; egress of a failed asset is not served', async (t) => {
  const { s3, client, vod } = await setup(t);
  s3.createBucket('clips');
  await groupWithConfigs(client);
  await client.send(
    new CreateAssetCommand({
      Id: 'gone',
      PackagingGroupId: 'edge',
      SourceArn: 'arn:aws:s3:::clips/none/index.m3u8',
      SourceRoleArn: 'r',
    }),
  );
  const d = await until(async () => {
    const a = await client.send(new DescribeAssetCommand({ Id: 'gone' }));
    return a.EgressEndpoints?.every((e) => e.Status === 'FAILED') ? a : undefined;
  });
  t.equal((await fetch(d.EgressEndpoints![0]!.Url!)).status, 404);
  t.equal(vod.egressStatus('nope'), undefined);
});

t.test('asset errors: unknown id, duplicate id, missing group, bad sourceArn, missing fields', async (t) => {
  const { client } = await setup(t);
  await groupWithConfigs(client);
  await t.rejects(client.send(new DescribeAssetCommand({ Id: 'nope' })), {
    name: 'NotFoundException',
    $metadata: { httpStatusCode: 404 },
  });
  await t.rejects(client.send(new DeleteAssetCommand({ Id: 'nope' })), { name: 'NotFoundException' });
  const input = {
    Id: 'a1',
    PackagingGroupId: 'edge',
    SourceArn: 'arn:aws:s3:::b/k.m3u8',
    SourceRoleArn: 'r',
  };
  await client.send(new CreateAssetCommand(input));
  await t.rejects(client.send(new CreateAssetCommand(input)), {
    name: 'UnprocessableEntityException',
    $metadata: { httpStatusCode: 422 },
  });
  await t.rejects(client.send(new CreateAssetCommand({ ...input, Id: 'a2', PackagingGroupId: 'none' })), {
    name: 'UnprocessableEntityException',
  });
  await t.rejects(client.send(new CreateAssetCommand({ ...input, Id: 'a3', SourceArn: 's3://b/k.m3u8' })), {
    name: 'UnprocessableEntityException',
    message: /sourceArn/,
  });
  await t.rejects(
    client.send(new CreateAssetCommand({ ...input, Id: 'a4', SourceArn: 'arn:aws:s3:::b/k.mp4' })),
    { name: 'UnprocessableEntityException' },
  );
  await t.rejects(client.send(new CreateAssetCommand({ ...input, Id: 'bad id' })), {
    name: 'UnprocessableEntityException',
  });
  await t.rejects(
    client.send(
      new CreateAssetCommand({
        Id: 'a5',
        PackagingGroupId: 'edge',
        SourceArn: 'arn:aws:s3:::b/k.m3u8',
      } as typeof input),
    ),
    { name: 'UnprocessableEntityException', message: /sourceRoleArn/ },
  );
  await client.send(new DeleteAssetCommand({ Id: 'a1' }));
  await t.rejects(client.send(new DescribeAssetCommand({ Id: 'a1' })), { name: 'NotFoundException' });
});

t.test('ListAssets pages, filters by group and returns shallow assets', async (t) => {
  const { client } = await setup(t);
  await groupWithConfigs(client);
  await client.send(new CreatePackagingGroupCommand({ Id: 'other' }));
  for (const id of ['x1', 'x2', 'x3'])
    await client.send(
      new CreateAssetCommand({
        Id: id,
        PackagingGroupId: 'edge',
        SourceArn: 'arn:aws:s3:::b/k.m3u8',
        SourceRoleArn: 'r',
      }),
    );
  await client.send(
    new CreateAssetCommand({
      Id: 'y1',
      PackagingGroupId: 'other',
      SourceArn: 'arn:aws:s3:::b/k.m3u8',
      SourceRoleArn: 'r',
    }),
  );
  const first = await client.send(new ListAssetsCommand({ MaxResults: 2, PackagingGroupId: 'edge' }));
  t.same(
    first.Assets?.map((a) => a.Id),
    ['x1', 'x2'],
  );
  t.notOk('EgressEndpoints' in (first.Assets?.[0] ?? {}), 'list items carry no egress endpoints');
  const ids: string[] = [];
  for await (const p of paginateListAssets({ client, pageSize: 3 }, {}))
    ids.push(...(p.Assets ?? []).map((a) => a.Id!));
  t.same(ids, ['x1', 'x2', 'x3', 'y1']);
  await t.rejects(client.send(new ListAssetsCommand({ MaxResults: 5000 })), {
    name: 'UnprocessableEntityException',
  });
  await t.rejects(client.send(new ListAssetsCommand({ NextToken: 'eA' })), {
    name: 'UnprocessableEntityException',
  });
});

t.test('packaging groups: create, describe, list, update, configure logs, delete, errors', async (t) => {
  const { client } = await setup(t);
  const g = await client.send(
    new CreatePackagingGroupCommand({
      Id: 'pg',
      Authorization: { CdnIdentifierSecret: 'arn:s', SecretsRoleArn: 'arn:r' },
    }),
  );
  t.match(g.Arn, /:packaging-groups\/pg$/);
  t.equal(g.Authorization?.CdnIdentifierSecret, 'arn:s');
  await t.rejects(client.send(new CreatePackagingGroupCommand({ Id: 'pg' })), {
    name: 'UnprocessableEntityException',
  });
  await t.rejects(
    client.send(
      new CreatePackagingGroupCommand({ Id: 'pg2', Authorization: { CdnIdentifierSecret: 'x' } as never }),
    ),
    { name: 'UnprocessableEntityException' },
  );
  const listed = await client.send(new ListPackagingGroupsCommand({}));
  t.same(
    listed.PackagingGroups?.map((p) => [p.Id, p.ApproximateAssetCount]),
    [['pg', 0]],
  );
  const updated = await client.send(
    new UpdatePackagingGroupCommand({
      Id: 'pg',
      Authorization: { CdnIdentifierSecret: 'arn:s2', SecretsRoleArn: 'arn:r' },
    }),
  );
  t.equal(updated.Authorization?.CdnIdentifierSecret, 'arn:s2');
  const logs = await client.send(
    new ConfigureLogsCommand({ Id: 'pg', EgressAccessLogs: { LogGroupName: '/aws/MediaPackage/x' } }),
  );
  t.equal(logs.EgressAccessLogs?.LogGroupName, '/aws/MediaPackage/x');
  await client.send(
    new CreatePackagingConfigurationCommand({
      Id: 'c',
      PackagingGroupId: 'pg',
      HlsPackage: { HlsManifests: [{}] },
    }),
  );
  await t.rejects(client.send(new DeletePackagingGroupCommand({ Id: 'pg' })), {
    name: 'UnprocessableEntityException',
    message: /still has/,
  });
  await client.send(new DeletePackagingConfigurationCommand({ Id: 'c' }));
  await client.send(new DeletePackagingGroupCommand({ Id: 'pg' }));
  await t.rejects(client.send(new DescribePackagingGroupCommand({ Id: 'pg' })), {
    name: 'NotFoundException',
  });
  await t.rejects(client.send(new UpdatePackagingGroupCommand({ Id: 'pg' })), { name: 'NotFoundException' });
});

t.test('packaging configurations: HLS, DASH, CMAF shapes round-trip; errors', async (t) => {
  const { client } = await setup(t);
  await groupWithConfigs(client);
  const hls = await client.send(new DescribePackagingConfigurationCommand({ Id: 'hls' }));
  t.equal(hls.HlsPackage?.HlsManifests?.[0]?.ManifestName, 'main');
  t.equal(hls.HlsPackage?.SegmentDurationSeconds, 6);
  t.equal(hls.DashPackage, undefined);
  const dash = await client.send(new DescribePackagingConfigurationCommand({ Id: 'dash' }));
  t.equal(dash.DashPackage?.SegmentTemplateFormat, 'NUMBER_WITH_TIMELINE');
  const list = await client.send(new ListPackagingConfigurationsCommand({ PackagingGroupId: 'edge' }));
  t.same(
    list.PackagingConfigurations?.map((c) => c.Id),
    ['hls', 'dash', 'cmaf'],
  );
  await t.rejects(client.send(new DescribePackagingConfigurationCommand({ Id: 'none' })), {
    name: 'NotFoundException',
  });
  await t.rejects(client.send(new DeletePackagingConfigurationCommand({ Id: 'none' })), {
    name: 'NotFoundException',
  });
  await t.rejects(
    client.send(new CreatePackagingConfigurationCommand({ Id: 'x', PackagingGroupId: 'edge' })),
    { name: 'UnprocessableEntityException', message: /exactly one/ },
  );
  await t.rejects(
    client.send(
      new CreatePackagingConfigurationCommand({
        Id: 'x',
        PackagingGroupId: 'edge',
        HlsPackage: { HlsManifests: [] },
      }),
    ),
    { name: 'UnprocessableEntityException' },
  );
  await t.rejects(
    client.send(
      new CreatePackagingConfigurationCommand({
        Id: 'x',
        PackagingGroupId: 'nope',
        HlsPackage: { HlsManifests: [{}] },
      }),
    ),
    { name: 'UnprocessableEntityException' },
  );
  await t.rejects(
    client.send(
      new CreatePackagingConfigurationCommand({
        Id: 'hls',
        PackagingGroupId: 'edge',
        HlsPackage: { HlsManifests: [{}] },
      }),
    ),
    { name: 'UnprocessableEntityException' },
  );
});

t.test('tags on resources by ARN; failOperation injects an error', async (t) => {
  const { client, vod } = await setup(t);
  const g = await client.send(new CreatePackagingGroupCommand({ Id: 'tg', Tags: { a: '1' } }));
  await client.send(new TagResourceCommand({ ResourceArn: g.Arn, Tags: { b: '2' } }));
  t.same((await client.send(new ListTagsForResourceCommand({ ResourceArn: g.Arn }))).Tags, {
    a: '1',
    b: '2',
  });
  await client.send(new UntagResourceCommand({ ResourceArn: g.Arn, TagKeys: ['a'] }));
  t.same((await client.send(new ListTagsForResourceCommand({ ResourceArn: g.Arn }))).Tags, { b: '2' });
  await t.rejects(
    client.send(
      new ListTagsForResourceCommand({ ResourceArn: 'arn:aws:mediapackage-vod:us-east-1:1:assets/none' }),
    ),
    { name: 'NotFoundException' },
  );
  vod.failOperation('DescribePackagingGroup', {
    status: 429,
    errorType: 'TooManyRequestsException',
    message: 'slow down',
  });
  await t.rejects(client.send(new DescribePackagingGroupCommand({ Id: 'tg' })), {
    name: 'TooManyRequestsException',
    message: 'slow down',
  });
  t.equal((await client.send(new DescribePackagingGroupCommand({ Id: 'tg' }))).Id, 'tg');
  const res = await fetch(`${vod.endpoint}/nothing`);
  t.equal(res.status, 404);
  const bad = await fetch(`${vod.endpoint}/assets`, { method: 'POST', body: '[]' });
  t.equal(bad.status, 422);
});
