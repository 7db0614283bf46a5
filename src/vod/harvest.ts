// `vod harvest`: copy the packaged outputs of an asset (every packaging configuration) to a local
// folder or an S3 prefix. Each egress manifest is read (HLS: parent, children, renditions, I-frame
// playlists, EXT-X-MAP; DASH: SegmentTemplate with and without SegmentTimeline), every file is stored
// at <destination>/<asset>/<configuration>/<path relative to the common folder of all its URLs>, so
// the manifests' relative paths (MediaPackage uses ../../) work from the copy. Files already there are
// skipped (restartable); each download is checked against Content-Length and retried; a fixed number
// run at once. When the packaging group uses CDN authorization, the identifier from its secret goes
// in the X-MediaPackage-CDNIdentifier header of every request.
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  DescribeAssetCommand,
  DescribePackagingGroupCommand,
  type MediaPackageVodClient,
} from '@aws-sdk/client-mediapackage-vod';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { egressOf, mediaPackageFailure } from './asset.js';
import { dashReferences } from './dash.js';
import { VodError, awsErrorName, messageOf } from './errors.js';
import { hlsReferences } from './hls.js';

/** Where harvested files go; paths are relative, with forward slashes. */
export interface HarvestSink {
  readonly description: string;
  /** Size of what is already stored at `rel`, or undefined. */
  size(rel: string): Promise<number | undefined>;
  put(rel: string, body: Buffer, contentType: string | undefined): Promise<void>;
}

/** A local folder sink; files appear whole (written to a temp name, then renamed). */
export function folderSink(root: string): HarvestSink {
  return {
    description: root,
    async size(rel) {
      try {
        return (await stat(path.join(root, rel))).size;
      } catch {
        return undefined;
      }
    },
    async put(rel, body) {
      const file = path.join(root, rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(`${file}.part`, body);
      await rename(`${file}.part`, file);
    },
  };
}

/** An S3 sink under s3://bucket/prefix/. */
export function s3Sink(s3: S3Client, bucket: string, prefix: string): HarvestSink {
  const key = (rel: string) => [prefix.replace(/\/+$/, ''), rel].filter((p) => p !== '').join('/');
  return {
    description: `s3://${bucket}/${prefix}`,
    async size(rel) {
      try {
        return (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key(rel) }))).ContentLength;
      } catch (err) {
        const { name, status } = awsErrorName(err);
        if (name === 'NotFound' || status === 404) return undefined;
        throw err;
      }
    },
    async put(rel, body, contentType) {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key(rel), Body: body, ContentType: contentType }),
      );
    },
  };
}

/** Progress of one harvest. */
export interface HarvestProgress {
  configuration: string;
  done: number;
  /** Known so far; grows while playlists are read. */
  total: number;
  bytes: number;
  skipped: number;
}

/** Options of harvestManifest and harvestAsset. */
export interface HarvestOptions {
  /** Downloads at once (default 8): enough to fill a link, few enough not to be throttled. */
  concurrency?: number;
  headers?: Record<string, string>;
  /** Attempts per file (default 3). */
  attempts?: number;
  retryDelayMs?: number;
  requestTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: HarvestProgress) => void;
}

/** Result of one configuration's harvest. */
export interface ManifestHarvest {
  configuration: string;
  manifestUrl: string;
  /** Destination path of the top manifest, relative to the sink. */
  manifest?: string;
  files: number;
  downloaded: number;
  skipped: number;
  bytes: number;
  error?: string;
}

type Kind = 'hls' | 'dash';

export function manifestKind(url: string): Kind | undefined {
  const u = new URL(url);
  const format = u.searchParams.get('format') ?? '';
  if (u.pathname.endsWith('.m3u8') || format.includes('m3u8')) return 'hls';
  if (u.pathname.endsWith('.mpd') || format.includes('mpd')) return 'dash';
  return undefined;
}

async function fetchChecked(
  url: string,
  options: HarvestOptions,
): Promise<{ body: Buffer; contentType?: string }> {
  const attempts = options.attempts ?? 3;
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    if (i > 0)
      await delay(options.retryDelayMs ?? 1000, undefined, options.signal ? { signal: options.signal } : {});
    try {
      const signals = [
        AbortSignal.timeout(options.requestTimeoutMs ?? 60_000),
        ...(options.signal ? [options.signal] : []),
      ];
      const res = await fetch(url, { headers: options.headers ?? {}, signal: AbortSignal.any(signals) });
      const body = Buffer.from(await res.arrayBuffer());
      if (!res.ok) {
        last = new Error(`GET ${url}: HTTP ${res.status}`);
        // 4xx other than throttling will not get better by asking again.
        if (res.status < 500 && res.status !== 429) break;
        continue;
      }
      const length = res.headers.get('content-length');
      if (length !== null && Number(length) !== body.length) {
        last = new Error(`GET ${url}: got ${body.length} bytes, Content-Length said ${length}`);
        continue;
      }
      const contentType = res.headers.get('content-type');
      return contentType === null ? { body } : { body, contentType };
    } catch (err) {
      if (options.signal?.aborted) throw new VodError('aborted', 'harvest was cancelled', { cause: err });
      last = err;
    }
  }
  throw new VodError('harvest-failed', messageOf(last));
}

