// The small pure parts (codec strings, playlists, names, configuration, the measurement value) and
// the CDN identifier lookup against the local MediaPackage VOD + Secrets Manager with real clients.
import t from 'tap';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { startSecretsManagerService } from '@kvs-edge/localcloud';
import {
  aacCodecString,
  assetIdFor,
  avcCodecString,
  bandwidth,
  cdnHeaders,
  clipKeyPrefix,
  createVodClients,
  hevcCodecString,
  mediaSegments,
  parentPlaylist,
  parseVodConfig,
  setupPackagingGroup,
  statusMeasurementValue,
  vodMediaPlaylist,
  vodSettingsFor,
  type VodStatus,
} from '../../src/vod/index.js';
import { startCloud } from './fixtures.js';

t.test('codec strings from the parameter-set records', async (t) => {
  t.equal(avcCodecString(Buffer.from([1, 0x64, 0x00, 0x1f, 0xff])), 'avc1.64001f');
  t.equal(avcCodecString(undefined), 'avc1.640028');
  // hvcC of an x265 Main@L2.1 stream: profile space 0, tier main, profile 1, compat 0x60000000.
  const hvcC = Buffer.from([1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 63, 0xf0]);
  t.equal(hevcCodecString(hvcC), 'hvc1.1.6.L63.90');
  t.equal(hevcCodecString(Buffer.from([1, 0x22, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 150])), 'hvc1.2.4.H150');
  t.equal(hevcCodecString(undefined), 'hvc1.1.6.L93.B0');
  t.equal(aacCodecString(Buffer.from([0x12, 0x10])), 'mp4a.40.2');
  t.equal(aacCodecString(Buffer.from([0x2b, 0x8a])), 'mp4a.40.5');
  t.equal(aacCodecString(undefined), 'mp4a.40.2');
});

