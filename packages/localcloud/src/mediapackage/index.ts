// AWS Elemental MediaPackage VOD stand-in (REST-JSON, camelCase) for the unmodified
// @aws-sdk/client-mediapackage-vod: packaging groups, packaging configurations (HLS, DASH, CMAF, MSS)
// and assets, plus tags. An asset gets one egress endpoint per configuration of its group; each goes
// QUEUED -> PROCESSING -> PLAYABLE over short settable delays, or FAILED when the source named by
// sourceArn is missing from the local S3. PLAYABLE HLS and CMAF endpoints serve the HLS source from S3
// re-rooted under the egress URL (no repackaging); DASH endpoints serve an MPD made at ingest whose
// segments are the source's own .ts files under the same re-rooting (dash.ts, egress.ts), or go FAILED
// when the source's segment names cannot be templated; MSS endpoints are not served.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { S3Service } from '../s3/index.js';
import {
  VodError,
  VodResources,
  assetView,
  configView,
  groupView,
  notFound,
  unprocessable,
  type Asset,
  type EgressEndpoint,
} from './resources.js';
import { DashSourceError, dashManifest } from './dash.js';
import { serveEgress } from './egress.js';
import { operationName, page, readJson, send } from './wire.js';

/** Options of startMediaPackageVodService. */
export interface MediaPackageVodOptions {
  host?: string;
  port?: number;
  /** Where asset sources (sourceArn) are looked up and egress content is read from. */
  s3: Pick<S3Service, 'getObject'>;
  log?: Logger;
  /** Time an egress endpoint stays QUEUED (default 100 ms), then PROCESSING (default 200 ms). */
  queuedMs?: number;
  processingMs?: number;
  region?: string;
  accountId?: string;
}

/** A control-plane error to inject: status, exception name, message. */
export interface VodFault {
  status: number;
  errorType: string;
  message?: string;
  times?: number;
}

/** A running MediaPackage VOD stand-in. */
export interface MediaPackageVodService {
  readonly endpoint: string;
  readonly port: number;
  /** Mutable: apply to assets created afterwards. */
  queuedMs: number;
  processingMs: number;
  /** The operation (e.g. 'CreateAsset') fails with this error for the next `times` calls. */
  failOperation(operation: string, fault: VodFault): void;
  /** Egress status per configuration id of an asset (undefined for an unknown asset). */
  egressStatus(assetId: string): Record<string, string> | undefined;
  stop(): Promise<void>;
}

type Json = Record<string, unknown>;

