// Buckets, objects and multipart uploads of the S3 stand-in. Objects live in memory and, when a state
// folder is given, as files (body + JSON sidecar) so a restarted local cloud still serves them.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One stored object. */
export interface S3Object {
  body: Buffer;
  contentType: string;
  /** Quoted, as S3 sends it. */
  etag: string;
  lastModified: Date;
  metadata: Record<string, string>;
}

/** An S3 error with its real code and HTTP status. */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface Upload {
  bucket: string;
  key: string;
  contentType: string;
  metadata: Record<string, string>;
  parts: Map<number, { body: Buffer; etag: string }>;
}

// S3 refuses multipart parts below 5 MiB except the last one.
const MIN_PART_BYTES = 5 * 1024 * 1024;

export function md5Etag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

export function noSuchBucket(bucket: string): S3Error {
  return new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
}

export class ObjectStore {
  readonly #buckets = new Map<string, Map<string, S3Object>>();
  readonly #uploads = new Map<string, Upload>();
  readonly #dir: string | undefined;

  constructor(stateDir?: string) {
    this.#dir = stateDir === undefined ? undefined : path.join(stateDir, 's3');
    if (this.#dir && existsSync(this.#dir)) this.#load(this.#dir);
  }

  bucketNames(): string[] {
    return [...this.#buckets.keys()].sort();
  }

  hasBucket(bucket: string): boolean {
    return this.#buckets.has(bucket);
  }

  createBucket(bucket: string): void {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', {
        BucketName: bucket,
      });
    }
    if (this.#buckets.has(bucket)) {
      throw new S3Error(
        409,
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        { BucketName: bucket },
      );
    }
    this.#buckets.set(bucket, new Map());
    if (this.#dir) mkdirSync(path.join(this.#dir, encodeURIComponent(bucket)), { recursive: true });
  }

  #bucket(bucket: string): Map<string, S3Object> {
    const b = this.#buckets.get(bucket);
    if (!b) throw noSuchBucket(bucket);
    return b;
  }

  get(bucket: string, key: string): S3Object {
    const obj = this.#bucket(bucket).get(key);
    if (!obj) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
    return obj;
  }

  /** Undefined when the bucket or key is missing (for other stand-ins and tests). */
  find(bucket: string, key: string): S3Object | undefined {
    return this.#buckets.get(bucket)?.get(key);
  }

  put(
    bucket: string,
    key: string,
    body: Buffer,
    contentType = 'binary/octet-stream',
    metadata = {},
  ): S3Object {
    const b = this.#bucket(bucket);
    const obj: S3Object = { body, contentType, etag: md5Etag(body), lastModified: new Date(), metadata };
    b.set(key, obj);
    this.#persist(bucket, key, obj);
    return obj;
  }

  delete(bucket: string, key: string): void {
    this.#bucket(bucket).delete(key);
    if (!this.#dir) return;
    rmSync(this.#objectFile(bucket, key, 'data'), { force: true });
    rmSync(this.#objectFile(bucket, key, 'meta'), { force: true });
  }

  /** Keys in lexicographic (UTF-8 binary) order, as S3 lists them. */
  keys(bucket: string): string[] {
    return [...this.#bucket(bucket).keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  createUpload(bucket: string, key: string, contentType: string, metadata: Record<string, string>): string {
    this.#bucket(bucket);
    const id = randomBytes(24).toString('base64url');
    this.#uploads.set(id, { bucket, key, contentType, metadata, parts: new Map() });
    return id;
  }

  #upload(bucket: string, key: string, uploadId: string): Upload {
    const u = this.#uploads.get(uploadId);
    if (!u || u.bucket !== bucket || u.key !== key) {
      throw new S3Error(
        404,
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        { UploadId: uploadId },
      );
    }
    return u;
  }

  putPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Buffer): string {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
      throw new S3Error(
        400,
        'InvalidArgument',
        'Part number must be an integer between 1 and 10000, inclusive',
      );
    }
    const etag = md5Etag(body);
    this.#upload(bucket, key, uploadId).parts.set(partNumber, { body, etag });
    return etag;
  }

  complete(
    bucket: string,
    key: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
  ): S3Object {
    const u = this.#upload(bucket, key, uploadId);
    if (parts.length === 0)
      throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed');
    const bodies: Buffer[] = [];
    const md5s: Buffer[] = [];
    let previous = 0;
    parts.forEach((p, i) => {
      if (p.partNumber <= previous) {
        throw new S3Error(400, 'InvalidPartOrder', 'The list of parts was not in ascending order.');
      }
      previous = p.partNumber;
      const stored = u.parts.get(p.partNumber);
      if (!stored || stored.etag !== (p.etag.startsWith('"') ? p.etag : `"${p.etag}"`)) {
        throw new S3Error(400, 'InvalidPart', 'One or more of the specified parts could not be found.');
      }
      if (i < parts.length - 1 && stored.body.length < MIN_PART_BYTES) {
        throw new S3Error(
          400,
          'EntityTooSmall',
          'Your proposed upload is smaller than the minimum allowed size',
        );
      }
      bodies.push(stored.body);
      md5s.push(Buffer.from(stored.etag.slice(1, -1), 'hex'));
    });
    const obj = this.put(bucket, key, Buffer.concat(bodies), u.contentType, u.metadata);
    obj.etag = `"${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${parts.length}"`;
    this.#persist(bucket, key, obj);
    this.#uploads.delete(uploadId);
    return obj;
  }

  abort(bucket: string, key: string, uploadId: string): void {
    this.#upload(bucket, key, uploadId);
    this.#uploads.delete(uploadId);
  }

  /** Multipart uploads not yet completed or aborted (tests check that failures abort). */
  openUploads(): { bucket: string; key: string; uploadId: string; parts: number }[] {
    return [...this.#uploads].map(([uploadId, u]) => ({
      bucket: u.bucket,
      key: u.key,
      uploadId,
      parts: u.parts.size,
    }));
  }

  // Bodies and metadata in sibling folders, so no key can collide with another key's sidecar.
  #objectFile(bucket: string, key: string, kind: 'data' | 'meta'): string {
    return path.join(this.#dir!, encodeURIComponent(bucket), kind, encodeURIComponent(key));
  }

  #persist(bucket: string, key: string, obj: S3Object): void {
    if (!this.#dir) return;
    const file = this.#objectFile(bucket, key, 'data');
    const meta = this.#objectFile(bucket, key, 'meta');
    mkdirSync(path.dirname(file), { recursive: true });
    mkdirSync(path.dirname(meta), { recursive: true });
    writeFileSync(file, obj.body);
    writeFileSync(
      meta,
      JSON.stringify({
        contentType: obj.contentType,
        etag: obj.etag,
        lastModified: obj.lastModified,
        metadata: obj.metadata,
      }),
    );
  }

  #load(dir: string): void {
    for (const b of readdirSync(dir)) {
      const objects = new Map<string, S3Object>();
      const metaDir = path.join(dir, b, 'meta');
      for (const f of existsSync(metaDir) ? readdirSync(metaDir) : []) {
        const meta = JSON.parse(readFileSync(path.join(metaDir, f), 'utf8')) as Omit<
          S3Object,
          'body' | 'lastModified'
        > & {
          lastModified: string;
        };
        objects.set(decodeURIComponent(f), {
          ...meta,
          body: readFileSync(path.join(dir, b, 'data', f)),
          lastModified: new Date(meta.lastModified),
        });
      }
      this.#buckets.set(decodeURIComponent(b), objects);
    }
  }
}
