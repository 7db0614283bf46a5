// S3 stand-in: path-style REST-XML on loopback, enough for the unmodified @aws-sdk/client-s3 (with
// forcePathStyle) and @aws-sdk/lib-storage's Upload: buckets, Put/Get(Range)/Head/Delete object,
// ListObjectsV2 with prefix, delimiter and continuation, and multipart uploads. Errors are the real
// XML documents (NoSuchBucket, NoSuchKey, ...). Objects live in memory, or under stateDir when given.
// Requests are not signature-checked. MediaPackage VOD reads its sources from here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ObjectStore, S3Error, noSuchBucket, type S3Object } from './store.js';
import { decodeAwsChunked, sendS3Error, sendXml, tags } from './xml.js';

export type { S3Object } from './store.js';

/** Options of startS3Service. */
export interface S3ServiceOptions {
  host?: string;
  port?: number;
  stateDir?: string;
  log?: Logger;
}

/** A running S3 stand-in with accessors for tests and the other stand-ins. */
export interface S3Service {
  /** http://127.0.0.1:<port>; use with forcePathStyle: true. */
  readonly endpoint: string;
  readonly port: number;
  createBucket(bucket: string): void;
  /** Stores an object directly (seeding test data). */
  putObject(bucket: string, key: string, body: Buffer | string, contentType?: string): void;
  /** The object, or undefined when the bucket or key does not exist. */
  getObject(bucket: string, key: string): S3Object | undefined;
  /** Keys of a bucket in S3 listing order ([] for a missing bucket). */
  listKeys(bucket: string, prefix?: string): string[];
  /** Multipart uploads still open (neither completed nor aborted). */
  openMultipartUploads(): { bucket: string; key: string; uploadId: string; parts: number }[];
  stop(): Promise<void>;
}

// One request body is held in memory whole; S3's single PUT limit is 5 GB, far beyond what the
// connector uploads per request (segments and parts of a few MB).
const MAX_BODY_BYTES = 512 * 1024 * 1024;

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY_BYTES)
      throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
    chunks.push(c);
  }
  const raw = Buffer.concat(chunks);
  const streaming = String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  if (streaming || String(req.headers['content-encoding'] ?? '').includes('aws-chunked'))
    return decodeAwsChunked(raw);
  return raw;
}

function metadataOf(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (k.startsWith('x-amz-meta-') && typeof v === 'string') out[k.slice('x-amz-meta-'.length)] = v;
  }
  return out;
}

function objectHeaders(obj: S3Object): Record<string, string | number> {
  const h: Record<string, string | number> = {
    'content-type': obj.contentType,
    etag: obj.etag,
    'last-modified': obj.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
  };
  for (const [k, v] of Object.entries(obj.metadata)) h[`x-amz-meta-${k}`] = v;
  return h;
}

function parseRange(header: string, size: number): [number, number] | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) {
    throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', {
      RangeRequested: header,
    });
  }
  return [start, end];
}

function listV2(store: ObjectStore, bucket: string, q: URLSearchParams): string {
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeys = Math.min(1000, Number(q.get('max-keys') ?? 1000));
  if (!Number.isInteger(maxKeys) || maxKeys < 0)
    throw new S3Error(400, 'InvalidArgument', 'max-keys must be >= 0');
  const token = q.get('continuation-token');
  const after = token !== null ? Buffer.from(token, 'base64url').toString() : (q.get('start-after') ?? '');
  const contents: S3Object[] = [];
  const keys: string[] = [];
  const prefixes = new Set<string>();
  let truncated = false;
  let last = '';
  for (const key of store.keys(bucket)) {
    if (!key.startsWith(prefix) || (after !== '' && key <= after)) continue;
    const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    const common = cut >= 0 ? key.slice(0, cut + delimiter.length) : undefined;
    if (common !== undefined && prefixes.has(common)) continue;
    if (keys.length + prefixes.size >= maxKeys) {
      truncated = true;
      break;
    }
    last = key;
    if (common !== undefined) prefixes.add(common);
    else {
      keys.push(key);
      contents.push(store.get(bucket, key));
    }
  }
  const items = contents
    .map(
      (o, i) =>
        `<Contents>${tags({ Key: keys[i], LastModified: o.lastModified.toISOString(), ETag: o.etag, Size: o.body.length, StorageClass: 'STANDARD' })}</Contents>`,
    )
    .join('');
  const common = [...prefixes].map((p) => `<CommonPrefixes>${tags({ Prefix: p })}</CommonPrefixes>`).join('');
  return (
    tags({
      Name: bucket,
      Prefix: prefix,
      Delimiter: delimiter || undefined,
      MaxKeys: maxKeys,
      KeyCount: keys.length + prefixes.size,
      IsTruncated: truncated,
      ContinuationToken: token ?? undefined,
      NextContinuationToken: truncated ? Buffer.from(last).toString('base64url') : undefined,
      StartAfter: q.get('start-after') ?? undefined,
    }) +
    items +
    common
  );
}

function parseCompleteParts(xml: string): { partNumber: number; etag: string }[] {
  const parts: { partNumber: number; etag: string }[] = [];
  for (const m of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const num = /<PartNumber>(\d+)<\/PartNumber>/.exec(m[1]!)?.[1];
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(m[1]!)?.[1];
    if (num === undefined || etag === undefined)
      throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed');
    parts.push({ partNumber: Number(num), etag: etag.replace(/&quot;/g, '"') });
  }
  return parts;
}