function commonDir(urls: string[]): string {
  const dirs = urls.map((u) => new URL(u).pathname.split('/').slice(0, -1));
  const first = dirs[0] ?? [];
  let n = first.length;
  for (const d of dirs) {
    let i = 0;
    while (i < n && d[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join('/') + '/';
}

/**
 * Downloads the manifest at `url` and everything it references into `sink` under `under/`. Manifests
 * are always read (they must be parsed) but only stored when missing or different in size.
 */
export async function harvestManifest(
  url: string,
  sink: HarvestSink,
  under: string,
  configuration: string,
  options: HarvestOptions = {},
): Promise<ManifestHarvest> {
  const kind = manifestKind(url);
  const result: ManifestHarvest = {
    configuration,
    manifestUrl: url,
    files: 0,
    downloaded: 0,
    skipped: 0,
    bytes: 0,
  };
  if (!kind)
    throw new VodError('harvest-failed', `${url} is neither an HLS (.m3u8) nor a DASH (.mpd) manifest`);
  const manifests = new Map<string, { body: Buffer; contentType?: string }>();
  const files = new Set<string>();
  const pending = [url];
  while (pending.length > 0) {
    const next = pending.shift()!;
    if (manifests.has(next)) continue;
    const got = await fetchChecked(next, options);
    manifests.set(next, got);
    const text = got.body.toString('utf8');
    if (kind === 'hls') {
      const refs = hlsReferences(text, next);
      pending.push(...refs.playlists);
      for (const f of refs.files) files.add(f);
    } else {
      for (const f of dashReferences(text, next)) files.add(f);
    }
  }
  const all = [...manifests.keys(), ...files];
  const base = commonDir(all);
  const rel = (u: string) => `${under}/${new URL(u).pathname.slice(base.length)}`;
  result.manifest = rel(url);
  result.files = all.length;
  const progress: HarvestProgress = { configuration, done: 0, total: all.length, bytes: 0, skipped: 0 };
  const tick = () => options.onProgress?.({ ...progress });
  for (const [u, got] of manifests) {
    if ((await sink.size(rel(u))) !== got.body.length) await sink.put(rel(u), got.body, got.contentType);
    progress.done++;
    tick();
  }
  const queue = [...files];
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined) {
      const u = queue.shift();
      if (u === undefined) return;
      try {
        if ((await sink.size(rel(u))) !== undefined) {
          progress.skipped++;
          result.skipped++;
        } else {
          const got = await fetchChecked(u, options);
          await sink.put(rel(u), got.body, got.contentType);
          result.downloaded++;
          result.bytes += got.body.length;
          progress.bytes += got.body.length;
        }
        progress.done++;
        tick();
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  if (failure !== undefined)
    throw failure instanceof VodError ? failure : new VodError('harvest-failed', messageOf(failure));
  return result;
}

/** Clients harvestAsset uses. */
export interface HarvestClients {
  mediapackage: MediaPackageVodClient;
  secrets: SecretsManagerClient;
}

/** The CDN identifier header for a packaging group, or {} when it has no CDN authorization. */
export async function cdnHeaders(clients: HarvestClients, groupId: string): Promise<Record<string, string>> {
  let auth;
  try {
    auth = (await clients.mediapackage.send(new DescribePackagingGroupCommand({ Id: groupId })))
      .Authorization;
  } catch (err) {
    throw mediaPackageFailure(err, `DescribePackagingGroup ${groupId}`, groupId);
  }
  if (!auth?.CdnIdentifierSecret) return {};
  let text: string | undefined;
  try {
    text = (await clients.secrets.send(new GetSecretValueCommand({ SecretId: auth.CdnIdentifierSecret })))
      .SecretString;
  } catch (err) {
    throw new VodError(
      'access-denied',
      `cannot read the CDN authorization secret ${auth.CdnIdentifierSecret} of packaging group ${groupId}: ${messageOf(err)}; the caller needs secretsmanager:GetSecretValue on it`,
      { cause: err },
    );
  }
  let id: unknown;
  try {
    id = (JSON.parse(text ?? '') as Record<string, unknown>).MediaPackageCDNIdentifier;
  } catch {
    id = undefined;
  }
  if (typeof id !== 'string' || id === '')
    throw new VodError('config', `secret ${auth.CdnIdentifierSecret} has no MediaPackageCDNIdentifier key`);
  return { 'X-MediaPackage-CDNIdentifier': id };
}

/** Harvests every PLAYABLE egress endpoint of an asset; others are reported, not waited for. */
export async function harvestAsset(
  clients: HarvestClients,
  assetId: string,
  sink: HarvestSink,
  options: HarvestOptions = {},
): Promise<ManifestHarvest[]> {
  let asset;
  try {
    asset = await clients.mediapackage.send(new DescribeAssetCommand({ Id: assetId }));
  } catch (err) {
    throw mediaPackageFailure(err, `DescribeAsset ${assetId}`);
  }
  const headers = { ...(await cdnHeaders(clients, asset.PackagingGroupId ?? '')), ...options.headers };
  const out: ManifestHarvest[] = [];
  for (const e of egressOf(asset)) {
    const base = {
      configuration: e.packagingConfigurationId,
      manifestUrl: e.url,
      files: 0,
      downloaded: 0,
      skipped: 0,
      bytes: 0,
    };
    if (e.status !== 'PLAYABLE') {
      out.push({ ...base, error: `egress status is ${e.status}, not PLAYABLE; harvest again later` });
      continue;
    }
    try {
      out.push(
        await harvestManifest(
          e.url,
          sink,
          `${assetId}/${e.packagingConfigurationId}`,
          e.packagingConfigurationId,
          { ...options, headers },
        ),
      );
    } catch (err) {
      if (err instanceof VodError && err.code === 'aborted') throw err;
      out.push({ ...base, error: messageOf(err) });
    }
  }
  return out;
}
