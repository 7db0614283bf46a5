// The local status endpoint: plain HTTP on loopback only, GET only, three small answers built on
// demand (/status JSON, /metrics Prometheus text, /healthz). No secrets are in the status (camera
// snapshots carry no URL), connections are capped and slow clients are cut off, so a stuck scraper
// cannot hold the component's memory.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/index.js';
import { prometheusText } from './metrics.js';
import type { ComponentStatus } from './status.js';

export const DEFAULT_STATUS_PORT = 8970;
const MAX_CONNECTIONS = 16;
const REQUEST_TIMEOUT_MS = 5_000;

export interface StatusServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  close(): Promise<void>;
}

export async function startStatusServer(options: {
  port: number;
  status: () => ComponentStatus;
  log: Logger;
  host?: string;
}): Promise<StatusServer> {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('only GET\n');
      return;
    }
    try {
      if (path === '/status') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(`${JSON.stringify(options.status())}\n`);
      } else if (path === '/metrics') {
        res
          .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
          .end(prometheusText(options.status()));
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('try /status, /metrics or /healthz\n');
      }
    } catch (err) {
      options.log.error({ err }, 'status endpoint could not answer');
      res.writeHead(500, { 'content-type': 'text/plain' }).end('status unavailable; see the component log\n');
    }
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
