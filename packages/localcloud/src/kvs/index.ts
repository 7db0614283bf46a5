// Kinesis Video Streams stand-in: one loopback HTTP server that is both the control plane (the unmodified
// @aws-sdk/client-kinesis-video talks to it with an endpoint override) and the PutMedia data endpoint
// that GetDataEndpoint hands out. PutMedia requests are SigV4-checked against the credentials the local
// cloud issued, the chunked Matroska body is walked by our own EBML walker (independent of src/mkv, so
// it checks the fragmenter instead of agreeing with it), every rule KVS enforces answers with the real
// ERROR ACK, and accepted fragments are kept per stream with producer and server timestamps for tests to
// list and export as playable .mkv. `faults` injects cuts, error ACKs, ACK delays and refusals at run time.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ARCHIVED_MEDIA_OPERATIONS, HlsSessions, handleArchivedMedia, handleHls } from './archived-media.js';
import type { Uplink } from '../http/index.js';
import { handleControlPlane, OPERATIONS } from './control-plane.js';
import { KvsFaults } from './faults.js';
import { FragmentStore, type FragmentRange, type StoredFragment } from './fragments.js';
import { ServiceError, sendError } from './http.js';
import type { PutMediaTiming } from './active-session.js';
import { PutMediaEndpoint } from './putmedia.js';
import { DEFAULT_LIMITS, type KvsLimits } from './contract.js';
import type { CredentialLookup } from './sigv4.js';
import { StreamTable, type StreamRecord } from './streams.js';

export type { CredentialLookup } from './sigv4.js';
export type { KvsLimits } from './contract.js';
export type { StoredFragment, FragmentRange } from './fragments.js';
export { FragmentExportError } from './fragments.js';
export type { StreamRecord } from './streams.js';
export { KvsFaults, type HttpFault, type CutFault, type ErrorAckFault } from './faults.js';
export { ERROR_CODES } from './contract.js';

/** Options of startKvsService; only `credentials` is required. */
export interface KvsServiceOptions {
  host?: string;
  /** 0 or undefined picks a free port. */
  port?: number;
  credentials: CredentialLookup;
  /** Streams and fragments survive restarts under this folder; in memory only when omitted. */
  stateDir?: string;
  log?: Logger;
  /** PutMedia connections end with ERROR 4003 after this long (default 45 min). */
  maxConnectionDurationMs?: number;
  /** CreateStream leaves a stream CREATING this long before ACTIVE (default 100 ms; 0 = at once). */
  streamActivationDelayMs?: number;
  /** IDLE ACK period (default 3 s) and the quiet time after which a request is closed (default 30 s). */
  idleAckIntervalMs?: number;
  idleTimeoutMs?: number;
  /** Overrides of the per-fragment limits (tests shrink the 50 MB size limit, for instance). */
  limits?: Partial<KvsLimits>;
  region?: string;
  accountId?: string;
  /** Behind the device's uplink (the local cloud's fault control cuts it). */
  uplink?: Uplink;
}

/** A running KVS stand-in. */
export interface KvsService {
  /** http://127.0.0.1:<port>; control plane and (through GetDataEndpoint) PutMedia. */
  readonly endpoint: string;
  readonly port: number;
  readonly faults: KvsFaults;
  /** Mutable at run time: delay of later CreateStream calls. */
  streamActivationDelayMs: number;
  /** Mutable at run time: applies to PutMedia sessions started afterwards. */
  maxConnectionDurationMs: number;
  /** Stream as DescribeStream would return it (plus Tags), or undefined. */
  stream(name: string): StreamRecord | undefined;
  /** Fragments of a stream whose start lies in the range, oldest first (producer time by default). */
  listFragments(streamName: string, range?: FragmentRange): StoredFragment[];
  /** Writes the fragments of the range as one playable .mkv; returns what it wrote. */
  exportMkv(streamName: string, file: string, range?: FragmentRange): Promise<StoredFragment[]>;
  /** Streams that have an open PutMedia connection right now. */
  activePutMediaStreams(): string[];
  /** Cuts the open PutMedia connections (of one stream, or all) now, without an ERROR ACK; returns how many. */
  cutPutMedia(stream?: string): number;
  stop(): Promise<void>;
}

