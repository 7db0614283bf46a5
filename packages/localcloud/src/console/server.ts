import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { sendJson, startHttpServer, readBody, type HttpService } from '../http/index.js';
import type { SiteWiseStore } from '../sitewise/index.js';
import type { TwinMakerStore } from '../twinmaker/entities.js';
import { cameras, hlsSource, ranges, sendRequest } from './api.js';
import { PAGE } from './page.js';

export interface ConsoleOptions {
  host?: string;
  port?: number;
  sitewise: { store: SiteWiseStore; endpoint: string };
  twinmaker: { store: TwinMakerStore };
  kvsEndpoint: string;
  log?: Logger;
}

export interface ConsoleService extends HttpService {
  /** The page's address. */
  readonly url: string;
}

const require = createRequire(import.meta.url);

export async function startConsole(options: ConsoleOptions): Promise<ConsoleService> {
  const hlsJsFile = require.resolve('hls.js/dist/hls.min.js');
  let hlsJs: Buffer | undefined;
  const find = (key: string | null) => {
    const c = cameras(options.twinmaker.store, options.sitewise.store).find((x) => x.key === key);
    if (c === undefined) throw Object.assign(new Error(`no camera ${key}`), { status: 404 });
    return c;
  };
  const http = await startHttpServer(
    async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://local');
      const q = url.searchParams;
      try {
        if (req.method === 'GET' && url.pathname === '/') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(PAGE);
          return;
        }
        if (req.method === 'GET' && url.pathname === '/hls.min.js') {
          hlsJs ??= await readFile(hlsJsFile);
          res.writeHead(200, { 'content-type': 'text/javascript', 'content-length': hlsJs.length });
          res.end(hlsJs);
          return;
        }
        if (req.method === 'GET' && url.pathname === '/api/cameras')
          return sendJson(res, 200, cameras(options.twinmaker.store, options.sitewise.store));
        if (req.method === 'GET' && url.pathname === '/api/ranges') {
          const c = find(q.get('camera'));
          return sendJson(
            res,
            200,
            ranges(options.sitewise.store, c, Number(q.get('start')), Number(q.get('end'))),
          );
        }
        if (req.method === 'GET' && url.pathname === '/api/source') {
          const c = find(q.get('camera'));
          if (c.streamName === undefined) throw new Error(`camera ${c.name} has no KinesisVideoStreamName`);
          const mode = q.get('mode') === 'ON_DEMAND' ? 'ON_DEMAND' : 'LIVE';
          const src = await hlsSource(
            options.kvsEndpoint,
            c.streamName,
            mode,
            Number(q.get('start')),
            Number(q.get('end')),
          );
          return sendJson(res, 200, { src });
        }
        if (req.method === 'POST' && url.pathname === '/api/request') {
          const body = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8')) as {
            camera?: string;
            value?: string;
          };
          const value = String(body.value ?? '');
          if (value !== 'live' && !/^\d+-\d+$/.test(value))
            return sendJson(res, 400, { error: 'value must be live or <startMs>-<endMs>' });
          await sendRequest(options.sitewise.endpoint, find(body.camera ?? null), value);
          return sendJson(res, 200, { sent: value });
        }
        sendJson(res, 404, { error: `${req.method} ${url.pathname} not found` });
      } catch (err) {
        const e = err as Error & { status?: number };
        options.log?.debug({ err: e.message, path: url.pathname }, 'console request failed');
        sendJson(res, e.status ?? 502, { error: e.message, name: e.name });
      }
    },
    { ...options, name: 'console' },
  );
  return { ...http, url: `${http.endpoint}/` };
}
