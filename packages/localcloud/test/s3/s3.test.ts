import t, { type Test } from 'tap';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { startS3Service, type S3Service } from '../../src/s3/index.js';

async function setup(t: Test, stateDir?: string): Promise<{ s3: S3Service; client: S3Client }> {
  const s3 = await startS3Service({ stateDir });
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
  t.teardown(async () => {
    client.destroy();
    await s3.stop();
  });
  return { s3, client };
}

t.test('CreateBucket, PutObject, HeadObject, GetObject (whole and ranges), DeleteObject', async (t) => {
  const { s3, client } = await setup(t);
  await client.send(new CreateBucketCommand({ Bucket: 'clips' }));
  await t.rejects(client.send(new CreateBucketCommand({ Bucket: 'clips' })), {
    name: 'BucketAlreadyOwnedByYou',
  });
  await t.rejects(client.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })), {
    name: 'InvalidBucketName',
  });
  await client.send(new HeadBucketCommand({ Bucket: 'clips' }));
  const body = Buffer.from('0123456789abcdef');
  const put = await client.send(
    new PutObjectCommand({
      Bucket: 'clips',
      Key: 'cam 1/seg+0.ts',
      Body: body,
      ContentType: 'video/MP2T',
      Metadata: { camera: 'door' },
    }),
  );
  t.equal(put.ETag, `"${createHash('md5').update(body).digest('hex')}"`);
  t.same(s3.getObject('clips', 'cam 1/seg+0.ts')?.body, body, 'stored bytes (key with space and plus)');
  const head = await client.send(new HeadObjectCommand({ Bucket: 'clips', Key: 'cam 1/seg+0.ts' }));
  t.equal(head.ContentLength, 16);
  t.equal(head.ContentType, 'video/MP2T');
  t.same(head.Metadata, { camera: 'door' });
  t.ok(head.LastModified instanceof Date);
  const got = await client.send(new GetObjectCommand({ Bucket: 'clips', Key: 'cam 1/seg+0.ts' }));
  t.equal(await got.Body?.transformToString(), '0123456789abcdef');
  const ranged = await client.send(
    new GetObjectCommand({ Bucket: 'clips', Key: 'cam 1/seg+0.ts', Range: 'bytes=2-5' }),
  );
  t.equal(await ranged.Body?.transformToString(), '2345');
  t.equal(ranged.ContentRange, 'bytes 2-5/16');
  const tail = await client.send(
    new GetObjectCommand({ Bucket: 'clips', Key: 'cam 1/seg+0.ts', Range: 'bytes=-3' }),
  );
  t.equal(await tail.Body?.transformToString(), 'def');
  await t.rejects(
    client.send(new GetObjectCommand({ Bucket: 'clips', Key: 'cam 1/seg+0.ts', Range: 'bytes=99-' })),
    { name: 'InvalidRange' },
  );
  await client.send(new DeleteObjectCommand({ Bucket: 'clips', Key: 'cam 1/seg+0.ts' }));
  t.equal(s3.getObject('clips', 'cam 1/seg+0.ts'), undefined);
  const buckets = await client.send(new ListBucketsCommand({}));
  t.same(
    buckets.Buckets?.map((b) => b.Name),
    ['clips'],
  );
});

t.test('NoSuchBucket and NoSuchKey come back as the real errors', async (t) => {
  const { client } = await setup(t);
  await t.rejects(client.send(new PutObjectCommand({ Bucket: 'none', Key: 'k', Body: 'x' })), {
    name: 'NoSuchBucket',
    $metadata: { httpStatusCode: 404 },
  });
  await t.rejects(client.send(new GetObjectCommand({ Bucket: 'none', Key: 'k' })), { name: 'NoSuchBucket' });
  await t.rejects(client.send(new ListObjectsV2Command({ Bucket: 'none' })), { name: 'NoSuchBucket' });
  await t.rejects(client.send(new HeadBucketCommand({ Bucket: 'none' })), { name: 'NotFound' });
  await client.send(new CreateBucketCommand({ Bucket: 'bk1' }));
  await t.rejects(client.send(new GetObjectCommand({ Bucket: 'bk1', Key: 'missing' })), {
    name: 'NoSuchKey',
    message: 'The specified key does not exist.',
  });
  // HEAD has no body, so the SDK reports a bare NotFound, exactly as against S3
  await t.rejects(client.send(new HeadObjectCommand({ Bucket: 'bk1', Key: 'missing' })), {
    name: 'NotFound',
    $metadata: { httpStatusCode: 404 },
  });
});