async function route(store: ObjectStore, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const q = url.searchParams;
  const slash = url.pathname.indexOf('/', 1);
  const bucket = decodeURIComponent(url.pathname.slice(1, slash < 0 ? undefined : slash));
  const key = slash < 0 ? '' : decodeURIComponent(url.pathname.slice(slash + 1));
  const method = req.method ?? 'GET';

  if (bucket === '') {
    if (method !== 'GET') throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed');
    const buckets = store
      .bucketNames()
      .map((b) => `<Bucket>${tags({ Name: b, CreationDate: new Date(0).toISOString() })}</Bucket>`);
    return sendXml(res, 200, 'ListAllMyBucketsResult', `<Buckets>${buckets.join('')}</Buckets>`);
  }
  if (key === '') {
    switch (method) {
      case 'PUT':
        await readBody(req); // CreateBucketConfiguration (region) is accepted and ignored
        store.createBucket(bucket);
        res.writeHead(200, { location: `/${bucket}` });
        return void res.end();
      case 'HEAD':
        if (!store.hasBucket(bucket)) throw noSuchBucket(bucket);
        return void res.writeHead(200, { 'x-amz-bucket-region': 'us-east-1' }).end();
      case 'GET':
        if (!store.hasBucket(bucket)) throw noSuchBucket(bucket);
        return sendXml(res, 200, 'ListBucketResult', listV2(store, bucket, q));
      default:
        throw new S3Error(501, 'NotImplemented', `${method} on a bucket is not emulated`);
    }
  }
  switch (method) {
    case 'PUT': {
      if (req.headers['x-amz-copy-source'] !== undefined) {
        throw new S3Error(501, 'NotImplemented', 'CopyObject is not emulated');
      }
      const body = await readBody(req);
      const uploadId = q.get('uploadId');
      if (uploadId !== null) {
        const etag = store.putPart(bucket, key, uploadId, Number(q.get('partNumber')), body);
        return void res.writeHead(200, { etag }).end();
      }
      const obj = store.put(bucket, key, body, req.headers['content-type'], metadataOf(req));
      return void res.writeHead(200, { etag: obj.etag }).end();
    }
    case 'POST': {
      const body = await readBody(req);
      if (q.has('uploads')) {
        const id = store.createUpload(
          bucket,
          key,
          req.headers['content-type'] ?? 'binary/octet-stream',
          metadataOf(req),
        );
        return sendXml(
          res,
          200,
          'InitiateMultipartUploadResult',
          tags({ Bucket: bucket, Key: key, UploadId: id }),
        );
      }
      const uploadId = q.get('uploadId');
      if (uploadId === null) throw new S3Error(501, 'NotImplemented', 'POST on an object is not emulated');
      const obj = store.complete(bucket, key, uploadId, parseCompleteParts(body.toString('utf8')));
      const location = `http://${req.headers.host}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
      return sendXml(
        res,
        200,
        'CompleteMultipartUploadResult',
        tags({ Location: location, Bucket: bucket, Key: key, ETag: obj.etag }),
      );
    }
    case 'GET':
    case 'HEAD': {
      const obj = store.get(bucket, key);
      const range =
        method === 'GET' && req.headers.range ? parseRange(req.headers.range, obj.body.length) : undefined;
      const body = range ? obj.body.subarray(range[0], range[1] + 1) : obj.body;
      const headers = { ...objectHeaders(obj), 'content-length': body.length };
      if (range)
        Object.assign(headers, { 'content-range': `bytes ${range[0]}-${range[1]}/${obj.body.length}` });
      res.writeHead(range ? 206 : 200, headers);
      return void res.end(method === 'GET' ? body : undefined);
    }
    case 'DELETE': {
      const uploadId = q.get('uploadId');
      if (uploadId !== null) store.abort(bucket, key, uploadId);
      else store.delete(bucket, key);
      return void res.writeHead(204).end();
    }
    default:
      throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed');
  }
}

export async function startS3Service(options: S3ServiceOptions = {}): Promise<S3Service> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log;
  const store = new ObjectStore(options.stateDir);
  const server = http.createServer((req, res) => {
    route(store, req, res).catch((err: unknown) => {
      req.resume();
      if (err instanceof S3Error)
        return sendS3Error(res, req.method, err.status, err.code, err.message, err.extra);
      log?.error({ err }, 'S3 stand-in request failed');
      sendS3Error(
        res,
        req.method,
        500,
        'InternalError',
        'We encountered an internal error. Please try again.',
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${host}:${port}`;
  log?.info({ endpoint }, 'S3 stand-in listening');
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    port,
    createBucket: (bucket) => store.createBucket(bucket),
    putObject: (bucket, key, body, contentType) =>
      void store.put(bucket, key, typeof body === 'string' ? Buffer.from(body) : body, contentType),
    getObject: (bucket, key) => store.find(bucket, key),
    listKeys: (bucket, prefix = '') =>
      store.hasBucket(bucket) ? store.keys(bucket).filter((k) => k.startsWith(prefix)) : [],
    openMultipartUploads: () => store.openUploads(),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