t.test('playlists', async (t) => {
  const segs = mediaSegments(
    '#EXTM3U\n#EXT-X-TARGETDURATION:2\n\n#EXTINF:2.4999,\nseg00000.ts\n#EXTINF:0.5,\r\nseg00001.ts\n#EXT-X-ENDLIST',
  );
  t.same(segs, [
    { uri: 'seg00000.ts', durationS: 2.4999 },
    { uri: 'seg00001.ts', durationS: 0.5 },
  ]);
  const media = vodMediaPlaylist(segs);
  t.match(media, /#EXT-X-TARGETDURATION:3\n/);
  t.match(media, /#EXT-X-PLAYLIST-TYPE:VOD/);
  t.notMatch(media, /\n\n/);
  t.match(vodMediaPlaylist([{ uri: 'a.ts', durationS: 2 }]), /TARGETDURATION:2\n/);
  const rate = bandwidth([
    { durationS: 2, bytes: 250_000 },
    { durationS: 0.1, bytes: 10_000 },
  ]);
  t.same(rate, { peak: 1_000_000, average: Math.ceil((260_000 * 8) / 2.1) });
  const parent = parentPlaylist(
    { video: 'h264', codecs: ['avc1.64001f'], width: 320, height: 240, frameRate: 15, audio: false },
    rate,
    'v/index.m3u8',
  );
  t.match(
    parent,
    /BANDWIDTH=1000000,AVERAGE-BANDWIDTH=\d+,CODECS="avc1.64001f",RESOLUTION=320x240,FRAME-RATE=15.000\nv\/index.m3u8/,
  );
});

t.test('names', async (t) => {
  const start = Date.UTC(2024, 2, 1, 10, 15, 0, 123);
  t.equal(clipKeyPrefix('vod', 'gw', 'cam1', start), 'vod/gw/cam1/20240301T101500.123Z/');
  t.equal(clipKeyPrefix('', 'gw', 'cam1', start), 'gw/cam1/20240301T101500.123Z/');
  t.equal(assetIdFor('cam1', start, start + 60_000), 'cam1_20240301T101500123Z_20240301T101600123Z');
  const odd = assetIdFor('cam 1/ü', start, start + 1);
  t.match(odd, /^[A-Za-z0-9_-]+$/);
  t.not(odd, assetIdFor('cam-1--', start, start + 1), 'sanitised ids stay apart');
  t.ok(assetIdFor('c'.repeat(300), start, start + 1).length <= 128);
});

t.test('configuration and camera overrides', async (t) => {
  t.equal(parseVodConfig({}), null);
  t.equal(parseVodConfig(undefined), null);
  const vod = parseVodConfig({
    S3Bucket: 'b',
    S3Prefix: '/p/',
    PackagingGroupId: 'g',
    SourceRoleArn: 'arn:aws:iam::1:role/r',
    Region: 'eu-west-1',
  });
  t.same(vod, {
    S3Bucket: 'b',
    S3Prefix: 'p',
    PackagingGroupId: 'g',
    SourceRoleArn: 'arn:aws:iam::1:role/r',
    Region: 'eu-west-1',
  });
  t.throws(() => parseVodConfig({ S3Bucket: 'b' }), /Vod\.PackagingGroupId: missing/);
  t.throws(
    () => parseVodConfig({ S3Bucket: 'b', PackagingGroupId: 'g', SourceRoleArn: 'role' }),
    /Vod\.SourceRoleArn: .*IAM role ARN/,
  );
  t.throws(
    () => parseVodConfig({ S3Bucket: 'b', PackagingGroupId: 'g', SourceRoleArn: 'arn:x', Bucket: 'x' }),
    /unknown key\(s\) Bucket/,
  );
  t.throws(() => parseVodConfig('yes'), { code: 'config' });
  const s = vodSettingsFor(vod!, {
    VodS3Prefix: 'site/a/',
    VodPackagingGroupId: 'g2',
    VodSegmentDurationSeconds: 4,
    Other: 'x',
  });
  t.same(s, {
    bucket: 'b',
    prefix: 'site/a',
    packagingGroupId: 'g2',
    sourceRoleArn: 'arn:aws:iam::1:role/r',
    region: 'eu-west-1',
    segmentSeconds: 4,
  });
  t.equal(vodSettingsFor(vod!, { VodS3Prefix: ' ' }).prefix, 'p', 'empty attributes are ignored');
  t.throws(() => vodSettingsFor(vod!, { VodPackagingGroupId: 'a b' }), /VodPackagingGroupId/);
  t.throws(() => vodSettingsFor(vod!, { VodSegmentDurationSeconds: '0.5' }), /VodSegmentDurationSeconds/);
});

t.test('the measurement value stays within 1024 characters and valid JSON', async (t) => {
  const status: VodStatus = {
    assetId: 'cam_1_2',
    cameraId: 'cam',
    thingName: 'gw',
    requested: { start: 'a', end: 'b' },
    state: 'PLAYABLE',
    egress: Object.fromEntries(
      ['hls', 'dash', 'cmaf', 'x', 'y', 'z'].map((k) => [
        k,
        { status: 'PLAYABLE', url: `https://${'h'.repeat(150)}/${k}.m3u8` },
      ]),
    ),
    notes: ['G.711 audio dropped'],
    updatedAt: 'now',
  };
  const v = statusMeasurementValue(status);
  t.ok(v.length <= 1024);
  t.same(JSON.parse(v).egress, {
    hls: 'PLAYABLE',
    dash: 'PLAYABLE',
    cmaf: 'PLAYABLE',
    x: 'PLAYABLE',
    y: 'PLAYABLE',
    z: 'PLAYABLE',
  });
  const small = JSON.parse(statusMeasurementValue({ ...status, egress: {} }));
  t.same(small.notes, ['G.711 audio dropped']);
  const huge = statusMeasurementValue({
    ...status,
    assetId: 'a'.repeat(2000),
    error: { code: 'timeout', message: 'm'.repeat(2000) },
  });
  t.ok(huge.length <= 1024);
  t.equal(JSON.parse(huge).error.code, 'timeout');
});

t.test('setup is idempotent and CDN authorization comes from the secret', async (t) => {
  const cloud = await startCloud(t);
  const secrets = await startSecretsManagerService({});
  t.teardown(() => secrets.stop());
  const clients = createVodClients({
    env: { ...cloud.env, AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint },
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  t.teardown(() => clients.destroy());
  const first = await setupPackagingGroup(clients.mediapackage, { groupId: 'g' });
  t.equal(first.group, 'created');
  t.same(
    first.configurations.map((c) => c.action),
    ['created', 'created', 'created'],
  );
  t.same(await cdnHeaders(clients, 'g'), {}, 'no authorization, no header');
  const secret = await clients.secrets.send(
    new CreateSecretCommand({
      Name: 'cdn',
      SecretString: JSON.stringify({ MediaPackageCDNIdentifier: 'abc-123' }),
    }),
  );
  const again = await setupPackagingGroup(clients.mediapackage, {
    groupId: 'g',
    cdnIdentifierSecretArn: secret.ARN!,
    secretsRoleArn: 'arn:aws:iam::1:role/s',
  });
  t.equal(again.group, 'updated');
  t.same(
    again.configurations.map((c) => c.action),
    ['existed', 'existed', 'existed'],
  );
  t.same(await cdnHeaders(clients, 'g'), { 'X-MediaPackage-CDNIdentifier': 'abc-123' });
  await t.rejects(setupPackagingGroup(clients.mediapackage, { groupId: 'h', secretsRoleArn: 'arn:x' }), {
    code: 'config',
  });
  await t.rejects(cdnHeaders(clients, 'nope'), { code: 'group-missing' });
  const bad = await clients.secrets.send(new CreateSecretCommand({ Name: 'bad', SecretString: '{}' }));
  await setupPackagingGroup(clients.mediapackage, {
    groupId: 'b',
    cdnIdentifierSecretArn: bad.ARN!,
    secretsRoleArn: 'arn:aws:iam::1:role/s',
  });
  await t.rejects(cdnHeaders(clients, 'b'), /no MediaPackageCDNIdentifier/);
});