t.test('ListObjectsV2: prefix, delimiter, continuation tokens and the paginator', async (t) => {
  const { s3, client } = await setup(t);
  s3.createBucket('list');
  for (const k of ['a/1', 'a/2', 'a/3', 'a/sub/4', 'b/1']) s3.putObject('list', k, k);
  const first = await client.send(new ListObjectsV2Command({ Bucket: 'list', Prefix: 'a/', MaxKeys: 2 }));
  t.same(
    first.Contents?.map((c) => c.Key),
    ['a/1', 'a/2'],
  );
  t.equal(first.IsTruncated, true);
  t.equal(first.KeyCount, 2);
  t.equal(first.Contents?.[0]?.Size, 3);
  const second = await client.send(
    new ListObjectsV2Command({
      Bucket: 'list',
      Prefix: 'a/',
      MaxKeys: 2,
      ContinuationToken: first.NextContinuationToken,
    }),
  );
  t.same(
    second.Contents?.map((c) => c.Key),
    ['a/3', 'a/sub/4'],
  );
  t.equal(second.IsTruncated, false);
  const delim = await client.send(new ListObjectsV2Command({ Bucket: 'list', Prefix: 'a/', Delimiter: '/' }));
  t.same(
    delim.Contents?.map((c) => c.Key),
    ['a/1', 'a/2', 'a/3'],
  );
  t.same(
    delim.CommonPrefixes?.map((p) => p.Prefix),
    ['a/sub/'],
  );
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client, pageSize: 2 }, { Bucket: 'list' })) {
    keys.push(...(page.Contents ?? []).map((c) => c.Key!));
  }
  t.same(keys, ['a/1', 'a/2', 'a/3', 'a/sub/4', 'b/1']);
  const after = await client.send(new ListObjectsV2Command({ Bucket: 'list', StartAfter: 'a/sub/4' }));
  t.same(
    after.Contents?.map((c) => c.Key),
    ['b/1'],
  );
  const empty = await client.send(new ListObjectsV2Command({ Bucket: 'list', Prefix: 'zzz' }));
  t.equal(empty.KeyCount, 0);
  t.equal(empty.Contents, undefined);
});

t.test('lib-storage Upload: multipart for a large stream, single PUT for a small one', async (t) => {
  const { s3, client } = await setup(t);
  s3.createBucket('upl');
  const big = Buffer.alloc(11 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE(i, i);
  const upload = new Upload({
    client,
    params: {
      Bucket: 'upl',
      Key: 'big.bin',
      Body: Readable.from([big.subarray(0, 3e6), big.subarray(3e6)]),
      ContentType: 'application/octet-stream',
    },
    partSize: 5 * 1024 * 1024,
    queueSize: 2,
  });
  const done = await upload.done();
  t.match(done.ETag, /^"[0-9a-f]{32}-3"$/, 'multipart ETag names 3 parts');
  t.ok(s3.getObject('upl', 'big.bin')?.body.equals(big), 'all bytes in order');
  t.same(s3.openMultipartUploads(), []);
  const small = await new Upload({
    client,
    params: { Bucket: 'upl', Key: 'small.txt', Body: 'hello' },
  }).done();
  t.match(small.ETag, /^"[0-9a-f]{32}"$/);
  t.equal(s3.getObject('upl', 'small.txt')?.body.toString(), 'hello');
  await t.rejects(new Upload({ client, params: { Bucket: 'nope', Key: 'x', Body: big } }).done(), {
    name: 'NoSuchBucket',
  });
});

t.test('multipart errors: unknown upload, bad part, small part, abort', async (t) => {
  const { s3, client } = await setup(t);
  s3.createBucket('mpu');
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'k' }));
  const p1 = await client.send(
    new UploadPartCommand({ Bucket: 'mpu', Key: 'k', UploadId, PartNumber: 1, Body: Buffer.alloc(10) }),
  );
  const p2 = await client.send(
    new UploadPartCommand({ Bucket: 'mpu', Key: 'k', UploadId, PartNumber: 2, Body: Buffer.alloc(10) }),
  );
  await t.rejects(
    client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'mpu',
        Key: 'k',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.ETag },
          ],
        },
      }),
    ),
    { name: 'EntityTooSmall' },
  );
  await t.rejects(
    client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'mpu',
        Key: 'k',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"00"' }] },
      }),
    ),
    { name: 'InvalidPart' },
  );
  await t.rejects(
    client.send(
      new UploadPartCommand({ Bucket: 'mpu', Key: 'k', UploadId: 'nope', PartNumber: 1, Body: 'x' }),
    ),
    { name: 'NoSuchUpload' },
  );
  t.equal(s3.openMultipartUploads().length, 1);
  await client.send(new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'k', UploadId }));
  t.same(s3.openMultipartUploads(), []);
  await t.rejects(client.send(new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'k', UploadId })), {
    name: 'NoSuchUpload',
  });
  // a single small part is a valid upload
  const one = await client.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'one' }));
  const part = await client.send(
    new UploadPartCommand({ Bucket: 'mpu', Key: 'one', UploadId: one.UploadId, PartNumber: 1, Body: 'abc' }),
  );
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: 'mpu',
      Key: 'one',
      UploadId: one.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    }),
  );
  t.equal(s3.getObject('mpu', 'one')?.body.toString(), 'abc');
});

t.test('objects survive a restart with stateDir (keys that look like sidecars included)', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 's3-state-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const first = await startS3Service({ stateDir: dir });
  first.createBucket('keep');
  first.putObject('keep', 'x/index.m3u8', '#EXTM3U\n', 'application/vnd.apple.mpegurl');
  first.putObject('keep', 'x/index.m3u8.json', '{}');
  await first.stop();
  const { client, s3 } = await setup(t, dir);
  const got = await client.send(new GetObjectCommand({ Bucket: 'keep', Key: 'x/index.m3u8' }));
  t.equal(await got.Body?.transformToString(), '#EXTM3U\n');
  t.equal(got.ContentType, 'application/vnd.apple.mpegurl');
  t.same(s3.listKeys('keep'), ['x/index.m3u8', 'x/index.m3u8.json']);
  await client.send(new DeleteObjectCommand({ Bucket: 'keep', Key: 'x/index.m3u8.json' }));
  t.same(s3.listKeys('nope'), []);
});
