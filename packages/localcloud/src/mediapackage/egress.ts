// Egress of PLAYABLE endpoints: GET <domainName>/out/v1/<asset>/<config>/<x>/<file>. The manifest
// name is the source's parent playlist (HLS, CMAF) or the MPD built at ingest (DASH); any other path
// is the S3 object at that path relative to the source (child playlists, .ts segments), so the source
// is re-rooted under the egress URL, never repackaged. MSS endpoints are not served.
import type http from 'node:http';
import { posix } from 'node:path';
import type { S3Service } from '../s3/index.js';
import { manifestFile, type EgressEndpoint, type VodResources } from './resources.js';

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.ts': 'video/MP2T',
  '.mp4': 'video/mp4',
  '.aac': 'audio/aac',
  '.vtt': 'text/vtt',
};

/** What the egress handler reads. */
export interface EgressContext {
  resources: VodResources;
  s3: Pick<S3Service, 'getObject'>;
  /** MPD text per PLAYABLE DASH endpoint, made at ingest. */
  dashManifests: WeakMap<EgressEndpoint, string>;
}

function notFound(res: http.ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('Not Found');
}

function reply(res: http.ServerResponse, contentType: string, body: Buffer): void {
  res.writeHead(200, { 'content-type': contentType, 'content-length': body.length });
  res.end(body);
}

/** Answers one egress GET; `parts` are the URL path segments starting with 'egress'. */
export function serveEgress(ctx: EgressContext, parts: string[], res: http.ServerResponse): void {
  const [, groupHex, out, v1, assetHex, configHex, _x, ...rest] = parts;
  const { resources } = ctx;
  const asset = [...resources.assets.values()].find((a) => a.hex === assetHex);
  const config = [...resources.configs.values()].find((c) => c.hex === configHex);
  const group = asset && resources.groups.get(asset.packagingGroupId);
  const endpoint = asset?.egressEndpoints.find((e) => e.packagingConfigurationId === config?.id);
  if (
    out !== 'out' ||
    v1 !== 'v1' ||
    !asset ||
    !config ||
    !endpoint ||
    group?.hex !== groupHex ||
    endpoint.status !== 'PLAYABLE' ||
    config.kind === 'mssPackage'
  )
    return notFound(res);
  const file = rest.map(decodeURIComponent).join('/');
  const isManifest = file === manifestFile(config);
  if (isManifest && config.kind === 'dashPackage') {
    const mpd = ctx.dashManifests.get(endpoint);
    return mpd === undefined ? notFound(res) : reply(res, CONTENT_TYPES['.mpd']!, Buffer.from(mpd));
  }
  const dir = posix.dirname(asset.source.key);
  const key = isManifest ? asset.source.key : posix.normalize(posix.join(dir, file));
  const obj = key.startsWith('..') ? undefined : ctx.s3.getObject(asset.source.bucket, key);
  if (!obj) return notFound(res);
  reply(res, CONTENT_TYPES[posix.extname(key)] ?? obj.contentType, obj.body);
}