export async function startMediaPackageVodService(
  options: MediaPackageVodOptions,
): Promise<MediaPackageVodService> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log;
  let endpoint = '';
  const resources = new VodResources(
    `arn:aws:mediapackage-vod:${options.region ?? 'us-east-1'}:${options.accountId ?? '111122223333'}`,
    () => endpoint,
  );
  const faults = new Map<string, VodFault>();
  const timers = new Set<NodeJS.Timeout>();
  const delays = { queuedMs: options.queuedMs ?? 100, processingMs: options.processingMs ?? 200 };

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const dashManifests = new WeakMap<EgressEndpoint, string>();
  const egressContext = { resources, s3: options.s3, dashManifests };
  const packageDash = (asset: Asset, e: EgressEndpoint) => {
    const { bucket } = asset.source;
    try {
      const read = (key: string) => options.s3.getObject(bucket, key)?.body.toString('utf8');
      dashManifests.set(e, dashManifest(read, asset.source.key));
    } catch (err) {
      if (!(err instanceof DashSourceError)) throw err;
      e.status = 'FAILED';
      log?.warn({ asset: asset.id, reason: err.message }, 'MediaPackage VOD stand-in cannot present as DASH');
    }
  };

  const ingest = (asset: Asset) => {
    const { queuedMs, processingMs } = delays;
    later(queuedMs, () => {
      for (const e of asset.egressEndpoints) e.status = 'PROCESSING';
      later(processingMs, () => {
        const found = options.s3.getObject(asset.source.bucket, asset.source.key) !== undefined;
        for (const e of asset.egressEndpoints) {
          e.status = found ? 'PLAYABLE' : 'FAILED';
          if (found && resources.configs.get(e.packagingConfigurationId)?.kind === 'dashPackage')
            packageDash(asset, e);
        }
        log?.info({ asset: asset.id, playable: found }, 'MediaPackage VOD asset ingested');
      });
    });
  };

  const api = async (
    method: string,
    parts: string[],
    q: URLSearchParams,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) => {
    const [collection, rawId, sub] = parts;
    const id = rawId === undefined ? undefined : decodeURIComponent(rawId);
    const op = operationName(method, collection, id, sub);
    if (!op) throw notFound(`${method} /${parts.join('/')} is not a MediaPackage VOD operation`);
    const fault = faults.get(op);
    if (fault) {
      const left = (fault.times ?? 1) - 1;
      if (left <= 0) faults.delete(op);
      else fault.times = left;
      throw new VodError(fault.status, fault.errorType, fault.message ?? 'failed by fault injection');
    }
    const body = method === 'POST' || method === 'PUT' ? await readJson(req) : {};
    const assetCount = (groupId: string) =>
      [...resources.assets.values()].filter((a) => a.packagingGroupId === groupId).length;
    switch (op) {
      case 'CreatePackagingGroup':
        return send(res, 200, groupView(resources.createGroup(body)));
      case 'DescribePackagingGroup': {
        const g = resources.group(id!);
        return send(res, 200, groupView(g, assetCount(g.id)));
      }
      case 'ListPackagingGroups': {
        const p = page([...resources.groups.values()], q);
        return send(res, 200, {
          packagingGroups: p.items.map((g) => groupView(g, assetCount(g.id))),
          nextToken: p.nextToken,
        });
      }
      case 'UpdatePackagingGroup': {
        const g = resources.group(id!);
        if (body.authorization !== undefined) g.authorization = body.authorization as Json;
        return send(res, 200, groupView(g, assetCount(g.id)));
      }
      case 'ConfigureLogs': {
        const g = resources.group(id!);
        g.egressAccessLogs = body.egressAccessLogs as Json | undefined;
        return send(res, 200, groupView(g));
      }
      case 'DeletePackagingGroup':
        resources.deleteGroup(id!);
        return send(res, 202);
      case 'CreatePackagingConfiguration':
        return send(res, 200, configView(resources.createConfig(body)));
      case 'DescribePackagingConfiguration':
        return send(res, 200, configView(resources.config(id!)));
      case 'ListPackagingConfigurations': {
        const groupId = q.get('packagingGroupId');
        const all = [...resources.configs.values()].filter(
          (c) => groupId === null || c.packagingGroupId === groupId,
        );
        const p = page(all, q);
        return send(res, 200, { packagingConfigurations: p.items.map(configView), nextToken: p.nextToken });
      }
      case 'DeletePackagingConfiguration':
        resources.config(id!);
        resources.configs.delete(id!);
        return send(res, 202);
      case 'CreateAsset': {
        const asset = resources.createAsset(body);
        ingest(asset);
        return send(res, 200, assetView(asset));
      }
      case 'DescribeAsset':
        return send(res, 200, assetView(resources.asset(id!)));
      case 'ListAssets': {
        const groupId = q.get('packagingGroupId');
        const all = [...resources.assets.values()].filter(
          (a) => groupId === null || a.packagingGroupId === groupId,
        );
        const p = page(all, q);
        return send(res, 200, { assets: p.items.map((a) => assetView(a, true)), nextToken: p.nextToken });
      }
      case 'DeleteAsset':
        resources.asset(id!);
        resources.assets.delete(id!);
        return send(res, 202);
      case 'ListTagsForResource':
        return send(res, 200, { tags: resources.byArn(id!).tags });
      case 'TagResource': {
        const r = resources.byArn(id!);
        const tags = body.tags;
        if (tags === null || typeof tags !== 'object' || Array.isArray(tags))
          throw unprocessable('tags must be a map');
        Object.assign(r.tags, tags);
        return send(res, 204);
      }
      case 'UntagResource': {
        const r = resources.byArn(id!);
        for (const k of q.getAll('tagKeys')) delete r.tags[k];
        return send(res, 204);
      }
    }
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter((p) => p !== '');
    if (parts[0] === 'egress' && req.method === 'GET') return serveEgress(egressContext, parts, res);
    api(req.method ?? 'GET', parts, url.searchParams, req, res).catch((err: unknown) => {
      req.resume();
      const e =
        err instanceof VodError
          ? err
          : new VodError(500, 'InternalServerErrorException', 'internal error in the stand-in');
      if (!(err instanceof VodError)) log?.error({ err }, 'MediaPackage VOD stand-in request failed');
      const text = JSON.stringify({ message: e.message });
      res.writeHead(e.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-amzn-errortype': e.errorType,
        'x-amzn-requestid': randomUUID(),
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  endpoint = `http://${host}:${port}`;
  log?.info({ endpoint }, 'MediaPackage VOD stand-in listening');
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    port,
    get queuedMs() {
      return delays.queuedMs;
    },
    set queuedMs(ms: number) {
      delays.queuedMs = ms;
    },
    get processingMs() {
      return delays.processingMs;
    },
    set processingMs(ms: number) {
      delays.processingMs = ms;
    },
    failOperation: (operation, fault) => void faults.set(operation, { ...fault }),
    egressStatus: (assetId) => {
      const a = resources.assets.get(assetId);
      return a && Object.fromEntries(a.egressEndpoints.map((e) => [e.packagingConfigurationId, e.status]));
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
