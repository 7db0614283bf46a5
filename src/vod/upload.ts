// Upload of a packaged clip to S3 in the order MediaPackage needs: every segment, then the media
// playlist, then the parent playlist last, so the object sourceArn names exists only when everything
// it points at does. An object already in S3 with the same size and the same sha256 (kept in the
// object's metadata) is skipped: a publish that was cut off resumes where it stopped.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { PackagedFile } from './clip.js';
import { VodError, awsErrorName, messageOf } from './errors.js';

/** Counts of one upload. */
export interface UploadResult {
  uploaded: number;
  skipped: number;
  /** Bytes sent (skipped objects not counted). */
  bytes: number;
}

/** Options of uploadFiles. */
export interface UploadOptions {
  /** Parallel segment uploads; a gateway's uplink is the limit, not S3. */
  concurrency?: number;
  /** Objects above this go through lib-storage's multipart Upload. */
  multipartThresholdBytes?: number;
  signal?: AbortSignal;
  onFile?: (file: PackagedFile, action: 'uploaded' | 'skipped') => void;
}

const DEFAULT_CONCURRENCY = 4;
// S3's multipart minimum part is 5 MiB; a camera segment of a few MB goes in one PUT.
const DEFAULT_MULTIPART_BYTES = 16 * 1024 * 1024;
const PART_BYTES = 8 * 1024 * 1024;

/** Maps an S3 error onto a VodError with a sentence that says what to fix. */
export function s3Failure(err: unknown, bucket: string, key: string): VodError {
  if (err instanceof VodError) return err;
  const { name, status } = awsErrorName(err);
  if (name === 'NoSuchBucket')
    return new VodError(
      'bucket-missing',
      `S3 bucket ${bucket} does not exist; create it or fix Vod.S3Bucket`,
      { cause: err },
    );
  if (name === 'AccessDenied' || status === 403)
    return new VodError(
      'access-denied',
      `S3 denied access to s3://${bucket}/${key}; the device role needs s3:PutObject and s3:GetObject on the bucket`,
      { cause: err },
    );
  if (name === 'AbortError') return new VodError('aborted', 'publishing was cancelled', { cause: err });
  return new VodError('upload-failed', `uploading s3://${bucket}/${key} failed: ${name}: ${messageOf(err)}`, {
    cause: err,
  });
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function alreadyThere(
  s3: S3Client,
  bucket: string,
  key: string,
  bytes: number,
  digest: string,
  signal?: AbortSignal,
) {
  try {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: key }),
      signal ? { abortSignal: signal } : {},
    );
    const theirs = head.Metadata?.sha256;
    return head.ContentLength === bytes && (theirs === undefined || theirs === digest);
  } catch (err) {
    const { name, status } = awsErrorName(err);
    if (name === 'NotFound' || name === 'NoSuchKey' || status === 404) return false;
    throw err;
  }
}

async function putOne(
  s3: S3Client,
  bucket: string,
  key: string,
  dir: string,
  file: PackagedFile,
  options: UploadOptions,
) {
  const local = path.join(dir, file.path);
  const digest = await sha256(local);
  if (await alreadyThere(s3, bucket, key, file.bytes, digest, options.signal)) return 'skipped' as const;
  const common = { Bucket: bucket, Key: key, ContentType: file.contentType, Metadata: { sha256: digest } };
  if (file.bytes > (options.multipartThresholdBytes ?? DEFAULT_MULTIPART_BYTES)) {
    const upload = new Upload({
      client: s3,
      params: { ...common, Body: createReadStream(local) },
      partSize: PART_BYTES,
      // Two parts in flight bound memory to ~16 MiB per object.
      queueSize: 2,
      leavePartsOnError: false,
    });
    const onAbort = () => void upload.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  } else {
    const body = await readFile(local);
    await s3.send(
      new PutObjectCommand({ ...common, Body: body, ContentLength: body.length }),
      options.signal ? { abortSignal: options.signal } : {},
    );
  }
  return 'uploaded' as const;
}

/**
 * Uploads `files` (in PackagedClip order) from `dir` to s3://bucket/keyPrefix<path>. Segments go in
 * parallel; the playlists only after every segment is there, the parent last. The first failure
 * stops everything that has not started and is thrown as a VodError.
 */
export async function uploadFiles(
  s3: S3Client,
  bucket: string,
  keyPrefix: string,
  dir: string,
  files: PackagedFile[],
  options: UploadOptions = {},
): Promise<UploadResult> {
  const result: UploadResult = { uploaded: 0, skipped: 0, bytes: 0 };
  const one = async (file: PackagedFile) => {
    if (options.signal?.aborted) throw new VodError('aborted', 'publishing was cancelled');
    const key = keyPrefix + file.path;
    let action: 'uploaded' | 'skipped';
    try {
      action = await putOne(s3, bucket, key, dir, file, options);
    } catch (err) {
      throw s3Failure(err, bucket, key);
    }
    if (action === 'skipped') result.skipped++;
    else {
      result.uploaded++;
      result.bytes += file.bytes;
    }
    options.onFile?.(file, action);
  };
  const segments = files.filter((f) => f.kind === 'segment');
  const queue = [...segments];
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined) {
      const next = queue.shift();
      if (!next) return;
      try {
        await one(next);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, queue.length) }, worker),
  );
  if (failure !== undefined) throw failure;
  for (const f of files.filter((f) => f.kind === 'media-playlist')) await one(f);
  for (const f of files.filter((f) => f.kind === 'parent-playlist')) await one(f);
  return result;
}
