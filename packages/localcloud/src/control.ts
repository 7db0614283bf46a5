// The fault-control API: a loopback HTTP server through which a driver outside this process (the
// component's fault suite, an operator's script, curl) breaks and inspects a running local cloud —
// cut the uplink, cut open PutMedia connections now, hold, delay or fail ACKs, refuse calls, and list
// what KVS stored. `npm run local-cloud -- --control-port <n>` starts it beside the services.
//
//   GET  /state                       uplink, held ACKs, streams with an open PutMedia connection
//   POST /uplink/down  /uplink/up     every cloud connection cut and refused / restored
//   POST /kvs/cut      {stream?}      open PutMedia connections cut now (no ERROR ACK)
//   POST /kvs/acks/hold  /kvs/acks/release
//   POST /kvs/acks/delay {ms}
//   POST /kvs/error-ack  {errorId, afterFragments?, stream?, times?}
//   POST /kvs/refuse     {status, errorType, message?, times?}       next PutMedia requests refused
//   POST /kvs/fail       {operation, status, errorType, times?}      e.g. ListFragments, GetDataEndpoint
//   GET  /kvs/fragments?stream=&start=&end=&timestamp=producer|server
//   POST /secrets/fail   {operation, code, times?}
//   POST /sitewise/fail  {operation, code, times?}
//   POST /clear                       every fault above lifted, uplink up
import type http from 'node:http';
import type { Logger } from 'pino';
import { readBody, sendJson, startHttpServer, type HttpService, type Uplink } from './http/index.js';
import type { KvsService } from './kvs/index.js';
import type { SecretsManagerService } from './secrets/index.js';
import type { SiteWiseService } from './sitewise/index.js';

/** The parts of a running local cloud the fault-control API drives (a LocalCloud has them all). */
export interface ControlledCloud {
  kvs: KvsService;
  uplink: Uplink;
  secrets: SecretsManagerService;
  sitewise: SiteWiseService;
}

/** A running fault-control API. */
export type FaultControl = HttpService;

class BadRequest extends Error {}

function num(body: Record<string, unknown>, key: string, required = false): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw new BadRequest(`${key} is required`);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequest(`${key} must be a number`);
  return v;
}

function text(body: Record<string, unknown>, key: string, required = false): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw new BadRequest(`${key} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new BadRequest(`${key} must be a string`);
  return v;
}

async function jsonBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req, 64 * 1024);
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BadRequest('body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new BadRequest('body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** Starts the fault-control API for `cloud` on 127.0.0.1:`port` (0 = a free port). */
export async function startFaultControl(
  cloud: ControlledCloud,
  options: { port?: number; log?: Logger } = {},
): Promise<FaultControl> {
  const kvs = cloud.kvs;
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    try {
      const body = req.method === 'POST' ? await jsonBody(req) : {};
      const ok = (extra: Record<string, unknown> = {}) => sendJson(res, 200, { ok: true, ...extra });
      switch (route) {
        case 'GET /state':
          return sendJson(res, 200, {
            uplink: cloud.uplink.isDown ? 'down' : 'up',
            uplinkCuts: cloud.uplink.cuts,
            acksHeld: kvs.faults.acksHeld,
            ackDelayMs: kvs.faults.ackDelayMs,
            putMedia: kvs.activePutMediaStreams(),
          });
        case 'POST /uplink/down':
          cloud.uplink.down();
          return ok();
        case 'POST /uplink/up':
          cloud.uplink.up();
          return ok();
        case 'POST /kvs/cut':
          return ok({ cut: kvs.cutPutMedia(text(body, 'stream')) });
        case 'POST /kvs/acks/hold':
          kvs.faults.holdAcks();
          return ok();
        case 'POST /kvs/acks/release':
          kvs.faults.releaseAcks();
          return ok();
        case 'POST /kvs/acks/delay':
          kvs.faults.delayAcks(num(body, 'ms', true) as number);
          return ok();
        case 'POST /kvs/error-ack': {
          const stream = text(body, 'stream');
          const afterFragments = num(body, 'afterFragments');
          const times = num(body, 'times');
          const errorCode = text(body, 'errorCode');
          kvs.faults.errorAck({
            errorId: num(body, 'errorId', true) as number,
            ...(stream !== undefined && { stream }),
            ...(afterFragments !== undefined && { afterFragments }),
            ...(times !== undefined && { times }),
            ...(errorCode !== undefined && { errorCode }),
          });
          return ok();
        }
        case 'POST /kvs/refuse': {
          const times = num(body, 'times');
          const message = text(body, 'message');
          kvs.faults.refuseConnections({
            status: num(body, 'status', true) as number,
            errorType: text(body, 'errorType', true) as string,
            ...(times !== undefined && { times }),
            ...(message !== undefined && { message }),
          });
          return ok();
        }
        case 'POST /kvs/fail': {
          const times = num(body, 'times');
          kvs.faults.failOperation(text(body, 'operation', true) as string, {
            status: num(body, 'status', true) as number,
            errorType: text(body, 'errorType', true) as string,
            ...(times !== undefined && { times }),
          });
          return ok();
        }
        case 'GET /kvs/fragments': {
          const stream = url.searchParams.get('stream');
          if (!stream) throw new BadRequest('stream is required');
          const start = url.searchParams.get('start');
          const end = url.searchParams.get('end');
          const ts = url.searchParams.get('timestamp');
          if (ts !== null && ts !== 'producer' && ts !== 'server')
            throw new BadRequest('timestamp must be producer or server');
          return sendJson(res, 200, {
            fragments: kvs.listFragments(stream, {
              ...(start !== null && { startMs: Number(start) }),
              ...(end !== null && { endMs: Number(end) }),
              ...(ts !== null && { timestamp: ts }),
            }),
          });
        }
        case 'POST /secrets/fail':
        case 'POST /sitewise/fail': {
          const injector = route.startsWith('POST /secrets') ? cloud.secrets.faults : cloud.sitewise.faults;
          const times = num(body, 'times');
          injector.fail(text(body, 'operation', true) as string, {
            code: text(body, 'code', true) as string,
            ...(times !== undefined && { times }),
          });
          return ok();
        }
        case 'POST /clear':
          kvs.faults.clear();
          cloud.secrets.faults.clear();
          cloud.sitewise.faults.clear();
          cloud.uplink.up();
          return ok();
        default:
          return sendJson(res, 404, { message: `no fault control at ${route}` });
      }
    } catch (err) {
      if (!(err instanceof BadRequest)) throw err;
      sendJson(res, 400, { message: err.message });
    }
  };
  const server = await startHttpServer(handle, {
    name: 'fault-control',
    ...(options.port !== undefined && { port: options.port }),
    ...(options.log && { log: options.log }),
  });
  options.log?.info({ endpoint: server.endpoint }, 'fault control listening');
  return server;
}