export async function startKvsService(options: KvsServiceOptions): Promise<KvsService> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log;
  const streams = new StreamTable(
    options.region ?? 'us-east-1',
    options.accountId ?? '111122223333',
    options.stateDir,
  );
  const store = new FragmentStore(options.stateDir);
  const faults = new KvsFaults();
  const timing: PutMediaTiming = {
    maxConnectionDurationMs: options.maxConnectionDurationMs ?? 45 * 60 * 1000,
    idleAckIntervalMs: options.idleAckIntervalMs ?? 3_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
  };
  const putMedia = new PutMediaEndpoint({
    streams,
    store,
    faults,
    credentials: options.credentials,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    timing,
    log,
  });
  let endpoint = '';
  const archivedContext = {
    streams,
    fragments: (name: string, range: FragmentRange) => store.list(name, range),
    media: (name: string, fragmentNumber: string) => store.media(name, fragmentNumber),
    endpoint: () => endpoint,
  };
  const hls = new HlsSessions(archivedContext);
  let activationDelayMs = options.streamActivationDelayMs ?? 100;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (req.method === 'GET' && path.startsWith('/hls/v1/')) {
      req.resume();
      try {
        handleHls(hls, path, url.searchParams, res);
      } catch (err) {
        if (err instanceof ServiceError) return sendError(res, err.status, err.errorType, err.message);
        log?.error({ err }, 'HLS request failed');
        sendError(res, 500, 'InternalFailure', 'internal error in the KVS stand-in');
      }
      return;
    }
    if (req.method === 'POST' && path === '/putMedia') {
      try {
        putMedia.handle(req, res);
      } catch (err) {
        log?.error({ err }, 'PutMedia handler failed');
        if (!res.headersSent) sendError(res, 500, 'InternalFailure', 'internal error in the KVS stand-in');
        else res.destroy();
      }
      return;
    }
    const archived = req.method === 'POST' ? ARCHIVED_MEDIA_OPERATIONS[path] : undefined;
    const operation = req.method === 'POST' ? (OPERATIONS[path] ?? archived) : undefined;
    if (!operation) {
      req.resume();
      return sendError(res, 404, 'UnknownOperationException', `${req.method} ${path} is not emulated`);
    }
    void (async () => {
      try {
        const fault = faults.takeOperationFailure(operation);
        if (fault)
          throw new ServiceError(fault.status, fault.errorType, fault.message ?? 'failed by fault injection');
        if (archived !== undefined) {
          await handleArchivedMedia(archivedContext, hls, archived, req, res);
        } else {
          await handleControlPlane(
            { streams, dataEndpoint: () => endpoint, activationDelayMs: () => activationDelayMs },
            operation,
            req,
            res,
          );
        }
        log?.debug({ operation }, 'KVS control plane call');
      } catch (err) {
        if (err instanceof ServiceError) {
          req.resume();
          return sendError(res, err.status, err.errorType, err.message);
        }
        log?.error({ err, operation }, 'KVS control plane call failed');
        sendError(res, 500, 'InternalFailure', 'internal error in the KVS stand-in');
      }
    })();
  });
  options.uplink?.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  endpoint = `http://${host}:${port}`;
  log?.info({ endpoint }, 'KVS stand-in listening');
  let stopped: Promise<void> | undefined;

  return {
    endpoint,
    port,
    faults,
    get streamActivationDelayMs() {
      return activationDelayMs;
    },
    set streamActivationDelayMs(ms: number) {
      activationDelayMs = ms;
    },
    get maxConnectionDurationMs() {
      return timing.maxConnectionDurationMs;
    },
    set maxConnectionDurationMs(ms: number) {
      timing.maxConnectionDurationMs = ms;
    },
    stream: (name) => streams.get({ StreamName: name }),
    listFragments: (name, range) => store.list(name, range),
    exportMkv: (name, file, range) => store.exportMkv(name, file, range),
    activePutMediaStreams: () => putMedia.activeStreams(),
    cutPutMedia: (stream) => putMedia.cut(stream),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        putMedia.stop();
        streams.stop();
        hls.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
