// MediaPackage VOD wired into the runtime: a camera whose model has VodIngestRequest and
// VodAssetStatus gets a clip published when a `<startMs>-<endMs>` value arrives, and the JSON status
// lands in SiteWise; the HLS source is in the local S3.
import t from 'tap';
import { GetAssetPropertyValueCommand, UpdateAssetPropertyCommand } from '@aws-sdk/client-iotsitewise';
import { MediaPackageVodClient } from '@aws-sdk/client-mediapackage-vod';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startLocalCloud } from '@kvs-edge/localcloud';
import { createSecretsClient } from '../../src/secrets/index.js';
import { CAMERA_MODEL_PROPERTIES, createSiteWiseClient } from '../../src/sitewise/index.js';
import { ensureCameraModel, provisionCamera, provisionHub } from '../../src/provision/index.js';
import { setupPackagingGroup } from '../../src/vod/index.js';
import { startTestCamera } from '../helpers/test-camera.js';
import { runConnector, sendRequest, type Deployment } from './fixtures.js';
import { eventually } from '../helpers/poll.js';

t.test('a VodIngestRequest publishes the clip and VodAssetStatus reports it PLAYABLE', async (t) => {
  const cloud = await startLocalCloud({ thingName: 'vod-gateway' });
  t.teardown(() => cloud.stop());
  const creds = { region: cloud.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const sitewise = createSiteWiseClient({ ...creds, endpoint: cloud.env.AWS_ENDPOINT_URL_IOTSITEWISE! });
  const secrets = createSecretsClient({ ...creds, endpoint: cloud.env.AWS_ENDPOINT_URL_SECRETS_MANAGER! });
  const mediapackage = new MediaPackageVodClient({
    ...creds,
    endpoint: cloud.env.AWS_ENDPOINT_URL_MEDIAPACKAGE_VOD!,
  });
  t.teardown(() => mediapackage.destroy());
  cloud.s3.createBucket('clips');
  await setupPackagingGroup(mediapackage, { groupId: 'edge-clips' });

  // The reference camera model plus the optional VOD measurements.
  const cameraModelName = 'EdgeConnectorForKVSCameraModel-vod1';
  await ensureCameraModel(sitewise, {
    name: cameraModelName,
    properties: [
      ...CAMERA_MODEL_PROPERTIES,
      { name: 'VodIngestRequest', dataType: 'STRING', kind: 'measurement' },
      { name: 'VodAssetStatus', dataType: 'STRING', kind: 'measurement' },
    ],
  });
  const hub = await provisionHub(sitewise, {
    name: 'VOD hub',
    externalId: 'vod-gateway',
    hubModelName: 'EdgeConnectorForKVSHubModel-vod1',
    cameraModelName,
  });
  const camera = await startTestCamera(t, { gopSeconds: 1 });
  const cam = await provisionCamera({ sitewise, secrets }, hub, {
    name: 'Dock',
    streamName: 'dock',
    rtspUrl: camera.url('/cam'),
    captureStartTime: '* * * * *',
  });
  await sitewise.send(
    new UpdateAssetPropertyCommand({
      assetId: cam.assetId,
      propertyId: cam.propertyIds.VodIngestRequest!,
      propertyNotificationState: 'ENABLED',
    }),
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kvs-edge-vod-'));
  const d: Deployment = { cloud, hub, sitewise, secrets, dir };
  const run = await runConnector(t, d, {
    SegmentDurationSeconds: 60,
    Vod: {
      S3Bucket: 'clips',
      S3Prefix: 'edge',
      PackagingGroupId: 'edge-clips',
      SourceRoleArn: 'arn:aws:iam::123456789012:role/vod',
    },
  });

  const cameraDir = path.join(run.component.store.root, cam.assetId);
  const first = await eventually('six seconds of recording', () => {
    const recorded = run.component.store.recorded(cam.assetId);
    const r = recorded[0];
    return r && r.endMs - r.startMs >= 6000 ? r : undefined;
  });
  t.ok((await readdir(cameraDir)).some((f) => f.endsWith('.mkv')));
  await sendRequest(
    d,
    cam.assetId,
    cam.propertyIds.VodIngestRequest!,
    `${first.startMs}-${first.startMs + 5000}`,
  );
  const status = await eventually(
    'VodAssetStatus PLAYABLE',
    async () => {
      const out = await sitewise.send(
        new GetAssetPropertyValueCommand({
          assetId: cam.assetId,
          propertyId: cam.propertyIds.VodAssetStatus!,
        }),
      );
      const text = out.propertyValue?.value?.stringValue;
      if (!text) return undefined;
      const parsed = JSON.parse(text) as { state: string };
      return parsed.state === 'PLAYABLE' || parsed.state === 'ERROR' || parsed.state === 'INGEST_FAILED'
        ? parsed
        : undefined;
    },
    60_000,
  );
  t.equal(status.state, 'PLAYABLE', JSON.stringify(status));
  const keys = cloud.s3.listKeys('clips', 'edge/');
  t.ok(
    keys.some((k) => k.endsWith('.m3u8')),
    'the HLS playlists are in S3',
  );
  t.ok(
    keys.some((k) => k.endsWith('.ts')),
    'the segments are in S3',
  );
  t.ok(run.lines.some((l) => l.msg === 'VOD publish finished'));
  t.equal(await run.stop(), 0);
});
